//! The gate under races: a plan put back after a provider fault at confirm, open plans of two
//! sessions for one resource, and refusals that must reach the audit log.

use serde_json::{Value, json};

use crate::common::seed::*;
use crate::common::{Harness, Transport, decisions, expect_error, str_of};

/// A plan renaming the seeded `lingjun-pretrain` quota.
async fn rename(session: &crate::common::Session, name: &str) -> Value {
    session
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "quota_name": name}),
        )
        .await
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
