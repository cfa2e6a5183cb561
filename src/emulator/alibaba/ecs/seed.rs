//! The demo account's ECS instances: a dozen over `cn-hangzhou` and `cn-shanghai`, in
//! mixed states, chosen so every install outcome of the ECS extension workflow is real.
//!
//! | constant | id | region | name | status | OS | Cloud Assistant | what it is for |
//! |---|---|---|---|---|---|---|---|
//! | [`I_WEB_01`] | `i-bp1lnpgy6293rikq0c8x` | cn-hangzhou | web-01 | Running | Alibaba Cloud Linux 3 | true | happy path; has Nginx installed (seed execution) |
//! | [`I_WEB_02`] | `i-bp1c215ekaig04d4edao` | cn-hangzhou | web-02 | Running | Ubuntu 22.04 | true | happy path, nothing installed |
//! | [`I_APP_01`] | `i-bp1cwcyf7kspptwdmktk` | cn-hangzhou | app-01 | Running | CentOS 7.9 | true | has Node.js 20 installed: `node -v` answers `v20.18.1` |
//! | [`I_APP_02`] | `i-bp1fxz12lqecdgnxtc5d` | cn-hangzhou | app-02 | Running | Debian 12 | true | happy path, nothing installed |
//! | [`I_DB_01`] | `i-bp1w1tob6r8e8yj8fn3r` | cn-hangzhou | db-01 | Running | Alibaba Cloud Linux 3 | true | system disk 100 % full: every install FAILS ("No space left on device") |
//! | [`I_WIN_01`] | `i-bp1xr9zwaj5v7xxdafrm` | cn-hangzhou | win-01 | Running | Windows Server 2022 | true | Linux-only packages (Node.js, Docker CE, Nginx, BT Panel, Redis, MySQL, ossfs) FAIL: unsupported OS |
//! | [`I_BATCH_01`] | `i-bp1jcvtcbgaonku9150c` | cn-hangzhou | batch-01 | Stopped | Ubuntu 22.04 | false | StartExecution runs, its task FAILS (`InvalidInstance.NotRunning`); RunCommand is refused |
//! | [`I_OPS_01`] | `i-bp1kulm1ve9atr03cua0` | cn-hangzhou | ops-01 | Running | Alibaba Cloud Linux 3 | **false** | Cloud Assistant unhealthy on a running instance: installs FAIL (`ClientNotRunning`) |
//! | [`I_SH_WEB_01`] | `i-uf68mbkat2m8q6ale0bu` | cn-shanghai | sh-web-01 | Running | Alibaba Cloud Linux 3 | true | has Docker CE installed (seed execution) |
//! | [`I_SH_APP_01`] | `i-uf6y1rm05nhn6j84tnm4` | cn-shanghai | sh-app-01 | Running | Ubuntu 24.04 | true | happy path in the second region |
//! | [`I_SH_GPU_01`] | `i-uf6d828q90rb13dx23ci` | cn-shanghai | sh-gpu-01 | Starting | Ubuntu 22.04 | false | still booting: not Running |
//! | [`I_SH_BUILD_01`] | `i-uf6c1w7xbogy28eyybtt` | cn-shanghai | sh-build-01 | Stopped | Alibaba Cloud Linux 3 | false | stopped, second region |
//!
//! Each region has one demo VPC, VSwitch and security group ([`VPC_HANGZHOU`],
//! [`VSW_HANGZHOU`], [`SG_HANGZHOU`] and their Shanghai twins) that every demo instance
//! uses, so deleting them in that order is refused with `DependencyViolation`. Stock and
//! prices come from `rules::stock` and `rules::pricing` (two zone/type pairs are sold out
//! from the start, listed there).
//!
//! An instance id of one region is unknown in the other (`EntityNotExists.Instance` from
//! OOS, an empty `DescribeInstances`), which is how "wrong region" shows.

