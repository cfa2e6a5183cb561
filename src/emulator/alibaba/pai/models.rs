//! The PAI Studio data model the emulator keeps per account and region, and its backend.
//!
//! Everything here is plain data; the rules that change it live in `rules`, the wire
//! shapes in `render` and the handlers.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::wire::ApiError;
use crate::emulator::core::world::{Backend, ServiceBackend};

/// Emulated seconds a new quota stays `Creating`.
pub const CREATING_SECS: i64 = 10;
/// Emulated seconds after creation at which a quota becomes `Enabled` (`Initializing` before).
pub const ENABLED_AFTER_SECS: i64 = 30;
/// Emulated seconds a scaled quota stays `Updating`.
pub const UPDATING_SECS: i64 = 30;

/// A new quota: `Creating`, then `Initializing`, then `Enabled`.
pub const QUOTA_CREATE: Lifecycle = Lifecycle {
    name: "paistudio.quota.create",
    steps: &[
        Step {
            status: "Creating",
            secs: CREATING_SECS,
        },
        Step {
            status: "Initializing",
            secs: ENABLED_AFTER_SECS - CREATING_SECS,
        },
    ],
    done: "Enabled",
};

/// A scaled quota: `Updating`, then `Enabled`.
pub const QUOTA_SCALE: Lifecycle = Lifecycle {
    name: "paistudio.quota.scale",
    steps: &[Step {
        status: "Updating",
        secs: UPDATING_SECS,
    }],
    done: "Enabled",
};

/// Everything one account has in PAI Studio in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaiBackend {
    /// Dedicated resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Quotas, in creation order.
    pub quotas: Vec<Quota>,
    /// Workloads, in submission order.
    pub workloads: Vec<Workload>,
}

impl Backend for PaiBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        let quota = self.quota_mut(id)?;
        let progress = match &mut quota.pending {
            Some(Pending::Create(p) | Pending::Scale(p)) if p.mode == Mode::Manual => p,
            _ => return None,
        };
        progress.advanced += 1;
        Some(quota.status(now).to_owned())
    }
}

impl ServiceBackend for PaiBackend {
    const SERVICE: &'static str = "paistudio";
}

impl PaiBackend {
    /// A quota by id.
    pub fn quota(&self, id: &str) -> Option<&Quota> {
        self.quotas.iter().find(|q| q.id == id)
    }

    /// A quota by id, for change.
    pub fn quota_mut(&mut self, id: &str) -> Option<&mut Quota> {
        self.quotas.iter_mut().find(|q| q.id == id)
    }

    /// A resource group by id.
    pub fn resource_group(&self, id: &str) -> Option<&ResourceGroup> {
        self.resource_groups.iter().find(|g| g.id == id)
    }

    /// The direct children of a quota.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &Quota> {
        self.quotas
            .iter()
            .filter(move |q| q.parent_id.as_deref() == Some(id))
    }

    /// The quota and all its descendants, parents before children.
    pub fn subtree_ids(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_owned()];
        let mut i = 0;
        while i < out.len() {
            let current = out[i].clone();
            out.extend(self.children(&current).map(|c| c.id.clone()));
            i += 1;
        }
        out
    }
}

/// The four queue strategies PAI accepts, exactly as spelled on the wire.
pub const QUEUE_STRATEGIES: [&str; 4] = [
    "PaiStrategyIntelligent",
    "PaiStrategyStrictFIFO",
    "PaiStrategyBalance",
    "PaiStrategyRoundRobin",
];

/// A quota's and a resource group's resource type. Case-sensitive on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResourceType {
    /// General-purpose ECS GPU/CPU machines.
    #[serde(rename = "ECS")]
    Ecs,
    /// Lingjun intelligent computing clusters.
    Lingjun,
    /// ACS serverless compute.
    #[serde(rename = "ACS")]
    Acs,
}

impl ResourceType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ecs => "ECS",
            Self::Lingjun => "Lingjun",
            Self::Acs => "ACS",
        }
    }

    /// Parses the wire spelling (case-sensitive: `lingjun` is refused, as by the API).
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        match value {
            "ECS" => Ok(Self::Ecs),
            "Lingjun" => Ok(Self::Lingjun),
            "ACS" => Ok(Self::Acs),
            other => Err(ApiError::invalid(
                "InvalidParameter.ResourceType",
                format!(
                    "ResourceType \"{other}\" is not valid; valid values (case-sensitive): ECS, Lingjun, ACS."
                ),
            )),
        }
    }
}

