//! Crash consistency: the server is stopped with SIGKILL at each point of a confirmation (after
//! the take, after the send, before the answer is recorded) and started again on the same state
//! directory. The execution journal lets the new process finish the confirmed plan: a create is
//! never sent twice (the read-back by provenance, or the plan's idempotency token, settles a
//! request that may have left), the audit log and the emulator agree, and the audit log has no
//! torn line. `SKILLGATE_TEST_PAUSE_AT` stops the server at the point; the kill is a real one.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::seed::*;
use crate::common::{Harness, ServerSpec, Transport, min, str_of};

/// The journal lease is scaled by this and never shorter than 5 s: a takeover comes quickly.
const TIME_SCALE: &str = "0.001";

async fn paused_at(point: &str, transport: Transport) -> Harness {
    ServerSpec::new(transport)
        .args(&["--operation-time-scale", TIME_SCALE])
        .env("SKILLGATE_TEST_PAUSE_AT", point)
        .start()
        .await
}

fn decisions_of(h: &Harness, plan_id: &str) -> Vec<String> {
    h.audit()
        .iter()
        .filter(|l| l["plan_id"] == plan_id)
        .map(|l| str_of(&l["decision"]))
        .collect()
}

/// Confirms, waits for the server to say it paused, and kills it with SIGKILL.
async fn confirm_and_kill(h: &Harness, plan: &Value, point: &str) {
    let session = &h.server.session;
    let confirm = session.call_abandoned(
        "confirm",
        json!({"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}),
        Duration::from_secs(60),
    );
    let marker = format!("paused at {point}");
    let stderr = h.server.stderr.clone();
    let watch = async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !std::fs::read_to_string(&stderr)
            .unwrap_or_default()
            .contains(&marker)
        {
            assert!(
                Instant::now() < deadline,
                "the server never paused at {point}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        answer = confirm => panic!("confirm answered before the pause: {answer:?}"),
        () = watch => {}
    }
    let status = std::process::Command::new("kill")
        .args(["-KILL", &h.server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "SIGKILL sent");
}

/// Waits until the audit log records the plan's execution (the takeover finished it).
async fn await_executed(h: &Harness, plan_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while !decisions_of(h, plan_id).iter().any(|d| d == "executed") {
        assert!(
            Instant::now() < deadline,
            "the restarted server did not finish plan {plan_id}: {:?}",
            decisions_of(h, plan_id)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A create killed at `point`, finished by the restarted process exactly once.
async fn create_survives_a_kill_at(point: &str, transport: Transport, name: &str) {
    let mut h = paused_at(point, transport).await;
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": name, "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    confirm_and_kill(&h, &plan, point).await;
    let sent_before = h.emu.requests_for("CreateQuota").await.len();
    assert_eq!(
        sent_before,
        usize::from(point != "after-take"),
        "{point}: what had reached the cloud when the process died"
    );
    h.restart().await;
    await_executed(&h, &plan_id).await;
    assert_eq!(
        h.emu.quotas_named(name).await.len(),
        1,
        "{point}: created exactly once"
    );
    assert_eq!(
        h.emu.requests_for("CreateQuota").await.len(),
        1,
        "{point}: the create was sent once in all"
    );
    let decisions = decisions_of(&h, &plan_id);
    assert_eq!(
        decisions,
        ["planned", "confirmed", "executed"],
        "{point}: the audit log agrees with the emulator"
    );
    // Every audit line parses (no torn line): `audit()` panics on one that does not.
    assert!(!h.audit().is_empty());
    let executed = h
        .audit()
        .into_iter()
        .find(|l| l["plan_id"] == plan_id.as_str() && l["decision"] == "executed")
        .expect("executed line");
    let reason = str_of(&executed["reason"]);
    assert!(
        reason.contains("after the process that confirmed it stopped"),
        "the takeover is on record: {executed}"
    );
    if point == "after-send" {
        assert!(
            reason.contains("read back") || reason.contains("found"),
            "the step that may have been sent was read back, not resent: {executed}"
        );
    }
    h.finish().await;
}

#[tokio::test]
async fn a_kill_after_the_take_is_finished_by_the_restarted_server() {
    create_survives_a_kill_at("after-take", Transport::Stdio, "crash-after-take").await;
}

#[tokio::test]
async fn a_kill_after_the_send_is_read_back_never_resent() {
    create_survives_a_kill_at("after-send", Transport::Http, "crash-after-send").await;
}

#[tokio::test]
async fn a_kill_before_the_record_is_recorded_without_sending_again() {
    create_survives_a_kill_at("before-record", Transport::Stdio, "crash-before-record").await;
}

/// The OOS template of the Node.js extension, and a Running instance with a healthy Cloud
/// Assistant and no install in progress.
const NODE: &str = "ACS-Extension-node-1853370294850618";
const WEB_02: &str = "i-bp1c215ekaig04d4edao";

/// Every OOS execution in the emulator's state that targets `instance`.
fn executions_on(state: &Value, instance: &str) -> usize {
    fn walk(value: &Value, instance: &str) -> usize {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, item)| match (key.as_str(), item) {
                    ("oos_executions", Value::Array(items)) => items
                        .iter()
                        .filter(|e| e.to_string().contains(instance))
                        .count(),
                    _ => walk(item, instance),
                })
                .sum(),
            Value::Array(items) => items.iter().map(|v| walk(v, instance)).sum(),
            _ => 0,
        }
    }
    walk(state, instance)
}

/// A step with an idempotency token (OOS `StartExecution` takes a `ClientToken` from the plan)
/// killed after its send is resent by the takeover with the same token: one execution.
#[tokio::test]
async fn a_kill_after_a_tokened_send_resends_with_the_same_token() {
    let mut h = paused_at("after-send", Transport::Stdio).await;
    let before = executions_on(&h.emu.state().await, WEB_02);
    let plan = h
        .plan(
            "ecsext_install",
            json!({"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": NODE, "parameters": {"version": "20"}}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    confirm_and_kill(&h, &plan, "after-send").await;
    assert_eq!(executions_on(&h.emu.state().await, WEB_02), before + 1);
    h.restart().await;
    await_executed(&h, &plan_id).await;
    let sent = h.emu.requests_for("StartExecution").await;
    assert_eq!(
        sent.len(),
        2,
        "the takeover resent the step once: {sent:#?}"
    );
    let token = |request: &Value| {
        str_of(&request["query"])
            .split('&')
            .find_map(|pair| pair.strip_prefix("ClientToken="))
            .map(str::to_owned)
    };
    assert!(
        token(&sent[0]).is_some(),
        "the send carries a ClientToken: {}",
        sent[0]
    );
    assert_eq!(
        token(&sent[0]),
        token(&sent[1]),
        "the resend carries the same token"
    );
    assert_eq!(
        executions_on(&h.emu.state().await, WEB_02),
        before + 1,
        "the token made the resend return the first execution"
    );
    assert_eq!(
        decisions_of(&h, &plan_id),
        ["planned", "confirmed", "executed"]
    );
    h.finish().await;
}