use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::ecs::models::{
    CloudAssistant, Direction, EcsBackend, Instance, InstanceStatus, OsType, SecurityGroup,
    SecurityGroupRule,
};

/// web-01 (cn-hangzhou): Running, Nginx installed.
pub const I_WEB_01: &str = "i-bp1lnpgy6293rikq0c8x";
/// web-02 (cn-hangzhou): Running, clean.
pub const I_WEB_02: &str = "i-bp1c215ekaig04d4edao";
/// app-01 (cn-hangzhou): Running, Node.js 20 installed.
pub const I_APP_01: &str = "i-bp1cwcyf7kspptwdmktk";
/// app-02 (cn-hangzhou): Running, clean.
pub const I_APP_02: &str = "i-bp1fxz12lqecdgnxtc5d";
/// db-01 (cn-hangzhou): Running, system disk full.
pub const I_DB_01: &str = "i-bp1w1tob6r8e8yj8fn3r";
/// win-01 (cn-hangzhou): Running, Windows.
pub const I_WIN_01: &str = "i-bp1xr9zwaj5v7xxdafrm";
/// batch-01 (cn-hangzhou): Stopped.
pub const I_BATCH_01: &str = "i-bp1jcvtcbgaonku9150c";
/// ops-01 (cn-hangzhou): Running, Cloud Assistant offline.
pub const I_OPS_01: &str = "i-bp1kulm1ve9atr03cua0";
/// sh-web-01 (cn-shanghai): Running, Docker CE installed.
pub const I_SH_WEB_01: &str = "i-uf68mbkat2m8q6ale0bu";
/// sh-app-01 (cn-shanghai): Running, clean.
pub const I_SH_APP_01: &str = "i-uf6y1rm05nhn6j84tnm4";
/// sh-gpu-01 (cn-shanghai): Starting.
pub const I_SH_GPU_01: &str = "i-uf6d828q90rb13dx23ci";
/// sh-build-01 (cn-shanghai): Stopped.
pub const I_SH_BUILD_01: &str = "i-uf6c1w7xbogy28eyybtt";

/// The second demo region.
pub const REGION_SHANGHAI: &str = "cn-shanghai";

const ALINUX: (&str, &str, &str) = (
    "Alibaba Cloud Linux  3.2104 LTS 64位",
    "Alibaba Cloud Linux  3.2104 LTS 64 bit",
    "aliyun_3_x64_20G_alibase_20250117.vhd",
);
const UBUNTU_22: (&str, &str, &str) = (
    "Ubuntu  22.04 64位",
    "Ubuntu  22.04 64 bit",
    "ubuntu_22_04_x64_20G_alibase_20250113.vhd",
);
const UBUNTU_24: (&str, &str, &str) = (
    "Ubuntu  24.04 64位",
    "Ubuntu  24.04 64 bit",
    "ubuntu_24_04_x64_20G_alibase_20250113.vhd",
);
const CENTOS_7: (&str, &str, &str) = (
    "CentOS  7.9 64位",
    "CentOS  7.9 64 bit",
    "centos_7_9_x64_20G_alibase_20240628.vhd",
);
const DEBIAN_12: (&str, &str, &str) = (
    "Debian  12.5 64位",
    "Debian  12.5 64 bit",
    "debian_12_5_x64_20G_alibase_20240530.vhd",
);
const WINDOWS_2022: (&str, &str, &str) = (
    "Windows Server  2022 数据中心版 64位中文版",
    "Windows Server  2022 DataCenter Edition 64bit Chinese Edition",
    "win2022_21H2_x64_dtc_zh-cn_40G_alibase_20250115.vhd",
);

