//! The rest of Lite Server on the Huawei front, signed as the SDK signs: the calls no SDK
//! sample covers (resource flavors, plugins, software), a hyperinstance stopped, started,
//! grown and deleted on the clock (its hyper cluster deletable only once it is gone), an OS
//! reinstall that never echoes the password, and an attach followed by its operation.

use serde_json::json;

use super::huawei::Huawei;

const RUNNING: &str = "2874fae8-0692-40ce-8ab3-7726619d434d";
const HYPER: &str = "ae1889a2-9044-4980-8007-1ac86e0b0e8a";
const ARM_IMAGE: &str = "6e3d0b1c-8f4a-4c59-9d3e-2a7b1c0f5e91";

#[tokio::test]
async fn the_catalog_reads_answer_in_the_api_shapes() {
    let hw = Huawei::start().await;
    let flavors = hw
        .ok_query("v1/{p}/dev-servers/resource-flavors", &[("arch", "ARM")])
        .await;
    let data = flavors["data"].as_array().expect("data");
    assert!(
        !data.is_empty() && data.iter().all(|f| f["arch"] == "ARM"),
        "{flavors}"
    );
    let plugins = hw
        .ok_query("v1/{p}/dev-servers/plugins", &[("id", RUNNING)])
        .await;
    assert_eq!(plugins["total"], 2, "{plugins}");
    let software = hw
        .ok_query("v1/{p}/dev-servers/software", &[("id", RUNNING)])
        .await;
    assert_eq!(software["servers"][0]["server_id"], RUNNING);
    let missing = hw.call("GET", "v1/{p}/dev-servers/images/nope", None).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
}

#[tokio::test]
async fn a_hyperinstance_is_stopped_started_grown_and_deleted_before_its_cluster() {
    let hw = Huawei::start().await;
    let path = format!("v1/{{p}}/dev-servers/hyperinstance/{HYPER}");
    let shown = hw.ok("GET", &path, None).await;
    let cluster = shown["hps_cluster_id"]
        .as_str()
        .expect("cluster")
        .to_owned();
    let stopped = hw.ok("PUT", &format!("{path}/stop"), None).await;
    assert_eq!(stopped["status"], "STOPPING");
    let again = hw.call("PUT", &format!("{path}/stop"), None).await;
    assert_eq!(again.status, 409, "{}", again.body);
    hw.advance(31).await;
    assert_eq!(hw.ok("GET", &path, None).await["status"], "STOPPED");
    let grow = hw
        .call("POST", &format!("{path}/live-scale-up"), Some(json!({"flavor": "modelarts.bm.npu.arm.8snt9b3.d", "image_id": ARM_IMAGE, "key_pair_name": "kp"})))
        .await;
    assert_eq!(
        grow.status, 409,
        "a stopped hyperinstance does not grow: {}",
        grow.body
    );
    hw.ok("PUT", &format!("{path}/start"), None).await;
    hw.advance(31).await;
    let no_key = hw
        .call(
            "POST",
            &format!("{path}/live-scale-up"),
            Some(json!({"flavor": "modelarts.bm.npu.arm.8snt9b3.d", "image_id": ARM_IMAGE})),
        )
        .await;
    assert_eq!(no_key.status, 400, "{}", no_key.body);
    let grown = hw
        .ok("POST", &format!("{path}/live-scale-up"), Some(json!({"flavor": "modelarts.bm.npu.arm.8snt9b3.d", "image_id": ARM_IMAGE, "key_pair_name": "kp"})))
        .await;
    assert_eq!(grown["servers"].as_array().map(Vec::len), Some(3));
    hw.advance(61).await;
    hw.ok("DELETE", &path, None).await;
    let cluster_path = format!("v1/{{p}}/dev-servers/hyper-clusters/{cluster}");
    let held = hw.call("DELETE", &cluster_path, None).await;
    assert_eq!(held.status, 409, "{}", held.body);
    hw.advance(31).await;
    let gone = hw.call("GET", &path, None).await;
    assert_eq!(gone.status, 404);
    // The stopped demo hyperinstance is still in the cluster.
    let still = hw.call("DELETE", &cluster_path, None).await;
    assert_eq!(still.status, 409, "{}", still.body);
}

#[tokio::test]
async fn a_reinstall_never_echoes_the_password_and_an_attach_is_followed() {
    let hw = Huawei::start().await;
    let server = format!("v1/{{p}}/dev-servers/{RUNNING}");
    let attached = hw
        .ok(
            "POST",
            &format!("{server}/attachvolume"),
            Some(json!({"volume_id": "f0c939e2-331c-4bb3-8fd0-f2f55f2bdaa0"})),
        )
        .await;
    let op = attached["operation_id"]
        .as_str()
        .expect("operation")
        .to_owned();
    let followed = hw
        .ok("GET", &format!("{server}/operation/{op}"), None)
        .await;
    assert_eq!(followed["operation_type"], "ATTACH_VOLUME");
    hw.advance(21).await;
    let done = hw
        .ok("GET", &format!("{server}/operation/{op}"), None)
        .await;
    assert_eq!(done["operation_status"], "SUCCESS");
    let both = hw
        .call(
            "POST",
            &format!("{server}/reinstallos"),
            Some(json!({"admin_pass": "Pw-123456", "key_pair_name": "kp"})),
        )
        .await;
    assert_eq!(both.status, 400, "{}", both.body);
    let reinstalled = hw
        .ok(
            "POST",
            &format!("{server}/reinstallos"),
            Some(json!({"admin_pass": "Pw-123456"})),
        )
        .await;
    assert!(!reinstalled.to_string().contains("Pw-123456"));
    assert_eq!(reinstalled["status"], "CHANGINGOS");
}