/// The VPC a resource group (and the quotas made from it) lives in. Serialises in the wire shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct UserVpc {
    /// `vpc-...`
    pub vpc_id: String,
    /// `vsw-...`; Lingjun quotas may hold several, comma-separated.
    pub switch_id: String,
    /// `sg-...`
    pub security_group_id: String,
    /// Default route mode, e.g. `eth0`.
    pub default_route: String,
    /// Extra CIDRs reachable from the cluster.
    #[serde(rename = "ExtendedCIDRs")]
    pub extended_cidrs: Vec<String>,
    /// The role the service assumes in the VPC.
    pub role_arn: String,
}

/// A dedicated resource group: machines bought for PAI, counted per instance type.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceGroup {
    /// `rg` + 16 lowercase letters/digits.
    pub id: String,
    /// Display name (not unique; prefixes collide on purpose in the seed).
    pub name: String,
    /// ECS, Lingjun or ACS.
    pub resource_type: ResourceType,
    /// The cluster the machines belong to.
    pub cluster_id: String,
    /// The GPU card type of its GPU machines (A10, GU108 ...).
    pub gpu_type: String,
    /// Network placement.
    pub user_vpc: UserVpc,
    /// Instance type -> number of machines.
    pub inventory: BTreeMap<String, u32>,
    /// The Alibaba Cloud account that bought it.
    pub creator_id: String,
    /// Free text.
    pub description: String,
    /// `Ready`.
    pub status: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_created: OffsetDateTime,
    /// Last change.
    #[serde(serialize_with = "ser::time")]
    pub gmt_modified: OffsetDateTime,
    /// Whether RDMA is available.
    pub support_rdma: bool,
}

/// One `Min.NodeSpecs` item: `{"Type": "<instance type>", "Count": n}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeSpec {
    /// Instance type, e.g. `ecs.gn7i-c8g1.2xlarge`.
    pub node_type: String,
    /// Number of machines.
    pub count: u32,
}

/// A quota label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Label key.
    pub key: String,
    /// Label value.
    pub value: String,
}

/// A change in progress, following its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Pending {
    /// Created: [`QUOTA_CREATE`].
    Create(Progress),
    /// Scaled: [`QUOTA_SCALE`].
    Scale(Progress),
}

/// Machines a root quota holds: resource group id -> instance type -> count.
pub type Allocation = BTreeMap<String, BTreeMap<String, u32>>;

/// A PAI quota: a node of the tree root -> children.
#[derive(Debug, Clone, Serialize)]
pub struct Quota {
    /// `quota` + 12 lowercase letters/digits.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `None` for a root quota.
    pub parent_id: Option<String>,
    /// Inherited from the resource groups (root) or the parent (child).
    pub resource_type: ResourceType,
    /// The resource groups of the tree (a child shows its root's).
    pub resource_group_ids: Vec<String>,
    /// The guaranteed machines.
    pub min: Vec<NodeSpec>,
    /// Roots only: which machines of which resource group back `min`.
    pub allocation: Allocation,
    /// One of [`QUEUE_STRATEGIES`].
    pub queue_strategy: String,
    /// `ByNodeSpecs`.
    pub allocate_strategy: String,
    /// Free text.
    pub description: String,
    /// User labels (`skillgate.plan=<id>` is one the server sets).
    pub labels: Vec<Label>,
    /// `QuotaConfig` in the wire shape (ClusterId, UserVpc ...), kept as sent plus derived fields.
    pub quota_config: Map<String, Value>,
    /// The creating account.
    pub creator_id: String,
    /// Id of the last change.
    pub latest_operation_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_created: OffsetDateTime,
    /// Last change.
    #[serde(serialize_with = "ser::time")]
    pub gmt_modified: OffsetDateTime,
    /// A create or scale still settling.
    pub pending: Option<Pending>,
    /// GPU card type (empty for CPU-only quotas).
    pub gpu_type: String,
}

impl Quota {
    /// The wire status at emulated time `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        match &self.pending {
            None => "Enabled",
            Some(Pending::Create(p)) => QUOTA_CREATE.status(p, now),
            Some(Pending::Scale(p)) => QUOTA_SCALE.status(p, now),
        }
    }

    /// The `Min` count for one instance type (0 when absent).
    pub fn min_count(&self, node_type: &str) -> u32 {
        self.min
            .iter()
            .filter(|s| s.node_type == node_type)
            .map(|s| s.count)
            .sum()
    }

    /// Whether the quota is a root.
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }
}

/// CPU, memory and GPU amounts. Integers, so sums never drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Res {
    /// Thousandths of a vCPU.
    pub cpu_milli: u64,
    /// MiB.
    pub memory_mib: u64,
    /// Whole GPU cards.
    pub gpu: u64,
}

