//! Scenario 2: every refusal changes nothing. Each test compares `/_emulator/state` before and
//! after, and checks the emulator's request log saw no mutating call the gate did not allow.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{
    Harness, ServerSpec, Transport, array, decisions, expect_error, lines_of, min, str_of,
};

/// A plan for a harmless change of the seeded `lingjun-pretrain` quota.
async fn rename_plan(h: &Harness, name: &str) -> Value {
    h.plan(
        "pai_quota_update",
        json!({"quota_id": QUOTA_LINGJUN, "quota_name": name}),
    )
    .await
}

// ------------------------------------------------------------------------------- phrases

both_transports!(wrong_phrases_cancel_the_plan, wrong_phrases);

async fn wrong_phrases(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let right = format!("CONFIRM {QUOTA_LINGJUN}");
    let mut refused_plans = Vec::new();
    for wrong in [
        "yes".to_string(),
        "ok".to_string(),
        right.to_lowercase(),
        format!("CONFIRM  {QUOTA_LINGJUN}"),
        format!("{right} "),
        format!("CONFIRM-FORCE {QUOTA_LINGJUN}"),
        format!("CONFIRM {QUOTA_TEAM_A}"),
        String::new(),
    ] {
        let plan = rename_plan(&h, "lingjun-renamed").await;
        assert_eq!(plan["confirm_phrase"], right.as_str());
        let plan_id = str_of(&plan["plan_id"]);
        let result = h.confirm(&plan_id, &wrong).await;
        let error = expect_error(
            &result,
            "confirmation_mismatch",
            &format!("phrase {wrong:?}"),
        );
        assert!(
            str_of(&error["message"]).contains(&right),
            "the refusal repeats the exact phrase: {error:#}"
        );
        assert!(
            h.plans().await.is_empty(),
            "any other input cancels the plan ({wrong:?})"
        );
        let retry = h.confirm(&plan_id, &right).await;
        expect_error(
            &retry,
            "plan_not_pending",
            "the right phrase after a wrong one",
        );
        refused_plans.push(plan_id);
    }
    h.emu
        .assert_unchanged(&before, "wrong confirmation phrases")
        .await;
    let finished = h.finish().await;
    for plan_id in &refused_plans {
        let story: Vec<String> = lines_of(&finished.audit, plan_id)
            .iter()
            .map(|l| str_of(&l["decision"]))
            .collect();
        assert_eq!(story, ["planned", "refused", "refused"], "{plan_id}");
    }
    assert!(decisions(&finished.audit, "executed").is_empty());
}

both_transports!(unknown_plan_ids_are_refused, unknown_plan);

async fn unknown_plan(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(
            "plan-00000000000000000000000000000000",
            &format!("CONFIRM {QUOTA_LINGJUN}"),
        )
        .await;
    expect_error(&result, "plan_not_found", "a made-up plan id");
    h.refused("cancel", json!({"plan_id": "plan-nope"}), "plan_not_found")
        .await;
    h.refused(
        "confirm",
        json!({"plan_id": "plan-nope"}),
        "validation_error",
    )
    .await;
    h.emu.assert_unchanged(&before, "unknown plans").await;
    h.finish().await;
}

// --------------------------------------------------------------------------- single use

both_transports!(a_used_plan_cannot_be_replayed, replay);

async fn replay(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = rename_plan(&h, "lingjun-renamed").await;
    h.execute(&plan).await;
    let after = h.emu.snapshot().await;
    assert_eq!(after.mutating, 1);
    let plan_id = str_of(&plan["plan_id"]);
    for _ in 0..2 {
        let result = h.confirm(&plan_id, &str_of(&plan["confirm_phrase"])).await;
        let error = expect_error(&result, "plan_not_pending", "a replay");
        assert!(
            str_of(&error["message"]).contains("already confirmed"),
            "{error:#}"
        );
    }
    h.refused("cancel", json!({"plan_id": plan_id}), "plan_not_pending")
        .await;
    h.emu
        .assert_unchanged(&after, "replays of a used plan")
        .await;
    let finished = h.finish().await;
    assert_eq!(decisions(&finished.audit, "executed").len(), 1);
}

both_transports!(a_newer_plan_replaces_the_open_one, replaced);

async fn replaced(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let first = rename_plan(&h, "first-name").await;
    let second = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(GU108, 2)])}),
        )
        .await;
    let listed = h.plans().await;
    assert_eq!(listed.len(), 1, "one open plan per resource: {listed:#?}");
    assert_eq!(listed[0]["plan_id"], second["plan_id"]);
    let result = h
        .confirm(
            &str_of(&first["plan_id"]),
            &str_of(&first["confirm_phrase"]),
        )
        .await;
    let error = expect_error(&result, "plan_not_pending", "the replaced plan");
    assert!(str_of(&error["message"]).contains("replaced"), "{error:#}");
    h.emu.assert_unchanged(&before, "a replaced plan").await;
    h.execute(&second).await;
    let state = h.emu.state().await;
    let quota = crate::common::find_by(&state["quotas"], "id", QUOTA_LINGJUN).expect("quota");
    assert_eq!(
        quota["name"], "lingjun-pretrain",
        "the replaced rename never ran"
    );
    assert_eq!(quota["min"][0]["count"], 2);
    let finished = h.finish().await;
    assert!(
        lines_of(&finished.audit, &str_of(&first["plan_id"]))
            .iter()
            .any(|l| l["decision"] == "replaced"),
        "the replacement is audited"
    );
}

