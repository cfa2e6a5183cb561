//! Issue 9's gate defects, end to end: an update, scale or delete whose answer is lost after the
//! cloud committed it, with every retry lost too, is read back and reported executed (never
//! "nothing changed"); one that did not happen keeps the plan pending; a create recovered by its
//! provenance label on a later confirmation is audited as executed; templates are filled in one
//! pass; and every refusal reaches the audit log.

use serde_json::{Value, json};

use crate::common::seed::*;
use crate::common::{Harness, ServerSpec, Transport, expect_error, min, str_of};

/// The audit decisions about one plan, in order.
fn decisions_of(h: &Harness, plan_id: &str) -> Vec<String> {
    h.audit()
        .iter()
        .filter(|l| l["plan_id"] == plan_id)
        .map(|l| str_of(&l["decision"]))
        .collect()
}

fn executed_line(h: &Harness, plan_id: &str) -> Value {
    h.audit()
        .into_iter()
        .find(|l| l["plan_id"] == plan_id && l["decision"] == "executed")
        .unwrap_or_else(|| panic!("no executed line for {plan_id}: {:#?}", h.audit()))
}

#[tokio::test]
async fn an_update_committed_behind_lost_answers_is_read_back_as_executed() {
    let h = Harness::new(Transport::Stdio).await;
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_TEAM_A, "description": "after a lost answer"}),
        )
        .await;
    // Every attempt commits and loses its answer: the client's retries all run out.
    h.emu
        .fault("UpdateQuota", "server_error_after_commit", 10)
        .await;
    let done = h.execute(&plan).await;
    assert!(
        str_of(&done["recovered"]).contains("target state"),
        "the result says how the outcome was established: {done:#}"
    );
    let quota = h.emu.quota(QUOTA_TEAM_A).await.expect("the quota");
    assert_eq!(quota["description"], "after a lost answer", "{quota:#}");
    let line = executed_line(&h, &str_of(&plan["plan_id"]));
    assert!(
        str_of(&line["reason"]).contains("read"),
        "the audit says it was recovered by reading back: {line:#}"
    );
    assert!(h.plans().await.is_empty(), "nothing is left pending");
    h.finish().await;
}

#[tokio::test]
async fn a_delete_committed_behind_lost_answers_is_read_back_as_executed() {
    let h = Harness::new(Transport::Stdio).await;
    let plan = h
        .plan("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    h.emu
        .fault("DeleteQuota", "server_error_after_commit", 10)
        .await;
    let done = h.execute(&plan).await;
    assert!(!str_of(&done["recovered"]).is_empty(), "{done:#}");
    assert!(h.emu.quota(QUOTA_LINGJUN).await.is_none());
    assert_eq!(
        decisions_of(&h, &str_of(&plan["plan_id"])),
        ["planned", "confirmed", "executed"]
    );
    h.finish().await;
}

#[tokio::test]
async fn a_scale_that_did_not_happen_keeps_the_plan_pending_until_it_can() {
    let h = Harness::new(Transport::Stdio).await;
    let target = json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 2), (C16G1, 1)])});
    let plan = h.plan("pai_quota_scale", target).await;
    let before = h.emu.quota(QUOTA_TEAM_A).await.expect("the quota");
    h.emu.fault("ScaleQuota", "server_error", 10).await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "provider_unavailable", "a scale behind an outage");
    assert!(
        str_of(&error["user_action"]).contains("still pending"),
        "{error:#}"
    );
    assert_eq!(
        h.emu.quota(QUOTA_TEAM_A).await.expect("the quota")["min"],
        before["min"],
        "nothing changed"
    );
    assert_eq!(h.plans().await.len(), 1, "the plan is still pending");
    h.emu.clear_faults().await;
    h.execute(&plan).await;
    h.finish().await;
}

#[tokio::test]
async fn a_create_recovered_on_a_later_confirmation_is_audited_as_executed() {
    let h = Harness::new(Transport::Stdio).await;
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": "e2e-readback", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    // The create commits and loses its answer, and the read-back cannot look yet.
    h.emu
        .fault("CreateQuota", "server_error_after_commit", 1)
        .await;
    // The re-check's own ListQuotas passes; the read-back's fail.
    h.emu
        .admin_post(
            "faults",
            json!({"action": "ListQuotas", "kind": "server_error", "times": 20, "after": 1}),
        )
        .await;
    let first = h.confirm(&plan_id, &str_of(&plan["confirm_phrase"])).await;
    expect_error(
        &first,
        "provider_unavailable",
        "a create that cannot be verified yet",
    );
    assert_eq!(
        h.emu.quotas_named("e2e-readback").await.len(),
        1,
        "it was created"
    );
    h.emu.clear_faults().await;
    let done = h.execute(&plan).await;
    assert!(!str_of(&done["recovered"]).is_empty(), "{done:#}");
    assert_eq!(
        h.emu.quotas_named("e2e-readback").await.len(),
        1,
        "created exactly once"
    );
    assert_eq!(
        h.emu.requests_for("CreateQuota").await.len(),
        1,
        "the second confirmation looked before sending anything"
    );
    let decisions = decisions_of(&h, &plan_id);
    assert_eq!(
        decisions,
        ["planned", "confirmed", "failed", "confirmed", "executed"],
        "the audit records the recovered execution"
    );
    h.finish().await;
}

#[tokio::test]
async fn templates_are_filled_in_one_pass() {
    let h = Harness::new(Transport::Stdio).await;
    let plan = h
        .plan(
            "pai_quota_create_child",
            json!({"quota_name": "{parent_quota_id}", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 1)])}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM-CREATE {parent_quota_id}");
    let summary = str_of(&plan["summary"]);
    assert!(
        summary.starts_with("create child quota `{parent_quota_id}` under"),
        "a value is never read as a template: {summary}"
    );
    h.finish().await;
}

#[tokio::test]
async fn every_refusal_reaches_the_audit_log() {
    let h = Harness::start(
        ServerSpec::new(Transport::Stdio).args(&["--exclude-tools", "pai_quota_update"]),
    )
    .await;
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_TEAM_A, "description": "x"}),
        "not_found",
    )
    .await;
    h.refused(
        "confirm",
        json!({"plan_id": 42, "phrase": "CONFIRM x"}),
        "validation_error",
    )
    .await;
    h.refused("cancel", json!({"plan_id": null}), "validation_error")
        .await;
    let audit = h.audit();
    let refused = |tool: &str| {
        audit
            .iter()
            .filter(|l| l["tool"] == tool && l["decision"] == "refused")
            .count()
    };
    assert_eq!(refused("pai_quota_update"), 1, "{audit:#?}");
    assert_eq!(refused("confirm"), 1, "{audit:#?}");
    assert_eq!(refused("cancel"), 1, "{audit:#?}");
    h.finish().await;
}
