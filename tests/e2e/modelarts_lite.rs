//! Lite Server / HPS end to end (seed-operations.md 6.9) against the emulator's Huawei front:
//! a batch action lists every server and is refused when one is in the wrong state; a
//! hyperinstance scale-down is checked against its members and counted in the phrase, and the
//! last server cannot be removed; tags round-trip; a password login is refused; a job created
//! on a server shows in the list and cannot be deleted while it runs.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{ServerSpec, Transport, array, expect_error, str_of};

const RUNNING: &str = "2874fae8-0692-40ce-8ab3-7726619d434d";
const STOPPED: &str = "b31d3848-e5e3-4962-8561-6dcad406939c";
const HYPER: &str = "ae1889a2-9044-4980-8007-1ac86e0b0e8a";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&["--toolsets", "modelarts"])
}

fn servers_of(hyper: &Value) -> Vec<String> {
    array(&hyper["servers"])
        .iter()
        .map(|s| str_of(&s["id"]))
        .collect()
}

async fn lite_group(transport: Transport) {
    let h = spec(transport).start().await;

    // A job on the RUNNING server shows in the list; while it runs it cannot be deleted,
    // and the finished ones can, counted in the phrase.
    let plan = h
        .plan(
            "ma_lite_create_job",
            json!({"name": "e2e-check", "type": "HEALTH_CHECK", "server_ids": [RUNNING]}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-CREATE e2e-check");
    let job = h.execute(&plan).await;
    let jobs = h.ok("ma_lite_list_jobs", json!({})).await;
    let listed: Vec<Value> = array(&jobs["jobs"]).to_vec();
    let running: Vec<String> = listed
        .iter()
        .filter(|j| j["status"] == "RUNNING")
        .map(|j| str_of(&j["id"]))
        .collect();
    let finished: Vec<String> = listed
        .iter()
        .filter(|j| j["status"] == "SUCCESS")
        .map(|j| str_of(&j["id"]))
        .collect();
    assert_eq!(running.len(), 1, "{jobs:#} {job:#}");
    assert_eq!(finished.len(), 2, "{jobs:#}");
    let refused = h
        .call("ma_lite_delete_jobs", json!({"job_ids": running}))
        .await;
    expect_error(&refused, "validation_error", "a running job");
    let plan = h
        .plan("ma_lite_delete_jobs", json!({"job_ids": finished}))
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH DELETE 2");
    h.execute(&plan).await;
    let jobs = h.ok("ma_lite_list_jobs", json!({})).await;
    assert_eq!(array(&jobs["jobs"]).len(), 1, "{jobs:#}");

    // A batch naming a STOPPED server for STOP is refused before anything is sent.
    let before = h.emu.mutating_requests().await.len();
    let refused = h
        .call(
            "ma_lite_batch_action",
            json!({"type": "STOP", "server_ids": [RUNNING, STOPPED]}),
        )
        .await;
    let failure = expect_error(
        &refused,
        "validation_error",
        "a stopped server in a STOP batch",
    );
    assert!(str_of(&failure["message"]).contains(STOPPED), "{failure:#}");
    let plan = h
        .plan(
            "ma_lite_batch_action",
            json!({"type": "STOP", "server_ids": [RUNNING]}),
        )
        .await;
    assert_eq!(str_of(&plan["confirm_phrase"]), "CONFIRM-BATCH STOP 1");
    h.execute(&plan).await;
    assert_eq!(h.emu.mutating_requests().await.len(), before + 1);
    let server = h.ok("ma_lite_get", json!({"server_id": RUNNING})).await;
    assert_eq!(server["status"], "STOPPING", "{server:#}");

    // Passwords never pass through the agent.
    let refused = h
        .call(
            "ma_lite_reinstall_os",
            json!({"server_id": STOPPED, "key_pair_name": "kp", "admin_pass": "Secret-1"}),
        )
        .await;
    assert!(refused.is_error.unwrap_or(false), "admin_pass is refused");

    // Scale-down: the plan lists the removed server; the last one cannot go.
    let hyper = h
        .ok(
            "ma_lite_get_hyperinstance",
            json!({"hyperinstance_id": HYPER}),
        )
        .await;
    let members = servers_of(&hyper);
    assert_eq!(members.len(), 2, "{hyper:#}");
    let refused = h
        .call(
            "ma_lite_scale_down_hyperinstance",
            json!({"hyperinstance_id": HYPER, "server_ids": members}),
        )
        .await;
    expect_error(&refused, "validation_error", "removing every server");
    let plan = h
        .plan(
            "ma_lite_scale_down_hyperinstance",
            json!({"hyperinstance_id": HYPER, "server_ids": [members[0]]}),
        )
        .await;
    assert_eq!(
        str_of(&plan["confirm_phrase"]),
        "CONFIRM-BATCH SCALE-DOWN 1"
    );
    h.execute(&plan).await;
    let hyper = h
        .ok(
            "ma_lite_get_hyperinstance",
            json!({"hyperinstance_id": HYPER}),
        )
        .await;
    assert_eq!(servers_of(&hyper), vec![members[1].clone()]);
    assert_eq!(hyper["status"], "SCALING");

    // A sold-out or foreign flavor is refused from the scale evaluation.
    let evaluations = h
        .ok(
            "ma_lite_get_scale_evaluations",
            json!({"hyperinstance_id": HYPER}),
        )
        .await;
    assert!(!array(&evaluations["evaluations"]).is_empty());

    // Tags round-trip.
    let plan = h
        .plan(
            "ma_lite_create_hyper_tags",
            json!({"hyperinstance_id": HYPER, "tags": [{"key": "owner", "value": "e2e"}]}),
        )
        .await;
    h.execute(&plan).await;
    let tags = h
        .ok(
            "ma_lite_query_hyper_tags",
            json!({"hyperinstance_id": HYPER}),
        )
        .await;
    assert!(
        array(&tags["tags"])
            .iter()
            .any(|t| t["key"] == "owner" && t["value"] == "e2e"),
        "{tags:#}"
    );

    h.finish().await;
}
both_transports!(lite_batch_scale_tags_and_jobs_are_gated, lite_group);
