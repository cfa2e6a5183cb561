//! Model tests of the quota rules on the demo seed: capacity across root, child, scale
//! and delete, homogeneity, and usage. No HTTP.

use serde_json::json;
use time::OffsetDateTime;

use super::capacity;
use super::quota_rules::{self, NewQuota, QuotaUpdate};
use super::usage;
use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::models::{NodeSpec, PaiBackend, ResourceType, WorkloadStatus};
use crate::emulator::alibaba::seed::*;
use crate::emulator::core::wire::ApiError;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The demo account's AIWorkSpace state (the sibling `delete` reads bindings from).
fn workspaces() -> WorkspaceBackend {
    demo_workspaces(now())
}

fn seeded() -> PaiBackend {
    demo_pai(now())
}

fn specs(items: &[(&str, u32)]) -> Vec<NodeSpec> {
    items
        .iter()
        .map(|(t, n)| NodeSpec {
            node_type: (*t).to_owned(),
            count: *n,
        })
        .collect()
}

fn root(name: &str, groups: &[&str], min: &[(&str, u32)]) -> NewQuota {
    NewQuota {
        name: name.into(),
        resource_group_ids: groups.iter().map(|g| (*g).to_owned()).collect(),
        min: specs(min),
        ..NewQuota::default()
    }
}

