//! The FC data model per account and region: functions, their async invoke configs and the
//! async tasks those configs record, each task's status on the emulated clock.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// An async task: `Enqueued` for 1 emulated second, `Running` for 4, then done (the done
/// status is `Succeeded` unless the synthesised run failed, see [`AsyncTask::status`]).
pub const FC_TASK_RUN: Lifecycle = Lifecycle {
    name: "fc.task.run",
    steps: &[
        Step {
            status: "Enqueued",
            secs: 1,
        },
        Step {
            status: "Running",
            secs: 4,
        },
    ],
    done: "Succeeded",
};

/// A function.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// Its name, unique in the region.
    pub name: String,
    /// Its id (a UUID-like string).
    pub id: String,
    /// `python3.10`, `nodejs18`, `custom.debian10` ...
    pub runtime: String,
    /// `index.handler`.
    pub handler: String,
    /// MB, a multiple of 64 in 128..=32768.
    pub memory_size: i64,
    /// vCPU, a multiple of 0.05 in 0.05..=16.
    pub cpu: f64,
    /// Seconds, 1..=86400.
    pub timeout: i64,
    /// MB: 512 or 10240.
    pub disk_size: i64,
    /// Free text.
    pub description: String,
    /// Environment variables.
    pub environment: Map<String, Value>,
    /// Size of the decoded code package in bytes.
    pub code_size: i64,
    /// CRC-like checksum of the code (decimal string).
    pub code_checksum: String,
    /// `gpuConfig` as sent, if any.
    pub gpu_config: Option<Value>,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Last update.
    #[serde(serialize_with = "ser::time")]
    pub modified: OffsetDateTime,
    /// Whether the demo seed made it.
    pub seeded: bool,
}

/// A function's async invoke config.
#[derive(Debug, Clone, Serialize)]
pub struct AsyncConfig {
    /// The function it belongs to.
    pub function: String,
    /// Whether async tasks are recorded (GetAsyncTask needs it).
    pub async_task: bool,
    /// Retries after a failed run (the skill sets 0).
    pub max_retry: i64,
    /// How long an event may wait, seconds.
    pub max_event_age: i64,
    /// `destinationConfig` as sent.
    pub destination: Option<Value>,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Last update.
    #[serde(serialize_with = "ser::time")]
    pub modified: OffsetDateTime,
}

/// What a synthesised run returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    /// The function's answer (a JSON object).
    pub body: Map<String, Value>,
    /// Whether the run counts as failed (a non-zero exit of the script).
    pub failed: bool,
    /// The error message of a failed run.
    pub error: String,
}

/// An async task.
#[derive(Debug, Clone, Serialize)]
pub struct AsyncTask {
    /// The function.
    pub function: String,
    /// The caller's `x-fc-async-task-id`, or one generated.
    pub id: String,
    /// The request id of the invoke.
    pub request_id: String,
    /// The payload as sent (UTF-8, lossy).
    pub payload: String,
    /// Where it is in [`FC_TASK_RUN`].
    pub progress: Progress,
    /// The synthesised result, known from the start, shown once the task is done.
    pub outcome: RunOutcome,
    /// When StopAsyncTask stopped it.
    #[serde(serialize_with = "ser::time_opt")]
    pub stopped: Option<OffsetDateTime>,
    /// GetAsyncTask reads still to answer `AsyncTaskNotFound`: real FC records an async task a
    /// moment after the invoke is accepted, so a poll right after it does not find the task
    /// (the skill tolerates that while polling).
    pub unseen_reads: u32,
}

impl AsyncTask {
    /// `Enqueued`, `Running`, `Succeeded`, `Failed` or `Stopped` at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        if self.stopped.is_some() {
            return "Stopped";
        }
        match FC_TASK_RUN.status(&self.progress, now) {
            "Succeeded" if self.outcome.failed => "Failed",
            other => other,
        }
    }

    /// When it started running (after the enqueued second), if it has.
    pub fn started_ms(&self) -> i64 {
        unix_ms(self.progress.since)
    }

    /// When it ended, if it has.
    pub fn ended(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if let Some(stopped) = self.stopped {
            return Some(stopped);
        }
        if !FC_TASK_RUN.is_done(&self.progress, now) {
            return None;
        }
        Some(FC_TASK_RUN.finished_at(&self.progress).unwrap_or(now))
    }
}

/// Milliseconds since the epoch, as FC reports task times.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Everything one account has in FC in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FcBackend {
    /// Functions, in creation order.
    #[serde(rename = "fc_functions")]
    pub functions: Vec<Function>,
    /// Async invoke configs.
    #[serde(rename = "fc_async_configs")]
    pub configs: Vec<AsyncConfig>,
    /// Async tasks, oldest first.
    #[serde(rename = "fc_async_tasks")]
    pub tasks: Vec<AsyncTask>,
}

impl FcBackend {
    /// A function by name.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The async config of a function.
    pub fn config(&self, name: &str) -> Option<&AsyncConfig> {
        self.configs.iter().find(|c| c.function == name)
    }

    /// Whether a function records its async tasks.
    pub fn records_tasks(&self, name: &str) -> bool {
        self.config(name).is_some_and(|c| c.async_task)
    }
}

impl Backend for FcBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, _now: OffsetDateTime) -> Option<String> {
        let task = self
            .tasks
            .iter_mut()
            .find(|t| t.id == id && t.progress.mode == Mode::Manual)?;
        task.progress.advanced += 1;
        Some(task.status(task.progress.since).to_owned())
    }
}

impl ServiceBackend for FcBackend {
    const SERVICE: &'static str = "fc";
}
