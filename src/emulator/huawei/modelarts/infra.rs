//! The resource side of ModelArts in one account and region: dedicated resource pools with
//! their node pools and nodes, the OS networks pools are built on, the pool jobs batch node
//! operations leave behind, inference services (v2 and the older v1 API) and Lite Server
//! dev servers. Kept apart from notebooks and training jobs (`models`) so each half has its
//! own file; both live in the one [`ModelArtsBackend`](super::models::ModelArtsBackend), so a
//! pool sees the notebooks, jobs and services that run on it as its workloads.
//!
//! Every resource moves on the emulator clock through the lifecycles below; a resource whose
//! delete lifecycle has finished is dropped by [`InfraState::settle`].

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::lifecycle::{Lifecycle, Step};
use crate::emulator::huawei::modelarts::models::Phase;

const fn step(status: &'static str, secs: i64) -> Step {
    Step { status, secs }
}

/// A pool from the order to its nodes joining (the real one takes 5-10 minutes).
pub const POOL_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.pool.create",
    steps: &[step("Creating", 120)],
    done: "Running",
};
/// A pool being released.
pub const POOL_DELETE: Lifecycle = Lifecycle {
    name: "modelarts.pool.delete",
    steps: &[step("Deleting", 30)],
    done: "Deleted",
};
/// A node joining its pool.
pub const NODE_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.node.create",
    steps: &[step("Creating", 120)],
    done: "Available",
};
/// A node rebooting: it is checked before it takes work again.
pub const NODE_REBOOT: Lifecycle = Lifecycle {
    name: "modelarts.node.reboot",
    steps: &[step("Checking", 30)],
    done: "Available",
};
/// A node leaving its pool.
pub const NODE_DELETE: Lifecycle = Lifecycle {
    name: "modelarts.node.delete",
    steps: &[step("Deleting", 30)],
    done: "Deleted",
};
/// A pool job (a batch reboot) from start to success.
pub const POOL_JOB: Lifecycle = Lifecycle {
    name: "modelarts.pool.job",
    steps: &[step("Running", 30)],
    done: "Success",
};
/// An OS network becoming usable (a few seconds after create).
pub const NETWORK_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.network.create",
    steps: &[step("Creating", 5)],
    done: "Active",
};
/// A v2 inference service deploying its instances.
pub const SERVICE_DEPLOY: Lifecycle = Lifecycle {
    name: "modelarts.service.deploy",
    steps: &[step("DEPLOYING", 60)],
    done: "RUNNING",
};
/// A v2 service rolling out an update.
pub const SERVICE_UPGRADE: Lifecycle = Lifecycle {
    name: "modelarts.service.upgrade",
    steps: &[step("UPGRADING", 20)],
    done: "RUNNING",
};
/// A v2 service stopping.
pub const SERVICE_STOP: Lifecycle = Lifecycle {
    name: "modelarts.service.stop",
    steps: &[step("STOPPING", 10)],
    done: "STOPPED",
};
/// A v1 service deploying (v1 statuses are lower case).
pub const SERVICE_V1_DEPLOY: Lifecycle = Lifecycle {
    name: "modelarts.service_v1.deploy",
    steps: &[step("deploying", 30)],
    done: "running",
};
/// A v1 service stopping.
pub const SERVICE_V1_STOP: Lifecycle = Lifecycle {
    name: "modelarts.service_v1.stop",
    steps: &[step("stopping", 10)],
    done: "stopped",
};
/// A Lite Server dev server being provisioned.
pub const DEV_SERVER_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.create",
    steps: &[step("CREATING", 90)],
    done: "RUNNING",
};
/// A dev server starting.
pub const DEV_SERVER_START: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.start",
    steps: &[step("STARTING", 20)],
    done: "RUNNING",
};
/// A dev server stopping.
pub const DEV_SERVER_STOP: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.stop",
    steps: &[step("STOPPING", 20)],
    done: "STOPPED",
};
/// A dev server being released.
pub const DEV_SERVER_DELETE: Lifecycle = Lifecycle {
    name: "modelarts.dev_server.delete",
    steps: &[step("DELETING", 20)],
    done: "DELETED",
};

