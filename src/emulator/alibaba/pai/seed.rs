//! The demo account's PAI Studio data in `cn-hangzhou`: enough to try every PAI quota
//! workflow (the account, region and users are in [`crate::emulator::alibaba::seed`]).
//!
//! The ids are fixed (not random) so scenario tests and docs can name them. The shape is
//! chosen to exercise the skill's checks: two homogeneous ECS groups whose names collide
//! by prefix (`train-a10`, `train-a10-extra`), one ECS group that differs only in VpcId,
//! one Lingjun group, a root quota holding part of the machines, and a child quota bound
//! to a workspace with running and queuing workloads of two users.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::aiworkspace::seed::WS_LLM_RESEARCH;
use crate::emulator::alibaba::pai::models::{
    Label, NodeSpec, PaiBackend, Quota, Res, ResourceGroup, ResourceType, UserVpc, Workload,
    WorkloadStatus,
};
use crate::emulator::alibaba::pai::rules::quota_config::vpc_json;
use crate::emulator::alibaba::seed::{ACCOUNT_ID, USER_ALICE, USER_BOB};

/// `ecs.gn7i-c8g1.2xlarge`: 8 vCPU, 30 GiB, 1 x A10.
pub const C8G1: &str = "ecs.gn7i-c8g1.2xlarge";
/// `ecs.gn7i-c16g1.4xlarge`: 16 vCPU, 60 GiB, 1 x A10.
pub const C16G1: &str = "ecs.gn7i-c16g1.4xlarge";
/// `ecs.g7.4xlarge`: 16 vCPU, 64 GiB, no GPU.
pub const G7: &str = "ecs.g7.4xlarge";
/// `ml.gu7xf.c96m1600.8-gu108`: 96 vCPU, 1600 GiB, 8 x GU108.
pub const GU108: &str = "ml.gu7xf.c96m1600.8-gu108";

/// `train-a10`: ECS, 4 x c8g1 + 2 x c16g1, all held by `team-root`.
pub const RG_TRAIN_A10: &str = "rgtraina10main0001";
/// `train-a10-extra`: ECS, same network as `train-a10`, 2 x c8g1 + 2 x c16g1, all free.
pub const RG_TRAIN_A10_EXTRA: &str = "rgtraina10extra001";
/// `a10-isolated-vpc`: ECS, identical to `train-a10` except its VpcId; 2 x c8g1 + 2 x g7.
pub const RG_ISOLATED_VPC: &str = "rga10isolatedvpc01";
/// `lingjun-gu108`: Lingjun, 4 x GU108 machines, 1 held by `lingjun-pretrain`.
pub const RG_LINGJUN: &str = "rglingjungu108pool";

/// `team-root`: root on `train-a10` + `train-a10-extra`, Min 4 x c8g1 + 2 x c16g1.
pub const QUOTA_TEAM_ROOT: &str = "quotateamroot0001";
/// `team-a`: child of `team-root`, Min 3 x c8g1, bound to `llm-research`, busy.
pub const QUOTA_TEAM_A: &str = "quotateama0000001";
/// `lingjun-pretrain`: root on `lingjun-gu108`, Min 1 x GU108.
pub const QUOTA_LINGJUN: &str = "quotalingjun00001";

const CLUSTER_ECS: &str = "c4e7b2a10shared01";
const CLUSTER_LINGJUN: &str = "lingjun-cluster-hz-gu108";

fn a10_vpc(vpc_id: &str) -> UserVpc {
    UserVpc {
        vpc_id: vpc_id.into(),
        switch_id: "vsw-bp1a10train3n8d6c1z".into(),
        security_group_id: "sg-bp1a10train5w2e7r0t".into(),
        default_route: "eth0".into(),
        extended_cidrs: Vec::new(),
        role_arn: format!("acs:ram::{ACCOUNT_ID}:role/AliyunPAIDLCDefaultRole"),
    }
}

#[allow(clippy::too_many_arguments)]
fn group(
    id: &str,
    name: &str,
    resource_type: ResourceType,
    cluster_id: &str,
    gpu_type: &str,
    user_vpc: UserVpc,
    inventory: &[(&str, u32)],
    created: OffsetDateTime,
) -> ResourceGroup {
    ResourceGroup {
        id: id.into(),
        name: name.into(),
        resource_type,
        cluster_id: cluster_id.into(),
        gpu_type: gpu_type.into(),
        user_vpc,
        inventory: inventory
            .iter()
            .map(|(t, n)| ((*t).to_owned(), *n))
            .collect(),
        creator_id: ACCOUNT_ID.into(),
        description: String::new(),
        status: "Ready".into(),
        gmt_created: created,
        gmt_modified: created,
        support_rdma: resource_type == ResourceType::Lingjun,
    }
}

