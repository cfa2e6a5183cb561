//! The gate under races: a plan put back after a provider fault at confirm, open plans of two
//! sessions for one resource, and refusals that must reach the audit log.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{Harness, ServerSpec, Transport, decisions, expect_error, lines_of, str_of};

/// A plan renaming the seeded `lingjun-pretrain` quota.
async fn rename(session: &crate::common::Session, name: &str) -> Value {
    session
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "quota_name": name}),
        )
        .await
}

both_transports!(
    a_plan_put_back_after_a_fault_never_displaces_a_newer_plan,
    put_back_after_fault
);

/// The confirmation of an older plan hits an outage (every UpdateQuota times out); while it is
/// under way the same session plans the same quota again. The older plan must not come back over
/// the newer one: it is the one replaced (and audited so), and its arguments never run.
async fn put_back_after_fault(transport: Transport) {
    let h = Harness::new(transport).await;
    let older = rename(&h, "older-name").await;
    let older_id = str_of(&older["plan_id"]);
    let older_phrase = str_of(&older["confirm_phrase"]);
    h.emu
        .admin_post(
            "faults",
            json!({"action": "UpdateQuota", "kind": "timeout", "times": 20, "delay_ms": 700}),
        )
        .await;
    let (result, newer) = tokio::join!(h.confirm(&older_id, &older_phrase), async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        rename(&h, "newer-name").await
    });
    let newer_id = str_of(&newer["plan_id"]);
    h.emu.clear_faults().await;
    assert_eq!(
        result.is_error,
        Some(true),
        "the outage fails the confirmation"
    );
    let error = result.structured_content.clone().unwrap_or_default()["error"].clone();
    let hint = error["user_action"].as_str().unwrap_or_default();
    assert!(
        hint.contains("superseded") && hint.contains(&newer_id),
        "the caller is told the plan was superseded by the newer one: {error:#}"
    );
    let open: Vec<Value> = h
        .plans()
        .await
        .iter()
        .map(|p| p["plan_id"].clone())
        .collect();
    assert_eq!(open, [json!(newer_id)], "the newer plan stays open, alone");
    let again = h.confirm(&older_id, &older_phrase).await;
    let refusal = expect_error(&again, "plan_not_pending", "the superseded plan");
    assert!(
        str_of(&refusal["message"]).contains("replaced"),
        "{refusal:#}"
    );
    h.execute(&newer).await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["name"], "newer-name", "the older arguments never ran");
    let finished = h.finish().await;
    let story: Vec<String> = lines_of(&finished.audit, &older_id)
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert_eq!(
        story,
        ["planned", "confirmed", "failed", "replaced", "refused"],
        "the older plan is audited as replaced after the fault, and never executed"
    );
    assert!(
        !lines_of(&finished.audit, &newer_id)
            .iter()
            .any(|l| l["decision"] == "replaced"),
        "the newer plan was not replaced"
    );
}

/// Two HTTP sessions plan the same quota: the second must not cancel the first one's plan. The
/// re-check at confirm refuses whichever plan the other's execution made stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_session_planning_the_same_resource_does_not_cancel_my_plan() {
    let h = Harness::new(Transport::Http).await;
    let other = h.new_session().await;
    let mine = rename(&h, "my-name").await;
    let theirs = rename(&other, "their-name").await;
    let open = h.plans().await;
    assert_eq!(open.len(), 1, "my plan is still open: {open:#?}");
    assert_eq!(open[0]["plan_id"], mine["plan_id"]);
    assert_eq!(other.plans().await.len(), 1);
    h.execute(&mine).await;
    assert_eq!(
        h.emu.quota(QUOTA_LINGJUN).await.expect("quota")["name"],
        "my-name"
    );
    let result = other
        .confirm(
            &str_of(&theirs["plan_id"]),
            &str_of(&theirs["confirm_phrase"]),
        )
        .await;
    expect_error(
        &result,
        "stale_plan",
        "a plan made stale by the other session",
    );
    assert_eq!(
        h.emu.quota(QUOTA_LINGJUN).await.expect("quota")["name"],
        "my-name"
    );
    drop(other);
    let finished = h.finish().await;
    assert!(
        decisions(&finished.audit, "replaced").is_empty(),
        "nothing was replaced across sessions"
    );
}

both_transports!(elicit_mode_refusals_are_audited, elicit_refusal_audited);

/// `--confirm elicit` refusing a client without elicitation is a refusal like any other: audited
/// with decision `refused` and the reason.
async fn elicit_refusal_audited(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--confirm", "elicit"])
        .start()
        .await;
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_LINGJUN, "quota_name": "sneaky"}),
        "confirmation_unavailable",
    )
    .await;
    let finished = h.finish().await;
    let refused = decisions(&finished.audit, "refused");
    assert_eq!(refused.len(), 1, "{:#?}", finished.audit);
    assert_eq!(refused[0]["tool"], "pai_quota_update");
    assert!(
        refused[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("confirmation_unavailable") && r.contains("elicit")),
        "{:#}",
        refused[0]
    );
    assert!(
        refused[0]["arguments_digest"].is_string(),
        "{:#}",
        refused[0]
    );
}