/// Every lifecycle of this half of the service, for the admin API.
pub const LIFECYCLES: &[Lifecycle] = &[
    POOL_CREATE,
    POOL_DELETE,
    NODE_CREATE,
    NODE_REBOOT,
    NODE_DELETE,
    POOL_JOB,
    NETWORK_CREATE,
    SERVICE_DEPLOY,
    SERVICE_UPGRADE,
    SERVICE_STOP,
    SERVICE_V1_DEPLOY,
    SERVICE_V1_STOP,
    DEV_SERVER_CREATE,
    DEV_SERVER_START,
    DEV_SERVER_STOP,
    DEV_SERVER_DELETE,
];

/// One node of a pool.
#[derive(Debug, Clone)]
pub struct Node {
    /// `metadata.name`, e.g. `os-node-created-x7k2q`.
    pub name: String,
    /// The resource flavor.
    pub flavor: String,
    /// The node pool it belongs to.
    pub node_pool: String,
    /// The availability zone.
    pub az: String,
    /// The private IP (host IP of its workloads).
    pub private_ip: String,
    /// When it was created.
    pub created: OffsetDateTime,
    /// Creating -> Available, Checking after a reboot, Deleting.
    pub phase: Phase,
    /// What a batch lock locked on it (empty: not locked).
    pub locked: Vec<String>,
    /// The flavor it had before a batch resize, shown until the resize lifecycle ends.
    pub resize_from: Option<String>,
    /// Labels batch updates and binds set (HA redundancy, resource tags, quota).
    pub labels: Map<String, Value>,
}

/// A node pool: one flavor, a count of nodes.
#[derive(Debug, Clone)]
pub struct NodePool {
    /// `metadata.name`.
    pub name: String,
    /// `spec.resources` as last written (flavor, count, maxCount, azs, os, volumes ...).
    pub resources: Map<String, Value>,
    /// `metadata.annotations` (billing mode, period).
    pub annotations: Map<String, Value>,
    /// When it was created.
    pub created: OffsetDateTime,
}

impl NodePool {
    /// The flavor.
    pub fn flavor(&self) -> &str {
        self.resources
            .get("flavor")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The desired node count.
    pub fn count(&self) -> u64 {
        self.resources
            .get("count")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }
}

/// A dedicated resource pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `metadata.name`: the pool id (`pool-...`), which every `pool_name` parameter means.
    pub id: String,
    /// `labels["os.modelarts/name"]`: the display name.
    pub display_name: String,
    /// `labels["os.modelarts/workspace.id"]`.
    pub workspace_id: String,
    /// `Dedicate` or `Logical`.
    pub pool_type: String,
    /// `Train`, `Infer`, `Notebook`.
    pub scope: Vec<String>,
    /// The OS network id (Dedicate pools).
    pub network: Option<String>,
    /// `metadata.annotations` as given (description, billing mode, period ...).
    pub annotations: Map<String, Value>,
    /// When it was created.
    pub created: OffsetDateTime,
    /// Creating -> Running, or Deleting.
    pub phase: Phase,
    /// Its node pools.
    pub node_pools: Vec<NodePool>,
    /// Its nodes.
    pub nodes: Vec<Node>,
}

impl Pool {
    /// The wire phase at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        self.phase.status(now)
    }
}

/// An OS network (the VPC a Dedicate pool's nodes are placed in).
#[derive(Debug, Clone)]
pub struct Network {
    /// `metadata.name`, e.g. `network-3f9a-0c1d`.
    pub id: String,
    /// `labels["os.modelarts/name"]`.
    pub display_name: String,
    /// `labels["os.modelarts/workspace.id"]`.
    pub workspace_id: String,
    /// `spec.cidr`.
    pub cidr: String,
    /// When it was created.
    pub created: OffsetDateTime,
    /// Creating -> Active.
    pub phase: Phase,
    /// `metadata.annotations` (the description a patch sets).
    pub annotations: Map<String, Value>,
}