// ------------------------------------------------------------------------------- expiry

both_transports!(an_expired_plan_is_refused, expired);

async fn expired(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--plan-ttl", "1s"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    let plan = rename_plan(&h, "too-late").await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let plan_id = str_of(&plan["plan_id"]);
    let phrase = str_of(&plan["confirm_phrase"]);
    let result = h.confirm(&plan_id, &phrase).await;
    expect_error(&result, "confirmation_expired", "an expired plan");
    let result = h.confirm(&plan_id, &phrase).await;
    expect_error(&result, "plan_not_pending", "an expired plan, again");
    assert!(h.plans().await.is_empty());
    let other = rename_plan(&h, "also-too-late").await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(
        h.plans().await.is_empty(),
        "list_plans does not show expired plans"
    );
    let result = h
        .confirm(
            &str_of(&other["plan_id"]),
            &str_of(&other["confirm_phrase"]),
        )
        .await;
    assert_eq!(result.is_error, Some(true), "an expired plan never runs");
    h.emu.assert_unchanged(&before, "expired plans").await;
    h.finish().await;
}

// ----------------------------------------------------------------------------- ownership

/// Two HTTP sessions on one server: a plan belongs to the session that made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_session_cannot_confirm_or_cancel_a_plan() {
    let h = Harness::new(Transport::Http).await;
    let intruder = h.new_session().await;
    let before = h.emu.snapshot().await;
    let plan = rename_plan(&h, "owned-rename").await;
    let plan_id = str_of(&plan["plan_id"]);
    let phrase = str_of(&plan["confirm_phrase"]);
    let result = intruder.confirm(&plan_id, &phrase).await;
    expect_error(
        &result,
        "plan_not_found",
        "the right phrase from another session",
    );
    let result = intruder.confirm(&plan_id, "yes").await;
    expect_error(
        &result,
        "plan_not_found",
        "a wrong phrase from another session",
    );
    intruder
        .refused("cancel", json!({"plan_id": plan_id}), "plan_not_found")
        .await;
    assert!(intruder.plans().await.is_empty(), "plans are private");
    h.emu
        .assert_unchanged(&before, "another session's attempts")
        .await;
    let owned = h.plans().await;
    assert_eq!(
        owned.len(),
        1,
        "another session's wrong attempt must not cancel the owner's plan"
    );
    h.execute(&plan).await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["name"], "owned-rename");
    drop(intruder);
    h.finish().await;
}

// -------------------------------------------------------------------------------- stale

both_transports!(
    a_plan_made_stale_by_someone_else_is_refused,
    stale_by_rename
);

async fn stale_by_rename(transport: Transport) {
    let mut h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "mine"}),
        )
        .await;
    // Someone else (another skillgate on the same account) renames the quota meanwhile.
    {
        let other = h.other_server(ServerSpec::new(Transport::Stdio)).await;
        let theirs = other
            .session
            .plan(
                "pai_quota_update",
                json!({"quota_id": QUOTA_LINGJUN, "quota_name": "renamed-elsewhere"}),
            )
            .await;
        other.session.execute(&theirs).await;
    }
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "stale_plan", "a plan on a renamed quota");
    assert!(
        error["user_action"]
            .as_str()
            .is_some_and(|a| a.contains("plan again")),
        "{error:#}"
    );
    h.emu.assert_unchanged(&before, "a stale plan").await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["name"], "renamed-elsewhere");
    assert_eq!(quota["description"], "lingjun-pretrain (demo)");
    let again = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    expect_error(&again, "plan_not_pending", "a stale plan, again");
    h.emu.assert_unchanged(&before, "a stale plan, again").await;
    let finished = h.finish().await;
    let story: Vec<String> = lines_of(&finished.audit, &str_of(&plan["plan_id"]))
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert_eq!(story[..3], ["planned", "confirmed", "refused"], "{story:?}");
}

both_transports!(
    usage_rising_above_a_scale_target_makes_the_plan_stale,
    stale_by_usage
);

