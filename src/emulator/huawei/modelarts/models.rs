//! ModelArts state of one account in one region: notebooks (with their OBS storage mounts)
//! and training jobs, each moving through a lifecycle on the emulator clock.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// Create: storage, compute and network are set up, then the notebook starts.
pub const NOTEBOOK_CREATE: Lifecycle = Lifecycle {
    name: "modelarts.notebook.create",
    steps: &[
        Step {
            status: "CREATING",
            secs: 20,
        },
        Step {
            status: "STARTING",
            secs: 20,
        },
    ],
    done: "RUNNING",
};
/// Start of a stopped notebook.
pub const NOTEBOOK_START: Lifecycle = Lifecycle {
    name: "modelarts.notebook.start",
    steps: &[Step {
        status: "STARTING",
        secs: 20,
    }],
    done: "RUNNING",
};
/// Stop of a running notebook.
pub const NOTEBOOK_STOP: Lifecycle = Lifecycle {
    name: "modelarts.notebook.stop",
    steps: &[Step {
        status: "STOPPING",
        secs: 10,
    }],
    done: "STOPPED",
};
/// A running notebook saved as an image: SNAPSHOTTING, then RUNNING again.
pub const NOTEBOOK_SNAPSHOT: Lifecycle = Lifecycle {
    name: "modelarts.notebook.snapshot",
    steps: &[Step {
        status: "SNAPSHOTTING",
        secs: 20,
    }],
    done: "RUNNING",
};
/// A training job from submission to completion.
pub const TRAINING_RUN: Lifecycle = Lifecycle {
    name: "modelarts.training.run",
    steps: &[
        Step {
            status: "Creating",
            secs: 10,
        },
        Step {
            status: "Pending",
            secs: 20,
        },
        Step {
            status: "Running",
            secs: 60,
        },
    ],
    done: "Completed",
};
/// A training job being terminated.
pub const TRAINING_STOP: Lifecycle = Lifecycle {
    name: "modelarts.training.stop",
    steps: &[Step {
        status: "Terminating",
        secs: 10,
    }],
    done: "Terminated",
};
/// A training job that failed (the seed's; no steps).
pub const TRAINING_FAILED: Lifecycle = Lifecycle {
    name: "modelarts.training.failed",
    steps: &[],
    done: "Failed",
};

/// Every lifecycle of the service, for the admin API.
pub const LIFECYCLES: &[Lifecycle] = &[
    NOTEBOOK_CREATE,
    NOTEBOOK_START,
    NOTEBOOK_STOP,
    NOTEBOOK_SNAPSHOT,
    TRAINING_RUN,
    TRAINING_STOP,
];

/// Where a resource is: its lifecycle and its progress in it.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// The lifecycle.
    pub lifecycle: &'static Lifecycle,
    /// The progress.
    pub progress: Progress,
}

impl Phase {
    /// Entering `lifecycle` at `now` in `mode`.
    pub fn enter(lifecycle: &'static Lifecycle, now: OffsetDateTime, mode: Mode) -> Self {
        Self {
            lifecycle,
            progress: Progress::start(now, mode),
        }
    }

    /// The wire status at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        self.lifecycle.status(&self.progress, now)
    }

    /// Whether the lifecycle has reached its final status.
    pub fn is_done(&self, now: OffsetDateTime) -> bool {
        self.lifecycle.is_done(&self.progress, now)
    }

    /// Moves a manual lifecycle one step; its new status.
    pub fn advance(&mut self, now: OffsetDateTime) -> Option<String> {
        (self.progress.mode == Mode::Manual).then(|| {
            self.progress.advanced += 1;
            self.status(now).to_owned()
        })
    }
}

/// An OBS path mounted into a notebook.
#[derive(Debug, Clone)]
pub struct Storage {
    /// The storage id.
    pub id: String,
    /// `OBS`, `OBSFS` or `EFS`.
    pub category: String,
    /// Where it is mounted.
    pub mount_path: String,
    /// `obs://bucket/dir/`.
    pub uri: String,
}

/// A notebook instance.
#[derive(Debug, Clone)]
pub struct Notebook {
    /// The id (a UUID).
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The flavor id.
    pub flavor: String,
    /// The image id.
    pub image_id: String,
    /// The dedicated pool, if any.
    pub pool_id: Option<String>,
    /// The workspace id (`0` = default).
    pub workspace_id: String,
    /// `NOTEBOOK` or `DEFAULT`.
    pub feature: String,
    /// The system volume as requested (`category`, `ownership`, `capacity`, `uri` ...).
    pub volume: Value,
    /// Auto-stop: `TIMING` with a duration in ms, or disabled.
    pub lease_duration_ms: Option<i64>,
    /// Endpoints as requested (SSH key pairs).
    pub endpoints: Value,
    /// The dynamic OBS mounts.
    pub storages: Vec<Storage>,
    /// Creation time, ms since the epoch.
    pub create_at: i64,
    /// Where it is.
    pub phase: Phase,
}