/// A pool job: what a batch node operation leaves to follow.
#[derive(Debug, Clone)]
pub struct PoolJob {
    /// `jobId`.
    pub id: String,
    /// `type`: `reboot-node`.
    pub kind: String,
    /// The pool it works on.
    pub pool_id: String,
    /// The nodes it works on.
    pub nodes: Vec<String>,
    /// When it started.
    pub started: OffsetDateTime,
    /// Running -> Success.
    pub phase: Phase,
}

/// A v2 inference service.
#[derive(Debug, Clone)]
pub struct InferService {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The version (`1.0.0`).
    pub version: String,
    /// `REAL_TIME` or `ASYNC_REAL_TIME`.
    pub kind: String,
    /// `SINGLE` or `MULTI`.
    pub deploy_type: String,
    /// The workspace (`0` = default).
    pub workspace_id: String,
    /// `group_configs` as last written.
    pub group_configs: Value,
    /// `runtime_config` as last written.
    pub runtime_config: Value,
    /// `upgrade_config` as given.
    pub upgrade_config: Value,
    /// `tags` as given.
    pub tags: Value,
    /// When it was created.
    pub created: OffsetDateTime,
    /// When it was last changed.
    pub updated: OffsetDateTime,
    /// DEPLOYING -> RUNNING, STOPPING -> STOPPED, UPGRADING -> RUNNING.
    pub phase: Phase,
}

impl InferService {
    /// The dedicated pool of its (single) instance group, if any.
    pub fn pool_id(&self) -> Option<&str> {
        self.group_configs
            .get(0)
            .and_then(|g| g.get("pool_id"))
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
    }

    /// The instance count of its group.
    pub fn instance_count(&self) -> u64 {
        self.group_configs
            .get(0)
            .and_then(|g| g.get("count"))
            .and_then(Value::as_u64)
            .unwrap_or(1)
    }

    /// `runtime_config.service_invoke.auth_type`.
    pub fn auth_type(&self) -> &str {
        self.runtime_config
            .pointer("/service_invoke/auth_type")
            .and_then(Value::as_str)
            .unwrap_or("TOKEN")
    }
}

/// A v1 inference service (the older API, not in any SDK).
#[derive(Debug, Clone)]
pub struct ServiceV1 {
    /// `service_id`.
    pub id: String,
    /// `service_name`.
    pub name: String,
    /// The description.
    pub description: String,
    /// `real-time` or `batch`.
    pub infer_type: String,
    /// `config` as given (model, specification, instance count).
    pub config: Value,
    /// The workspace.
    pub workspace_id: String,
    /// The dedicated pool, if any.
    pub pool_name: Option<String>,
    /// When it was published.
    pub created: OffsetDateTime,
    /// deploying -> running, stopping -> stopped.
    pub phase: Phase,
}

/// One operation on a dev server (create, start, stop, delete), to poll.
#[derive(Debug, Clone)]
pub struct DevServerOperation {
    /// `operation_id`.
    pub id: String,
    /// `CREATE`, `START`, `STOP`, `DELETE`.
    pub kind: String,
    /// The lifecycle the operation drives; it succeeds when that lifecycle is done.
    pub phase: Phase,
}

/// A Lite Server dev server.
#[derive(Debug, Clone)]
pub struct DevServer {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The flavor.
    pub flavor: String,
    /// The image id.
    pub image_id: String,
    /// `BMS`, `ECS` or `HPS`.
    pub server_type: String,
    /// `X86` or `ARM`.
    pub arch: String,
    /// `POST_PAID` or `PRE_PAID`.
    pub charging_mode: String,
    /// The key pair, when login is by key.
    pub key_pair_name: Option<String>,
    /// `network` as given (vpc_id, subnet_id, security_group_id).
    pub network: Value,
    /// `root_volume` as given.
    pub root_volume: Value,
    /// The order id of a subscription.
    pub order_id: String,
    /// When it was created.
    pub created: OffsetDateTime,
    /// CREATING -> RUNNING, STOPPING -> STOPPED, STARTING -> RUNNING, DELETING.
    pub phase: Phase,
    /// Its operations, oldest first.
    pub operations: Vec<DevServerOperation>,
}