async fn stale_by_usage(transport: Transport) {
    let h = Harness::new(transport).await;
    // team-a: 3 x c8g1 (3 GPUs); its running workloads use 2 GPUs, so 2 nodes need no force.
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 2)])}),
        )
        .await;
    assert_eq!(
        plan["confirm_phrase"],
        format!("CONFIRM {QUOTA_TEAM_A}"),
        "no force needed yet: {plan:#}"
    );
    h.emu
        .add_workload(json!({
            "quota_id": QUOTA_TEAM_A, "workspace_id": WS_LLM_RESEARCH, "gpu": 1, "cpu": 2,
            "memory": 4, "status": "Running", "user_id": USER_ALICE.0, "user_name": USER_ALICE.1,
        }))
        .await;
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "stale_plan", "a scale-down below the new usage");
    assert!(
        str_of(&error["message"]).contains("force"),
        "the refusal says the change now needs the force phrase: {error:#}"
    );
    h.emu
        .assert_unchanged(&before, "a scale-down made stale by usage")
        .await;
    let quota = h.emu.quota(QUOTA_TEAM_A).await.expect("team-a");
    assert_eq!(quota["min"][0]["count"], 3);
    let replan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 2)])}),
        )
        .await;
    assert_eq!(
        replan["confirm_phrase"],
        format!("CONFIRM-FORCE {QUOTA_TEAM_A}")
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------- read-only

both_transports!(read_only_hides_and_refuses_every_mutation, read_only);

async fn read_only(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--read-only"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    let names = h.tool_names().await;
    for hidden in [
        "pai_quota_create_root",
        "pai_quota_create_child",
        "pai_quota_scale",
        "pai_quota_update",
        "pai_quota_delete",
        "pai_quota_attach_workspace",
        "pai_quota_detach_workspace",
        "pai_quota_update_workspace_resource",
        "confirm",
        "cancel",
    ] {
        assert!(
            !names.iter().any(|n| n == hidden),
            "{hidden} is listed under --read-only: {names:?}"
        );
    }
    for shown in ["pai_quota_list", "pai_quota_get", "search_tools"] {
        assert!(
            names.iter().any(|n| n == shown),
            "{shown} missing: {names:?}"
        );
    }
    for (tool, args) in [
        (
            "pai_quota_create_root",
            json!({"quota_name": "nope", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        ),
        ("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN})),
        (
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "quota_name": "x"}),
        ),
        (
            "confirm",
            json!({"plan_id": "plan-x", "phrase": format!("CONFIRM {QUOTA_LINGJUN}")}),
        ),
    ] {
        h.refused(tool, args, "read_only").await;
    }
    let listed = h.ok("pai_quota_list", json!({})).await;
    assert_eq!(array(&listed["quotas"]).len(), 3, "reads still work");
    h.emu.assert_unchanged(&before, "--read-only").await;
    let finished = h.finish().await;
    assert!(decisions(&finished.audit, "planned").is_empty());
    assert!(
        decisions(&finished.audit, "refused")
            .iter()
            .any(|l| l["tool"] == "pai_quota_delete"),
        "refused mutations are audited"
    );
}

// --------------------------------------------------------------------- argument rules

both_transports!(invalid_enums_list_the_valid_values, invalid_enum);

async fn invalid_enum(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    for bad in [
        "FIFO",
        "fifo",
        "PaiStrategyFifo",
        "PaiStrategyFair",
        "PaiStrategyRR",
        "paistrategyintelligent",
    ] {
        let error = h
            .refused(
                "pai_quota_update",
                json!({"quota_id": QUOTA_TEAM_A, "queue_strategy": bad}),
                "invalid_enum",
            )
            .await;
        let message = str_of(&error["message"]);
        for valid in [
            "PaiStrategyIntelligent",
            "PaiStrategyStrictFIFO",
            "PaiStrategyBalance",
            "PaiStrategyRoundRobin",
        ] {
            assert!(
                message.contains(valid),
                "the refusal of {bad:?} lists {valid}: {message}"
            );
        }
    }
    let error = h
        .refused(
            "pai_quota_list",
            json!({"resource_type": "lingjun"}),
            "invalid_enum",
        )
        .await;
    assert!(str_of(&error["message"]).contains("Lingjun"), "{error:#}");
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_TEAM_A}),
        "validation_error",
    )
    .await;
    h.refused(
        "pai_quota_create_root",
        json!({"quota_name": "camel", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": {"nodeSpecs": [{"NodeSpec": C8G1, "Count": 1}]}}),
        "validation_error",
    )
    .await;
    h.refused(
        "pai_quota_create_root",
        json!({"quota_name": "typed", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)]), "resource_type": "Lingjun"}),
        "validation_error",
    )
    .await;
    assert!(h.plans().await.is_empty());
    h.emu.assert_unchanged(&before, "invalid arguments").await;
    h.finish().await;
}

both_transports!(capacity_and_node_specs_are_checked, capacity);