/// A training job (v2).
#[derive(Debug, Clone)]
pub struct TrainingJob {
    /// `metadata.id`.
    pub id: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.description`.
    pub description: String,
    /// `metadata.workspace_id`.
    pub workspace_id: String,
    /// `kind` (`job`).
    pub kind: String,
    /// The algorithm as submitted (code_dir, boot_file, engine, inputs, outputs ...).
    pub algorithm: Value,
    /// The spec as submitted (resource: flavor_id, node_count, pool_id).
    pub spec: Value,
    /// Creation time, ms since the epoch.
    pub create_time: i64,
    /// Where it is.
    pub phase: Phase,
}

/// A workspace (`0` is the default one every project has).
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// `PUBLIC`, `PRIVATE` or `INTERNAL`.
    pub auth_type: String,
    /// Creation time, ms since the epoch.
    pub create_time: i64,
}

/// An authorization: ModelArts may act for `user_id` through the agency `content`.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The IAM user id, or `all`.
    pub user_id: String,
    /// The user name.
    pub user_name: String,
    /// `IAM`, `FEDERATE`, `GRANT` or `ALL-USERS`.
    pub user_type: String,
    /// `agency` (the emulator refuses `credential`, which carries raw keys).
    pub kind: String,
    /// The agency name.
    pub content: String,
    /// Creation time, ms since the epoch.
    pub create_time: i64,
}

/// ModelArts in one account and region.
#[derive(Debug, Default, Clone)]
pub struct ModelArtsBackend {
    /// Notebooks, in creation order.
    pub notebooks: Vec<Notebook>,
    /// Training jobs, in creation order.
    pub jobs: Vec<TrainingJob>,
    /// Pools, networks, inference services and Lite Servers (`infra`).
    pub infra: crate::emulator::huawei::modelarts::infra::InfraState,
    /// Lite Server hyper clusters, hyperinstances, volumes, EIPs and jobs (`lite_state`).
    pub lite: crate::emulator::huawei::modelarts::lite_state::LiteState,
    /// Workspaces, the default one first.
    pub workspaces: Vec<Workspace>,
    /// Authorizations, one per user.
    pub authorizations: Vec<Authorization>,
    /// Images saved from notebooks: `(image id, notebook id, rendered image)`.
    pub saved_images: Vec<(String, String, Value)>,
    /// Inference tags and version history (`handlers::services_more`).
    pub svc_more: crate::emulator::huawei::modelarts::handlers::services_more::SvcMore,
    /// Auth mode, workspace quotas, agencies, scheduled events, pool tags (`extras_state`).
    pub extras: crate::emulator::huawei::modelarts::extras_state::ExtrasState,
    /// Notebook tags and pool plugins (`handlers::nb_np`).
    pub nb_np: crate::emulator::huawei::modelarts::handlers::nb_np::NbNpState,
}

/// Milliseconds since the epoch.
pub fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl Backend for ModelArtsBackend {
    fn to_json(&self) -> Map<String, Value> {
        let notebooks: Vec<Value> = self
            .notebooks
            .iter()
            .map(|n| json!({"id": n.id, "name": n.name, "lifecycle": n.phase.lifecycle.name}))
            .collect();
        let jobs: Vec<Value> = self
            .jobs
            .iter()
            .map(|j| json!({"id": j.id, "name": j.name, "lifecycle": j.phase.lifecycle.name}))
            .collect();
        let authorizations: Vec<Value> = self
            .authorizations
            .iter()
            .map(|a| json!({"user_id": a.user_id, "type": a.kind, "content": a.content}))
            .collect();
        let mut out = Map::new();
        out.insert(
            "modelarts_authorizations".into(),
            Value::from(authorizations),
        );
        out.insert(
            "modelarts_saved_images".into(),
            Value::from(
                self.saved_images
                    .iter()
                    .map(|(id, notebook, _)| json!({"id": id, "notebook_id": notebook}))
                    .collect::<Vec<_>>(),
            ),
        );
        out.insert("modelarts_notebooks".into(), Value::from(notebooks));
        out.insert("modelarts_training_jobs".into(), Value::from(jobs));
        out.extend(self.infra.to_json());
        out.extend(self.lite.to_json());
        out.extend(self.extras.to_json());
        out
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        if let Some(notebook) = self.notebooks.iter_mut().find(|n| n.id == id) {
            return notebook.phase.advance(now);
        }
        if let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) {
            return job.phase.advance(now);
        }
        if let Some(status) = self.lite.advance(id, now) {
            return Some(status);
        }
        self.infra.advance(id, now)
    }
}

impl ServiceBackend for ModelArtsBackend {
    const SERVICE: &'static str = "modelarts";
}
