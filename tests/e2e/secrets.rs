//! Scenario 4: credentials never leak. Every harness searches everything the servers said (tool
//! results and errors, `tools/list`, stderr, the audit log) for the emulator's secret and key id
//! when it finishes; this scenario adds the noisiest run: trace logging, every kind of answer,
//! retries, RAM denials and signature failures.

use serde_json::json;

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{ServerSpec, Transport, assert_no_credentials, min, str_of};

both_transports!(no_credential_leaks_even_at_trace_level, noisy_run);

async fn noisy_run(transport: Transport) {
    let mut h = ServerSpec::new(transport)
        .args(&["--toolsets", "all"])
        .log("trace")
        .start()
        .await;
    h.tool_names().await;
    for (tool, args) in [
        ("pai_quota_list", json!({"layout_mode": "Tree"})),
        ("pai_quota_get", json!({"quota_id": QUOTA_TEAM_A})),
        (
            "pai_quota_list_workloads",
            json!({"quota_id": QUOTA_TEAM_A}),
        ),
        (
            "pai_quota_list_active_user_usages",
            json!({"quota_id": QUOTA_TEAM_A}),
        ),
        ("pai_quota_list_resource_groups", json!({})),
        (
            "pai_quota_get_resource_group",
            json!({"resource_group_id": RG_LINGJUN}),
        ),
        (
            "pai_quota_list_node_types",
            json!({"quota_id": QUOTA_TEAM_ROOT}),
        ),
        ("pai_quota_list_workspaces", json!({})),
        (
            "pai_quota_get_workspace",
            json!({"workspace_id": WS_LLM_RESEARCH}),
        ),
        (
            "pai_quota_list_workspace_resources",
            json!({"workspace_id": WS_LLM_RESEARCH}),
        ),
    ] {
        h.ok(tool, args).await;
    }
    // Refusals of every origin: arguments, live checks, the gate.
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_TEAM_A, "queue_strategy": "FIFO"}),
        "invalid_enum",
    )
    .await;
    h.refused(
        "pai_quota_delete",
        json!({"quota_id": QUOTA_TEAM_ROOT}),
        "in_use",
    )
    .await;
    h.refused(
        "pai_quota_get",
        json!({"quota_id": "quotadoesnotexist"}),
        "not_found",
    )
    .await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 1)])}),
        )
        .await;
    let result = h.confirm(&str_of(&plan["plan_id"]), "yes").await;
    assert_eq!(result.is_error, Some(true));
    // Retries and a lost answer.
    h.emu.fault("ListResourceGroups", "throttle", 1).await;
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": "leak-check", "resource_group_ids": [RG_TRAIN_A10_EXTRA_NAME], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    h.emu
        .fault("CreateQuota", "server_error_after_commit", 1)
        .await;
    h.execute(&plan).await;
    // A RAM denial.
    h.emu.forbid("UpdateQuota").await;
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "denied"}),
        )
        .await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    assert_eq!(result.is_error, Some(true));
    // A server holding the right key id but a wrong secret: every signature fails.
    let wrong = ServerSpec::new(Transport::Stdio)
        .log("trace")
        .wrong_secret("not-the-secret-but-just-as-long-000");
    let other = h.other_server(wrong).await;
    other
        .session
        .refused("pai_quota_list", json!({}), "auth_error")
        .await;
    other
        .session
        .refused(
            "pai_quota_delete",
            json!({"quota_id": QUOTA_LINGJUN}),
            "auth_error",
        )
        .await;
    let finished = h.finish().await;
    // Sanity check that there was something to search: trace logs of every layer.
    for expected in ["audit", "DEBUG", "TRACE"] {
        assert!(
            finished.stderr.contains(expected),
            "trace logging was on: {expected} missing in {} bytes of stderr",
            finished.stderr.len()
        );
    }
}

#[test]
#[should_panic(expected = "access key secret leaked")]
fn the_leak_search_finds_a_secret() {
    assert_no_credentials(
        "LTAI5tAAAAAAAAAAAAAAAAAA",
        "s3cr3ts3cr3ts3cr3ts3cr3ts3cr3t",
        &[(
            "a result".into(),
            "{\"x\":\"..s3cr3ts3cr3ts3cr3ts3cr3ts3cr3t..\"}".into(),
        )],
    );
}

#[test]
#[should_panic(expected = "masked part of the access key id leaked")]
fn the_leak_search_finds_the_hidden_part_of_a_key_id() {
    assert_no_credentials(
        "LTAI5tAAAAAAAAAAAAAAAAAA",
        "s3cr3ts3cr3ts3cr3ts3cr3ts3cr3t",
        &[("stderr".into(), "key=****5tAAAAAAAAAAAAAAAAAA".into())],
    );
}

/// Over HTTP with `--auth-token`: no session without the token, and the token itself never
/// appears in results, stderr or the audit log (its principal is a digest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_bearer_token_is_required_and_never_shown() {
    const TOKEN: &str = "e2e-bearer-7f3c9a1d5b2e8f604c1a";
    let h = ServerSpec::new(Transport::Http)
        .auth_token(TOKEN)
        .log("debug")
        .start()
        .await;
    for token in [None, Some("wrong-token")] {
        let refused = h.server.try_session(token).await;
        assert!(
            refused.is_err(),
            "a session without the right token ({token:?})"
        );
    }
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "with a token"}),
        )
        .await;
    // Another session of the same principal still cannot take this session's plan.
    let other = h.new_session().await;
    let result = other
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    crate::common::expect_error(&result, "plan_not_found", "same token, other session");
    drop(other);
    h.execute(&plan).await;
    let finished = h.finish().await;
    let principal = str_of(&finished.audit[0]["principal"]);
    assert!(
        principal.starts_with("token:"),
        "the audit names the token's digest: {principal}"
    );
}
