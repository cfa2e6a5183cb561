//! The CS data model per account and region: clusters (with their lifecycles, node pools and
//! the bearer token of their Kubernetes API), and each cluster's batch Jobs, which the
//! Kubernetes API of [`super::kube`] creates and reads.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// A new cluster: `initial` for 120 emulated seconds, then `running`.
pub const CLUSTER_CREATE: Lifecycle = Lifecycle {
    name: "cs.cluster.create",
    steps: &[Step {
        status: "initial",
        secs: 120,
    }],
    done: "running",
};

/// A deleted cluster: `deleting` for 60 emulated seconds, then `deleted` (still described for a
/// while, as ACK does).
pub const CLUSTER_DELETE: Lifecycle = Lifecycle {
    name: "cs.cluster.delete",
    steps: &[Step {
        status: "deleting",
        secs: 60,
    }],
    done: "deleted",
};

/// A node pool's nodes: `initial` (not Ready) for 60 emulated seconds, then `active`.
pub const NODEPOOL_CREATE: Lifecycle = Lifecycle {
    name: "cs.nodepool.create",
    steps: &[Step {
        status: "initial",
        secs: 60,
    }],
    done: "active",
};

/// A Job's pod: `Pending` for 5 emulated seconds, `Running` for 10, then finished.
pub const JOB_RUN: Lifecycle = Lifecycle {
    name: "cs.kube.job",
    steps: &[
        Step {
            status: "Pending",
            secs: 5,
        },
        Step {
            status: "Running",
            secs: 10,
        },
    ],
    done: "Finished",
};

/// The most clusters one account may have in a region (`QuotaExceeded.Cluster`).
pub const CLUSTER_QUOTA: usize = 10;
/// The most nodes in one cluster (`QuotaExceeded.Node`).
pub const NODE_QUOTA: i64 = 100;

/// A node pool.
#[derive(Debug, Clone, Serialize)]
pub struct NodePool {
    /// `np` + 32 hex.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is the cluster's default pool (made with the cluster's workers).
    pub is_default: bool,
    /// ECS instance types.
    pub instance_types: Vec<String>,
    /// Nodes wanted.
    pub desired_size: i64,
    /// System disk category and size (GiB).
    pub disk_category: String,
    /// GiB.
    pub disk_size: i64,
    /// VSwitches.
    pub vswitch_ids: Vec<String>,
    /// Where its nodes are in [`NODEPOOL_CREATE`].
    pub progress: Progress,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
}

/// A managed Kubernetes cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// `c` + 32 hex.
    pub id: String,
    /// Its name (not unique in ACK).
    pub name: String,
    /// `ManagedKubernetes`, `Kubernetes`, `ExternalKubernetes`.
    pub cluster_type: String,
    /// `ack.standard` (basic, free) or `ack.pro.small` ... (Pro).
    pub cluster_spec: String,
    /// `Default`, `Edge`, `Serverless`, `Lingjun`.
    pub profile: String,
    /// Kubernetes version.
    pub version: String,
    /// VPC.
    pub vpc_id: String,
    /// VSwitches.
    pub vswitch_ids: Vec<String>,
    /// Pod CIDR.
    pub container_cidr: String,
    /// Service CIDR.
    pub service_cidr: String,
    /// Security group (made with the cluster when none was given).
    pub security_group_id: String,
    /// Whether the API server has a public endpoint.
    pub endpoint_public_access: bool,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Where it is in [`CLUSTER_CREATE`].
    pub progress: Progress,
    /// Where it is in [`CLUSTER_DELETE`], once deleted.
    pub deleting: Option<Progress>,
    /// Node pools.
    pub nodepools: Vec<NodePool>,
    /// The bearer token its Kubernetes API accepts (CS renders it only inside the kubeconfig;
    /// the admin state shows it, so tests can prove it never leaks).
    pub token: String,
    /// The `client_token` of the create, for a repeat to get the first answer.
    pub client_token: Option<String>,
    /// The create's task id.
    pub task_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Whether the demo seed made it.
    pub seeded: bool,
}