/// The resource side of ModelArts in one account and region.
#[derive(Debug, Default, Clone)]
pub struct InfraState {
    /// Resource pools, in creation order.
    pub pools: Vec<Pool>,
    /// OS networks.
    pub networks: Vec<Network>,
    /// Pool jobs.
    pub pool_jobs: Vec<PoolJob>,
    /// v2 inference services.
    pub services: Vec<InferService>,
    /// v1 inference services.
    pub services_v1: Vec<ServiceV1>,
    /// Lite Server dev servers.
    pub dev_servers: Vec<DevServer>,
}

impl InfraState {
    /// Drops what finished deleting by `now`: pools, nodes, dev servers.
    pub fn settle(&mut self, now: OffsetDateTime) {
        self.pools
            .retain(|p| !(p.phase.lifecycle.name == POOL_DELETE.name && p.phase.is_done(now)));
        for pool in &mut self.pools {
            pool.nodes
                .retain(|n| !(n.phase.lifecycle.name == NODE_DELETE.name && n.phase.is_done(now)));
        }
        self.dev_servers.retain(|s| {
            !(s.phase.lifecycle.name == DEV_SERVER_DELETE.name && s.phase.is_done(now))
        });
    }

    /// The state for `GET /_emulator/state`.
    pub fn to_json(&self) -> Map<String, Value> {
        let brief = |id: &str, name: &str, phase: &Phase| json!({"id": id, "name": name, "lifecycle": phase.lifecycle.name});
        let mut out = Map::new();
        out.insert(
            "modelarts_pools".into(),
            self.pools
                .iter()
                .map(|p| {
                    let mut entry = brief(&p.id, &p.display_name, &p.phase);
                    entry["nodes"] = p
                        .nodes
                        .iter()
                        .map(|n| brief(&n.name, &n.node_pool, &n.phase))
                        .collect();
                    entry
                })
                .collect(),
        );
        out.insert(
            "modelarts_networks".into(),
            self.networks
                .iter()
                .map(|n| brief(&n.id, &n.display_name, &n.phase))
                .collect(),
        );
        out.insert(
            "modelarts_services".into(),
            self.services
                .iter()
                .map(|s| brief(&s.id, &s.name, &s.phase))
                .collect(),
        );
        out.insert(
            "modelarts_services_v1".into(),
            self.services_v1
                .iter()
                .map(|s| brief(&s.id, &s.name, &s.phase))
                .collect(),
        );
        out.insert(
            "modelarts_dev_servers".into(),
            self.dev_servers
                .iter()
                .map(|s| brief(&s.id, &s.name, &s.phase))
                .collect(),
        );
        out
    }

    /// Moves a resource in a manual lifecycle one step (pools, nodes, services, servers).
    pub fn advance(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        let phase = self
            .pools
            .iter_mut()
            .find_map(|p| {
                if p.id == id {
                    Some(&mut p.phase)
                } else {
                    p.nodes
                        .iter_mut()
                        .find(|n| n.name == id)
                        .map(|n| &mut n.phase)
                }
            })
            .or_else(|| {
                self.networks
                    .iter_mut()
                    .find(|n| n.id == id)
                    .map(|n| &mut n.phase)
            })
            .or_else(|| {
                self.services
                    .iter_mut()
                    .find(|s| s.id == id)
                    .map(|s| &mut s.phase)
            })
            .or_else(|| {
                self.services_v1
                    .iter_mut()
                    .find(|s| s.id == id)
                    .map(|s| &mut s.phase)
            })
            .or_else(|| {
                self.dev_servers
                    .iter_mut()
                    .find(|s| s.id == id)
                    .map(|s| &mut s.phase)
            })?;
        phase.advance(now)
    }
}

/// A Kubernetes-style timestamp (`2025-11-01T03:49:41Z`).
pub fn k8s_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
