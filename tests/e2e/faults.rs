//! Scenario 3: faults injected by the emulator between a confirmed plan and the cloud. A create
//! whose answer is lost happens exactly once; passing faults are retried; a change that happened
//! is reported as executed.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{Harness, Transport, array, decisions, expect_error, lines_of, min, str_of};

/// Plans the creation of a small root quota on the free `train-a10-extra` group.
async fn plan_root(h: &Harness, name: &str) -> Value {
    h.plan(
        "pai_quota_create_root",
        json!({"quota_name": name, "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
    )
    .await
}

/// The quotas carrying `skillgate.plan=<plan_id>`.
async fn labelled(h: &Harness, plan_id: &str) -> Vec<Value> {
    array(&h.emu.state().await["quotas"])
        .into_iter()
        .filter(|q| {
            array(&q["labels"])
                .iter()
                .any(|l| l["key"] == "skillgate.plan" && l["value"] == plan_id)
        })
        .collect()
}

fn statuses(requests: &[Value]) -> Vec<u64> {
    requests
        .iter()
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .collect()
}

both_transports!(
    a_create_whose_answer_is_lost_happens_once,
    lost_create_answer
);

async fn lost_create_answer(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = plan_root(&h, "e2e-lost-answer").await;
    let plan_id = str_of(&plan["plan_id"]);
    h.emu
        .fault("CreateQuota", "server_error_after_commit", 1)
        .await;
    let done = h.execute(&plan).await;
    let created = labelled(&h, &plan_id).await;
    assert_eq!(created.len(), 1, "created exactly once: {created:#?}");
    assert_eq!(
        done["result"]["quota_id"], created[0]["id"],
        "the result names the quota that was created"
    );
    assert_eq!(h.emu.quotas_named("e2e-lost-answer").await.len(), 1);
    let creates = h.emu.requests_for("CreateQuota").await;
    assert_eq!(
        statuses(&creates),
        [500],
        "the create is never sent twice once it may have happened"
    );
    let finished = h.finish().await;
    let executed = lines_of(&finished.audit, &plan_id)
        .into_iter()
        .find(|l| l["decision"] == "executed")
        .cloned()
        .expect("executed line");
    assert!(
        executed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("lost")),
        "the audit says the answer was lost and the outcome verified: {executed}"
    );
}

both_transports!(
    a_create_refused_by_a_server_error_is_sent_again_once,
    create_server_error
);

async fn create_server_error(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = plan_root(&h, "e2e-5xx").await;
    h.emu.fault("CreateQuota", "server_error", 1).await;
    h.execute(&plan).await;
    assert_eq!(labelled(&h, &str_of(&plan["plan_id"])).await.len(), 1);
    let creates = h.emu.requests_for("CreateQuota").await;
    assert_eq!(
        statuses(&creates),
        [500, 200],
        "resent only after the label showed nothing was created"
    );
    h.finish().await;
}

both_transports!(
    a_create_that_keeps_failing_is_not_retried_blindly,
    create_keeps_failing
);

async fn create_keeps_failing(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = plan_root(&h, "e2e-down").await;
    h.emu.fault("CreateQuota", "server_error", 10).await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "provider_unavailable", "a create during an outage");
    assert_eq!(error["retryable"], true, "{error:#}");
    assert!(labelled(&h, &str_of(&plan["plan_id"])).await.is_empty());
    assert!(h.emu.quotas_named("e2e-down").await.is_empty());
    let creates = h.emu.requests_for("CreateQuota").await;
    assert_eq!(
        statuses(&creates),
        [500, 500],
        "at most one resend, each checked"
    );
    let finished = h.finish().await;
    assert_eq!(decisions(&finished.audit, "failed").len(), 1);
}

both_transports!(
    a_create_that_timed_out_unprocessed_is_sent_again_once,
    create_timeout
);

async fn create_timeout(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = plan_root(&h, "e2e-timeout").await;
    h.emu
        .admin_post(
            "faults",
            json!({"action": "CreateQuota", "kind": "timeout", "times": 1, "delay_ms": 200}),
        )
        .await;
    h.execute(&plan).await;
    assert_eq!(labelled(&h, &str_of(&plan["plan_id"])).await.len(), 1);
    assert_eq!(
        statuses(&h.emu.requests_for("CreateQuota").await),
        [504, 200]
    );
    h.finish().await;
}

both_transports!(a_throttled_create_is_retried_and_succeeds, throttled_create);

async fn throttled_create(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = plan_root(&h, "e2e-throttled").await;
    h.emu.fault("CreateQuota", "throttle", 1).await;
    h.execute(&plan).await;
    assert_eq!(labelled(&h, &str_of(&plan["plan_id"])).await.len(), 1);
    let creates = h.emu.requests_for("CreateQuota").await;
    assert_eq!(statuses(&creates), [400, 200], "{creates:#?}");
    assert_eq!(creates[0]["code"], "Throttling.User");
    h.finish().await;
}

