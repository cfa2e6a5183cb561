//! ModelArts pools part 2, the inference extras and management part 2 end to end against the
//! emulator's Huawei front: batch lock / unlock / resize of pool nodes with the state they
//! leave (a lock in the node list and refusing a delete, a flavor that changes on the clock)
//! and statistics that count the pool's real nodes and workloads; OS networks created,
//! patched, refused while in use and deleted; the v1 full and property updates, internal
//! channel and subscriptions, the v2 event analysis and the region-checked create; workspace
//! quotas, the auth check and mode, the agency, tags and a scheduled event accepted against
//! the server's clock.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{
    ServerSpec, Transport, array, expect_error, find_by, plan_check, str_of, toolset_spec,
};

const DEMO_POOL: &str = "pool-democnnorth4";
const IDLE_POOL: &str = "pool-idlecnnorth4";
const IDLE1: &str = "os-node-created-idle1";
const TEAM_WS: &str = "6f0c9d0b2b3e4c5f8a1d2e3f4a5b6c7d";

fn spec(transport: Transport) -> ServerSpec {
    toolset_spec(transport, "modelarts")
}

fn check<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan_check(plan, name)
}

fn node(nodes: &Value, name: &str) -> Value {
    find_by(&nodes["nodes"], "name", name).unwrap_or_else(|| panic!("no node {name} in {nodes:#}"))
}