impl Res {
    /// Component-wise sum.
    pub fn plus(self, other: Res) -> Res {
        Res {
            cpu_milli: self.cpu_milli + other.cpu_milli,
            memory_mib: self.memory_mib + other.memory_mib,
            gpu: self.gpu + other.gpu,
        }
    }

    /// Component-wise difference, floored at zero.
    pub fn minus(self, other: Res) -> Res {
        Res {
            cpu_milli: self.cpu_milli.saturating_sub(other.cpu_milli),
            memory_mib: self.memory_mib.saturating_sub(other.memory_mib),
            gpu: self.gpu.saturating_sub(other.gpu),
        }
    }

    /// Whether any component of `self` exceeds `limit`.
    pub fn exceeds(self, limit: Res) -> bool {
        self.cpu_milli > limit.cpu_milli
            || self.memory_mib > limit.memory_mib
            || self.gpu > limit.gpu
    }
}

/// Workload status as PAI reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WorkloadStatus {
    /// Holding resources.
    Running,
    /// Waiting for resources (also where preempted workloads go).
    Queuing,
    /// Finished; holds nothing.
    Succeeded,
}

impl WorkloadStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Queuing => "Queuing",
            Self::Succeeded => "Succeeded",
        }
    }

    /// Parses the wire spelling, case-insensitively (it is a filter value).
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Running, Self::Queuing, Self::Succeeded]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// A DLC job, DSW instance or EAS service running on a quota.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// `dlc...`, `dsw-...`, `eas-...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// DLC, DSW or EAS.
    pub workload_type: String,
    /// Running, Queuing or Succeeded.
    pub status: WorkloadStatus,
    /// RAM user id.
    pub user_id: String,
    /// RAM user name.
    pub user_name: String,
    /// The workspace it was submitted from.
    pub workspace_id: String,
    /// The quota it runs on.
    pub quota_id: String,
    /// What it requests.
    pub resource: Res,
    /// GPU card type it asks for.
    pub gpu_type: String,
    /// Scheduling priority.
    pub priority: i64,
    /// Submission time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_created: OffsetDateTime,
    /// When it left the queue (Running).
    #[serde(serialize_with = "ser::time_opt")]
    pub gmt_dequeued: Option<OffsetDateTime>,
    /// Why it is queuing, e.g. after a preemption.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn quota_with(pending: Option<Pending>) -> Quota {
        Quota {
            id: "quotaaaaaaaaaaaa".into(),
            name: "q".into(),
            parent_id: None,
            resource_type: ResourceType::Ecs,
            resource_group_ids: vec![],
            min: vec![],
            allocation: Allocation::new(),
            queue_strategy: QUEUE_STRATEGIES[0].into(),
            allocate_strategy: "ByNodeSpecs".into(),
            description: String::new(),
            labels: vec![],
            quota_config: Map::new(),
            creator_id: String::new(),
            latest_operation_id: String::new(),
            gmt_created: datetime!(2026-01-01 0:00 UTC),
            gmt_modified: datetime!(2026-01-01 0:00 UTC),
            pending,
            gpu_type: String::new(),
        }
    }

    #[test]
    fn a_new_quota_goes_creating_initializing_enabled() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let q = quota_with(Some(Pending::Create(Progress::timed(t0))));
        assert_eq!(q.status(t0), "Creating");
        assert_eq!(q.status(t0 + time::Duration::seconds(15)), "Initializing");
        assert_eq!(q.status(t0 + time::Duration::seconds(30)), "Enabled");
    }

    #[test]
    fn a_scaled_quota_is_updating_for_a_while() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let q = quota_with(Some(Pending::Scale(Progress::timed(t0))));
        assert_eq!(q.status(t0 + time::Duration::seconds(29)), "Updating");
        assert_eq!(q.status(t0 + time::Duration::seconds(31)), "Enabled");
    }

    #[test]
    fn a_manual_create_waits_for_advances() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let later = t0 + time::Duration::days(1);
        let mut backend = PaiBackend::default();
        backend
            .quotas
            .push(quota_with(Some(Pending::Create(Progress::start(
                t0,
                Mode::Manual,
            )))));
        assert_eq!(backend.quotas[0].status(later), "Creating");
        let id = backend.quotas[0].id.clone();
        assert_eq!(
            backend.advance_lifecycle(&id, later).as_deref(),
            Some("Initializing")
        );
        assert_eq!(
            backend.advance_lifecycle(&id, later).as_deref(),
            Some("Enabled")
        );
        assert_eq!(backend.advance_lifecycle("quotanothere", later), None);
    }

    #[test]
    fn resource_types_are_case_sensitive() {
        assert_eq!(ResourceType::parse("Lingjun"), Ok(ResourceType::Lingjun));
        assert!(ResourceType::parse("lingjun").is_err());
    }
}
