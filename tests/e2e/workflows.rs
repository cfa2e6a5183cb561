//! Scenario 1: every PAI quota workflow end to end, through the gate, with the emulator's state
//! checked after each step and the audit log checked at the end.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{Harness, Transport, array, decisions, find_by, lines_of, min, min_of, str_of};

both_transports!(quota_lifecycle, lifecycle);

/// What every dry run must show: the method and path, the body in the wire shape, and the
/// credentials masked.
fn check_dry_run(h: &Harness, plan: &Value, method: &str, path: &str) -> Value {
    let dry_run = array(&plan["dry_run"]);
    assert_eq!(dry_run.len(), 1, "one request per plan: {plan:#}");
    let request = dry_run[0].clone();
    assert_eq!(request["method"], method, "{request:#}");
    let url = str_of(&request["url"]);
    assert!(
        url.contains(path),
        "the dry run URL {url} should contain {path}"
    );
    let authorization = str_of(&request["headers"]["authorization"]);
    assert!(
        authorization.contains("Signature=****"),
        "the signature is masked: {authorization}"
    );
    assert!(
        authorization.contains(&format!("Credential={}****", &h.emu.key_id[..4])),
        "the access key id is masked to its first four characters: {authorization}"
    );
    let text = request.to_string();
    assert!(
        !text.contains(&h.emu.key_id),
        "full key id in the dry run: {text}"
    );
    assert!(
        !text.contains(&h.emu.secret),
        "secret in the dry run: {text}"
    );
    if let Some(specs) = request["body"]["Min"]["NodeSpecs"].as_array() {
        for spec in specs {
            assert!(
                spec.get("Type").is_some() && spec.get("NodeSpec").is_none(),
                "the wire shape of a node spec is {{Type, Count}}, never NodeSpec: {spec}"
            );
        }
    }
    request
}

fn check_names(checks: &Value) -> Vec<String> {
    array(checks).iter().map(|c| str_of(&c["check"])).collect()
}

