//! The PAI-DLC data model the emulator keeps per account and region, and its backend.

use serde::Serialize;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// A submitted job: `Creating`, `Queuing`, `EnvPreparing`, `Running`, then its outcome.
pub const JOB_RUN: Lifecycle = Lifecycle {
    name: "paidlc.job.run",
    steps: &[
        Step {
            status: "Creating",
            secs: 15,
        },
        Step {
            status: "Queuing",
            secs: 30,
        },
        Step {
            status: "EnvPreparing",
            secs: 15,
        },
        Step {
            status: "Running",
            secs: 120,
        },
    ],
    done: "Succeeded",
};

/// Emulated seconds after creation at which a job whose image cannot be pulled gives up
/// (it sits in `EnvPreparing` with `ImagePullBackOff` until then).
pub const IMAGE_PULL_GIVE_UP_SECS: i64 = 600;

/// The terminal statuses.
pub const TERMINAL: &[&str] = &["Succeeded", "Failed", "Stopped"];

/// Everything one account has in PAI-DLC in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DlcBackend {
    /// Jobs, oldest first.
    pub jobs: Vec<Job>,
    /// Creates received (a repeat of a lost create shows up here as a second job).
    pub creates: u64,
}

impl Backend for DlcBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

impl ServiceBackend for DlcBackend {
    const SERVICE: &'static str = "pai-dlc";
}

impl DlcBackend {
    /// A job by id.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// A job by id, to change it.
    pub fn job_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }
}

/// One DLC job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// `dlc...`.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// PyTorchJob, TFJob, ...
    pub job_type: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Workspace name.
    pub workspace_name: String,
    /// The command (never executed).
    pub user_command: String,
    /// The `JobSpecs` as sent.
    pub job_specs: Vec<Value>,
    /// `Settings` as sent (its `Tags` carry the provenance tag).
    pub settings: Map<String, Value>,
    /// Quota id, empty for the public pool.
    pub resource_id: String,
    /// Environment variables.
    pub envs: Map<String, Value>,
    /// Where it is in [`JOB_RUN`].
    pub progress: Progress,
    /// When it was stopped, if it was.
    #[serde(serialize_with = "ser::time_opt")]
    pub stopped_at: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_create: OffsetDateTime,
    /// Creator user id.
    pub user_id: String,
}

/// Why a job fails, decided from what it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Runs to `Succeeded`.
    Succeeds,
    /// The command exits non-zero: `Failed` after running.
    ExitCode(i64),
    /// The image cannot be pulled: stuck in `EnvPreparing`, then `Failed`.
    ImagePull,
}

impl Job {
    /// The first spec's image.
    pub fn image(&self) -> String {
        self.spec_str("Image")
    }

    /// The first spec's ECS type.
    pub fn ecs_spec(&self) -> String {
        self.spec_str("EcsSpec")
    }

    fn spec_str(&self, key: &str) -> String {
        self.job_specs
            .first()
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// Pods over every spec (`PodCount`, at least one per spec).
    pub fn pod_names(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for spec in &self.job_specs {
            let role = spec
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("Worker")
                .to_ascii_lowercase();
            let count = spec
                .get("PodCount")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            for i in 0..count {
                out.push((format!("{}-{role}-{i}", self.id), role.clone()));
            }
        }
        out
    }

    /// What the job's inputs make of it.
    pub fn outcome(&self) -> Outcome {
        if self.image().contains("does-not-exist") {
            return Outcome::ImagePull;
        }
        let last = self
            .user_command
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or_default();
        match last
            .strip_prefix("exit ")
            .and_then(|c| c.trim().trim_end_matches(';').parse::<i64>().ok())
        {
            Some(code) if code != 0 => Outcome::ExitCode(code),
            _ => Outcome::Succeeds,
        }
    }

    /// The wire status at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        if self.stopped_at.is_some_and(|t| t <= now) {
            return "Stopped";
        }
        let status = JOB_RUN.status(&self.progress, now);
        match self.outcome() {
            Outcome::ImagePull if status == "Running" || status == "Succeeded" => {
                let given_up =
                    (now - self.progress.since).whole_seconds() >= IMAGE_PULL_GIVE_UP_SECS;
                if given_up { "Failed" } else { "EnvPreparing" }
            }
            Outcome::ExitCode(_) if status == "Succeeded" => "Failed",
            _ => status,
        }
    }

    /// When the job reached `status` (for the `Gmt*Time` fields), if the clock fixes it.
    pub fn entered(&self, status: &str) -> Option<OffsetDateTime> {
        let mut at = self.progress.since;
        for step in JOB_RUN.steps {
            if step.status == status {
                return Some(at);
            }
            at += Duration::seconds(step.secs);
        }
        match status {
            "Stopped" => self.stopped_at,
            "Failed" if self.outcome() == Outcome::ImagePull => {
                Some(self.progress.since + Duration::seconds(IMAGE_PULL_GIVE_UP_SECS))
            }
            "Succeeded" | "Failed" => JOB_RUN.finished_at(&self.progress),
            _ => None,
        }
    }

    /// The reason of a failed or stopped job.
    pub fn reason(&self, now: OffsetDateTime) -> (String, String) {
        match (self.status(now), self.outcome()) {
            ("Stopped", _) => (
                "JobStoppedByUser".into(),
                "The job was stopped by the user.".into(),
            ),
            ("Failed", Outcome::ImagePull) => (
                "ImagePullBackOff".into(),
                format!("Failed to pull image \"{}\": not found.", self.image()),
            ),
            ("Failed", Outcome::ExitCode(code)) => (
                "JobFailed".into(),
                format!("The worker exited with code {code}."),
            ),
            ("EnvPreparing", Outcome::ImagePull) => (
                "ImagePullBackOff".into(),
                format!("Back-off pulling image \"{}\".", self.image()),
            ),
            _ => (String::new(), String::new()),
        }
    }
}