async fn capacity(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    // train-a10-extra has 2 x c8g1, all free.
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "too-big", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 3)])}),
            "capacity_exceeded",
        )
        .await;
    assert!(str_of(&error["message"]).contains("at most 2"), "{error:#}");
    // team-root has 4 x c8g1, team-a holds 3: one is unallocated.
    let error = h
        .refused(
            "pai_quota_create_child",
            json!({"quota_name": "greedy", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 2)])}),
            "capacity_exceeded",
        )
        .await;
    assert!(str_of(&error["message"]).contains("at most 1"), "{error:#}");
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "no-g7-here", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(G7, 1)])}),
            "nodespec_unavailable",
        )
        .await;
    assert!(
        error["details"].to_string().contains(C8G1),
        "the refusal lists the available specs: {error:#}"
    );
    h.refused(
        "pai_quota_create_child",
        json!({"quota_name": "wrong-spec", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(GU108, 1)])}),
        "nodespec_unavailable",
    )
    .await;
    h.refused(
        "pai_quota_scale",
        json!({"quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 2), (C16G1, 2)])}),
        "capacity_exceeded",
    )
    .await;
    assert!(h.plans().await.is_empty());
    h.emu.assert_unchanged(&before, "capacity refusals").await;
    h.finish().await;
}

both_transports!(heterogeneous_resource_groups_are_refused, heterogeneous);

async fn heterogeneous(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "mixed-vpc", "resource_group_ids": [RG_TRAIN_A10_EXTRA_NAME, RG_ISOLATED_VPC_NAME], "min": min(&[(C8G1, 1)])}),
            "homogeneity_violation",
        )
        .await;
    assert_eq!(error["details"]["field"], "UserVpc.VpcId", "{error:#}");
    assert!(
        str_of(&error["message"]).contains("UserVpc.VpcId"),
        "{error:#}"
    );
    let per_group = array(&error["details"]["per_group"]);
    assert_eq!(
        per_group.len(),
        2,
        "every group is shown, none dropped: {error:#}"
    );
    assert_ne!(per_group[0]["UserVpc.VpcId"], per_group[1]["UserVpc.VpcId"]);
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "mixed-type", "resource_group_ids": [RG_TRAIN_A10_EXTRA, RG_LINGJUN], "min": min(&[(C8G1, 1)])}),
            "homogeneity_violation",
        )
        .await;
    assert_eq!(error["details"]["field"], "ResourceType", "{error:#}");
    assert!(h.plans().await.is_empty());
    h.emu
        .assert_unchanged(&before, "heterogeneous groups")
        .await;
    h.finish().await;
}

both_transports!(ambiguous_parent_names_are_never_guessed, ambiguous_parent);

async fn ambiguous_parent(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    // skillgate never makes a duplicate name itself...
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "team-a", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
            "validation_error",
        )
        .await;
    assert!(
        str_of(&error["message"]).contains(QUOTA_TEAM_A),
        "{error:#}"
    );
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_LINGJUN, "quota_name": "team-a"}),
        "validation_error",
    )
    .await;
    h.emu.assert_unchanged(&before, "duplicate names").await;
    // ...but the account may hold one made elsewhere (console, SDK): a second `team-a`.
    let twin = h
        .emu
        .create_quota_out_of_band(json!({
            "QuotaName": "team-a",
            "ResourceGroupIds": [RG_TRAIN_A10_EXTRA],
            "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]},
        }))
        .await;
    let before = h.emu.snapshot().await;
    let error = h
        .refused(
            "pai_quota_create_child",
            json!({"quota_name": "under-which", "parent_quota_id": "team-a", "min": min(&[(C8G1, 1)])}),
            "ambiguous_match",
        )
        .await;
    let candidates = error["details"]["candidates"].to_string();
    assert!(
        candidates.contains(QUOTA_TEAM_A) && candidates.contains(&twin),
        "every match is listed: {error:#}"
    );
    assert!(h.plans().await.is_empty());
    h.emu.assert_unchanged(&before, "an ambiguous parent").await;
    h.finish().await;
}

both_transports!(
    ambiguous_resource_group_names_are_never_guessed,
    ambiguous_group
);

/// The skill (seed-operations 2.3.1): a partial name is matched over every page; with
/// MatchCount > 1 the answer is `ambiguous_match` listing every match, never a pick; with one
/// match the plan shows the candidate.
async fn ambiguous_group(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    // `train-a1` is part of `train-a10` and `train-a10-extra`.
    let error = h
        .refused(
            "pai_quota_create_root",
            json!({"quota_name": "guess", "resource_group_ids": ["train-a1"], "min": min(&[(C8G1, 1)])}),
            "ambiguous_match",
        )
        .await;
    let candidates = error["details"]["candidates"].to_string();
    assert!(
        candidates.contains(RG_TRAIN_A10) && candidates.contains(RG_TRAIN_A10_EXTRA),
        "every match is listed: {error:#}"
    );
    h.refused(
        "pai_quota_create_root",
        json!({"quota_name": "nothing", "resource_group_ids": ["no-such-group"], "min": min(&[(C8G1, 1)])}),
        "not_found",
    )
    .await;
    assert!(h.plans().await.is_empty());
    h.emu
        .assert_unchanged(&before, "an ambiguous group name")
        .await;
    // One partial match resolves, and the plan shows what it resolved to.
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": "one-match", "resource_group_ids": ["a10-extra"], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    assert_eq!(
        plan["dry_run"][0]["body"]["ResourceGroupIds"],
        json!([RG_TRAIN_A10_EXTRA])
    );
    let resolution = array(&plan["checks"])
        .into_iter()
        .find(|c| c["check"] == "resource_groups_resolved")
        .expect("the resolution is shown");
    assert!(
        resolution["detail"]
            .to_string()
            .contains(RG_TRAIN_A10_EXTRA_NAME),
        "the candidate is shown: {resolution:#}"
    );
    h.emu.assert_unchanged(&before, "a partial-name plan").await;
    h.finish().await;
}

