//! Pools part 2, the inference extras and management part 2 on the Huawei front, signed as the
//! SDK signs: the refusals each route answers (a lock of an unknown action, an unlock of an
//! unlocked node, a resize from the wrong node pool, a migration that empties a pool, a monitor
//! range out of bounds, an event accepted for the past or twice, a bad auth mode or agency
//! suffix, quotas out of bounds), the corner the emulator does not model (peer connections)
//! answered as not implemented, and a reset and a resize moving nodes on the clock.

use serde_json::json;

use super::huawei::Huawei;

const IDLE: &str = "v2/{p}/pools/pool-idlecnnorth4";
const IDLE1: &str = "os-node-created-idle1";

#[tokio::test]
async fn batch_node_routes_refuse_what_the_service_refuses() {
    let hw = Huawei::start().await;
    let bad = hw
        .call(
            "POST",
            &format!("{IDLE}/nodes/batch-lock"),
            Some(json!({"nodeNames": [IDLE1], "actions": ["explode"]})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (400, "ModelArts.50004000"),
        "{}",
        bad.body
    );
    let unlocked = hw
        .call(
            "POST",
            &format!("{IDLE}/nodes/batch-unlock"),
            Some(json!({"nodeNames": [IDLE1], "actions": ["delete"]})),
        )
        .await;
    assert_eq!(unlocked.status, 409, "{}", unlocked.body);
    let wrong = hw
        .call(
            "POST",
            &format!("{IDLE}/nodes/batch-resize"),
            Some(json!({"nodes": [{"deleteNodeNames": [IDLE1]}], "source": {"nodePool": "other", "flavor": "modelarts.vm.gpu.t4u8"},
                        "target": {"nodePool": "nodepool-1", "flavor": "modelarts.vm.cpu.8ud"}})),
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let empty = hw
        .call(
            "POST",
            &format!("{IDLE}/nodes/batch-migrate"),
            Some(json!({"migrateNodeNames": [IDLE1, "os-node-created-idle2"], "toPoolName": "pool-democnnorth4"})),
        )
        .await;
    assert_eq!(empty.status, 400, "a pool keeps a node: {}", empty.body);
    let default_range = hw.call("GET", &format!("{IDLE}/monitor"), None).await;
    assert_eq!(default_range.status, 200, "{}", default_range.body);
    let peers = hw
        .call(
            "PATCH",
            "v1/{p}/networks/network-demo-cnnorth4",
            Some(json!({"spec": {"connection": {"peerConnectionList": [{"peerVpcId": "v", "peerSubnetId": "s"}]}}})),
        )
        .await;
    assert_eq!(peers.status, 501, "{}", peers.body);
    assert!(
        peers
            .body
            .to_string()
            .contains("not implemented in the emulator: PatchNetwork")
    );
    let events = hw.call("GET", "v1/{p}/events", None).await;
    assert_eq!(events.status, 400, "the pool is required: {}", events.body);
}

#[tokio::test]
async fn a_reset_and_a_resize_move_nodes_on_the_clock() {
    let hw = Huawei::start().await;
    let job = hw
        .ok(
            "POST",
            &format!("{IDLE}/nodes/batch-reset"),
            Some(json!({"nodeNames": [IDLE1]})),
        )
        .await;
    assert!(
        job["job_id"].as_str().is_some_and(|j| !j.is_empty()),
        "{job}"
    );
    let phase = |nodes: &serde_json::Value, name: &str| {
        nodes["items"]
            .as_array()
            .and_then(|l| l.iter().find(|n| n["metadata"]["name"] == name))
            .map(|n| (n["status"]["phase"].clone(), n["spec"]["flavor"].clone()))
    };
    let nodes = hw.ok("GET", &format!("{IDLE}/nodes"), None).await;
    assert_eq!(phase(&nodes, IDLE1).map(|p| p.0), Some(json!("Resetting")));
    let busy = hw
        .call(
            "POST",
            &format!("{IDLE}/nodes/batch-reset"),
            Some(json!({"nodeNames": [IDLE1]})),
        )
        .await;
    assert_eq!(
        busy.status, 409,
        "a Resetting node is not Available: {}",
        busy.body
    );
    hw.advance(70).await;
    let body = json!({"nodes": [{"deleteNodeNames": [IDLE1]}], "source": {"nodePool": "nodepool-1", "flavor": "modelarts.vm.gpu.t4u8"},
                      "target": {"nodePool": "nodepool-1", "flavor": "modelarts.vm.cpu.8ud"}});
    hw.ok("POST", &format!("{IDLE}/nodes/batch-resize"), Some(body))
        .await;
    let nodes = hw.ok("GET", &format!("{IDLE}/nodes"), None).await;
    assert_eq!(
        phase(&nodes, IDLE1),
        Some((json!("Resizing"), json!("modelarts.vm.gpu.t4u8")))
    );
    hw.advance(70).await;
    let nodes = hw.ok("GET", &format!("{IDLE}/nodes"), None).await;
    assert_eq!(
        phase(&nodes, IDLE1),
        Some((json!("Available"), json!("modelarts.vm.cpu.8ud")))
    );
}

#[tokio::test]
async fn management_routes_check_their_input() {
    let hw = Huawei::start().await;
    let mode = hw
        .call("PUT", "v1/auth-mode", Some(json!({"mode": "open"})))
        .await;
    assert_eq!(mode.status, 400, "{}", mode.body);
    assert_eq!(hw.ok("GET", "v1/auth-mode", None).await["mode"], "strict");
    let long = "x".repeat(51);
    let agency = hw
        .call(
            "POST",
            "v2/{p}/agency",
            Some(json!({"agency_name_suffix": long})),
        )
        .await;
    assert_eq!(agency.status, 400, "{}", agency.body);
    let quotas = hw
        .call(
            "PUT",
            "v1/{p}/workspaces/0/quotas",
            Some(json!({"quotas": [{"resource": "notebook.instance", "quota": 1000}]})),
        )
        .await;
    assert_eq!(quotas.status, 400, "above the maximum: {}", quotas.body);
    let unknown = hw.call("GET", "v1/{p}/workspaces/nope/quotas", None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let event = "v1/{p}/scheduled-events/event-demo-cnnorth4-1/accept";
    let past = hw
        .call(
            "POST",
            event,
            Some(json!({"notBefore": "2001-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(past.status, 400, "{}", past.body);
    assert!(
        past.body.to_string().contains("not in the future"),
        "{}",
        past.body
    );
    hw.ok(
        "POST",
        event,
        Some(json!({"notBefore": "2099-01-01T00:00:00Z"})),
    )
    .await;
    let twice = hw
        .call(
            "POST",
            event,
            Some(json!({"notBefore": "2099-01-02T00:00:00Z"})),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
}
