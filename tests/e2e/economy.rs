//! The small default list and what reaches past it: `search_tools` finds a tool that is not
//! listed, `call_tool` runs it through exactly the gate a direct call takes (the audit line names
//! the real tool), and a tool hidden by `--exclude-tools` or `--read-only` is neither found nor
//! callable.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{Harness, ServerSpec, Transport, array, decisions, expect_error, str_of};

fn found(result: &Value) -> Vec<String> {
    array(&result["matches"])
        .iter()
        .map(|m| str_of(&m["name"]))
        .collect()
}

both_transports!(call_tool_is_a_direct_call, call_tool);

async fn call_tool(transport: Transport) {
    let h = Harness::new(transport).await;
    let names = h.tool_names().await;
    assert!(
        !names.iter().any(|n| n == "pai_quota_detach_workspace"),
        "detach is not in the default list: {names:?}"
    );
    let search = h
        .ok("search_tools", json!({"query": "unbind quota workspace"}))
        .await;
    let matches = array(&search["matches"]);
    let detach = matches
        .iter()
        .find(|m| m["name"] == "pai_quota_detach_workspace")
        .unwrap_or_else(|| panic!("search finds detach: {search:#}"));
    assert_eq!(detach["listed"], false);
    assert_eq!(detach["annotations"]["destructiveHint"], true);
    assert_eq!(detach["confirm_phrase"], "CONFIRM {quota_id}");
    assert_eq!(
        detach["inputSchema"]["required"],
        json!(["workspace_id", "quota_id"])
    );

    // An unlisted write through call_tool plans and, confirmed through call_tool, executes once.
    let attach = h
        .ok(
            "call_tool",
            json!({"name": "pai_quota_attach_workspace", "arguments": {"workspace_id": WS_VISION_TEAM, "quota_id": QUOTA_TEAM_ROOT}}),
        )
        .await;
    assert_eq!(attach["status"], "confirmation_required", "{attach:#}");
    let done = h
        .ok(
            "call_tool",
            json!({"name": "confirm", "arguments": {"plan_id": attach["plan_id"], "phrase": attach["confirm_phrase"]}}),
        )
        .await;
    assert_eq!(done["status"], "executed", "{done:#}");
    let before = h.emu.snapshot().await;

    // A destructive tool through call_tool plans, and a wrong phrase (also through call_tool) is
    // refused and cancels the plan; nothing changes.
    let args = json!({"workspace_id": WS_VISION_TEAM, "quota_id": QUOTA_TEAM_ROOT});
    let plan = h
        .ok(
            "call_tool",
            json!({"name": "pai_quota_detach_workspace", "arguments": args}),
        )
        .await;
    assert_eq!(plan["status"], "confirmation_required", "{plan:#}");
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM {QUOTA_TEAM_ROOT}"));
    let refused = h
        .call(
            "call_tool",
            json!({"name": "confirm", "arguments": {"plan_id": plan["plan_id"], "phrase": "yes"}}),
        )
        .await;
    expect_error(
        &refused,
        "confirmation_mismatch",
        "a wrong phrase through call_tool",
    );
    h.emu
        .assert_unchanged(&before, "call_tool with a wrong phrase")
        .await;

    // Validation is the tool's own: a missing argument is named.
    let invalid = h
        .call(
            "call_tool",
            json!({"name": "pai_quota_detach_workspace", "arguments": {"quota_id": QUOTA_TEAM_ROOT}}),
        )
        .await;
    let error = expect_error(&invalid, "validation_error", "a missing argument");
    assert!(
        str_of(&error["message"]).contains("workspace_id"),
        "{error:#}"
    );

    // A read through call_tool answers like a direct read.
    let direct = h.ok("pai_quota_list_workspaces", json!({})).await;
    let through = h
        .ok("call_tool", json!({"name": "pai_quota_list_workspaces"}))
        .await;
    assert_eq!(direct["workspaces"], through["workspaces"]);

    // An unknown name through call_tool is a tool error the model can read.
    let unknown = h.call("call_tool", json!({"name": "pai_quota_nope"})).await;
    expect_error(&unknown, "not_found", "an unknown tool through call_tool");

    let finished = h.finish().await;
    let planned: Vec<&Value> = decisions(&finished.audit, "planned");
    let tools: Vec<&Value> = planned.iter().map(|l| &l["tool"]).collect();
    assert_eq!(
        tools,
        [
            &json!("pai_quota_attach_workspace"),
            &json!("pai_quota_detach_workspace")
        ],
        "the audit names the real tools"
    );
    let executed = decisions(&finished.audit, "executed");
    assert_eq!(executed.len(), 1, "the attach executed once");
    assert_eq!(executed[0]["plan_id"], attach["plan_id"]);
    let refused = decisions(&finished.audit, "refused");
    assert!(
        refused.iter().any(|l| l["tool"] == "confirm"),
        "the wrong phrase is audited as a confirm: {refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|l| l["tool"] == "pai_quota_detach_workspace"),
        "the invalid call is audited under its tool: {refused:?}"
    );
    assert!(
        finished.audit.iter().all(|l| l["tool"] != "call_tool"),
        "call_tool itself never appears in the audit"
    );
}

both_transports!(hidden_tools_are_neither_found_nor_callable, hidden);

async fn hidden(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--exclude-tools", "pai_quota_detach_workspace"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    let search = h
        .ok(
            "search_tools",
            json!({"query": "pai_quota_detach_workspace", "limit": 20}),
        )
        .await;
    assert!(
        !found(&search).contains(&"pai_quota_detach_workspace".to_string()),
        "an excluded tool is never found: {search:#}"
    );
    let refused = h
        .call(
            "call_tool",
            json!({"name": "pai_quota_detach_workspace", "arguments": {"workspace_id": WS_LLM_RESEARCH, "quota_id": QUOTA_TEAM_A}}),
        )
        .await;
    expect_error(&refused, "not_found", "an excluded tool through call_tool");
    h.emu.assert_unchanged(&before, "an excluded tool").await;
    h.finish().await;

    let h = ServerSpec::new(transport)
        .args(&["--read-only"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    let search = h
        .ok(
            "search_tools",
            json!({"query": "quota delete scale create update attach detach", "limit": 20}),
        )
        .await;
    for name in found(&search) {
        let catalog_effect = array(&search["matches"])
            .into_iter()
            .find(|m| m["name"] == name.as_str())
            .map(|m| m["effect"].clone());
        assert_eq!(
            catalog_effect,
            Some(json!("read")),
            "read-only search finds reads only"
        );
    }
    let refused = h
        .call(
            "call_tool",
            json!({"name": "pai_quota_delete", "arguments": {"quota_id": QUOTA_LINGJUN}}),
        )
        .await;
    expect_error(
        &refused,
        "read_only",
        "a mutation through call_tool under --read-only",
    );
    h.emu
        .assert_unchanged(&before, "--read-only call_tool")
        .await;
    let finished = h.finish().await;
    assert!(decisions(&finished.audit, "planned").is_empty());
    assert!(
        decisions(&finished.audit, "refused")
            .iter()
            .any(|l| l["tool"] == "pai_quota_delete")
    );
}