// ------------------------------------------------------------------------ live checks

both_transports!(missing_quotas_are_not_found_and_leave_no_plan, missing);

async fn missing(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let ghost = "quotadoesnotexist";
    for (tool, args) in [
        ("pai_quota_get", json!({"quota_id": ghost})),
        (
            "pai_quota_scale",
            json!({"quota_id": ghost, "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_update",
            json!({"quota_id": ghost, "quota_name": "x"}),
        ),
        ("pai_quota_delete", json!({"quota_id": ghost})),
        (
            "pai_quota_attach_workspace",
            json!({"quota_id": ghost, "workspace_id": WS_VISION_TEAM}),
        ),
        (
            "pai_quota_detach_workspace",
            json!({"quota_id": ghost, "workspace_id": WS_VISION_TEAM}),
        ),
        (
            "pai_quota_create_child",
            json!({"quota_name": "orphan", "parent_quota_id": "no-such-parent", "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_create_root",
            json!({"quota_name": "nowhere", "resource_group_ids": ["rgdoesnotexist0000"], "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_attach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": "999999"}),
        ),
        (
            "pai_quota_detach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        ),
    ] {
        let error = h.refused(tool, args.clone(), "not_found").await;
        assert!(
            !error.to_string().contains("confirm_phrase"),
            "no token for a missing resource: {error:#}"
        );
    }
    assert!(h.plans().await.is_empty(), "a refusal leaves no plan");
    h.emu.assert_unchanged(&before, "missing resources").await;
    let finished = h.finish().await;
    assert!(decisions(&finished.audit, "planned").is_empty());
}

both_transports!(deletes_out_of_order_are_in_use, delete_order);

async fn delete_order(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    let error = h
        .refused(
            "pai_quota_delete",
            json!({"quota_id": QUOTA_TEAM_ROOT}),
            "in_use",
        )
        .await;
    let message = str_of(&error["message"]);
    assert!(message.contains(QUOTA_TEAM_A), "names the child: {message}");
    let order = array(&error["details"]["required_order"]);
    assert!(
        order
            .last()
            .is_some_and(|s| s.to_string().contains(QUOTA_TEAM_ROOT)),
        "the root comes last: {order:#?}"
    );
    let error = h
        .refused(
            "pai_quota_delete",
            json!({"quota_id": QUOTA_TEAM_A}),
            "in_use",
        )
        .await;
    let order = error["details"]["required_order"].to_string();
    assert!(
        order.contains(WS_LLM_RESEARCH) && order.contains("running workload"),
        "detach and the running workloads come first: {error:#}"
    );
    let error = h
        .refused(
            "pai_quota_detach_workspace",
            json!({"quota_id": QUOTA_TEAM_A, "workspace_id": WS_LLM_RESEARCH}),
            "in_use",
        )
        .await;
    assert!(
        !array(&error["details"]["running_workloads"]).is_empty(),
        "{error:#}"
    );
    assert!(h.plans().await.is_empty());
    h.emu
        .assert_unchanged(&before, "out-of-order deletes")
        .await;
    h.finish().await;
}

both_transports!(
    permission_denied_names_the_ram_action_and_is_not_retried,
    permission_denied
);

async fn permission_denied(transport: Transport) {
    let h = Harness::new(transport).await;
    h.emu.forbid("DeleteQuota").await;
    let plan = h
        .plan("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(&result, "permission_denied", "a RAM denial");
    assert!(
        error.to_string().contains("pai:DeleteQuota"),
        "the refusal names the RAM action to grant: {error:#}"
    );
    assert_eq!(error["retryable"], false);
    let sent = h.emu.requests_for("DeleteQuota").await;
    assert_eq!(
        sent.len(),
        1,
        "a permission error is not retried: {sent:#?}"
    );
    assert_eq!(sent[0]["status"], 403);
    // The denied call reached the emulator (and is logged as mutating) but changed nothing.
    assert_eq!(h.emu.accounts().await, before.accounts, "nothing changed");
    assert!(h.emu.quota(QUOTA_LINGJUN).await.is_some());
    // A provider fault does not lose the human's confirmation: the plan stays pending, and once
    // the permission is granted the same phrase executes it.
    let pending = h.plans().await;
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0]["plan_id"], plan["plan_id"]);
    assert!(
        error["user_action"]
            .as_str()
            .is_some_and(|a| a.contains("still pending")),
        "{error:#}"
    );
    h.emu
        .admin_post(
            "alibaba/forbid",
            json!({"action": "DeleteQuota", "forbidden": false}),
        )
        .await;
    h.execute(&plan).await;
    assert!(h.emu.quota(QUOTA_LINGJUN).await.is_none());

    h.emu.forbid("GetQuota").await;
    let error = h
        .refused(
            "pai_quota_get",
            json!({"quota_id": QUOTA_TEAM_A}),
            "permission_denied",
        )
        .await;
    assert!(error.to_string().contains("pai:GetQuota"), "{error:#}");
    let error = h
        .refused(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 4), (C16G1, 2)])}),
            "permission_denied",
        )
        .await;
    assert!(error.to_string().contains("pai:GetQuota"), "{error:#}");
    let denied: Vec<Value> = h
        .emu
        .requests_for("GetQuota")
        .await
        .into_iter()
        .filter(|r| r["status"] == 403)
        .collect();
    assert_eq!(
        denied.len(),
        2,
        "one GetQuota per call, none retried: {denied:#?}"
    );
    assert!(h.plans().await.is_empty());
    let finished = h.finish().await;
    let story: Vec<String> = lines_of(&finished.audit, &str_of(&plan["plan_id"]))
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert_eq!(
        story,
        ["planned", "confirmed", "failed", "confirmed", "executed"],
        "the denial and the later execution are both audited"
    );
}

