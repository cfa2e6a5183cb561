//! The rest of Lite Server's state (seed-operations.md 6.9), beside the dev servers that
//! `infra` keeps: HPS hyper clusters and the hyperinstances placed in them (with their
//! member servers and tags), EVS volumes and EIPs a dev server can attach or bind, RoCE
//! networks, and the jobs run on dev servers. The lifecycles of the actions part B did not
//! have (reboot, OS change and reinstall, hyperinstance start/stop/delete/scale) live here.
//!
//! The demo seed adds, per region, fixed-id resources the catalog examples name: a RUNNING
//! and a STOPPED ECS dev server (the RUNNING one with an attached volume and a bound EIP), a
//! free volume and a free EIP, a hyper cluster holding a RUNNING hyperinstance of two HPS
//! servers and a STOPPED one, an empty hyper cluster, a finished job and an AI service job.

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::emulator::core::lifecycle::{Lifecycle, Mode, Step};
use crate::emulator::huawei::modelarts::infra::{
    DEV_SERVER_CREATE, DEV_SERVER_STOP, DevServer, DevServerOperation,
};
use crate::emulator::huawei::modelarts::infra_catalog::{LITE_FLAVORS, LITE_IMAGES};
use crate::emulator::huawei::modelarts::infra_seed::fixed_uuid;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase};

const fn step(status: &'static str, secs: i64) -> Step {
    Step { status, secs }
}

/// A dev server rebooting.
pub const DEV_SERVER_REBOOT: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.reboot",
    steps: &[step("REBOOTING", 20)],
    done: "RUNNING",
};
/// A dev server getting another image (change OS) or its own again (reinstall).
pub const DEV_SERVER_OS: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.os",
    steps: &[step("CHANGINGOS", 60)],
    done: "RUNNING",
};
/// A volume attaching to or detaching from a dev server (the server's status is unchanged).
pub const DEV_SERVER_VOLUME: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.volume",
    steps: &[step("ATTACHING", 10)],
    done: "SUCCESS",
};
/// A hyperinstance being provisioned or grown.
pub const HYPER_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.create",
    steps: &[step("CREATING", 120)],
    done: "RUNNING",
};
/// A hyperinstance starting.
pub const HYPER_START: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.start",
    steps: &[step("STARTING", 30)],
    done: "RUNNING",
};
/// A hyperinstance stopping.
pub const HYPER_STOP: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.stop",
    steps: &[step("STOPPING", 30)],
    done: "STOPPED",
};
/// A hyperinstance scaling (up or down) while it runs.
pub const HYPER_SCALE: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.scale",
    steps: &[step("SCALING", 60)],
    done: "RUNNING",
};
/// A hyperinstance changing the OS of its servers.
pub const HYPER_OS: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.os",
    steps: &[step("CHANGINGOS", 60)],
    done: "RUNNING",
};
/// A hyperinstance being released.
pub const HYPER_DELETE: Lifecycle = Lifecycle {
    name: "modelarts.hyperinstance.delete",
    steps: &[step("DELETING", 30)],
    done: "DELETED",
};
/// A job running on dev servers.
pub const LITE_JOB: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.job",
    steps: &[step("RUNNING", 60)],
    done: "SUCCESS",
};

/// The lifecycles of this file, for the admin API.
pub const LIFECYCLES: &[Lifecycle] = &[
    DEV_SERVER_REBOOT,
    DEV_SERVER_OS,
    DEV_SERVER_VOLUME,
    HYPER_CREATE,
    HYPER_START,
    HYPER_STOP,
    HYPER_SCALE,
    HYPER_OS,
    HYPER_DELETE,
    LITE_JOB,
];

/// An HPS hyper cluster: the network a hyperinstance's servers share.
#[derive(Debug, Clone)]
pub struct HyperCluster {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The subnet of its network.
    pub subnet_id: String,
    /// `HPS` or `ECS`.
    pub kind: String,
}

/// A hyperinstance: a group of HPS servers ordered together in one hyper cluster.
#[derive(Debug, Clone)]
pub struct Hyperinstance {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The hyper cluster it sits in.
    pub cluster_id: String,
    /// The order of a subscription (hyperinstances are ordered by period).
    pub order_id: String,
    /// Its servers (HPS dev servers; they carry the hyperinstance's status).
    pub servers: Vec<DevServer>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// When it was created.
    pub created: OffsetDateTime,
    /// CREATING -> RUNNING, STOPPING -> STOPPED, SCALING, CHANGINGOS, DELETING.
    pub phase: Phase,
}

