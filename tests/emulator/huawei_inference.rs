//! Inference part 2 on the Huawei front, signed as the SDK signs: v1 tags added, replaced and
//! removed (an unknown key refused), v1 events after a stop, the public specifications, a
//! v2 version left by an update and switched back to, an interrupt refused while nothing
//! deploys, and exec refused on a stopped service.

use serde_json::json;

use super::huawei::Huawei;

const V1_RUNNING: &str = "5b1e385c-38fa-4335-845f-7bc56aaa8de2";
const V2_STOPPED: &str = "f7c718fc-07bd-4c80-8bdb-38aa5b633c51";

#[tokio::test]
async fn v1_tags_events_and_specifications_follow_the_service() {
    let hw = Huawei::start().await;
    let tags = format!("v1/{{p}}/services/{V1_RUNNING}/tags");
    hw.ok(
        "POST",
        &format!("{tags}/create"),
        Some(json!({"tags": [{"key": "team", "value": "a"}]})),
    )
    .await;
    hw.ok(
        "POST",
        &format!("{tags}/create"),
        Some(json!({"tags": [{"key": "team", "value": "b"}]})),
    )
    .await;
    let got = hw.ok("GET", &tags, None).await;
    assert_eq!(
        got["tags"],
        json!([{"key": "team", "value": "b"}]),
        "a key is replaced: {got}"
    );
    let missing = hw
        .call(
            "DELETE",
            &format!("{tags}/delete"),
            Some(json!({"tags": [{"key": "nope"}]})),
        )
        .await;
    assert_eq!(
        (missing.status, missing.code()),
        (404, "ModelArts.3504"),
        "{}",
        missing.body
    );
    hw.ok(
        "DELETE",
        &format!("{tags}/delete"),
        Some(json!({"tags": [{"key": "team"}]})),
    )
    .await;
    assert_eq!(hw.ok("GET", &tags, None).await["tags"], json!([]));

    hw.ok(
        "PUT",
        &format!("v1/{{p}}/services/{V1_RUNNING}"),
        Some(json!({"status": "stopped"})),
    )
    .await;
    let events = hw
        .ok(
            "GET",
            &format!("v1/{{p}}/services/{V1_RUNNING}/events"),
            None,
        )
        .await;
    assert_eq!(events["total_count"], 2, "{events}");
    assert_eq!(
        events["events"][0]["event_info"], "The service is stopping.",
        "{events}"
    );

    // The helper signs no query, so only the public pools' list is read here (the e2e
    // scenario reads both kinds through the tools).
    let public = hw.ok("GET", "v1/{p}/services/specifications", None).await;
    let codes: Vec<&str> = public["specifications"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["specification"].as_str())
        .collect();
    assert!(
        codes.contains(&"modelarts.vm.cpu.2u") && !codes.contains(&"custom"),
        "{public}"
    );
}

#[tokio::test]
async fn a_v2_version_is_switched_back_and_interrupt_and_exec_need_their_states() {
    let hw = Huawei::start().await;
    let svc = format!("v2/{{p}}/services/{V2_STOPPED}");
    hw.ok("PUT", &svc, Some(json!({"version": "2.0.0"}))).await;
    let versions = hw.ok("GET", &format!("{svc}/versions"), None).await;
    assert_eq!(versions["current_version"], "2.0.0", "{versions}");
    let old = versions["versions"][0]["version_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_eq!(versions["versions"][0]["version"], "1.0.0", "{versions}");
    let never = hw
        .call(
            "POST",
            &format!("{svc}/switch-version"),
            Some(json!({"version_id": "no-such"})),
        )
        .await;
    assert_eq!(never.status, 400, "{}", never.body);
    let switched = hw
        .ok(
            "POST",
            &format!("{svc}/switch-version"),
            Some(json!({"version_id": old})),
        )
        .await;
    assert_eq!(switched["version"], "1.0.0", "{switched}");
    assert_eq!(
        hw.ok("GET", &svc, None).await["version"]["version"],
        "1.0.0"
    );

    let idle = hw.call("POST", &format!("{svc}/interrupt"), None).await;
    assert_eq!(
        (idle.status, idle.code()),
        (400, "ModelArts.3519"),
        "{}",
        idle.body
    );
    let exec = hw.call("GET", &format!("{svc}/exec"), None).await;
    assert_eq!(
        (exec.status, exec.code()),
        (400, "ModelArts.3519"),
        "{}",
        exec.body
    );
    hw.ok("POST", &format!("{svc}/start"), None).await;
    let interrupted = hw.ok("POST", &format!("{svc}/interrupt"), None).await;
    assert_eq!(interrupted["status"], "STOPPING", "{interrupted}");
}