both_transports!(previews_send_no_mutating_request, previews);

async fn previews(transport: Transport) {
    let h = Harness::new(transport).await;
    // Something to detach: bind lingjun-pretrain to vision-team first (through the gate).
    let attach = h
        .plan(
            "pai_quota_attach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        )
        .await;
    h.execute(&attach).await;
    // Something to delete: a fresh root with nothing under it.
    let create = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": "p-doomed", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    let doomed = str_of(&h.execute(&create).await["result"]["quota_id"]);
    let before = h.emu.snapshot().await;
    let previews = [
        (
            "pai_quota_create_root",
            json!({"quota_name": "p-root", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_create_root",
            json!({"quota_name": "p-lingjun", "resource_group_ids": [RG_LINGJUN_NAME], "min": min(&[(GU108, 1)])}),
        ),
        (
            "pai_quota_create_child",
            json!({"quota_name": "p-child", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 4)])}),
        ),
        (
            "pai_quota_scale",
            json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 1)])}),
        ),
        (
            "pai_quota_update",
            json!({"quota_id": QUOTA_TEAM_ROOT, "description": "previewed"}),
        ),
        (
            "pai_quota_attach_workspace",
            json!({"quota_id": QUOTA_TEAM_ROOT, "workspace_id": WS_VISION_TEAM}),
        ),
        (
            "pai_quota_detach_workspace",
            json!({"quota_id": QUOTA_LINGJUN, "workspace_id": WS_VISION_TEAM}),
        ),
        ("pai_quota_delete", json!({"quota_id": doomed})),
    ];
    for (tool, args) in &previews {
        let log_before = h.emu.requests().await.len();
        let plan = h.plan(tool, args.clone()).await;
        let sent: Vec<Value> = h.emu.requests().await[log_before..].to_vec();
        assert!(!sent.is_empty(), "{tool}: a plan checks the live API");
        assert!(
            sent.iter()
                .all(|r| r["method"] == "GET" && r["mutating"] == false),
            "{tool}: a preview only reads: {sent:#?}"
        );
        h.emu
            .assert_unchanged(&before, &format!("a {tool} preview"))
            .await;
        let listed = h.plans().await;
        assert_eq!(listed.len(), 1, "{listed:#?}");
        let cancelled = h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;
        assert_eq!(cancelled["status"], "cancelled");
        let result = h
            .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
            .await;
        expect_error(&result, "plan_not_pending", "a cancelled plan");
        assert!(h.plans().await.is_empty());
    }
    h.emu.assert_unchanged(&before, "cancelled previews").await;
    // A cancelled preview leaves no trace in a later change of the same resource.
    let preview = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_TEAM_ROOT, "quota_name": "leaked-name", "labels": [{"Key": "leaked", "Value": "yes"}]}),
        )
        .await;
    h.ok("cancel", json!({"plan_id": preview["plan_id"]})).await;
    let real = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_TEAM_ROOT, "description": "the real change"}),
        )
        .await;
    assert!(
        !real.to_string().contains("leaked"),
        "the new plan carries nothing of the cancelled one: {real:#}"
    );
    h.execute(&real).await;
    let seeded = before.accounts[&h.emu.key_id][REGION]["quotas"][0].clone();
    let mut expected = seeded.clone();
    let quota = h.emu.quota(QUOTA_TEAM_ROOT).await.expect("team-root");
    expected["description"] = json!("the real change");
    expected["gmt_modified"] = quota["gmt_modified"].clone();
    expected["latest_operation_id"] = quota["latest_operation_id"].clone();
    assert_eq!(
        quota,
        expected,
        "only the confirmed field changed:\n{}",
        crate::common::json_diff(&expected, &quota, "")
    );
    let finished = h.finish().await;
    assert_eq!(
        decisions(&finished.audit, "cancelled").len(),
        previews.len() + 1
    );
}