/// An EVS volume of the account, attached to at most one dev server.
#[derive(Debug, Clone)]
pub struct Volume {
    /// The id (a UUID).
    pub id: String,
    /// Size in GB.
    pub size: u64,
    /// The dev server it is attached to.
    pub server_id: Option<String>,
}

/// An elastic public IP of the account, bound to at most one dev server.
#[derive(Debug, Clone)]
pub struct PublicIp {
    /// The id (a UUID).
    pub id: String,
    /// The address.
    pub address: String,
    /// The dev server it is bound to.
    pub server_id: Option<String>,
}

/// A job run on dev servers (a driver install, a health check, ...).
#[derive(Debug, Clone)]
pub struct LiteJob {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The job type (a template type).
    pub kind: String,
    /// The dev servers it runs on: `(id, name)`.
    pub servers: Vec<(String, String)>,
    /// Its items as given.
    pub items: Value,
    /// Whether the servers reboot after it.
    pub is_reboot: bool,
    /// When it was created.
    pub created: OffsetDateTime,
    /// RUNNING -> SUCCESS.
    pub phase: Phase,
}

/// Lite Server's hyper clusters, hyperinstances, volumes, EIPs, RoCE networks and jobs.
#[derive(Debug, Default, Clone)]
pub struct LiteState {
    /// Hyper clusters.
    pub hyper_clusters: Vec<HyperCluster>,
    /// Hyperinstances.
    pub hyperinstances: Vec<Hyperinstance>,
    /// EVS volumes.
    pub volumes: Vec<Volume>,
    /// Elastic public IPs.
    pub public_ips: Vec<PublicIp>,
    /// RoCE networks as rendered.
    pub roce_networks: Vec<Value>,
    /// Jobs, oldest first.
    pub jobs: Vec<LiteJob>,
}

impl LiteState {
    /// Drops the hyperinstances whose delete finished by `now`.
    pub fn settle(&mut self, now: OffsetDateTime) {
        self.hyperinstances
            .retain(|h| !(h.phase.lifecycle.name == HYPER_DELETE.name && h.phase.is_done(now)));
    }

    /// The state for `GET /_emulator/state`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert(
            "modelarts_hyper_clusters".into(),
            self.hyper_clusters
                .iter()
                .map(|c| json!({"id": c.id, "name": c.name}))
                .collect(),
        );
        out.insert(
            "modelarts_hyperinstances".into(),
            self.hyperinstances
                .iter()
                .map(|h| json!({"id": h.id, "name": h.name, "lifecycle": h.phase.lifecycle.name, "servers": h.servers.len(), "tags": h.tags.len()}))
                .collect(),
        );
        out.insert(
            "modelarts_lite_volumes".into(),
            self.volumes
                .iter()
                .map(|v| json!({"id": v.id, "server_id": v.server_id}))
                .collect(),
        );
        out.insert(
            "modelarts_lite_public_ips".into(),
            self.public_ips
                .iter()
                .map(|p| json!({"id": p.id, "server_id": p.server_id}))
                .collect(),
        );
        out.insert(
            "modelarts_roce_networks".into(),
            Value::from(self.roce_networks.len()),
        );
        out.insert(
            "modelarts_lite_jobs".into(),
            self.jobs
                .iter()
                .map(|j| json!({"id": j.id, "name": j.name, "lifecycle": j.phase.lifecycle.name}))
                .collect(),
        );
        out
    }

    /// Moves a hyperinstance or job in a manual lifecycle one step.
    pub fn advance(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        if let Some(h) = self.hyperinstances.iter_mut().find(|h| h.id == id) {
            return h.phase.advance(now);
        }
        self.jobs
            .iter_mut()
            .find(|j| j.id == id)
            .and_then(|j| j.phase.advance(now))
    }
}

/// A fixed-id demo dev server of `server_type` in `phase`.
pub fn demo_server(id: String, name: String, server_type: &str, phase: Phase) -> DevServer {
    let flavor = LITE_FLAVORS
        .iter()
        .find(|f| !f.sold_out && (f.server_type == server_type || server_type == "HPS"));
    let arch = flavor.map(|f| f.arch).unwrap_or("X86");
    let image = LITE_IMAGES
        .iter()
        .find(|i| flavor.is_some_and(|f| f.server_type == i.2 && f.arch == i.3));
    DevServer {
        id,
        name,
        flavor: flavor.map(|f| f.flavor).unwrap_or_default().to_owned(),
        image_id: image.map(|i| i.0).unwrap_or_default().to_owned(),
        server_type: server_type.to_owned(),
        arch: arch.to_owned(),
        charging_mode: "POST_PAID".to_owned(),
        key_pair_name: Some("demo-keypair".to_owned()),
        network: json!({"vpc_id": "vpc-demo", "subnet_id": "subnet-demo", "security_group_id": "sg-demo"}),
        root_volume: json!({"type": "SSD", "size": 100}),
        order_id: String::new(),
        created: phase.progress.since,
        operations: vec![DevServerOperation {
            id: uuid::Uuid::new_v4().to_string(),
            kind: "CREATE".to_owned(),
            phase,
        }],
        phase,
    }
}