async fn pool_batch_and_statistics(transport: Transport) {
    let h = spec(transport).start().await;
    let stats = h.ok("ma_pool_statistics", json!({})).await;
    assert_eq!(stats["created"], 2, "{stats:#}");
    assert!(!str_of(&stats["server_time"]).is_empty(), "{stats:#}");

    // The workload statistics and the capacity count what is really on the pool.
    let workloads = h
        .ok("ma_pool_list_workloads", json!({"pool_id": DEMO_POOL}))
        .await;
    let counted = h
        .ok("ma_pool_workload_statistics", json!({"pool_id": DEMO_POOL}))
        .await;
    assert_eq!(
        counted["workloads"].as_u64(),
        Some(array(&workloads["workloads"]).len() as u64),
        "{counted:#}"
    );
    assert!(counted["workloads"].as_u64() > Some(0), "{counted:#}");
    let nodes = h
        .ok("ma_pool_list_nodes", json!({"pool_id": DEMO_POOL}))
        .await;
    let cpus: u64 = array(&nodes["nodes"])
        .iter()
        .filter(|n| n["phase"] == "Available")
        .map(|n| str_of(&n["resources"]["cpu"]).parse::<u64>().unwrap_or(0))
        .sum();
    let metrics = h.ok("ma_pool_runtime_metrics", json!({})).await;
    let demo = array(&metrics["pools"])
        .iter()
        .find(|p| p["pool_id"] == DEMO_POOL)
        .expect("the demo pool's metrics")
        .clone();
    assert_eq!(
        str_of(&demo["capacity"]["cpu"]),
        cpus.to_string(),
        "{demo:#}"
    );
    let monitor = h
        .ok(
            "ma_pool_monitor",
            json!({"pool_id": DEMO_POOL, "period": "300"}),
        )
        .await;
    assert_eq!(array(&monitor["metrics"]).len(), 3, "{monitor:#}");
    assert_eq!(
        array(&monitor["metrics"][0]["points"]).len(),
        12,
        "{monitor:#}"
    );

    // A lock lists the node, shows in the node list and makes a delete of it refused.
    let plan = h
        .plan(
            "ma_pool_batch_lock_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1], "actions": ["delete"]}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH LOCK 1");
    assert_eq!(check(&plan, "nodes")["detail"]["nodes"][0]["name"], IDLE1);
    h.execute(&plan).await;
    let listed = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(
        node(&listed, IDLE1)["labels"]["os.modelarts.node/locked"],
        "true",
        "{listed:#}"
    );
    let refused = h
        .call(
            "ma_pool_batch_delete_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1]}),
        )
        .await;
    let failure = expect_error(&refused, "validation_error", "a delete of a locked node");
    assert!(
        failure.to_string().contains("locked against delete"),
        "{failure:#}"
    );

    let plan = h
        .plan(
            "ma_pool_batch_unlock_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1], "actions": ["delete"]}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH UNLOCK 1");
    h.execute(&plan).await;
    let listed = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert!(
        node(&listed, IDLE1)["labels"]
            .get("os.modelarts.node/locked")
            .is_none()
    );
    let again = h
        .call(
            "ma_pool_batch_unlock_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1], "actions": ["delete"]}),
        )
        .await;
    expect_error(&again, "validation_error", "an unlock of an unlocked node");

    // Bad input: every problem at once, nothing planned.
    let bad = h
        .call(
            "ma_pool_batch_resize_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1, "no-such-node"], "target_flavor": "modelarts.vm.cpu.8ud"}),
        )
        .await;
    expect_error(&bad, "validation_error", "a node not in the pool");

    // A resize changes the node's flavor when its lifecycle ends, on the clock.
    let old = str_of(&node(&listed, IDLE1)["flavor"]);
    let plan = h
        .plan(
            "ma_pool_batch_resize_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1], "target_flavor": "modelarts.vm.cpu.8ud"}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH RESIZE 1");
    assert_eq!(
        plan["diff"]["flavor"],
        json!({"current": old, "target": "modelarts.vm.cpu.8ud"})
    );
    assert_eq!(check(&plan, "cost")["result"], "warning");
    h.execute(&plan).await;
    let listed = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(node(&listed, IDLE1)["phase"], "Resizing", "{listed:#}");
    assert_eq!(str_of(&node(&listed, IDLE1)["flavor"]), old);
    h.emu
        .admin_post("clock/advance", json!({"seconds": 70}))
        .await;
    let listed = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(node(&listed, IDLE1)["phase"], "Available", "{listed:#}");
    assert_eq!(node(&listed, IDLE1)["flavor"], "modelarts.vm.cpu.8ud");
    let jobs = h
        .ok("ma_pool_list_jobs", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(jobs["jobs"][0]["type"], "resize-nodes", "{jobs:#}");
    h.finish().await;
}
both_transports!(
    batch_node_operations_leave_their_state_and_statistics_count_it,
    pool_batch_and_statistics
);

async fn os_networks(transport: Transport) {
    let h = spec(transport).start().await;
    let listed = h.ok("ma_pool_list_os_networks", json!({})).await;
    assert!(
        listed.to_string().contains("network-demo-cnnorth4"),
        "{listed:#}"
    );
    let plan = h
        .plan(
            "ma_pool_create_os_network",
            json!({"name": "team-net", "cidr": "192.168.40.0/24"}),
        )
        .await;
    let created = h.execute(&plan).await;
    let id = str_of(&created["result"]["network_id"]);
    assert!(id.starts_with("network-"), "{created:#}");
    h.emu
        .admin_post("clock/advance", json!({"seconds": 10}))
        .await;
    assert_eq!(
        h.ok("ma_pool_get_os_network", json!({"network_id": id}))
            .await["phase"],
        "Active"
    );

    let plan = h
        .plan(
            "ma_pool_patch_os_network",
            json!({"network_id": id, "description": "team network"}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    let patched = h.execute(&plan).await;
    assert_eq!(
        patched["result"]["annotations"]["os.modelarts/description"], "team network",
        "{patched:#}"
    );
    let plan = h
        .plan(
            "ma_pool_patch_os_network",
            json!({"network_id": id, "description": "renamed"}),
        )
        .await;
    assert_eq!(plan["diff"]["description"]["current"], "team network");
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;

    let config = h.ok("ma_pool_get_os_config", json!({})).await;
    assert!(
        array(&config["network_cidrs"]).contains(&json!("192.168.40.0/24")),
        "{config:#}"
    );
    let events = h
        .ok("ma_pool_list_os_events", json!({"pool_id": DEMO_POOL}))
        .await;
    assert!(events.to_string().contains("PoolCreated"), "{events:#}");

    let in_use = h
        .call(
            "ma_pool_delete_os_network",
            json!({"network_id": "network-demo-cnnorth4"}),
        )
        .await;
    let failure = expect_error(&in_use, "in_use", "a network a pool uses");
    assert_eq!(failure["details"]["pools"], json!([DEMO_POOL]));
    let plan = h
        .plan("ma_pool_delete_os_network", json!({"network_id": id}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    h.execute(&plan).await;
    let gone = h
        .call("ma_pool_get_os_network", json!({"network_id": id}))
        .await;
    expect_error(&gone, "not_found", "the deleted network");
    h.finish().await;
}
both_transports!(
    os_networks_are_created_patched_and_deleted_when_unused,
    os_networks
);

async fn inference_extras(transport: Transport) {
    let h = spec(transport).start().await;
    let v1 = h.ok("ma_svc1_list", json!({})).await;
    let running = array(&v1["services"])
        .iter()
        .find(|s| s["status"] == "running")
        .map(|s| str_of(&s["service_id"]))
        .expect("a running v1 service");
    let channel = h
        .ok(
            "ma_svc1_get_internal_channel",
            json!({"service_id": running}),
        )
        .await;
    assert_eq!(channel["enabled"], true, "{channel:#}");
    assert!(str_of(&channel["internal_address"]).contains(&running));

    let subs = h.ok("ma_svc1_list_subscription_models", json!({})).await;
    let first = str_of(&subs["subscriptions"][0]["subscription_id"]);
    let versions = h
        .ok(
            "ma_svc1_list_subscription_model_versions",
            json!({"subscription_id": first}),
        )
        .await;
    assert_eq!(
        array(&versions["versions"]).len() as u64,
        subs["subscriptions"][0]["version_count"]
            .as_u64()
            .unwrap_or(0)
    );

    let bad = h
        .call(
            "ma_svc1_full_update",
            json!({"service_id": running, "model_id": "no-such-model", "specification": "no.such.spec", "instance_count": 2}),
        )
        .await;
    let refused = expect_error(
        &bad,
        "validation_error",
        "an unknown model and specification",
    );
    assert_eq!(array(&refused["details"]["errors"]).len(), 2, "{refused:#}");
    let models = h.ok("ma_svc1_list_models", json!({})).await;
    let model = str_of(&models["models"][0]["model_id"]);
    let plan = h
        .plan(
            "ma_svc1_full_update",
            json!({"service_id": running, "model_id": model, "specification": "modelarts.vm.cpu.2u", "instance_count": 2}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("CONFIRM {running}")
    );
    h.execute(&plan).await;
    let shown = h.ok("ma_svc1_get", json!({"service_id": running})).await;
    assert_eq!(shown["config"][0]["instance_count"], 2, "{shown:#}");
    assert_eq!(shown["config"][0]["model_id"], model.as_str());

    let none = h
        .call("ma_svc1_update_property", json!({"service_id": running}))
        .await;
    expect_error(
        &none,
        "validation_error",
        "a property update that sets nothing",
    );
    let plan = h
        .plan(
            "ma_svc1_update_property",
            json!({"service_id": running, "lts_logs": true}),
        )
        .await;
    h.execute(&plan).await;
    let plan = h
        .plan(
            "ma_svc1_update_property",
            json!({"service_id": running, "lts_logs": false}),
        )
        .await;
    assert_eq!(
        plan["diff"]["additional_properties"]["current"]["log_report_channels"],
        json!([{"type": "LTS"}]),
        "{plan:#}"
    );
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;

    let v2 = h.ok("ma_svc_list", json!({})).await;
    let by_status = |status: &str| {
        array(&v2["services"])
            .iter()
            .find(|s| s["status"] == status)
            .map(|s| str_of(&s["service_id"]))
            .unwrap_or_else(|| panic!("a {status} service in {v2:#}"))
    };
    let analysis = h
        .ok(
            "ma_svc_analyze_events",
            json!({"service_id": by_status("RUNNING")}),
        )
        .await;
    assert_eq!(analysis["verdict"], "healthy", "{analysis:#}");
    assert_eq!(analysis["abnormal"], 0);
    let analysis = h
        .ok(
            "ma_svc_analyze_events",
            json!({"service_id": by_status("STOPPED")}),
        )
        .await;
    assert_eq!(analysis["verdict"], "stopped", "{analysis:#}");

    // The region-checked create: the detected region is in the plan; a failed detection
    // refuses it.
    let args = json!({"name": "checked-infer", "swr_path": "swr.cn-north-4.myhuaweicloud.com/team/infer:1.0",
                      "flavor": "modelarts.vm.gpu.t4u8", "pool_id": DEMO_POOL, "auth_type": "TOKEN", "check_region": true});
    let plan = h.plan("ma_svc_create", args.clone()).await;
    assert_eq!(
        check(&plan, "region")["detail"]["detected"],
        "cn-north-4",
        "{plan:#}"
    );
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;
    h.emu
        .admin_post(
            "faults",
            json!({"provider": "huawei", "action": "DetectRegion", "kind": "server_error", "times": 20}),
        )
        .await;
    let refused = h.call("ma_svc_create", args).await;
    let failure = expect_error(
        &refused,
        "validation_error",
        "a region that cannot be detected",
    );
    assert!(
        failure
            .to_string()
            .contains("the region cannot be detected"),
        "{failure:#}"
    );
    h.emu.clear_faults().await;
    h.finish().await;
}
both_transports!(
    inference_extras_update_read_and_check_the_region,
    inference_extras
);

async fn management(transport: Transport) {
    let h = spec(transport).start().await;
    let quotas = h
        .ok("ma_ws_show_quotas", json!({"workspace_id": TEAM_WS}))
        .await;
    let gpu = array(&quotas["quotas"])
        .iter()
        .find(|q| q["resource"] == "train.gpu")
        .expect("train.gpu")
        .clone();
    assert_eq!(gpu["quota"], -1);
    let bad = h
        .call(
            "ma_ws_update_quotas",
            json!({"workspace_id": TEAM_WS, "quotas": [{"resource": "train.gpu", "quota": 5000}, {"resource": "no.such", "quota": 1}]}),
        )
        .await;
    let refused = expect_error(&bad, "validation_error", "two bad quota entries");
    assert_eq!(array(&refused["details"]["errors"]).len(), 2, "{refused:#}");
    let plan = h
        .plan(
            "ma_ws_update_quotas",
            json!({"workspace_id": TEAM_WS, "quotas": [{"resource": "train.gpu", "quota": 8}]}),
        )
        .await;
    assert_eq!(
        plan["diff"]["train.gpu"],
        json!({"current": -1, "target": 8})
    );
    h.execute(&plan).await;
    let quotas = h
        .ok("ma_ws_show_quotas", json!({"workspace_id": TEAM_WS}))
        .await;
    assert!(
        array(&quotas["quotas"]).contains(&json!({"resource": "train.gpu", "name": "Training GPU cards", "quota": 8, "used": 0, "min_quota": -1, "max_quota": 1000, "unit": "card"})),
        "{quotas:#}"
    );

    let verdicts = h
        .ok(
            "ma_ws_validate_auth",
            json!({"workspace_id": TEAM_WS, "requests": [{"action_id": "a1", "action": "modelarts:notebook:create"}, {"action_id": "a2", "action": "obs:bucket:delete"}]}),
        )
        .await;
    assert_eq!(verdicts["results"][0]["verdict"], "allow", "{verdicts:#}");
    assert_eq!(verdicts["results"][1]["verdict"], "deny");

    assert_eq!(h.ok("ma_authmode_show", json!({})).await["mode"], "strict");
    let plan = h.plan("ma_authmode_update", json!({"mode": "loose"})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM loose");
    assert_eq!(check(&plan, "security")["result"], "warning");
    h.execute(&plan).await;
    assert_eq!(h.ok("ma_authmode_show", json!({})).await["mode"], "loose");
    let same = h.call("ma_authmode_update", json!({"mode": "loose"})).await;
    expect_error(&same, "validation_error", "the mode it already has");

    let bad = h
        .call("ma_authz_create_agency", json!({"suffix": "bad suffix!"}))
        .await;
    expect_error(&bad, "validation_error", "an agency suffix with a space");
    let plan = h
        .plan("ma_authz_create_agency", json!({"suffix": "team_a"}))
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        "CONFIRM-CREATE ma_agency_team_a"
    );
    let done = h.execute(&plan).await;
    assert_eq!(
        done["result"]["agency_name"], "ma_agency_team_a",
        "{done:#}"
    );

    let quota = h.ok("ma_quota_list", json!({})).await;
    assert!(
        array(&quota["quotas"]).contains(&json!({"type": "pool", "quota": "20", "used": "2"})),
        "{quota:#}"
    );
    let tags = h.ok("ma_tag_list_pool", json!({})).await;
    assert!(
        array(&tags["tags"]).contains(&json!({"key": "team", "values": ["vision", "nlp"]})),
        "{tags:#}"
    );
    let tags = h.ok("ma_tag_get_pool", json!({"pool_id": DEMO_POOL})).await;
    assert!(array(&tags["tags"]).contains(&json!({"key": "team", "values": ["vision"]})));

    let events = h
        .ok("ma_sched_event_list", json!({"state": "inquiring"}))
        .await;
    let event = str_of(&events["events"][0]["event_id"]);
    let past = h
        .call(
            "ma_sched_event_accept",
            json!({"event_id": event, "not_before": "2020-01-01T00:00:00Z"}),
        )
        .await;
    let failure = expect_error(&past, "validation_error", "a notBefore in the past");
    assert!(
        failure.to_string().contains("the server's time is"),
        "{failure:#}"
    );
    let format = h
        .call(
            "ma_sched_event_accept",
            json!({"event_id": event, "not_before": "2099-01-01 00:00"}),
        )
        .await;
    expect_error(&format, "validation_error", "a notBefore in another format");
    let plan = h
        .plan(
            "ma_sched_event_accept",
            json!({"event_id": event, "not_before": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {event}"));
    h.execute(&plan).await;
    let events = h.ok("ma_sched_event_list", json!({})).await;
    assert_eq!(events["events"][0]["state"], "scheduled", "{events:#}");
    assert_eq!(events["events"][0]["not_before"], "2099-01-01T00:00:00Z");
    let twice = h
        .call(
            "ma_sched_event_accept",
            json!({"event_id": event, "not_before": "2099-01-02T00:00:00Z"}),
        )
        .await;
    expect_error(&twice, "validation_error", "an event accepted twice");

    // The part 1 rules this part relies on: no raw keys, `all` confirmed, workspace 0 kept.
    let raw = h
        .call(
            "ma_authz_add",
            json!({"user_id": "all", "user_type": "ALL-USERS", "agency": "x", "type": "CREDENTIAL"}),
        )
        .await;
    let refused = expect_error(&raw, "validation_error", "a CREDENTIAL authorization");
    assert!(
        refused.to_string().contains("raw secret key"),
        "{refused:#}"
    );
    let sk = h
        .call(
            "ma_authz_add",
            json!({"user_id": "all", "user_type": "ALL-USERS", "agency": "x", "secret_key": "SkNotForLogs93x"}),
        )
        .await;
    let refused = expect_error(&sk, "validation_error", "a raw SK");
    assert!(
        refused
            .to_string()
            .contains("raw access keys are never accepted"),
        "{refused:#}"
    );
    assert!(
        !refused.to_string().contains("SkNotForLogs93x"),
        "the key is not echoed: {refused:#}"
    );
    let plan = h.plan("ma_authz_delete", json!({"user_id": "all"})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM all");
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;
    let zero = h.call("ma_ws_delete", json!({"workspace_id": "0"})).await;
    let refused = expect_error(&zero, "validation_error", "deleting workspace 0");
    assert!(refused.to_string().contains('0'), "{refused:#}");
    h.finish().await;
}
both_transports!(management_quotas_auth_agency_tags_and_events, management);

async fn migrate_update_and_bind(transport: Transport) {
    let h = spec(transport).start().await;
    let demo2 = "os-node-created-demo2";
    let all = h
        .call(
            "ma_pool_batch_migrate_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1, "os-node-created-idle2"], "to_pool_id": DEMO_POOL}),
        )
        .await;
    expect_error(&all, "validation_error", "moving every node of a pool");
    let plan = h
        .plan(
            "ma_pool_batch_migrate_nodes",
            json!({"pool_id": DEMO_POOL, "node_names": [demo2], "to_pool_id": IDLE_POOL}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH MIGRATE 1");
    assert_eq!(check(&plan, "workloads")["result"], "warning");
    h.execute(&plan).await;
    let idle = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(array(&idle["nodes"]).len(), 3, "{idle:#}");
    let demo = h
        .ok("ma_pool_list_nodes", json!({"pool_id": DEMO_POOL}))
        .await;
    assert!(find_by(&demo["nodes"], "name", demo2).is_none(), "{demo:#}");
    let pools = h.ok("ma_np_list", json!({"pool_id": IDLE_POOL})).await;
    assert!(pools.to_string().contains("\"count\":3"), "{pools:#}");

    let plan = h
        .plan(
            "ma_pool_batch_update_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [demo2], "action": "openHaRedundant"}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH UPDATE 1");
    h.execute(&plan).await;
    let bad = h
        .call(
            "ma_pool_batch_update_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [demo2], "action": "createTags"}),
        )
        .await;
    expect_error(&bad, "validation_error", "createTags without tags");
    let plan = h
        .plan(
            "ma_pool_batch_bind_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [demo2], "quota_name": "team-vision"}),
        )
        .await;
    h.execute(&plan).await;
    let labels = node(
        &h.ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
            .await,
        demo2,
    )["labels"]
        .clone();
    assert_eq!(
        labels["os.modelarts.node/ha.redundant.enabled"], "true",
        "{labels:#}"
    );
    assert_eq!(labels["os.modelarts.node/elastic.quota"], "team-vision");

    let plan = h
        .plan(
            "ma_pool_batch_reset_nodes",
            json!({"pool_id": IDLE_POOL, "node_names": [IDLE1], "os": "EulerOS 2.10"}),
        )
        .await;
    assert_eq!(check(&plan, "data")["result"], "warning");
    let done = h.execute(&plan).await;
    assert!(!str_of(&done["result"]["job_id"]).is_empty(), "{done:#}");
    let listed = h
        .ok("ma_pool_list_nodes", json!({"pool_id": IDLE_POOL}))
        .await;
    assert_eq!(node(&listed, IDLE1)["phase"], "Resetting");
    h.finish().await;
}
both_transports!(
    nodes_move_between_pools_and_keep_their_labels,
    migrate_update_and_bind
);