async fn lifecycle(transport: Transport) {
    let h = Harness::new(transport).await;
    let seeded = h.emu.state().await;
    let mut executed: Vec<String> = Vec::new();

    // --- create a root quota from a resource group NAME -----------------------------------
    let before = h.emu.snapshot().await;
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({
                "quota_name": "e2e-root",
                "resource_group_ids": [RG_TRAIN_A10_EXTRA_NAME],
                "min": min(&[(C8G1, 2), (C16G1, 1)]),
                "description": "made by the e2e suite",
            }),
        )
        .await;
    h.emu
        .assert_unchanged(&before, "planning create_root")
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM-CREATE e2e-root");
    let request = check_dry_run(&h, &plan, "POST", "/api/v1/quotas");
    let body = &request["body"];
    assert_eq!(
        body["ResourceGroupIds"],
        json!([RG_TRAIN_A10_EXTRA]),
        "the name is resolved to the group's ID before anything is sent"
    );
    assert_eq!(
        body["ResourceType"], "ECS",
        "the type is derived from the groups"
    );
    assert_eq!(
        body["Min"],
        json!({"NodeSpecs": [{"Type": C8G1, "Count": 2}, {"Type": C16G1, "Count": 1}]})
    );
    let plan_id = str_of(&plan["plan_id"]);
    assert!(
        array(&body["Labels"])
            .iter()
            .any(|l| l["Key"] == "skillgate.plan" && l["Value"] == plan_id.as_str()),
        "the provenance label is in the dry run: {body:#}"
    );
    let checks = check_names(&plan["checks"]);
    for expected in [
        "resource_groups_resolved",
        "resource_groups_homogeneous",
        "node_specs_bindable",
    ] {
        assert!(
            checks.iter().any(|c| c == expected),
            "{expected} in {checks:?}"
        );
    }
    let listed = h.plans().await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["plan_id"], plan["plan_id"]);
    let done = h.execute(&plan).await;
    executed.push(plan_id.clone());
    let root_id = str_of(&done["result"]["quota_id"]);
    let root = h.emu.quota(&root_id).await.expect("the root exists");
    assert_eq!(root["name"], "e2e-root");
    assert_eq!(root["parent_id"], Value::Null);
    assert_eq!(root["resource_type"], "ECS");
    assert_eq!(root["resource_group_ids"], json!([RG_TRAIN_A10_EXTRA]));
    assert_eq!(
        min_of(&root),
        vec![(C8G1.to_string(), 2), (C16G1.to_string(), 1)]
    );
    assert!(
        array(&root["labels"])
            .iter()
            .any(|l| l["key"] == "skillgate.plan" && l["value"] == plan_id.as_str()),
        "{root:#}"
    );
    assert_eq!(h.emu.quotas_named("e2e-root").await.len(), 1);
    assert!(
        h.plans().await.is_empty(),
        "an executed plan is no longer pending"
    );

    // --- create a root quota from a resource group ID (and the same group by name) ---------
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({
                "quota_name": "e2e-iso",
                "resource_group_ids": [RG_ISOLATED_VPC, RG_ISOLATED_VPC_NAME],
                "min": {"NodeSpecs": [{"Type": G7, "Count": 1}]},
            }),
        )
        .await;
    let request = check_dry_run(&h, &plan, "POST", "/api/v1/quotas");
    assert_eq!(
        request["body"]["ResourceGroupIds"],
        json!([RG_ISOLATED_VPC]),
        "an ID and the same group's name resolve to one group"
    );
    let done = h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let iso_id = str_of(&done["result"]["quota_id"]);
    let iso = h.emu.quota(&iso_id).await.expect("the second root exists");
    assert_eq!(iso["resource_group_ids"], json!([RG_ISOLATED_VPC]));
    assert_eq!(min_of(&iso), vec![(G7.to_string(), 1)]);

    // --- create a child under the root, naming the parent by its exact name ----------------
    let before = h.emu.snapshot().await;
    let plan = h
        .plan(
            "pai_quota_create_child",
            json!({
                "quota_name": "e2e-child",
                "parent_quota_id": "e2e-root",
                "min": min(&[(C8G1, 2)]),
            }),
        )
        .await;
    h.emu
        .assert_unchanged(&before, "planning create_child")
        .await;
    assert_eq!(plan["confirm_phrase"], "CONFIRM-CREATE e2e-child");
    let request = check_dry_run(&h, &plan, "POST", "/api/v1/quotas");
    assert_eq!(request["body"]["ParentQuotaId"], root_id.as_str());
    assert_eq!(
        request["body"]["ResourceType"], "ECS",
        "inherited from the parent"
    );
    assert!(
        request["body"].get("ResourceGroupIds").is_none(),
        "a child sends no resource groups: {request:#}"
    );
    let done = h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let child_id = str_of(&done["result"]["quota_id"]);
    let child = h.emu.quota(&child_id).await.expect("the child exists");
    assert_eq!(child["parent_id"], root_id.as_str());
    assert_eq!(child["name"], "e2e-child");
    assert_eq!(min_of(&child), vec![(C8G1.to_string(), 2)]);

    // --- scale the root up ---------------------------------------------------------------
    let before = h.emu.snapshot().await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": root_id, "min": min(&[(C8G1, 2), (C16G1, 2)])}),
        )
        .await;
    h.emu.assert_unchanged(&before, "planning a scale-up").await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM {root_id}"));
    check_dry_run(
        &h,
        &plan,
        "PUT",
        &format!("/api/v1/quotas/{root_id}/action/scale"),
    );
    assert_eq!(
        plan["diff"]["min"]["target"],
        json!({"NodeSpecs": [{"Type": C8G1, "Count": 2}, {"Type": C16G1, "Count": 2}]}),
        "{:#}",
        plan["diff"]
    );
    h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let root = h.emu.quota(&root_id).await.expect("root");
    assert_eq!(
        min_of(&root),
        vec![(C8G1.to_string(), 2), (C16G1.to_string(), 2)]
    );

    // --- scale the child below what its running workloads use: CONFIRM-FORCE --------------
    let workload = h
        .emu
        .add_workload(json!({
            "quota_id": child_id, "name": "e2e-busy-job", "gpu": 2, "cpu": 12, "memory": 48,
            "status": "Running", "user_id": USER_BOB.0, "user_name": USER_BOB.1,
        }))
        .await;
    let workload_id = str_of(&workload["WorkloadId"]);
    let target = json!({"quota_id": child_id, "min": min(&[(C8G1, 1)])});
    let before = h.emu.snapshot().await;
    let plan = h.plan("pai_quota_scale", target.clone()).await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM-FORCE {child_id}"));
    let usage = array(&plan["checks"])
        .into_iter()
        .find(|c| c["check"] == "usage_within_target")
        .expect("the usage check is shown");
    assert_eq!(usage["result"], "force_required", "{usage:#}");
    assert!(
        find_by(
            &usage["detail"]["running_workloads"],
            "workload_id",
            &workload_id
        )
        .is_some(),
        "the plan shows the workloads at risk: {usage:#}"
    );
    let plain = h
        .confirm(&str_of(&plan["plan_id"]), &format!("CONFIRM {child_id}"))
        .await;
    let error = crate::common::expect_error(&plain, "confirmation_mismatch", "plain CONFIRM");
    assert!(
        str_of(&error["message"]).contains(&format!("CONFIRM-FORCE {child_id}")),
        "the refusal repeats the exact phrase: {error:#}"
    );
    assert!(
        h.plans().await.is_empty(),
        "a wrong phrase cancels the plan"
    );
    let again = h
        .confirm(
            &str_of(&plan["plan_id"]),
            &format!("CONFIRM-FORCE {child_id}"),
        )
        .await;
    crate::common::expect_error(&again, "plan_not_pending", "the cancelled plan");
    h.emu
        .assert_unchanged(&before, "a refused plain CONFIRM")
        .await;
    let refused_plan = str_of(&plan["plan_id"]);
    let plan = h.plan("pai_quota_scale", target).await;
    assert_ne!(plan["plan_id"], refused_plan.as_str());
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM-FORCE {child_id}"));
    h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let state = h.emu.state().await;
    let child = find_by(&state["quotas"], "id", &child_id).expect("child");
    assert_eq!(min_of(&child), vec![(C8G1.to_string(), 1)]);
    let workload = find_by(&state["workloads"], "id", &workload_id).expect("workload");
    assert_eq!(
        workload["status"], "Queuing",
        "the forced scale preempted the workload that no longer fits"
    );

    // --- update: rename and queue strategy ------------------------------------------------
    let before = h.emu.snapshot().await;
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": child_id, "quota_name": "e2e-child-renamed", "queue_strategy": "PaiStrategyStrictFIFO"}),
        )
        .await;
    h.emu.assert_unchanged(&before, "planning an update").await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM {child_id}"));
    let request = check_dry_run(&h, &plan, "PUT", &format!("/api/v1/quotas/{child_id}"));
    assert_eq!(request["body"]["QuotaName"], "e2e-child-renamed");
    assert_eq!(request["body"]["QueueStrategy"], "PaiStrategyStrictFIFO");
    assert_eq!(
        plan["diff"]["quota_name"],
        json!({"current": "e2e-child", "target": "e2e-child-renamed"})
    );
    assert_eq!(
        plan["diff"]["queue_strategy"],
        json!({"current": "PaiStrategyIntelligent", "target": "PaiStrategyStrictFIFO"})
    );
    h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let child = h.emu.quota(&child_id).await.expect("child");
    assert_eq!(child["name"], "e2e-child-renamed");
    assert_eq!(child["queue_strategy"], "PaiStrategyStrictFIFO");

    // --- attach the child to a workspace --------------------------------------------------
    let before = h.emu.snapshot().await;
    let plan = h
        .plan(
            "pai_quota_attach_workspace",
            json!({"workspace_id": WS_VISION_TEAM, "quota_id": child_id}),
        )
        .await;
    h.emu.assert_unchanged(&before, "planning an attach").await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM {child_id}"));
    let request = check_dry_run(
        &h,
        &plan,
        "POST",
        &format!("/api/v1/workspaces/{WS_VISION_TEAM}/resources"),
    );
    assert_eq!(
        request["body"]["Option"], "Attach",
        "never the API's CreateAndAttach"
    );
    let resource = &request["body"]["Resources"][0];
    assert_eq!(resource["ResourceType"], "ECS", "taken from the quota");
    assert_eq!(resource["ProductType"], "PAI");
    assert_eq!(resource["Quotas"], json!([{"Id": child_id}]));
    h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let state = h.emu.state().await;
    let bindings: Vec<Value> = array(&state["workspace_resources"])
        .into_iter()
        .filter(|r| r["quota_ids"] == json!([child_id]))
        .collect();
    assert_eq!(bindings.len(), 1, "{bindings:#?}");
    assert_eq!(bindings[0]["workspace_id"], WS_VISION_TEAM);
    let binding_id = str_of(&bindings[0]["id"]);

    // --- deleting out of order is refused with the order, and changes nothing -------------
    let before = h.emu.snapshot().await;
    let error = h
        .refused("pai_quota_delete", json!({"quota_id": root_id}), "in_use")
        .await;
    let order = error["details"]["required_order"].to_string();
    assert!(
        order.contains(&child_id),
        "the order names the child: {error:#}"
    );
    let error = h
        .refused("pai_quota_delete", json!({"quota_id": child_id}), "in_use")
        .await;
    let order = error["details"]["required_order"].to_string();
    assert!(
        order.contains(WS_VISION_TEAM) && order.contains("detach"),
        "the order says to detach first: {error:#}"
    );
    h.emu
        .assert_unchanged(&before, "out-of-order deletes")
        .await;
    assert!(h.plans().await.is_empty(), "a refusal leaves no plan");

    // --- detach ---------------------------------------------------------------------------
    let plan = h
        .plan(
            "pai_quota_detach_workspace",
            json!({"workspace_id": WS_VISION_TEAM, "quota_id": child_id}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM {child_id}"));
    let request = check_dry_run(
        &h,
        &plan,
        "DELETE",
        &format!("/api/v1/workspaces/{WS_VISION_TEAM}/resources"),
    );
    let url = str_of(&request["url"]);
    assert!(url.contains("Option=Detach"), "Detach is explicit: {url}");
    assert!(url.contains(&binding_id), "the binding id is sent: {url}");
    h.execute(&plan).await;
    executed.push(str_of(&plan["plan_id"]));
    let state = h.emu.state().await;
    assert!(
        find_by(&state["workspace_resources"], "id", &binding_id).is_none(),
        "the binding is gone"
    );
    let history = array(&state["detach_history"]);
    assert_eq!(
        history.last().map(|d| d["option"].clone()),
        Some(json!("Detach"))
    );

    // --- delete bottom-up: child, then the roots -----------------------------------------
    for (id, name) in [
        (&child_id, "child"),
        (&root_id, "root"),
        (&iso_id, "second root"),
    ] {
        let before = h.emu.snapshot().await;
        let plan = h.plan("pai_quota_delete", json!({"quota_id": id})).await;
        h.emu
            .assert_unchanged(&before, &format!("planning the {name} delete"))
            .await;
        assert_eq!(plan["confirm_phrase"], format!("CONFIRM {id}"));
        check_dry_run(&h, &plan, "DELETE", &format!("/api/v1/quotas/{id}"));
        h.execute(&plan).await;
        executed.push(str_of(&plan["plan_id"]));
        assert!(h.emu.quota(id).await.is_none(), "the {name} is deleted");
    }
    let state = h.emu.state().await;
    let ids = |s: &Value| {
        array(&s["quotas"])
            .iter()
            .map(|q| str_of(&q["id"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&state), ids(&seeded), "back to the seeded quota tree");
    let mutations = h.emu.mutating_requests().await;
    assert_eq!(
        mutations.len(),
        executed.len(),
        "exactly one mutating call per confirmed plan: {mutations:#?}"
    );

    // --- the audit log tells the same story ----------------------------------------------
    let finished = h.finish().await;
    let audit = finished.audit;
    assert_eq!(decisions(&audit, "executed").len(), executed.len());
    for plan_id in &executed {
        let story: Vec<String> = lines_of(&audit, plan_id)
            .iter()
            .map(|l| str_of(&l["decision"]))
            .collect();
        assert_eq!(
            story,
            ["planned", "confirmed", "executed"],
            "audit lines of {plan_id}"
        );
        let executed_line = lines_of(&audit, plan_id)[2];
        assert!(
            !array(&executed_line["request_ids"]).is_empty(),
            "{executed_line}"
        );
        assert!(executed_line["plan_tool"].is_string(), "{executed_line}");
        assert!(
            executed_line["arguments_digest"].is_string(),
            "{executed_line}"
        );
        assert_eq!(executed_line["emulator"], true);
    }
    let story: Vec<String> = lines_of(&audit, &refused_plan)
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert_eq!(story[0], "planned");
    assert!(
        story.iter().any(|d| d == "refused") && !story.iter().any(|d| d == "executed"),
        "the plain CONFIRM is a refusal: {story:?}"
    );
    let in_use: Vec<&Value> = decisions(&audit, "refused")
        .into_iter()
        .filter(|l| l["tool"] == "pai_quota_delete")
        .collect();
    assert_eq!(in_use.len(), 2, "both out-of-order deletes are audited");
    for line in &audit {
        assert!(
            line["time"].is_string() && line["principal"].is_string(),
            "{line}"
        );
        assert!(
            !line.to_string().contains("made by the e2e suite"),
            "arguments appear only as a digest: {line}"
        );
    }
}

both_transports!(reads_run_at_once_and_change_nothing, reads);

async fn reads(transport: Transport) {
    let h = Harness::new(transport).await;
    let tools = h.tools().await;
    let annotation = |name: &str, hint: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["annotations"][hint].clone())
            .unwrap_or_else(|| panic!("{name} is not listed"))
    };
    assert_eq!(annotation("pai_quota_list", "readOnlyHint"), true);
    assert_eq!(annotation("pai_quota_delete", "destructiveHint"), true);
    assert_eq!(annotation("pai_quota_create_child", "readOnlyHint"), false);
    for builtin in ["confirm", "cancel", "list_plans"] {
        assert!(tools.iter().any(|t| t["name"] == builtin), "{builtin}");
    }
    let before = h.emu.snapshot().await;
    let quotas = h.ok("pai_quota_list", json!({})).await;
    assert_eq!(array(&quotas["quotas"]).len(), 3, "{quotas:#}");
    let quota = h
        .ok("pai_quota_get", json!({"quota_id": QUOTA_TEAM_A}))
        .await;
    assert_eq!(quota["quota_name"], "team-a");
    assert_eq!(quota["parent_quota_id"], QUOTA_TEAM_ROOT);
    assert_eq!(
        quota["used"]["GPU"], "2",
        "running workloads use 2 GPUs: {quota:#}"
    );
    let workloads = h
        .ok(
            "pai_quota_list_workloads",
            json!({"quota_id": QUOTA_TEAM_A}),
        )
        .await;
    assert_eq!(array(&workloads["workloads"]).len(), 4, "{workloads:#}");
    let users = h
        .ok(
            "pai_quota_list_active_user_usages",
            json!({"quota_id": QUOTA_TEAM_A}),
        )
        .await;
    assert_eq!(array(&users["users"]).len(), 2, "{users:#}");
    let groups = h.ok("pai_quota_list_resource_groups", json!({})).await;
    assert_eq!(array(&groups["resource_groups"]).len(), 4, "{groups:#}");
    let group = h
        .ok(
            "pai_quota_get_resource_group",
            json!({"resource_group_id": RG_ISOLATED_VPC}),
        )
        .await;
    assert_eq!(group["name"], RG_ISOLATED_VPC_NAME);
    let types = h
        .ok(
            "pai_quota_list_node_types",
            json!({"resource_group_ids": [RG_TRAIN_A10, RG_TRAIN_A10_EXTRA]}),
        )
        .await;
    let c8 = find_by(&types["node_types"], "node_type", C8G1).expect("c8g1 listed");
    assert_eq!(c8["bindable"], 2, "{types:#}");
    h.refused(
        "pai_quota_list_node_types",
        json!({"resource_group_ids": [RG_TRAIN_A10], "quota_id": QUOTA_TEAM_A}),
        "validation_error",
    )
    .await;
    let workspaces = h.ok("pai_quota_list_workspaces", json!({})).await;
    assert_eq!(array(&workspaces["workspaces"]).len(), 2, "{workspaces:#}");
    let bound = h
        .ok(
            "pai_quota_list_workspace_resources",
            json!({"workspace_id": WS_LLM_RESEARCH}),
        )
        .await;
    assert!(
        find_by(&bound["resources"], "binding_id", BINDING_TEAM_A).is_some(),
        "{bound:#}"
    );
    h.emu.assert_unchanged(&before, "reads").await;
    assert!(h.plans().await.is_empty(), "reads make no plans");
    let finished = h.finish().await;
    assert!(
        decisions(&finished.audit, "planned").is_empty(),
        "reads are not plans: {:#?}",
        finished.audit
    );
}

both_transports!(refusals_say_they_come_from_the_emulator, emulated_refusals);

/// "Every result then says it came from the emulator" (DESIGN, Providers): a refusal is a result
/// too, and one that comes from the emulator's own answer (a RAM denial) must say so.
async fn emulated_refusals(transport: Transport) {
    let h = Harness::new(transport).await;
    h.emu.forbid("GetQuota").await;
    for (tool, args) in [
        ("pai_quota_get", json!({"quota_id": QUOTA_TEAM_A})),
        ("pai_quota_get", json!({"quota_id": "quotadoesnotexist"})),
        ("pai_quota_delete", json!({"quota_id": QUOTA_TEAM_ROOT})),
    ] {
        let result = h.call(tool, args).await;
        assert_eq!(result.is_error, Some(true));
        let structured = result.structured_content.clone().unwrap_or_default();
        assert_eq!(
            structured["emulator"], true,
            "{tool}: a refusal against the emulator says so: {structured:#}"
        );
    }
    h.finish().await;
}
