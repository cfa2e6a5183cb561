//! The modelarts toolset's pools, node pools, inference services and Lite Server end to end
//! against the emulator's Huawei front: a pool's life through the gate (create with its cost
//! note and a handle, Running on the clock, scale, delete), a pool delete refused while a
//! workload runs, a batch node plan that lists the nodes, a service create -> running -> stop
//! -> delete, the v1 delete phrase, and Lite Server's `auto_select` refused with candidates.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, expect_error, plan_check, str_of, toolset_spec};

const DEMO_POOL: &str = "pool-democnnorth4";

fn spec(transport: Transport) -> ServerSpec {
    toolset_spec(transport, "modelarts")
}

fn check<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan_check(plan, name)
}

async fn pool_lifecycle(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan(
            "ma_pool_create",
            json!({"name": "team-b", "scope": ["Train"], "flavor": "modelarts.vm.cpu.8ud", "count": 2,
                   "network_id": "network-demo-cnnorth4", "billing_mode": "subscription", "period_type": "month", "period_num": 3}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-CREATE team-b");
    let cost = check(&plan, "cost");
    assert_eq!(cost["result"], "warning");
    assert!(
        str_of(&cost["detail"]["commitment"]).contains("2 x modelarts.vm.cpu.8ud for 3 month"),
        "{cost:#}"
    );
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;

    let bad = h
        .call("ma_pool_create", json!({"name": "Bad_Name", "scope": ["Train"], "flavor": "no-such", "count": 1, "pool_type": "Dedicate", "billing_mode": "subscription"}))
        .await;
    let refused = expect_error(&bad, "validation_error", "every problem at once");
    assert_eq!(array(&refused["details"]["errors"]).len(), 4, "{refused:#}");

    let plan = h
        .plan("ma_pool_create", json!({"name": "team-b", "scope": ["Train"], "flavor": "modelarts.vm.cpu.8ud", "count": 2, "network_id": "network-demo-cnnorth4", "billing_mode": "on_demand"}))
        .await;
    let done = h.execute(&plan).await;
    assert!(
        done.to_string().contains("op-"),
        "a handle at once: {done:#}"
    );
    let pools = h.ok("ma_pool_list", json!({})).await;
    let id = array(&pools["pools"])
        .iter()
        .find(|p| p["labels"]["os.modelarts/name"] == "team-b")
        .map(|p| str_of(&p["pool_id"]))
        .expect("the new pool");
    assert_eq!(
        h.ok("ma_pool_get", json!({"pool_id": id})).await["phase"],
        "Creating"
    );
    h.emu
        .admin_post("clock/advance", json!({"seconds": 130}))
        .await;
    let waited = h.ok("ma_pool_wait", json!({"pool_id": id})).await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    assert_eq!(waited["report"]["pool"]["phase"], "Running", "{waited:#}");
    assert_eq!(
        h.ok("ma_pool_get", json!({"pool_id": id})).await["phase"],
        "Running"
    );

    let plan = h
        .plan(
            "ma_pool_scale",
            json!({"pool_id": id, "flavor": "modelarts.vm.cpu.8ud", "count": 1}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    assert_eq!(
        plan["diff"]["modelarts.vm.cpu.8ud.count"],
        json!({"current": 2, "target": 1})
    );
    h.execute(&plan).await;

    let plan = h.plan("ma_pool_delete", json!({"pool_id": id})).await;
    h.execute(&plan).await;
    h.emu
        .admin_post("clock/advance", json!({"seconds": 40}))
        .await;
    let gone = h.call("ma_pool_get", json!({"pool_id": id})).await;
    expect_error(&gone, "not_found", "the deleted pool");
    h.finish().await;
}
both_transports!(
    a_pool_is_created_followed_scaled_and_deleted,
    pool_lifecycle
);

async fn delete_refused_and_batch_plan(transport: Transport) {
    let h = spec(transport).start().await;
    let refused = h
        .call("ma_pool_delete", json!({"pool_id": DEMO_POOL}))
        .await;
    let failure = expect_error(&refused, "in_use", "a pool with a running service");
    assert_eq!(
        failure["details"]["workloads"][0]["type"], "infer",
        "{failure:#}"
    );
    assert!(
        h.emu.mutating_requests().await.is_empty(),
        "nothing was sent"
    );

    let plan = h
        .plan("ma_pool_batch_reboot_nodes", json!({"pool_id": DEMO_POOL, "node_names": ["os-node-created-demo1", "os-node-created-demo2"]}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH REBOOT 2");
    let nodes = &check(&plan, "nodes")["detail"]["nodes"];
    let names: Vec<String> = array(nodes).iter().map(|n| str_of(&n["name"])).collect();
    assert_eq!(names, ["os-node-created-demo1", "os-node-created-demo2"]);
    assert!(nodes[0]["private_ip"].is_string());
    h.execute(&plan).await;
    let jobs = h
        .ok("ma_pool_list_jobs", json!({"pool_id": DEMO_POOL}))
        .await;
    assert_eq!(jobs["jobs"][0]["phase"], "Running");

    let missing = h
        .call(
            "ma_pool_batch_delete_nodes",
            json!({"pool_id": DEMO_POOL, "node_names": ["os-node-nope", "os-node-created-demo1"]}),
        )
        .await;
    let failure = expect_error(
        &missing,
        "validation_error",
        "an unknown and a rebooting node",
    );
    assert_eq!(array(&failure["details"]["errors"]).len(), 2, "{failure:#}");
    h.finish().await;
}
both_transports!(
    a_busy_pool_is_not_deleted_and_batch_plans_list_nodes,
    delete_refused_and_batch_plan
);

async fn service_lifecycle(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan(
            "ma_svc_create",
            json!({"name": "svc-e2e", "swr_path": "swr.cn-north-4.myhuaweicloud.com/team/infer:1.0",
                   "flavor": "modelarts.vm.gpu.t4u8", "pool_id": DEMO_POOL, "auth_type": "NONE"}),
        )
        .await;
    assert_eq!(check(&plan, "auth_type")["result"], "warning");
    let done = h.execute(&plan).await;
    assert!(done.to_string().contains("op-"), "{done:#}");
    let listed = h.ok("ma_svc_list", json!({"name": "svc-e2e"})).await;
    let id = str_of(&listed["services"][0]["service_id"]);
    assert_eq!(listed["services"][0]["status"], "DEPLOYING");
    h.emu
        .admin_post("clock/advance", json!({"seconds": 61}))
        .await;
    let waited = h.ok("ma_svc_wait", json!({"service_id": id})).await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    assert_eq!(
        waited["report"]["service"]["status"], "RUNNING",
        "{waited:#}"
    );
    assert_eq!(
        h.ok("ma_svc_get", json!({"service_id": id})).await["status"],
        "RUNNING"
    );

    let plan = h.plan("ma_svc_stop", json!({"service_id": id})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    h.execute(&plan).await;
    let early = h.call("ma_svc_delete", json!({"service_id": id})).await;
    expect_error(&early, "validation_error", "a stopping service");
    h.emu
        .admin_post("clock/advance", json!({"seconds": 11}))
        .await;
    let plan = h.plan("ma_svc_delete", json!({"service_id": id})).await;
    h.execute(&plan).await;
    expect_error(
        &h.call("ma_svc_get", json!({"service_id": id})).await,
        "not_found",
        "deleted",
    );

    let v1 = h.ok("ma_svc1_list", json!({"status": "running"})).await;
    let (v1_id, v1_name) = (
        str_of(&v1["services"][0]["service_id"]),
        str_of(&v1["services"][0]["service_name"]),
    );
    let plan = h.plan("ma_svc1_delete", json!({"service_id": v1_id})).await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        format!("确认删除 {v1_name}")
    );
    let wrong = h
        .confirm(&str_of(&plan["plan_id"]), &format!("CONFIRM {v1_id}"))
        .await;
    expect_error(
        &wrong,
        "confirmation_mismatch",
        "the v1 phrase is the skill's own",
    );
    let plan = h.plan("ma_svc1_delete", json!({"service_id": v1_id})).await;
    h.execute(&plan).await;
    expect_error(
        &h.call("ma_svc1_get", json!({"service_id": v1_id})).await,
        "not_found",
        "deleted v1",
    );
    h.finish().await;
}
both_transports!(
    a_service_is_created_followed_stopped_and_deleted,
    service_lifecycle
);

async fn lite_auto_select(transport: Transport) {
    let h = spec(transport).start().await;
    let refused = h
        .call(
            "ma_lite_create",
            json!({"name": "box", "auto_select": true, "key_pair_name": "kp", "vpc_id": "v", "subnet_id": "s", "security_group_id": "g"}),
        )
        .await;
    let failure = expect_error(&refused, "validation_error", "auto_select");
    let flavors: Vec<String> = array(&failure["details"]["flavors"])
        .iter()
        .map(|f| str_of(&f["flavor"]))
        .collect();
    assert!(
        !flavors.is_empty() && !flavors.contains(&"modelarts.bm.gpu.8a100.80g".to_string()),
        "sold-out flavors are not candidates: {failure:#}"
    );
    assert!(!array(&failure["details"]["images"]).is_empty());
    let plan = h
        .plan(
            "ma_lite_create",
            json!({"name": "box", "flavor": "modelarts.ecs.gpu.p2s.2xlarge", "image_id": "a41f6c28-3e7d-4b0a-9c15-8f2e6d9b0a37",
                   "key_pair_name": "kp", "vpc_id": "v", "subnet_id": "s", "security_group_id": "g",
                   "charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 2}),
        )
        .await;
    assert!(
        str_of(&check(&plan, "cost")["detail"]["commitment"]).contains("for 2 month"),
        "{plan:#}"
    );
    h.execute(&plan).await;
    let servers = h.ok("ma_lite_list", json!({})).await;
    assert!(
        array(&servers["servers"])
            .iter()
            .any(|s| s["name"] == "box")
    );
    h.finish().await;
}
both_transports!(
    lite_create_refuses_auto_select_and_states_a_subscription,
    lite_auto_select
);