both_transports!(
    passing_faults_on_reads_and_idempotent_writes_are_retried,
    retried
);

async fn retried(transport: Transport) {
    let h = Harness::new(transport).await;
    h.emu.fault("GetQuota", "throttle", 1).await;
    h.emu.fault("ListNodeTypes", "server_error", 1).await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(GU108, 2)])}),
        )
        .await;
    h.emu.fault("ScaleQuota", "throttle", 2).await;
    h.execute(&plan).await;
    let scales = h.emu.requests_for("ScaleQuota").await;
    assert_eq!(statuses(&scales), [400, 400, 200], "{scales:#?}");
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["min"][0]["count"], 2);
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "after a lost answer"}),
        )
        .await;
    h.emu
        .fault("UpdateQuota", "server_error_after_commit", 1)
        .await;
    h.execute(&plan).await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["description"], "after a lost answer");
    h.finish().await;
}

both_transports!(
    an_attach_whose_answer_is_lost_binds_once,
    lost_attach_answer
);

async fn lost_attach_answer(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_attach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        )
        .await;
    h.emu
        .fault("CreateWorkspaceResource", "server_error_after_commit", 1)
        .await;
    h.execute(&plan).await;
    let state = h.emu.state().await;
    let bindings: Vec<Value> = array(&state["workspace_resources"])
        .into_iter()
        .filter(|r| r["quota_ids"] == json!([QUOTA_LINGJUN]))
        .collect();
    assert_eq!(bindings.len(), 1, "bound exactly once: {bindings:#?}");
    assert_eq!(
        statuses(&h.emu.requests_for("CreateWorkspaceResource").await),
        [500]
    );
    h.finish().await;
}

both_transports!(
    a_delete_whose_answer_is_lost_is_reported_done,
    lost_delete_answer
);

async fn lost_delete_answer(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = h
        .plan("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    h.emu
        .fault("DeleteQuota", "server_error_after_commit", 1)
        .await;
    let done = h.execute(&plan).await;
    assert_eq!(done["result"]["quota_id"], QUOTA_LINGJUN);
    assert!(h.emu.quota(QUOTA_LINGJUN).await.is_none());
    h.finish().await;
}

both_transports!(
    a_detach_whose_answer_is_lost_is_reported_done,
    lost_detach_answer
);

/// The detach happened; its answer was lost; the retry finds the binding gone. The change the
/// human confirmed took place, so the result must say executed (as the delete does), not an error.
async fn lost_detach_answer(transport: Transport) {
    let h = Harness::new(transport).await;
    let attach = h
        .plan(
            "pai_quota_attach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        )
        .await;
    h.execute(&attach).await;
    let plan = h
        .plan(
            "pai_quota_detach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        )
        .await;
    h.emu
        .fault("DeleteWorkspaceResource", "server_error_after_commit", 1)
        .await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let state = h.emu.state().await;
    assert!(
        !array(&state["workspace_resources"])
            .iter()
            .any(|r| r["quota_ids"] == json!([QUOTA_LINGJUN])),
        "the detach took place"
    );
    assert_ne!(
        result.is_error,
        Some(true),
        "a detach that took place is reported as failed: {}",
        crate::common::text_of(&result)
    );
    let done = result.structured_content.clone().unwrap_or_default();
    assert_eq!(done["status"], "executed", "{done:#}");
    assert_eq!(
        statuses(&h.emu.requests_for("DeleteWorkspaceResource").await)[0],
        500
    );
    h.finish().await;
}

both_transports!(
    a_confirmation_abandoned_by_the_client_is_still_audited,
    abandoned_confirm
);

/// The scale is committed (its answer lost) and, while the server retries it, the client cancels
/// the `confirm` request. The quota was scaled, so the audit log must say what happened to the
/// confirmed plan (executed or failed), not stop at `confirmed`.
async fn abandoned_confirm(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(GU108, 2)])}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    h.emu
        .fault("ScaleQuota", "server_error_after_commit", 1)
        .await;
    h.emu
        .admin_post(
            "faults",
            json!({"action": "ScaleQuota", "kind": "timeout", "times": 1, "delay_ms": 2500}),
        )
        .await;
    let answer = h
        .call_abandoned(
            "confirm",
            json!({"plan_id": plan_id, "phrase": plan["confirm_phrase"]}),
            std::time::Duration::from_millis(1000),
        )
        .await;
    assert!(answer.is_none(), "the call was abandoned during the retry");
    // Give a server that finishes the execution in the background time to record its outcome.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline
        && !lines_of(&h.audit(), &plan_id)
            .iter()
            .any(|l| l["decision"] == "executed" || l["decision"] == "failed")
    {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["min"][0]["count"], 2, "the scale took place");
    let finished = h.finish().await;
    let story: Vec<String> = lines_of(&finished.audit, &plan_id)
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert!(
        story.iter().any(|d| d == "executed" || d == "failed"),
        "the audit log stops at {story:?} although the quota was scaled"
    );
}
