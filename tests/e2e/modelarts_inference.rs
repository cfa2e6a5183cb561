//! The modelarts toolset's inference part 2 end to end against the emulator's Huawei front:
//! a v1 service stopped and started through the gate with its events, tags added and removed,
//! and the specification and model lookups; a v2 service's health, events and exec access
//! (the login token withheld), an update that leaves a version to switch back to, and a deploy
//! interrupted.

use serde_json::json;

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, expect_error, str_of};

/// The demo region's running and stopped v1 services, and running and stopped v2 services.
const V1_RUNNING: &str = "5b1e385c-38fa-4335-845f-7bc56aaa8de2";
const V2_RUNNING: &str = "5bc98ce5-41f3-484e-8b71-fed63e10fe56";
const V2_STOPPED: &str = "f7c718fc-07bd-4c80-8bdb-38aa5b633c51";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&[
        "--toolsets",
        "modelarts",
        "--operation-time-scale",
        "0.01",
        "--wait-timeout",
        "10s",
    ])
}

async fn v1_lifecycle(transport: Transport) {
    let h = spec(transport).start().await;
    let count = h.ok("ma_svc1_count", json!({"status": "running"})).await;
    assert_eq!(count["total_count"], 1, "{count:#}");

    let plan = h
        .plan("ma_svc1_stop", json!({"service_id": V1_RUNNING}))
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {V1_RUNNING}")
    );
    h.execute(&plan).await;
    h.emu
        .admin_post("clock/advance", json!({"seconds": 15}))
        .await;
    let got = h.ok("ma_svc1_get", json!({"service_id": V1_RUNNING})).await;
    assert_eq!(got["status"], "stopped", "{got:#}");
    let count = h.ok("ma_svc1_count", json!({"status": "running"})).await;
    assert_eq!(count["total_count"], 0, "{count:#}");
    let events = h
        .ok("ma_svc1_get_events", json!({"service_id": V1_RUNNING}))
        .await;
    assert!(
        str_of(&array(&events["events"])[0]["event_info"]).contains("stopped"),
        "{events:#}"
    );

    let plan = h
        .plan("ma_svc1_start", json!({"service_id": V1_RUNNING}))
        .await;
    h.execute(&plan).await;
    assert_eq!(
        h.ok("ma_svc1_get", json!({"service_id": V1_RUNNING})).await["status"],
        "deploying"
    );

    let plan = h
        .plan(
            "ma_svc1_create_tags",
            json!({"service_id": V1_RUNNING, "tags": [{"key": "team", "value": "vision"}]}),
        )
        .await;
    h.execute(&plan).await;
    let tags = h
        .ok("ma_svc1_get_tags", json!({"service_id": V1_RUNNING}))
        .await;
    assert_eq!(
        tags["tags"],
        json!([{"key": "team", "value": "vision"}]),
        "{tags:#}"
    );
    let plan = h
        .plan(
            "ma_svc1_delete_tags",
            json!({"service_id": V1_RUNNING, "tags": [{"key": "team"}]}),
        )
        .await;
    h.execute(&plan).await;
    let tags = h
        .ok("ma_svc1_get_tags", json!({"service_id": V1_RUNNING}))
        .await;
    assert!(array(&tags["tags"]).is_empty(), "{tags:#}");

    let public = h.ok("ma_svc1_get_public_specs", json!({})).await;
    let dedicated = h.ok("ma_svc1_get_dedicated_specs", json!({})).await;
    assert_eq!(
        array(&dedicated["specifications"]).len(),
        array(&public["specifications"]).len() + 1,
        "dedicated pools add the custom size: {dedicated:#}"
    );
    let custom = h.ok("ma_svc1_list_custom_models", json!({})).await;
    assert_eq!(custom["total_count"], 3, "{custom:#}");
    let pools = h.ok("ma_svc1_get_dedicated_pool", json!({})).await;
    assert!(
        array(&pools["pools"])
            .iter()
            .any(|p| p["pool_id"] == "pool-democnnorth4" && p["status"] == "running"),
        "{pools:#}"
    );
    let models = h
        .ok("ma_svc1_list_models", json!({"model_status": "published"}))
        .await;
    assert_eq!(models["total_count"], 2, "{models:#}");

    let refused = h
        .call(
            "ma_svc1_update",
            json!({"service_id": V1_RUNNING, "description": "x", "status": "stopped"}),
        )
        .await;
    expect_error(
        &refused,
        "validation_error",
        "status goes through start and stop",
    );
}

both_transports!(a_v1_service_is_stopped_started_and_tagged, v1_lifecycle);