both_transports!(
    capacity_taken_elsewhere_makes_a_create_stale,
    stale_by_capacity
);

async fn stale_by_capacity(transport: Transport) {
    let mut h = Harness::new(transport).await;
    // team-root has one unallocated c8g1; plan a child that takes it.
    let plan = h
        .plan(
            "pai_quota_create_child",
            json!({"quota_name": "mine", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 1)])}),
        )
        .await;
    {
        let other = h.other_server(ServerSpec::new(Transport::Stdio)).await;
        let theirs = other
            .session
            .plan(
                "pai_quota_create_child",
                json!({"quota_name": "theirs", "parent_quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 1)])}),
            )
            .await;
        other.session.execute(&theirs).await;
    }
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    let error = expect_error(
        &result,
        "stale_plan",
        "a child whose capacity went elsewhere",
    );
    assert!(str_of(&error["message"]).contains("at most 0"), "{error:#}");
    h.emu
        .assert_unchanged(&before, "a create made stale by capacity")
        .await;
    assert!(h.emu.quotas_named("mine").await.is_empty());
    h.finish().await;
}

both_transports!(concurrent_confirmations_execute_once, concurrent_confirms);

async fn concurrent_confirms(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_create_root",
            json!({"quota_name": "raced", "resource_group_ids": [RG_TRAIN_A10_EXTRA], "min": min(&[(C8G1, 1)])}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    let phrase = str_of(&plan["confirm_phrase"]);
    let results = futures_join(&h, &plan_id, &phrase, 6).await;
    let executed = results.iter().filter(|r| r.is_error != Some(true)).count();
    assert_eq!(executed, 1, "exactly one confirmation wins");
    for result in results.iter().filter(|r| r.is_error == Some(true)) {
        expect_error(result, "plan_not_pending", "a losing confirmation");
    }
    assert_eq!(h.emu.quotas_named("raced").await.len(), 1);
    assert_eq!(h.emu.requests_for("CreateQuota").await.len(), 1);
    let finished = h.finish().await;
    assert_eq!(decisions(&finished.audit, "executed").len(), 1);
}

/// Sends `n` identical confirmations at once on one session.
async fn futures_join(
    h: &Harness,
    plan_id: &str,
    phrase: &str,
    n: usize,
) -> Vec<rmcp::model::CallToolResult> {
    let calls = (0..n).map(|_| h.confirm(plan_id, phrase));
    let mut pending: Vec<_> = calls.map(Box::pin).collect();
    let mut out = Vec::with_capacity(n);
    // Poll them all together: a tiny join_all without another dependency.
    std::future::poll_fn(|cx| {
        let mut i = 0;
        while i < pending.len() {
            if let std::task::Poll::Ready(result) = pending[i].as_mut().poll(cx) {
                out.push(result);
                drop(pending.swap_remove(i));
            } else {
                i += 1;
            }
        }
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}

both_transports!(immutable_fields_are_refused, immutable);

async fn immutable(transport: Transport) {
    let h = Harness::new(transport).await;
    let before = h.emu.snapshot().await;
    for (quota, config) in [
        (QUOTA_TEAM_A, json!({"UserVpc": {"VpcId": "vpc-elsewhere"}})),
        (
            QUOTA_LINGJUN,
            json!({"UserVpc": {"VpcId": "vpc-elsewhere"}}),
        ),
        (
            QUOTA_LINGJUN,
            json!({"UserVpc": {"SecurityGroupId": "sg-other"}}),
        ),
        (
            QUOTA_LINGJUN,
            json!({"UserVpc": {"SwitchId": "vsw-replacement"}}),
        ),
    ] {
        h.refused(
            "pai_quota_update",
            json!({"quota_id": quota, "quota_config": config}),
            "immutable_field",
        )
        .await;
    }
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_LINGJUN, "quota_config": {"userVpc": {"SwitchId": "vsw-x"}}}),
        "validation_error",
    )
    .await;
    h.refused(
        "pai_quota_scale",
        json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(C8G1, 1)]), "resource_group_ids": [RG_TRAIN_A10_EXTRA]}),
        "immutable_field",
    )
    .await;
    h.refused(
        "pai_quota_scale",
        json!({"quota_id": QUOTA_TEAM_A, "min": min(&[(C8G1, 3)]), "resource_group_ids": [RG_TRAIN_A10]}),
        "validation_error",
    )
    .await;
    h.refused(
        "pai_quota_scale",
        json!({"quota_id": QUOTA_TEAM_ROOT, "min": min(&[(C8G1, 4), (C16G1, 2)]), "resource_group_ids": [RG_TRAIN_A10, RG_ISOLATED_VPC]}),
        "homogeneity_violation",
    )
    .await;
    assert!(h.plans().await.is_empty());
    h.emu
        .assert_unchanged(&before, "immutable field refusals")
        .await;
    // Adding a vSwitch to a Lingjun quota is the one allowed VPC change.
    let current =
        h.emu.quota(QUOTA_LINGJUN).await.expect("quota")["quota_config"]["UserVpc"]["SwitchId"]
            .clone();
    let switches = format!("{},vsw-bp1lingjunadded01", str_of(&current));
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "quota_config": {"UserVpc": {"SwitchId": switches}}}),
        )
        .await;
    h.execute(&plan).await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(
        quota["quota_config"]["UserVpc"]["SwitchId"],
        switches.as_str()
    );
    assert_eq!(
        quota["quota_config"]["UserVpc"]["VpcId"], "vpc-bp1lingjun4c6e8g0i",
        "the rest of the VPC is kept"
    );
    h.finish().await;
}