fn child(name: &str, parent: &str, min: &[(&str, u32)]) -> NewQuota {
    NewQuota {
        name: name.into(),
        parent_id: Some(parent.into()),
        min: specs(min),
        ..NewQuota::default()
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
    match result {
        Ok(v) => format!("ok: {v:?}"),
        Err(e) => e.code,
    }
}

fn pair() -> Vec<String> {
    vec![RG_TRAIN_A10.into(), RG_TRAIN_A10_EXTRA.into()]
}

#[test]
fn a_root_takes_free_machines_and_no_more() {
    let mut s = seeded();
    let id = quota_rules::create(
        &mut s,
        root("r2", &[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA], &[(C8G1, 2)]),
        now(),
        ACCOUNT_ID,
    );
    assert!(id.is_ok());
    assert_eq!(capacity::can_be_bound(&s, &pair(), C8G1, None), 0);
    let err = quota_rules::create(
        &mut s,
        root(
            "r3",
            &[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA],
            &[(C8G1, 1), (C16G1, 3)],
        ),
        now(),
        ACCOUNT_ID,
    )
    .err()
    .unwrap_or_else(|| ApiError::new(200, "", ""));
    assert_eq!(err.code, "QuotaCapacityExceeded");
    assert!(
        err.message
            .contains("ecs.gn7i-c8g1.2xlarge requested 1, available 0"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("ecs.gn7i-c16g1.4xlarge requested 3, available 2"),
        "{}",
        err.message
    );
}

#[test]
fn a_new_root_starts_creating_and_derives_type_and_network() {
    let mut s = seeded();
    let id = quota_rules::create(
        &mut s,
        root("r2", &[RG_TRAIN_A10_EXTRA], &[(C16G1, 1)]),
        now(),
        ACCOUNT_ID,
    )
    .unwrap_or_default();
    let quota = s.quota(&id).cloned();
    assert_eq!(quota.as_ref().map(|q| q.status(now())), Some("Creating"));
    assert_eq!(
        quota.as_ref().map(|q| q.resource_type),
        Some(ResourceType::Ecs)
    );
    assert_eq!(
        quota
            .as_ref()
            .map(|q| q.quota_config["UserVpc"]["VpcId"].clone()),
        Some(json!("vpc-bp1a10train7k2m9x4q"))
    );
    assert_eq!(
        quota.map(|q| q.queue_strategy),
        Some("PaiStrategyIntelligent".to_string())
    );
}

#[test]
fn heterogeneous_groups_are_refused_with_the_differing_field() {
    let mut s = seeded();
    let err = quota_rules::create(
        &mut s,
        root("r", &[RG_TRAIN_A10_EXTRA, RG_ISOLATED_VPC], &[(C8G1, 1)]),
        now(),
        ACCOUNT_ID,
    )
    .err();
    let err = err.unwrap_or_else(|| ApiError::new(200, "", ""));
    assert_eq!(err.code, "InvalidParameter.ResourceGroups");
    assert!(err.message.contains("UserVpc.VpcId"), "{}", err.message);
    assert!(
        err.message.contains("vpc-bp1isolated8f3g5h2j"),
        "{}",
        err.message
    );
    let mixed = quota_rules::create(
        &mut s,
        root("r", &[RG_TRAIN_A10_EXTRA, RG_LINGJUN], &[(C8G1, 1)]),
        now(),
        ACCOUNT_ID,
    );
    assert_eq!(code(mixed), "InvalidParameter.ResourceGroups");
    let missing = quota_rules::create(
        &mut s,
        root("r", &["rgdoesnotexist0000"], &[(C8G1, 1)]),
        now(),
        ACCOUNT_ID,
    );
    assert_eq!(code(missing), "ResourceGroupNotFound");
}

#[test]
fn node_types_must_exist_and_types_must_agree() {
    let mut s = seeded();
    let unknown = quota_rules::create(
        &mut s,
        root("r", &[RG_TRAIN_A10_EXTRA], &[(GU108, 1)]),
        now(),
        ACCOUNT_ID,
    );
    assert_eq!(code(unknown), "InvalidParameter.NodeSpecs");
    let mut typed = root("r", &[RG_LINGJUN], &[(GU108, 1)]);
    typed.resource_type = Some(ResourceType::Ecs);
    assert_eq!(
        code(quota_rules::create(&mut s, typed, now(), ACCOUNT_ID)),
        "InvalidParameter.ResourceType"
    );
    let mut bad_strategy = root("r", &[RG_LINGJUN], &[(GU108, 1)]);
    bad_strategy.queue_strategy = Some("FIFO".into());
    assert_eq!(
        code(quota_rules::create(&mut s, bad_strategy, now(), ACCOUNT_ID)),
        "InvalidParameter.QueueStrategy"
    );
}

#[test]
fn a_child_fits_within_what_its_parent_leaves_unallocated() {
    let mut s = seeded();
    let ok = quota_rules::create(
        &mut s,
        child("team-b", QUOTA_TEAM_ROOT, &[(C8G1, 1), (C16G1, 2)]),
        now(),
        ACCOUNT_ID,
    );
    assert!(ok.is_ok());
    let child_id = ok.unwrap_or_default();
    assert_eq!(
        s.quota(&child_id).map(|q| q.resource_group_ids.clone()),
        Some(pair())
    );
    let over = quota_rules::create(
        &mut s,
        child("team-c", QUOTA_TEAM_ROOT, &[(C8G1, 1)]),
        now(),
        ACCOUNT_ID,
    )
    .err();
    let over = over.unwrap_or_else(|| ApiError::new(200, "", ""));
    assert_eq!(over.code, "QuotaCapacityExceeded");
    assert!(
        over.message.contains("requested 1, available 0"),
        "{}",
        over.message
    );
    let foreign = quota_rules::create(
        &mut s,
        child("team-d", QUOTA_TEAM_A, &[(C16G1, 1)]),
        now(),
        ACCOUNT_ID,
    );
    assert_eq!(code(foreign), "InvalidParameter.NodeSpecs");
    let mut typed = child("team-e", QUOTA_TEAM_A, &[(C8G1, 1)]);
    typed.resource_type = Some(ResourceType::Lingjun);
    assert_eq!(
        code(quota_rules::create(&mut s, typed, now(), ACCOUNT_ID)),
        "InvalidParameter.ResourceType"
    );
    let mut with_groups = child("team-f", QUOTA_TEAM_A, &[(C8G1, 1)]);
    with_groups.resource_group_ids = vec![RG_TRAIN_A10.into()];
    assert_eq!(
        code(quota_rules::create(&mut s, with_groups, now(), ACCOUNT_ID)),
        "InvalidParameter.ResourceGroupIds"
    );
    let orphan = quota_rules::create(
        &mut s,
        child("team-g", "quotanotthere000", &[(C8G1, 1)]),
        now(),
        ACCOUNT_ID,
    );
    assert_eq!(code(orphan), "QuotaNotFound");
}

#[test]
fn a_root_scale_counts_its_own_machines_as_available() {
    let mut s = seeded();
    // team-root holds 4 x c8g1; 2 more are free in the pair: 6 is the ceiling.
    assert!(
        quota_rules::scale(
            &mut s,
            QUOTA_TEAM_ROOT,
            specs(&[(C8G1, 6), (C16G1, 2)]),
            None,
            now()
        )
        .is_ok()
    );
    assert_eq!(
        s.quota(QUOTA_TEAM_ROOT).map(|q| q.status(now())),
        Some("Updating")
    );
    let over = quota_rules::scale(
        &mut s,
        QUOTA_TEAM_ROOT,
        specs(&[(C8G1, 7), (C16G1, 2)]),
        None,
        now(),
    );
    assert_eq!(code(over), "QuotaCapacityExceeded");
    let below_children =
        quota_rules::scale(&mut s, QUOTA_TEAM_ROOT, specs(&[(C8G1, 2)]), None, now());
    assert_eq!(code(below_children), "InvalidParameter.Min");
    let groups = Some(vec![RG_TRAIN_A10.to_string(), RG_ISOLATED_VPC.to_string()]);
    let hetero = quota_rules::scale(&mut s, QUOTA_TEAM_ROOT, specs(&[(C8G1, 4)]), groups, now());
    assert_eq!(code(hetero), "InvalidParameter.ResourceGroups");
}

#[test]
fn shrinking_a_root_frees_machines_for_others() {
    let mut s = seeded();
    assert!(quota_rules::scale(&mut s, QUOTA_TEAM_ROOT, specs(&[(C8G1, 3)]), None, now()).is_ok());
    assert_eq!(capacity::can_be_bound(&s, &pair(), C8G1, None), 3);
    assert_eq!(capacity::can_be_bound(&s, &pair(), C16G1, None), 4);
}

#[test]
fn scaling_below_usage_preempts_the_newest_running_workloads() {
    let mut s = seeded();
    let preempted = quota_rules::scale(&mut s, QUOTA_TEAM_A, specs(&[(C8G1, 1)]), None, now());
    assert_eq!(preempted, Ok(vec!["dlc1q2w3e4r5t6y7".to_string()]));
    let status = s
        .workloads
        .iter()
        .find(|w| w.id == "dlc1q2w3e4r5t6y7")
        .map(|w| w.status);
    assert_eq!(status, Some(WorkloadStatus::Queuing));
    let used = usage::workload_sum(&s, &[QUOTA_TEAM_A.to_string()], usage::is_running);
    assert_eq!(used.gpu, 1);
    let child_over = quota_rules::scale(&mut s, QUOTA_TEAM_A, specs(&[(C8G1, 5)]), None, now());
    assert_eq!(code(child_over), "QuotaCapacityExceeded");
}

#[test]
fn delete_is_refused_while_anything_depends_on_the_quota() {
    let mut s = seeded();
    let err = quota_rules::delete(&mut s, &workspaces(), QUOTA_TEAM_A)
        .err()
        .unwrap_or_else(|| ApiError::new(200, "", ""));
    assert_eq!(err.code, "QuotaInUse");
    assert!(err.message.contains("llm-research"), "{}", err.message);
    assert!(err.message.contains("running workloads"), "{}", err.message);
    let root_err = quota_rules::delete(&mut s, &workspaces(), QUOTA_TEAM_ROOT)
        .err()
        .unwrap_or_else(|| ApiError::new(200, "", ""));
    assert!(
        root_err.message.contains("child quotas: team-a"),
        "{}",
        root_err.message
    );
    assert_eq!(
        code(quota_rules::delete(
            &mut s,
            &workspaces(),
            "quotanotthere000"
        )),
        "QuotaNotFound"
    );
}

#[test]
fn deleting_a_free_root_returns_its_machines() {
    let mut s = seeded();
    let id = quota_rules::create(
        &mut s,
        root("tmp", &[RG_TRAIN_A10_EXTRA], &[(C16G1, 2)]),
        now(),
        ACCOUNT_ID,
    )
    .unwrap_or_default();
    assert_eq!(capacity::can_be_bound(&s, &pair(), C16G1, None), 0);
    assert!(quota_rules::delete(&mut s, &workspaces(), &id).is_ok());
    assert_eq!(capacity::can_be_bound(&s, &pair(), C16G1, None), 2);
    assert!(s.quota(&id).is_none());
}

#[test]
fn updates_check_enums_and_vpc_and_replace_labels() {
    let mut s = seeded();
    let fifo = QuotaUpdate {
        queue_strategy: Some("PaiStrategyFifo".into()),
        ..QuotaUpdate::default()
    };
    let err = quota_rules::update(&mut s, QUOTA_TEAM_A, fifo, now())
        .err()
        .unwrap_or_else(|| ApiError::new(200, "", ""));
    assert_eq!(err.code, "InvalidParameter.QueueStrategy");
    assert!(err.message.contains("PaiStrategyStrictFIFO"));
    let vpc = QuotaUpdate {
        quota_config: serde_json::from_value(json!({"UserVpc": {"VpcId": "vpc-other"}})).ok(),
        ..QuotaUpdate::default()
    };
    assert_eq!(
        code(quota_rules::update(&mut s, QUOTA_TEAM_A, vpc, now())),
        "InvalidParameter.UserVpc"
    );
    let ok = QuotaUpdate {
        name: Some("team-a2".into()),
        queue_strategy: Some("PaiStrategyStrictFIFO".into()),
        labels: Some(vec![]),
        ..QuotaUpdate::default()
    };
    assert!(quota_rules::update(&mut s, QUOTA_TEAM_A, ok, now()).is_ok());
    let quota = s.quota(QUOTA_TEAM_A).cloned();
    assert_eq!(quota.as_ref().map(|q| q.name.as_str()), Some("team-a2"));
    assert_eq!(quota.map(|q| q.labels.len()), Some(0));
}

#[test]
fn usage_rolls_up_to_ancestors() {
    let s = seeded();
    let root = s.quota(QUOTA_TEAM_ROOT).cloned();
    let details = root
        .map(|r| usage::quota_details(&s, &r, now()))
        .unwrap_or_default();
    assert_eq!(details["UsedQuota"]["GPU"], json!("2"));
    assert_eq!(details["SelfAllocatedQuota"]["GPU"], json!("0"));
    assert_eq!(details["DescendantsAllocatedQuota"]["GPU"], json!("2"));
    assert_eq!(details["RequestedQuota"]["GPU"], json!("4"));
    assert_eq!(details["DesiredMinQuota"]["GPU"], json!("6"));
    assert_eq!(details["DesiredMinQuota"]["Memory"], json!("240Gi"));
}