async fn v2_operations(transport: Transport) {
    let h = spec(transport).start().await;
    let region = h.ok("ma_region_detect", json!({})).await;
    assert_eq!(region["region_id"], "cn-north-4", "{region:#}");
    let pools = h.ok("ma_svc_list_pools", json!({})).await;
    assert!(
        array(&pools["pools"]).iter().any(|p| p["usable"] == true),
        "{pools:#}"
    );

    let suggested = h
        .ok(
            "ma_svc_suggest_flavor",
            json!({"pool_id": "pool-democnnorth4", "cpu": 8, "memory_mb": 32768}),
        )
        .await;
    let ranked = array(&suggested["flavors"]);
    assert!(!ranked.is_empty(), "{suggested:#}");
    let scores: Vec<f64> = ranked.iter().filter_map(|f| f["score"].as_f64()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {suggested:#}"
    );

    let health = h
        .ok("ma_svc_health", json!({"service_id": V2_RUNNING}))
        .await;
    assert_eq!(health["healthy"], true, "{health:#}");
    let exec = h
        .ok("ma_svc_get_exec", json!({"service_id": V2_RUNNING}))
        .await;
    assert!(!array(&exec["instances"]).is_empty(), "{exec:#}");
    assert!(
        exec.get("token").is_none(),
        "the login token is withheld: {exec:#}"
    );
    let events = h
        .ok(
            "ma_svc_get_events",
            json!({"service_id": V2_RUNNING, "event_type": "abnormal"}),
        )
        .await;
    assert!(array(&events["events"]).is_empty(), "{events:#}");

    // An update leaves 1.0.0 behind; switching back to it is one gated call.
    let plan = h
        .plan(
            "ma_svc_update",
            json!({"service_id": V2_STOPPED, "version": "2.0.0"}),
        )
        .await;
    h.execute(&plan).await;
    let versions = h
        .ok("ma_svc_get_version", json!({"service_id": V2_STOPPED}))
        .await;
    assert_eq!(versions["current_version"], "2.0.0", "{versions:#}");
    let old = array(&versions["versions"])
        .iter()
        .find(|v| v["version"] == "1.0.0")
        .map(|v| str_of(&v["version_id"]))
        .expect("the version it left");
    let plan = h
        .plan(
            "ma_svc_switch_version",
            json!({"service_id": V2_STOPPED, "version_id": old}),
        )
        .await;
    h.execute(&plan).await;
    let got = h.ok("ma_svc_get", json!({"service_id": V2_STOPPED})).await;
    assert_eq!(got["version"]["version"], "1.0.0", "{got:#}");

    // A running service has no deploy to interrupt; a started one has.
    let refused = h
        .plan("ma_svc_interrupt", json!({"service_id": V2_RUNNING}))
        .await;
    let done = h
        .confirm(
            &str_of(&refused["plan_id"]),
            &str_of(&refused["confirm_phrase"]),
        )
        .await;
    assert!(format!("{done:?}").contains("ModelArts.3519"), "{done:#?}");
    let plan = h
        .plan("ma_svc_start", json!({"service_id": V2_STOPPED}))
        .await;
    h.execute(&plan).await;
    let plan = h
        .plan("ma_svc_interrupt", json!({"service_id": V2_STOPPED}))
        .await;
    h.execute(&plan).await;
    h.emu
        .admin_post("clock/advance", json!({"seconds": 15}))
        .await;
    let got = h.ok("ma_svc_get", json!({"service_id": V2_STOPPED})).await;
    assert_eq!(got["status"], "STOPPED", "{got:#}");
}

both_transports!(
    a_v2_service_is_checked_switched_back_and_interrupted,
    v2_operations
);

async fn v1_create_and_v2_batch_delete(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan("ma_svc1_create", json!({"service_name": "v1-new", "model_id": "model-demo-resnet50", "specification": "modelarts.vm.cpu.2u", "auto_stop_hours": 0}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-CREATE v1-new");
    let checks = array(&plan["checks"]);
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == "auto_stop" && c["result"] == "warning"),
        "no auto-stop is a warning: {plan:#}"
    );
    h.execute(&plan).await;
    let listed = h
        .ok("ma_svc1_list", json!({"service_name": "v1-new"}))
        .await;
    let id = str_of(&array(&listed["services"])[0]["service_id"]);
    let got = h.ok("ma_svc1_get", json!({"service_id": id})).await;
    assert_eq!(got["status"], "deploying", "{got:#}");
    assert_eq!(
        got["config"][0]["model_id"], "model-demo-resnet50",
        "{got:#}"
    );
    let refused = h
        .call("ma_svc1_create", json!({"service_name": "v1-x", "model_id": "m", "specification": "modelarts.vm.cpu.2u", "force_confirm": true}))
        .await;
    expect_error(&refused, "validation_error", "force_confirm is refused");

    // A deploying service stops the whole batch at planning; two settled ones go together.
    let plan = h
        .plan("ma_svc_start", json!({"service_id": V2_STOPPED}))
        .await;
    h.execute(&plan).await;
    let refused = h
        .call(
            "ma_svc_batch_delete",
            json!({"service_ids": [V2_RUNNING, V2_STOPPED]}),
        )
        .await;
    let failure = expect_error(&refused, "validation_error", "a deploying service");
    assert!(failure.to_string().contains("DEPLOYING"), "{failure:#}");
    h.emu
        .admin_post("clock/advance", json!({"seconds": 90}))
        .await;
    let plan = h
        .plan(
            "ma_svc_batch_delete",
            json!({"service_ids": [V2_RUNNING, V2_STOPPED]}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH DELETE 2");
    h.execute(&plan).await;
    let left = h.ok("ma_svc_list", json!({})).await;
    assert!(array(&left["services"]).is_empty(), "{left:#}");
}

both_transports!(
    a_v1_service_is_created_and_v2_services_batch_deleted,
    v1_create_and_v2_batch_delete
);
