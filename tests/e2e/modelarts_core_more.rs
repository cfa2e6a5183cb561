//! ModelArts part 2, core side, end to end over the real binary: the seed's bulk training
//! helpers as batch plans that list every job id (delete the ended jobs, stop the running one),
//! a workspace created, shown, updated and deleted (the default one refused), and a notebook's
//! auto-stop lease renewed and read back.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, expect_error, str_of};

const COMPLETED: &str = "5eed0011-0000-4000-8000-000000000000";
const RUNNING: &str = "5eed0012-0000-4000-8000-000000000000";
const FAILED: &str = "5eed0013-0000-4000-8000-000000000000";
const RUNNING_NOTEBOOK: &str = "5eed0001-0000-4000-8000-000000000000";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&["--toolsets", "modelarts"])
}

fn job_ids(list: &Value) -> Vec<String> {
    array(&list["jobs"])
        .iter()
        .map(|j| str_of(&j["job_id"]))
        .collect()
}

async fn training_batches(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h.plan("ma_train_delete_completed_jobs", json!({})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH DELETE 2");
    let text = plan.to_string();
    assert!(
        text.contains(COMPLETED) && text.contains(FAILED) && !text.contains(RUNNING),
        "the plan lists the ended jobs only: {plan:#}"
    );
    let wrong = h
        .confirm(&str_of(&plan["plan_id"]), "CONFIRM-BATCH DELETE 3")
        .await;
    assert_eq!(wrong.is_error, Some(true), "a wrong count is refused");
    let plan = h.plan("ma_train_delete_completed_jobs", json!({})).await;
    let done = h.execute(&plan).await;
    assert!(done.to_string().contains(COMPLETED), "{done:#}");
    let left = job_ids(&h.ok("ma_train_list_jobs", json!({})).await);
    assert_eq!(
        left,
        vec![RUNNING.to_string()],
        "only the running job is left"
    );

    let none = h.call("ma_train_stop_pending_jobs", json!({})).await;
    expect_error(&none, "validation_error", "no training job is Pending");
    let bad = h
        .call(
            "ma_train_stop_pending_jobs",
            json!({"phases": ["Completed"]}),
        )
        .await;
    expect_error(&bad, "validation_error", "not allowed");
    let plan = h
        .plan("ma_train_stop_pending_jobs", json!({"phases": ["Running"]}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH STOP 1");
    assert!(plan.to_string().contains(RUNNING), "{plan:#}");
    h.execute(&plan).await;
    let job = h.ok("ma_train_get_job", json!({"job_id": RUNNING})).await;
    assert_eq!(job["phase"], "Terminating", "{job:#}");
}

both_transports!(
    the_bulk_training_helpers_plan_every_job_id,
    training_batches
);

async fn workspaces_and_lease(transport: Transport) {
    let h = spec(transport).start().await;
    let plan = h
        .plan(
            "ma_ws_create",
            json!({"name": "team-c", "auth_type": "PRIVATE"}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-CREATE team-c");
    h.execute(&plan).await;
    let list = h.ok("ma_ws_list", json!({"name": "team-c"})).await;
    let id = str_of(&array(&list["workspaces"])[0]["workspace_id"]);
    let shown = h.ok("ma_ws_show", json!({"workspace_id": id})).await;
    assert_eq!(shown["auth_type"], "PRIVATE");
    let plan = h
        .plan(
            "ma_ws_update",
            json!({"workspace_id": id, "description": "team c"}),
        )
        .await;
    h.execute(&plan).await;
    let shown = h.ok("ma_ws_show", json!({"workspace_id": id})).await;
    assert_eq!(shown["description"], "team c");
    let refused = h.call("ma_ws_delete", json!({"workspace_id": "0"})).await;
    expect_error(&refused, "validation_error", "default workspace");
    let plan = h.plan("ma_ws_delete", json!({"workspace_id": id})).await;
    assert_eq!(str_of(&plan["confirm_phrase"]), format!("CONFIRM {id}"));
    h.execute(&plan).await;
    let list = h.ok("ma_ws_list", json!({"name": "team-c"})).await;
    assert!(array(&list["workspaces"]).is_empty(), "{list:#}");

    let plan = h
        .plan(
            "ma_nb_renew_lease",
            json!({"notebook_id": RUNNING_NOTEBOOK, "duration_ms": 10_800_000}),
        )
        .await;
    h.execute(&plan).await;
    let lease = h
        .ok("ma_nb_show_lease", json!({"notebook_id": RUNNING_NOTEBOOK}))
        .await;
    assert_eq!(lease["duration_ms"], 10_800_000, "{lease:#}");
    let got = h
        .ok("ma_nb_get", json!({"notebook_id": RUNNING_NOTEBOOK}))
        .await;
    assert_eq!(
        got["lease"]["duration"], 10_800_000,
        "the same state: {got:#}"
    );
}

both_transports!(
    workspaces_and_the_notebook_lease_follow_the_gate,
    workspaces_and_lease
);