impl Cluster {
    /// The cluster's `state` at `now`.
    pub fn state(&self, now: OffsetDateTime) -> &'static str {
        match &self.deleting {
            Some(progress) => CLUSTER_DELETE.status(progress, now),
            None => CLUSTER_CREATE.status(&self.progress, now),
        }
    }

    /// Whether it is gone (`deleted`).
    pub fn is_deleted(&self, now: OffsetDateTime) -> bool {
        self.state(now) == "deleted"
    }

    /// Its nodes' count.
    pub fn size(&self) -> i64 {
        self.nodepools.iter().map(|p| p.desired_size).sum()
    }
}

/// How a Job's pod ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JobEnd {
    /// Exit code 0.
    Succeeded,
    /// The script's `exit N`.
    Failed(i64),
    /// The pod never starts: its container waits with this reason (`ErrImagePull`, ...).
    Stuck(String),
}

/// A batch Job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Namespace.
    pub namespace: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Its uid.
    pub uid: String,
    /// `metadata.labels` as sent.
    pub labels: Map<String, Value>,
    /// `metadata.annotations` as sent.
    pub annotations: Map<String, Value>,
    /// `spec` as sent (the template is echoed back).
    pub spec: Value,
    /// The first container's image.
    pub image: String,
    /// The pod's name.
    pub pod: String,
    /// The synthesised log lines.
    pub log: Vec<String>,
    /// How it ends.
    pub end: JobEnd,
    /// Where its pod is in [`JOB_RUN`].
    pub progress: Progress,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
}

impl Job {
    /// `Pending`, `Running`, `Succeeded` or `Failed` (a stuck pod stays `Pending`).
    pub fn phase(&self, now: OffsetDateTime) -> &'static str {
        if let JobEnd::Stuck(_) = self.end {
            return "Pending";
        }
        match JOB_RUN.status(&self.progress, now) {
            "Finished" => match self.end {
                JobEnd::Succeeded => "Succeeded",
                _ => "Failed",
            },
            other => other,
        }
    }

    /// When it finished, if it has.
    pub fn finished_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if matches!(self.end, JobEnd::Stuck(_)) || !JOB_RUN.is_done(&self.progress, now) {
            return None;
        }
        Some(JOB_RUN.finished_at(&self.progress).unwrap_or(now))
    }
}

/// An injected image-pull failure for the next Job, or for Jobs using one image.
#[derive(Debug, Clone, Serialize)]
pub struct PullFailure {
    /// The image it applies to; `None`: the next Job whatever its image (used once).
    pub image: Option<String>,
    /// `ErrImagePull` or `ImagePullBackOff` (or another waiting reason).
    pub reason: String,
}

/// Everything one account has in CS in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CsBackend {
    /// Clusters, in creation order (deleted ones stay, `deleted`).
    #[serde(rename = "cs_clusters")]
    pub clusters: Vec<Cluster>,
    /// Jobs per cluster id.
    #[serde(rename = "cs_jobs")]
    pub jobs: Vec<(String, Job)>,
    /// Injected pull failures.
    #[serde(rename = "cs_pull_failures")]
    pub pull_failures: Vec<PullFailure>,
}

impl CsBackend {
    /// A cluster by id, deleted ones included.
    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    /// A live (not `deleted`) cluster by id.
    pub fn live(&self, id: &str, now: OffsetDateTime) -> Option<&Cluster> {
        self.cluster(id).filter(|c| !c.is_deleted(now))
    }

    /// The jobs of one cluster.
    pub fn jobs_of<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = &'a Job> + 'a {
        self.jobs
            .iter()
            .filter(move |(c, _)| c == cluster)
            .map(|(_, j)| j)
    }

    /// The failure a new Job with `image` meets, if one was injected (a "next Job" one is
    /// used up).
    pub fn take_pull_failure(&mut self, image: &str) -> Option<String> {
        if let Some(i) = self
            .pull_failures
            .iter()
            .position(|f| f.image.as_deref() == Some(image))
        {
            return Some(self.pull_failures[i].reason.clone());
        }
        let i = self.pull_failures.iter().position(|f| f.image.is_none())?;
        Some(self.pull_failures.remove(i).reason)
    }
}

impl Backend for CsBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        let cluster = self
            .clusters
            .iter_mut()
            .find(|c| c.id == id && c.progress.mode == Mode::Manual)?;
        cluster.progress.advanced += 1;
        Some(cluster.state(now).to_owned())
    }
}

impl ServiceBackend for CsBackend {
    const SERVICE: &'static str = "cs";
}