/// The fields that differ between demo instances.
struct Spec {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    zone: &'static str,
    status: InstanceStatus,
    os: (&'static str, &'static str, &'static str),
    instance_type: &'static str,
    ip: &'static str,
    public_ip: Option<&'static str>,
    assistant_online: bool,
    disk_used_percent: u8,
    age_days: i64,
    tags: &'static [(&'static str, &'static str)],
}

fn instance(
    region: &str,
    network: (&str, &str, &str),
    spec: &Spec,
    now: OffsetDateTime,
) -> Instance {
    let os_type = if spec.os.2.starts_with("win") {
        OsType::Windows
    } else {
        OsType::Linux
    };
    let family = spec
        .instance_type
        .rsplit_once('.')
        .map_or(spec.instance_type, |(f, _)| f);
    let (cpu, memory_mib) = match spec.instance_type.rsplit('.').next() {
        Some("large") => (2, 8192),
        Some("xlarge") => (4, 16384),
        Some("2xlarge") => (8, 32768),
        _ => (2, 4096),
    };
    let created = now - Duration::days(spec.age_days);
    let started = if spec.status == InstanceStatus::Running {
        now - Duration::days(spec.age_days.min(6))
    } else {
        now - Duration::minutes(3)
    };
    let heartbeat = if spec.assistant_online {
        now - Duration::seconds(40)
    } else {
        now - Duration::hours(20)
    };
    Instance {
        id: spec.id.into(),
        name: spec.name.into(),
        host_name: if os_type == OsType::Windows {
            spec.name.to_uppercase().replace('-', "")
        } else {
            format!("iZ{}Z", &spec.id[2..])
        },
        description: spec.description.into(),
        region_id: region.into(),
        zone_id: spec.zone.into(),
        status: spec.status,
        os_type,
        os_name: spec.os.0.into(),
        os_name_en: spec.os.1.into(),
        image_id: spec.os.2.into(),
        instance_type: spec.instance_type.into(),
        instance_type_family: family.into(),
        cpu,
        memory_mib,
        private_ip: spec.ip.into(),
        public_ip: spec.public_ip.map(str::to_owned),
        vpc_id: network.0.into(),
        vswitch_id: network.1.into(),
        security_group_id: network.2.into(),
        created,
        started,
        tags: spec
            .tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        cloud_assistant: CloudAssistant {
            online: spec.assistant_online,
            version: if os_type == OsType::Windows {
                "2.1.3.857".into()
            } else {
                "2.2.3.857".into()
            },
            last_heartbeat: heartbeat,
        },
        system_disk_gib: 40,
        disk_used_percent: spec.disk_used_percent,
        system_disk_category: "cloud_essd".into(),
        charge_type: "PostPaid".into(),
        internet_max_bandwidth_out: if spec.public_ip.is_some() { 5 } else { 0 },
        internet_charge_type: "PayByTraffic".into(),
        user_data_bytes: 0,
        boot: None,
        seeded: true,
    }
}

/// The demo VPC of cn-hangzhou (`demo-vpc`, 172.16.0.0/12; its VSwitches are in `vpc::seed`).
pub const VPC_HANGZHOU: &str = "vpc-bp1opxu1zkhn00gzv26cl";
/// The demo VSwitch of cn-hangzhou (cn-hangzhou-h, 172.16.0.0/16) every demo instance uses.
pub const VSW_HANGZHOU: &str = "vsw-bp1ddbrxdlrcbim46v6j7";
/// The demo security group of cn-hangzhou (`demo-sg`: 22 from 10.0.0.0/8, 80 and 443 from
/// anywhere, all egress); every demo instance is in it, so it cannot be deleted.
pub const SG_HANGZHOU: &str = "sg-bp1fg655nh68xyz9i2mf";
/// The demo VPC of cn-shanghai (`demo-vpc`, 192.168.0.0/16).
pub const VPC_SHANGHAI: &str = "vpc-uf6f7l4fg90oxs9gsj2lm";
/// The demo VSwitch of cn-shanghai (cn-shanghai-l, 192.168.0.0/20).
pub const VSW_SHANGHAI: &str = "vsw-uf6hgsb6yc7b5mj6ab2gs";
/// The demo security group of cn-shanghai (`demo-sg`, same rules as cn-hangzhou's).
pub const SG_SHANGHAI: &str = "sg-uf6d3y4ikbxqrvr7x0jn";

const HZ_NETWORK: (&str, &str, &str) = (VPC_HANGZHOU, VSW_HANGZHOU, SG_HANGZHOU);
const SH_NETWORK: (&str, &str, &str) = (VPC_SHANGHAI, VSW_SHANGHAI, SG_SHANGHAI);

fn rule(
    id: &str,
    direction: Direction,
    (protocol, ports, cidr): (&str, &str, &str),
    description: &str,
    created: OffsetDateTime,
) -> SecurityGroupRule {
    SecurityGroupRule {
        id: id.into(),
        direction,
        ip_protocol: protocol.into(),
        port_range: ports.into(),
        cidr: cidr.into(),
        policy: "Accept".into(),
        priority: 1,
        description: description.into(),
        created,
    }
}

/// The demo group of a region: SSH from the private range only, the web ports open,
/// everything out.
fn demo_group(id: &str, vpc_id: &str, now: OffsetDateTime) -> SecurityGroup {
    let created = now - Duration::days(200);
    let rid = |n: u32| format!("sgr-{}demo{n:012}", &id[3..6]);
    SecurityGroup {
        id: id.into(),
        name: "demo-sg".into(),
        description: "Demo instances: SSH from the office range, web from anywhere".into(),
        vpc_id: vpc_id.into(),
        group_type: "normal".into(),
        created,
        tags: vec![("env".into(), "demo".into())],
        rules: vec![
            rule(
                &rid(1),
                Direction::Ingress,
                ("TCP", "22/22", "10.0.0.0/8"),
                "SSH from the office range",
                created,
            ),
            rule(
                &rid(2),
                Direction::Ingress,
                ("TCP", "80/80", "0.0.0.0/0"),
                "HTTP",
                created,
            ),
            rule(
                &rid(3),
                Direction::Ingress,
                ("TCP", "443/443", "0.0.0.0/0"),
                "HTTPS",
                created,
            ),
            rule(
                &rid(4),
                Direction::Egress,
                ("ALL", "-1/-1", "0.0.0.0/0"),
                "all outbound",
                created,
            ),
        ],
        seeded: true,
    }
}

const fn running(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    zone: &'static str,
    os: (&'static str, &'static str, &'static str),
    ip: &'static str,
) -> Spec {
    Spec {
        id,
        name,
        description,
        zone,
        status: InstanceStatus::Running,
        os,
        instance_type: "ecs.g7.large",
        ip,
        public_ip: None,
        assistant_online: true,
        disk_used_percent: 31,
        age_days: 120,
        tags: &[("env", "demo")],
    }
}

/// The demo account's `cn-hangzhou` instances.
pub fn demo_hangzhou(now: OffsetDateTime) -> EcsBackend {
    let specs = [
        Spec {
            public_ip: Some("47.98.112.31"),
            tags: &[("env", "demo"), ("role", "web")],
            ..running(
                I_WEB_01,
                "web-01",
                "Web front end (Nginx installed)",
                "cn-hangzhou-h",
                ALINUX,
                "172.16.10.11",
            )
        },
        Spec {
            public_ip: Some("47.98.112.32"),
            tags: &[("env", "demo"), ("role", "web")],
            ..running(
                I_WEB_02,
                "web-02",
                "Web front end, nothing installed yet",
                "cn-hangzhou-h",
                UBUNTU_22,
                "172.16.10.12",
            )
        },
        Spec {
            instance_type: "ecs.g7.xlarge",
            tags: &[("env", "demo"), ("role", "app")],
            ..running(
                I_APP_01,
                "app-01",
                "Application server (Node.js 20 installed)",
                "cn-hangzhou-i",
                CENTOS_7,
                "172.16.20.21",
            )
        },
        Spec {
            tags: &[("env", "demo"), ("role", "app")],
            ..running(
                I_APP_02,
                "app-02",
                "Application server, nothing installed yet",
                "cn-hangzhou-i",
                DEBIAN_12,
                "172.16.20.22",
            )
        },
        Spec {
            instance_type: "ecs.r7.xlarge",
            disk_used_percent: 100,
            tags: &[("env", "demo"), ("role", "db")],
            ..running(
                I_DB_01,
                "db-01",
                "Database host whose system disk is full",
                "cn-hangzhou-j",
                ALINUX,
                "172.16.30.31",
            )
        },
        Spec {
            instance_type: "ecs.g7.xlarge",
            tags: &[("env", "demo"), ("role", "windows")],
            ..running(
                I_WIN_01,
                "win-01",
                "Windows Server for .NET tools",
                "cn-hangzhou-h",
                WINDOWS_2022,
                "172.16.10.41",
            )
        },
        Spec {
            status: InstanceStatus::Stopped,
            assistant_online: false,
            instance_type: "ecs.c7.2xlarge",
            tags: &[("env", "demo"), ("role", "batch")],
            ..running(
                I_BATCH_01,
                "batch-01",
                "Nightly batch host, stopped during the day",
                "cn-hangzhou-j",
                UBUNTU_22,
                "172.16.30.51",
            )
        },
        Spec {
            assistant_online: false,
            tags: &[("env", "demo"), ("role", "ops")],
            ..running(
                I_OPS_01,
                "ops-01",
                "Bastion whose Cloud Assistant agent is not running",
                "cn-hangzhou-i",
                ALINUX,
                "172.16.20.61",
            )
        },
    ];
    EcsBackend {
        instances: specs
            .iter()
            .map(|s| instance(crate::emulator::alibaba::seed::REGION, HZ_NETWORK, s, now))
            .collect(),
        security_groups: vec![demo_group(SG_HANGZHOU, VPC_HANGZHOU, now)],
        ..EcsBackend::default()
    }
}

/// The demo account's `cn-shanghai` instances.
pub fn demo_shanghai(now: OffsetDateTime) -> EcsBackend {
    let specs = [
        Spec {
            public_ip: Some("106.14.88.201"),
            tags: &[("env", "demo"), ("role", "web")],
            ..running(
                I_SH_WEB_01,
                "sh-web-01",
                "Container host (Docker CE installed)",
                "cn-shanghai-l",
                ALINUX,
                "192.168.1.11",
            )
        },
        Spec {
            tags: &[("env", "demo"), ("role", "app")],
            ..running(
                I_SH_APP_01,
                "sh-app-01",
                "Application server, nothing installed yet",
                "cn-shanghai-l",
                UBUNTU_24,
                "192.168.1.12",
            )
        },
        Spec {
            status: InstanceStatus::Starting,
            assistant_online: false,
            instance_type: "ecs.gn7i-c8g1.2xlarge",
            age_days: 1,
            tags: &[("env", "demo"), ("role", "gpu")],
            ..running(
                I_SH_GPU_01,
                "sh-gpu-01",
                "GPU host, still booting",
                "cn-shanghai-m",
                UBUNTU_22,
                "192.168.2.21",
            )
        },
        Spec {
            status: InstanceStatus::Stopped,
            assistant_online: false,
            tags: &[("env", "demo"), ("role", "build")],
            ..running(
                I_SH_BUILD_01,
                "sh-build-01",
                "Build host, stopped",
                "cn-shanghai-m",
                ALINUX,
                "192.168.2.31",
            )
        },
    ];
    EcsBackend {
        instances: specs
            .iter()
            .map(|s| instance(REGION_SHANGHAI, SH_NETWORK, s, now))
            .collect(),
        security_groups: vec![demo_group(SG_SHANGHAI, VPC_SHANGHAI, now)],
        ..EcsBackend::default()
    }
}