/// The fixed ids of the demo resources of a region, by tag.
pub fn demo_id(tag: &str, region: &str) -> String {
    fixed_uuid(&format!("lite-{tag}"), region)
}

/// Adds this file's demo resources (and two fixed-id dev servers) to a region's backend.
pub fn extend(backend: &mut ModelArtsBackend, region: &str, now: OffsetDateTime) {
    let since = now - Duration::days(2);
    let id = |tag: &str| demo_id(tag, region);
    let running = demo_server(
        id("running"),
        format!("demo-{region}-lite-running"),
        "ECS",
        Phase::enter(&DEV_SERVER_CREATE, since, Mode::Timed),
    );
    let stopped = demo_server(
        id("stopped"),
        format!("demo-{region}-lite-stopped"),
        "ECS",
        Phase::enter(&DEV_SERVER_STOP, since, Mode::Timed),
    );
    let members = |tag: &str, phase: Phase| -> Vec<DevServer> {
        (1..=2)
            .map(|n| {
                demo_server(
                    id(&format!("{tag}-server{n}")),
                    format!("demo-{region}-{tag}-{n}"),
                    "HPS",
                    phase,
                )
            })
            .collect()
    };
    let hyper = |tag: &str, phase: Phase| Hyperinstance {
        id: id(tag),
        name: format!("demo-{region}-{tag}"),
        cluster_id: id("cluster"),
        order_id: format!("CS{}", &id(tag).replace('-', "")[..14].to_uppercase()),
        servers: members(tag, phase),
        tags: vec![("team".to_owned(), "demo".to_owned())],
        created: since,
        phase,
    };
    let running_id = running.id.clone();
    backend.infra.dev_servers.push(running);
    backend.infra.dev_servers.push(stopped);
    backend.lite = LiteState {
        hyper_clusters: vec![
            HyperCluster {
                id: id("cluster"),
                name: format!("demo-{region}-hyper-cluster"),
                subnet_id: id("subnet"),
                kind: "HPS".to_owned(),
            },
            HyperCluster {
                id: id("cluster-empty"),
                name: format!("demo-{region}-empty-cluster"),
                subnet_id: id("subnet"),
                kind: "HPS".to_owned(),
            },
        ],
        hyperinstances: vec![
            hyper("hyper", Phase::enter(&HYPER_CREATE, since, Mode::Timed)),
            hyper(
                "hyper-stopped",
                Phase::enter(&HYPER_STOP, since, Mode::Timed),
            ),
        ],
        volumes: vec![
            Volume {
                id: id("volume-attached"),
                size: 200,
                server_id: Some(running_id.clone()),
            },
            Volume {
                id: id("volume-free"),
                size: 500,
                server_id: None,
            },
        ],
        public_ips: vec![
            PublicIp {
                id: id("eip-bound"),
                address: "121.36.10.21".to_owned(),
                server_id: Some(running_id.clone()),
            },
            PublicIp {
                id: id("eip-free"),
                address: "121.36.10.22".to_owned(),
                server_id: None,
            },
        ],
        roce_networks: Vec::new(),
        jobs: vec![
            LiteJob {
                id: id("service-job"),
                name: format!("demo-{region}-qwen-service"),
                description: "an AI service deployed on a dev server".to_owned(),
                kind: "AI_SERVICE".to_owned(),
                servers: vec![(id("running"), format!("demo-{region}-lite-running"))],
                items: json!([{"type": "MODEL", "spec": {"model": "qwen2.5-7b"}}]),
                is_reboot: false,
                created: since,
                phase: Phase::enter(&LITE_JOB, since, Mode::Timed),
            },
            LiteJob {
                id: id("job"),
                name: format!("demo-{region}-driver-check"),
                description: "a finished driver check".to_owned(),
                kind: "HEALTH_CHECK".to_owned(),
                servers: vec![(running_id, format!("demo-{region}-lite-running"))],
                items: json!([{"type": "NPU_DRIVER", "spec": {"version": "24.1.rc2"}}]),
                is_reboot: false,
                created: since,
                phase: Phase::enter(&LITE_JOB, since, Mode::Timed),
            },
        ],
    };
}