fn config(cluster: &str, vpc: &UserVpc) -> Map<String, Value> {
    let mut config = Map::new();
    config.insert("ClusterId".into(), Value::String(cluster.into()));
    config.insert("UserVpc".into(), Value::Object(vpc_json(vpc)));
    config
}

#[allow(clippy::too_many_arguments)]
fn quota(
    id: &str,
    name: &str,
    parent: Option<&str>,
    resource_type: ResourceType,
    groups: &[&str],
    min: &[(&str, u32)],
    allocation: &[(&str, &str, u32)],
    quota_config: Map<String, Value>,
    gpu_type: &str,
    label: (&str, &str),
    created: OffsetDateTime,
) -> Quota {
    let mut alloc: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for (rg, node_type, count) in allocation {
        alloc
            .entry((*rg).to_owned())
            .or_default()
            .insert((*node_type).to_owned(), *count);
    }
    Quota {
        id: id.into(),
        name: name.into(),
        parent_id: parent.map(str::to_owned),
        resource_type,
        resource_group_ids: groups.iter().map(|g| (*g).to_owned()).collect(),
        min: min
            .iter()
            .map(|(t, n)| NodeSpec {
                node_type: (*t).to_owned(),
                count: *n,
            })
            .collect(),
        allocation: alloc,
        queue_strategy: "PaiStrategyIntelligent".into(),
        allocate_strategy: "ByNodeSpecs".into(),
        description: format!("{name} (demo)"),
        labels: vec![Label {
            key: label.0.into(),
            value: label.1.into(),
        }],
        quota_config,
        creator_id: ACCOUNT_ID.into(),
        latest_operation_id: format!("operation{}", &id[5..]),
        gmt_created: created,
        gmt_modified: created,
        pending: None,
        gpu_type: gpu_type.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn workload(
    id: &str,
    name: &str,
    kind: &str,
    status: WorkloadStatus,
    user: (&str, &str),
    (gpu, cpu, memory_gib): (u64, u64, u64),
    created: OffsetDateTime,
) -> Workload {
    Workload {
        id: id.into(),
        name: name.into(),
        workload_type: kind.into(),
        status,
        user_id: user.0.into(),
        user_name: user.1.into(),
        workspace_id: WS_LLM_RESEARCH.into(),
        quota_id: QUOTA_TEAM_A.into(),
        resource: Res {
            cpu_milli: cpu * 1000,
            memory_mib: memory_gib * 1024,
            gpu,
        },
        gpu_type: "A10".into(),
        priority: 1,
        gmt_created: created,
        gmt_dequeued: (status == WorkloadStatus::Running)
            .then_some(created + Duration::seconds(20)),
        reason: if status == WorkloadStatus::Queuing {
            "Waiting for resources: the quota has no free GPU".into()
        } else {
            String::new()
        },
    }
}

/// The demo account's `cn-hangzhou` PAI Studio state, dated relative to `now`.
pub fn demo_pai(now: OffsetDateTime) -> PaiBackend {
    let days = |n: i64| now - Duration::days(n);
    let hours = |n: i64| now - Duration::hours(n);
    let a10 = a10_vpc("vpc-bp1a10train7k2m9x4q");
    let lingjun_vpc = UserVpc {
        vpc_id: "vpc-bp1lingjun4c6e8g0i".into(),
        switch_id: "vsw-bp1lingjun2b4d6f8h".into(),
        security_group_id: "sg-bp1lingjun1a3c5e7g".into(),
        default_route: "eth0".into(),
        extended_cidrs: Vec::new(),
        role_arn: format!("acs:ram::{ACCOUNT_ID}:role/AliyunPAIDLCDefaultRole"),
    };
    let ecs = ResourceType::Ecs;
    PaiBackend {
        resource_groups: vec![
            group(
                RG_TRAIN_A10,
                "train-a10",
                ecs,
                CLUSTER_ECS,
                "A10",
                a10.clone(),
                &[(C8G1, 4), (C16G1, 2)],
                days(120),
            ),
            group(
                RG_TRAIN_A10_EXTRA,
                "train-a10-extra",
                ecs,
                CLUSTER_ECS,
                "A10",
                a10.clone(),
                &[(C8G1, 2), (C16G1, 2)],
                days(90),
            ),
            group(
                RG_ISOLATED_VPC,
                "a10-isolated-vpc",
                ecs,
                CLUSTER_ECS,
                "A10",
                a10_vpc("vpc-bp1isolated8f3g5h2j"),
                &[(C8G1, 2), (G7, 2)],
                days(60),
            ),
            group(
                RG_LINGJUN,
                "lingjun-gu108",
                ResourceType::Lingjun,
                CLUSTER_LINGJUN,
                "GU108",
                lingjun_vpc.clone(),
                &[(GU108, 4)],
                days(45),
            ),
        ],
        quotas: vec![
            quota(
                QUOTA_TEAM_ROOT,
                "team-root",
                None,
                ecs,
                &[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA],
                &[(C8G1, 4), (C16G1, 2)],
                &[(RG_TRAIN_A10, C8G1, 4), (RG_TRAIN_A10, C16G1, 2)],
                config(CLUSTER_ECS, &a10),
                "A10",
                ("team", "platform"),
                days(30),
            ),
            quota(
                QUOTA_TEAM_A,
                "team-a",
                Some(QUOTA_TEAM_ROOT),
                ecs,
                &[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA],
                &[(C8G1, 3)],
                &[],
                config(CLUSTER_ECS, &a10),
                "A10",
                ("team", "llm"),
                days(29),
            ),
            quota(
                QUOTA_LINGJUN,
                "lingjun-pretrain",
                None,
                ResourceType::Lingjun,
                &[RG_LINGJUN],
                &[(GU108, 1)],
                &[(RG_LINGJUN, GU108, 1)],
                config(CLUSTER_LINGJUN, &lingjun_vpc),
                "GU108",
                ("team", "pretrain"),
                days(20),
            ),
        ],
        workloads: vec![
            workload(
                "dsw-8h2k4m6n1p3q",
                "alice-notebook",
                "DSW",
                WorkloadStatus::Running,
                USER_ALICE,
                (1, 4, 16),
                days(2),
            ),
            workload(
                "eas-m-5t7u9w1y3z",
                "bob-embedding-svc",
                "EAS",
                WorkloadStatus::Running,
                USER_BOB,
                (0, 2, 8),
                hours(5),
            ),
            workload(
                "dlc1q2w3e4r5t6y7",
                "llama-sft-7b",
                "DLC",
                WorkloadStatus::Running,
                USER_ALICE,
                (1, 6, 24),
                hours(3),
            ),
            workload(
                "dlc9z8y7x6w5v4u3",
                "bob-pretrain-13b",
                "DLC",
                WorkloadStatus::Queuing,
                USER_BOB,
                (2, 16, 60),
                hours(1),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::pai::rules::{capacity, usage};

    fn is_id(id: &str, prefix: &str, len: usize) -> bool {
        id.starts_with(prefix)
            && id.len() == prefix.len() + len
            && id[prefix.len()..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    }

    #[test]
    fn seed_ids_have_the_real_shapes() {
        for rg in [
            RG_TRAIN_A10,
            RG_TRAIN_A10_EXTRA,
            RG_ISOLATED_VPC,
            RG_LINGJUN,
        ] {
            assert!(is_id(rg, "rg", 16), "{rg}");
        }
        for q in [QUOTA_TEAM_ROOT, QUOTA_TEAM_A, QUOTA_LINGJUN] {
            assert!(is_id(q, "quota", 12), "{q}");
        }
    }

    #[test]
    fn seed_capacity_is_limited_and_usage_is_non_zero() {
        let state = demo_pai(OffsetDateTime::now_utc());
        let pair = vec![RG_TRAIN_A10.to_string(), RG_TRAIN_A10_EXTRA.to_string()];
        assert_eq!(capacity::total_in_groups(&state, &pair, C8G1), 6);
        assert_eq!(capacity::total_in_groups(&state, &pair, C16G1), 4);
        assert_eq!(capacity::can_be_bound(&state, &pair, C8G1, None), 2);
        assert_eq!(capacity::can_be_bound(&state, &pair, C16G1, None), 2);
        let root = state.quota(QUOTA_TEAM_ROOT).cloned();
        let unallocated = root
            .as_ref()
            .map(|r| capacity::parent_unallocated(&state, r, C8G1, None));
        assert_eq!(unallocated, Some(1));
        let used = usage::workload_sum(&state, &[QUOTA_TEAM_A.to_string()], usage::is_running);
        assert_eq!(used.gpu, 2);
        let users: std::collections::BTreeSet<&str> = state
            .workloads
            .iter()
            .filter(|w| usage::is_running(w))
            .map(|w| w.user_name.as_str())
            .collect();
        assert_eq!(users.len(), 2);
    }
}