both_transports!(
    a_quota_deleted_since_the_plan_makes_it_stale,
    stale_by_delete
);

async fn stale_by_delete(transport: Transport) {
    let mut h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(GU108, 2)])}),
        )
        .await;
    {
        let other = h.other_server(ServerSpec::new(Transport::Stdio)).await;
        let theirs = other
            .session
            .plan("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN}))
            .await;
        other.session.execute(&theirs).await;
    }
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    expect_error(&result, "stale_plan", "a scale of a deleted quota");
    h.emu
        .assert_unchanged(&before, "a plan on a deleted quota")
        .await;
    h.finish().await;
}

both_transports!(a_denied_recheck_names_the_ram_action, denied_recheck);

/// A re-check that cannot read the state (RAM denies GetQuota since the plan was made) did not
/// find the state changed: the refusal is `permission_denied` naming `pai:GetQuota`, as the same
/// denial is at plan time, not `stale_plan`; and the plan stays pending for a later confirm.
async fn denied_recheck(transport: Transport) {
    let h = Harness::new(transport).await;
    let plan = h
        .plan(
            "pai_quota_scale",
            json!({"quota_id": QUOTA_LINGJUN, "min": min(&[(GU108, 2)])}),
        )
        .await;
    h.emu.forbid("GetQuota").await;
    let before = h.emu.snapshot().await;
    let result = h
        .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
        .await;
    h.emu.assert_unchanged(&before, "a denied re-check").await;
    let error = expect_error(&result, "permission_denied", "a re-check denied by RAM");
    assert!(error.to_string().contains("pai:GetQuota"), "{error:#}");
    assert_eq!(h.plans().await.len(), 1, "the confirmation is not lost");
    h.emu
        .admin_post(
            "alibaba/forbid",
            json!({"action": "GetQuota", "forbidden": false}),
        )
        .await;
    h.execute(&plan).await;
    let quota = h.emu.quota(QUOTA_LINGJUN).await.expect("quota");
    assert_eq!(quota["min"][0]["count"], 2);
    h.finish().await;
}

both_transports!(
    elicit_mode_fails_closed_without_elicitation,
    elicit_without_support
);

/// `--confirm elicit` accepts only a human's answer through elicitation; this client declares no
/// elicitation, so every mutation is refused and nothing is planned.
async fn elicit_without_support(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--confirm", "elicit"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    h.refused(
        "pai_quota_update",
        json!({"quota_id": QUOTA_LINGJUN, "quota_name": "sneaky"}),
        "confirmation_unavailable",
    )
    .await;
    h.refused(
        "pai_quota_delete",
        json!({"quota_id": QUOTA_LINGJUN}),
        "confirmation_unavailable",
    )
    .await;
    let result = h
        .confirm("plan-anything", &format!("CONFIRM {QUOTA_LINGJUN}"))
        .await;
    assert_eq!(result.is_error, Some(true), "confirm is refused too");
    h.ok("pai_quota_get", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    h.emu.assert_unchanged(&before, "--confirm elicit").await;
    let finished = h.finish().await;
    assert!(decisions(&finished.audit, "planned").is_empty());
}

both_transports!(excluded_tools_are_hidden_and_refused, excluded);

async fn excluded(transport: Transport) {
    let h = ServerSpec::new(transport)
        .args(&["--exclude-tools", "pai_quota_delete,pai_quota_scale"])
        .start()
        .await;
    let before = h.emu.snapshot().await;
    let names = h.tool_names().await;
    assert!(
        !names
            .iter()
            .any(|n| n == "pai_quota_delete" || n == "pai_quota_scale")
    );
    assert!(names.iter().any(|n| n == "pai_quota_list"));
    let result = h
        .call("pai_quota_delete", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    assert_eq!(result.is_error, Some(true), "an excluded tool is refused");
    h.emu.assert_unchanged(&before, "excluded tools").await;
    assert!(h.plans().await.is_empty());
    h.finish().await;
}
