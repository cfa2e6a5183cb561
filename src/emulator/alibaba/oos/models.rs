//! The OOS data model the emulator keeps per account and region: executions of the
//! package installer, their per-instance tasks, and the ClientTokens already used.
//!
//! An execution's per-instance outcomes are decided when it starts (from the instances'
//! facts, `rules::outcome`); what changes with the emulated clock is only WHEN they become
//! visible: the execution is `Running` through [`EXECUTION_RUN`], then `Success`, or
//! `Failed` if any instance failed. Package states are derived from the finished
//! executions, so a successful install appears in `ListInstancePackageStates` exactly when
//! its execution ends, and a cancelled one never does.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// Emulated seconds an installer execution runs.
pub const EXECUTION_SECS: i64 = 60;

/// An installer execution: `Running`, then `Success` or `Failed` (per instance results).
pub const EXECUTION_RUN: Lifecycle = Lifecycle {
    name: "oos.execution.run",
    steps: &[Step {
        status: "Running",
        secs: EXECUTION_SECS,
    }],
    done: "Success",
};

/// Everything one account has in OOS in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OosBackend {
    /// Executions, in start order.
    #[serde(rename = "oos_executions")]
    pub executions: Vec<Execution>,
    /// `StartExecution` ClientToken -> ExecutionId.
    #[serde(rename = "oos_client_tokens")]
    pub client_tokens: BTreeMap<String, String>,
}

impl Backend for OosBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        let execution = self
            .executions
            .iter_mut()
            .find(|e| e.id == id && e.progress.mode == Mode::Manual)?;
        execution.progress.advanced += 1;
        if EXECUTION_RUN.is_done(&execution.progress, now) && execution.manual_done_at.is_none() {
            execution.manual_done_at = Some(now);
        }
        Some(execution.state(now).status.as_str().to_owned())
    }
}

impl ServiceBackend for OosBackend {
    const SERVICE: &'static str = "oos";
}

/// What the installer does with the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageAction {
    /// Install (or update) it.
    Install,
    /// Remove it.
    Uninstall,
}

/// An execution's or a task's status, as OOS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// In progress.
    Running,
    /// Done, everything succeeded.
    Success,
    /// Done, something failed.
    Failed,
    /// Stopped by `CancelExecution`.
    Cancelled,
}

impl Status {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Success => "Success",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Whether it can no longer change.
    pub fn is_terminal(self) -> bool {
        self != Self::Running
    }
}

/// How one instance's task ends (decided at start, revealed at the end).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TaskOutcome {
    /// Installed or removed; what the install printed.
    Success {
        /// The command output.
        output: String,
    },
    /// Failed, with the reason a user can act on.
    Failed {
        /// The `StatusMessage`.
        message: String,
    },
}

/// The per-instance task of an execution.
#[derive(Debug, Clone, Serialize)]
pub struct TaskPlan {
    /// `task-...`.
    pub id: String,
    /// The instance (the loop item).
    pub instance_id: String,
    /// How it ends.
    pub outcome: TaskOutcome,
}

/// An execution of the package installer.
#[derive(Debug, Clone, Serialize)]
pub struct Execution {
    /// `exec-...`.
    pub id: String,
    /// The template run (the installer).
    pub template_name: String,
    /// Its version.
    pub template_version: String,
    /// `Automatic` or `Debug`.
    pub mode: String,
    /// `SafetyCheck`.
    pub safety_check: String,
    /// Free text.
    pub description: String,
    /// The parsed `Parameters` as sent.
    pub parameters: Map<String, Value>,
    /// `Tags`.
    pub tags: Map<String, Value>,
    /// The package.
    pub package_name: String,
    /// The package version used (the latest when none was given).
    pub package_version: String,
    /// Install or uninstall.
    pub action: PackageAction,
    /// The package parameters with the template defaults filled in.
    pub effective_parameters: Map<String, Value>,
    /// The RAM user that started it.
    pub executed_by: String,
    /// When it started.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Where it is in [`EXECUTION_RUN`].
    pub progress: Progress,
    /// When a manual lifecycle reached its end.
    #[serde(serialize_with = "ser::time_opt")]
    pub manual_done_at: Option<OffsetDateTime>,
    /// When it was cancelled.
    #[serde(serialize_with = "ser::time_opt")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// One task per target instance, in target order.
    pub tasks: Vec<TaskPlan>,
}

/// An execution's state at one emulated instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutionState {
    /// The status.
    pub status: Status,
    /// When it ended, once terminal.
    pub ended: Option<OffsetDateTime>,
}

impl Execution {
    /// The execution's status at `now`.
    pub fn state(&self, now: OffsetDateTime) -> ExecutionState {
        if let Some(at) = self.cancelled_at {
            return ExecutionState {
                status: Status::Cancelled,
                ended: Some(at),
            };
        }
        let end = self
            .manual_done_at
            .or_else(|| EXECUTION_RUN.finished_at(&self.progress));
        match end {
            Some(end) if now >= end => {
                let failed = self
                    .tasks
                    .iter()
                    .any(|t| matches!(t.outcome, TaskOutcome::Failed { .. }));
                ExecutionState {
                    status: if failed {
                        Status::Failed
                    } else {
                        Status::Success
                    },
                    ended: Some(end),
                }
            }
            _ => ExecutionState {
                status: Status::Running,
                ended: None,
            },
        }
    }

    /// A task's status when the execution is in `state`.
    pub fn task_status(task: &TaskPlan, state: ExecutionState) -> Status {
        match (state.status, &task.outcome) {
            (Status::Running, _) => Status::Running,
            (Status::Cancelled, _) => Status::Cancelled,
            (_, TaskOutcome::Success { .. }) => Status::Success,
            (_, TaskOutcome::Failed { .. }) => Status::Failed,
        }
    }

    /// The target instance ids.
    pub fn instance_ids(&self) -> Vec<&str> {
        self.tasks.iter().map(|t| t.instance_id.as_str()).collect()
    }
}

/// A package installed on an instance, as `ListInstancePackageStates` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageState {
    /// The package template.
    pub template_name: String,
    /// Its version.
    pub template_version: String,
    /// The installation parameters used (defaults filled in).
    pub parameters: Map<String, Value>,
    /// When the install finished.
    #[serde(serialize_with = "ser::time")]
    pub updated: OffsetDateTime,
}

impl OosBackend {
    /// An execution by id.
    pub fn execution(&self, id: &str) -> Option<&Execution> {
        self.executions.iter().find(|e| e.id == id)
    }

    /// The packages on `instance_id` at `now`: every execution that succeeded there and
    /// ended by `now`, in end order (a later install of the same package replaces the
    /// earlier one, an uninstall removes it).
    pub fn package_states(&self, instance_id: &str, now: OffsetDateTime) -> Vec<PackageState> {
        let mut done: Vec<(OffsetDateTime, &Execution)> = self
            .executions
            .iter()
            .filter_map(|e| {
                let state = e.state(now);
                let ended = state.ended?;
                let succeeded = e.tasks.iter().any(|t| {
                    t.instance_id == instance_id
                        && Execution::task_status(t, state) == Status::Success
                });
                succeeded.then_some((ended, e))
            })
            .collect();
        done.sort_by_key(|(ended, _)| *ended);
        let mut states: Vec<PackageState> = Vec::new();
        for (ended, e) in done {
            states.retain(|s| s.template_name != e.package_name);
            if e.action == PackageAction::Install {
                states.push(PackageState {
                    template_name: e.package_name.clone(),
                    template_version: e.package_version.clone(),
                    parameters: e.effective_parameters.clone(),
                    updated: ended,
                });
            }
        }
        states
    }
}
