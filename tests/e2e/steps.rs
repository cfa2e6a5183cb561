//! Composite plans: one plan of several steps, where a later step uses an earlier answer (the
//! created quota's id feeds the workspace binding), every step is previewed, and a failed later
//! step rolls back what the earlier ones made. The catalog is a fixture (tests/fixtures/
//! steps-demo) loaded with `--catalog-dir` beside the built-in toolsets, so no production tool
//! is needed to prove the mechanism.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::seed::*;
use crate::common::{Harness, ServerSpec, Transport, array, expect_error, str_of};

/// A catalog directory: the built-in toolsets plus the fixture.
fn catalog_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (from, name) in [
        (root.join("tools/pai-quota"), "pai-quota"),
        (root.join("tools/pai-quota-extra"), "pai-quota-extra"),
        (root.join("tests/fixtures/steps-demo"), "steps-demo"),
    ] {
        let to: PathBuf = dir.path().join(name);
        std::fs::create_dir_all(&to).expect("toolset dir");
        std::fs::copy(from.join("tools.toml"), to.join("tools.toml")).expect("copy catalog");
    }
    dir
}

async fn start(dir: &Path) -> Harness {
    let dir = dir.display().to_string();
    let h = Harness::start(ServerSpec::new(Transport::Stdio).args(&[
        "--catalog-dir",
        &dir,
        "--toolsets",
        "steps-demo,pai-quota",
    ]))
    .await;
    // Quotas are usable at once, so the binding step can follow the create.
    h.emu
        .admin_post(
            "lifecycles",
            json!({"name": "paistudio.quota.create", "mode": "immediate"}),
        )
        .await;
    h
}

fn args(name: &str) -> Value {
    json!({
        "quota_name": name,
        "resource_group_ids": [RG_TRAIN_A10_EXTRA],
        "min": {"NodeSpecs": [{"NodeSpec": C8G1, "Count": 1}]},
        "workspace_id": WS_VISION_TEAM,
    })
}

/// The workspace's bindings of `quota_id`, read through skillgate's own read tool.
async fn bindings(h: &Harness, quota_id: &str) -> Vec<Value> {
    let listing = h
        .ok(
            "pai_quota_list_workspace_resources",
            json!({"workspace_id": WS_VISION_TEAM}),
        )
        .await;
    array(&listing["resources"])
        .into_iter()
        .filter(|r| r.to_string().contains(quota_id))
        .collect()
}

#[tokio::test]
async fn a_composite_plan_previews_every_step_and_feeds_answers_forward() {
    let dir = catalog_dir();
    let h = start(dir.path()).await;
    let before = h.emu.snapshot().await;
    let plan = h
        .plan("demo_create_and_attach", args("e2e-composite"))
        .await;
    h.emu
        .assert_unchanged(&before, "planning a composite plan")
        .await;
    let dry_run = array(&plan["dry_run"]);
    assert_eq!(dry_run.len(), 2, "both steps are previewed: {plan:#}");
    assert_eq!(dry_run[0]["step"], "main");
    assert_eq!(dry_run[1]["step"], "attach");
    assert!(
        dry_run[0]["rollback"]["action"] == "DeleteQuota",
        "the create's rollback is shown: {:#}",
        dry_run[0]
    );
    assert!(
        dry_run[1]["body"]
            .to_string()
            .contains("{step.main.QuotaId}"),
        "the binding shows where the quota id will come from: {:#}",
        dry_run[1]
    );
    assert!(
        str_of(&dry_run[1]["url"]).contains(&format!("/workspaces/{WS_VISION_TEAM}/resources")),
        "{:#}",
        dry_run[1]
    );
    let done = h.execute(&plan).await;
    let steps = array(&done["steps"]);
    assert_eq!(
        steps.iter().map(|s| str_of(&s["step"])).collect::<Vec<_>>(),
        ["main", "attach"],
        "{done:#}"
    );
    let quota_id = str_of(&done["result"]["quota_id"]);
    assert!(!quota_id.is_empty(), "{done:#}");
    assert_eq!(
        h.emu.quotas_named("e2e-composite").await.len(),
        1,
        "one quota"
    );
    assert_eq!(
        bindings(&h, &quota_id).await.len(),
        1,
        "the second step bound the quota the first step created"
    );
    let attach = h.emu.requests_for("CreateWorkspaceResource").await;
    assert_eq!(attach.len(), 1, "one binding call: {attach:#?}");
    h.finish().await;
}

#[tokio::test]
async fn a_failed_later_step_rolls_back_the_earlier_ones() {
    let dir = catalog_dir();
    let h = start(dir.path()).await;
    let plan = h.plan("demo_create_and_attach", args("e2e-rollback")).await;
    // The binding is refused outright (not a fault that might have committed).
    h.emu.forbid("CreateWorkspaceResource").await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "permission_denied", "the binding step");
    let details = &error["details"];
    assert_eq!(details["failed_step"], "attach", "{error:#}");
    assert_eq!(details["completed_steps"], json!(["main"]), "{error:#}");
    assert_eq!(
        details["rollback"][0]["rollback"], "done",
        "the created quota was deleted again: {error:#}"
    );
    let deletes = h.emu.requests_for("DeleteQuota").await;
    assert_eq!(deletes.len(), 1, "one rollback delete: {deletes:#?}");
    let left: Vec<Value> = h
        .emu
        .quotas_named("e2e-rollback")
        .await
        .into_iter()
        .filter(|q| q["status"] != "Deleting")
        .collect();
    assert!(left.is_empty(), "nothing the plan made is left: {left:#?}");
    assert!(
        h.plans().await.is_empty(),
        "a partly executed plan is not offered again"
    );
    let audit = h.audit();
    assert!(
        audit
            .iter()
            .any(|l| l["decision"] == "failed" && l["plan_id"] == plan["plan_id"]),
        "{audit:#?}"
    );
    h.finish().await;
}
