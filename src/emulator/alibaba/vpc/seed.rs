//! The demo account's VPCs: one per demo region, each with the one VSwitch every demo
//! instance uses (ids in `ecs::seed`: [`VPC_HANGZHOU`], [`VSW_HANGZHOU`] and the Shanghai
//! twins). Both are `Available` from the start.

use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::ecs::seed::{VPC_HANGZHOU, VPC_SHANGHAI, VSW_HANGZHOU, VSW_SHANGHAI};
use crate::emulator::alibaba::vpc::models::{VSwitch, Vpc, VpcBackend};
use crate::emulator::core::lifecycle::{Mode, Progress};

fn network(
    (vpc_id, vsw_id): (&str, &str),
    (vpc_cidr, vsw_cidr, zone): (&str, &str, &str),
    now: OffsetDateTime,
) -> VpcBackend {
    let created = now - Duration::days(200);
    let done = Progress::start(created, Mode::Immediate);
    let tail = &vpc_id[4..];
    VpcBackend {
        vpcs: vec![Vpc {
            id: vpc_id.into(),
            name: "demo-vpc".into(),
            description: "The demo account's network".into(),
            cidr: vpc_cidr.into(),
            vrouter_id: format!("vrt-{tail}"),
            route_table_id: format!("vtb-{tail}"),
            created,
            progress: done,
            tags: vec![("env".into(), "demo".into())],
            seeded: true,
        }],
        vswitches: vec![VSwitch {
            id: vsw_id.into(),
            name: "demo-vsw".into(),
            description: "Where the demo instances are".into(),
            vpc_id: vpc_id.into(),
            zone_id: zone.into(),
            cidr: vsw_cidr.into(),
            created,
            progress: done,
            tags: vec![("env".into(), "demo".into())],
            seeded: true,
        }],
        ..VpcBackend::default()
    }
}

/// cn-hangzhou: `demo-vpc` 172.16.0.0/12 with `demo-vsw` 172.16.0.0/16 in cn-hangzhou-h.
pub fn demo_vpc_hangzhou(now: OffsetDateTime) -> VpcBackend {
    network(
        (VPC_HANGZHOU, VSW_HANGZHOU),
        ("172.16.0.0/12", "172.16.0.0/16", "cn-hangzhou-h"),
        now,
    )
}

/// cn-shanghai: `demo-vpc` 192.168.0.0/16 with `demo-vsw` 192.168.0.0/20 in cn-shanghai-l.
pub fn demo_vpc_shanghai(now: OffsetDateTime) -> VpcBackend {
    network(
        (VPC_SHANGHAI, VSW_SHANGHAI),
        ("192.168.0.0/16", "192.168.0.0/20", "cn-shanghai-l"),
        now,
    )
}
