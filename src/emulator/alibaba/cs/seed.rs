//! The demo account's ACK clusters in `cn-hangzhou`: `acf-cluster` (running, two Ready
//! `ecs.g7.xlarge` nodes, basic edition; what `cp_ack_ensure_cluster` with `reuse_any` finds)
//! and `team-prod` (running, Pro, not named `acf-*`: no skillgate workflow may reuse or delete
//! it). Neither carries a skillgate provenance tag.

use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::cs::handlers::clusters::{DEFAULT_VERSION, new_token};
use crate::emulator::alibaba::cs::models::{Cluster, CsBackend, NodePool};
use crate::emulator::core::lifecycle::Progress;

/// The reusable demo cluster's id.
pub const CS_DEMO_CLUSTER: &str = "c8d1a3f5e7b9c2d4e6f8a0b1c3d5e7f9a";
/// Its name.
pub const CS_DEMO_CLUSTER_NAME: &str = "acf-cluster";
/// The cluster no workflow may touch.
pub const CS_TEAM_CLUSTER: &str = "c1f3e5d7b9a2c4e6f8d0b2a4c6e8f0d1b";
/// Its name.
pub const CS_TEAM_CLUSTER_NAME: &str = "team-prod";

fn cluster(
    account: &str,
    id: &str,
    name: &str,
    spec: &str,
    nodes: i64,
    created: OffsetDateTime,
) -> Cluster {
    Cluster {
        token: new_token(account, super::super::seed::REGION, id),
        id: id.into(),
        name: name.into(),
        cluster_type: "ManagedKubernetes".into(),
        cluster_spec: spec.into(),
        profile: "Default".into(),
        version: DEFAULT_VERSION.into(),
        vpc_id: crate::emulator::alibaba::ecs::seed::VPC_HANGZHOU.into(),
        vswitch_ids: vec![crate::emulator::alibaba::ecs::seed::VSW_HANGZHOU.into()],
        container_cidr: "172.20.0.0/16".into(),
        service_cidr: "172.21.0.0/20".into(),
        security_group_id: format!("sg-bp1{}", &id[1..17]),
        endpoint_public_access: false,
        tags: vec![("env".into(), "demo".into())],
        progress: Progress::timed(created),
        deleting: None,
        nodepools: vec![NodePool {
            id: format!("np{}", &id[1..33.min(id.len())]),
            name: "default-nodepool".into(),
            is_default: true,
            instance_types: vec!["ecs.g7.xlarge".into()],
            desired_size: nodes,
            disk_category: "cloud_essd".into(),
            disk_size: 120,
            vswitch_ids: vec![crate::emulator::alibaba::ecs::seed::VSW_HANGZHOU.into()],
            progress: Progress::timed(created),
            created,
        }],
        client_token: None,
        task_id: format!("T-seed-{}", &id[1..9]),
        created,
        seeded: true,
    }
}

/// The CS backend of the demo account in `cn-hangzhou`.
pub fn demo_cs_hangzhou(account: &str, now: OffsetDateTime) -> CsBackend {
    let created = now - Duration::days(10);
    CsBackend {
        clusters: vec![
            cluster(
                account,
                CS_DEMO_CLUSTER,
                CS_DEMO_CLUSTER_NAME,
                "ack.standard",
                2,
                created,
            ),
            cluster(
                account,
                CS_TEAM_CLUSTER,
                CS_TEAM_CLUSTER_NAME,
                "ack.pro.small",
                3,
                created,
            ),
        ],
        jobs: Vec::new(),
        pull_failures: Vec::new(),
    }
}
