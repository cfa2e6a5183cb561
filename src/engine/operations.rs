//! The engine's side of long operations: starting one after a confirmed execution, the runner
//! that polls every running operation on its kind's cadence, and waiting on one for a bounded
//! time with progress. The records live in the [`OperationStore`]; this keeps only a wake-up for
//! the runner and a change counter for waiters.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{Notify, watch};

use super::{Engine, progress};
use crate::catalog::ToolSpec;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Owner, Plan};
use crate::operations::{Inserted, OpStatus, Operation, OperationStore, now_ms, rfc3339_ms};
use crate::toolsets::{OperationKind, PollContext};

/// How long the runner keeps an operation to itself while polling it; another runner (a
/// replica sharing the store) takes it over after that.
const LEASE: Duration = Duration::from_secs(60);
/// The shortest lease, whatever the time scale: longer than any one poll takes.
const MIN_LEASE: Duration = Duration::from_secs(5);
/// Polls in a row that fail for a reason other than a passing provider fault before the
/// operation is reported failed.
const MAX_HARD_POLL_FAILURES: u32 = 3;
/// The longest the runner sleeps without looking at the store.
const IDLE_LOOK: Duration = Duration::from_secs(5);

/// Settings of the operation facility.
#[derive(Clone, Debug)]
pub struct OperationSettings {
    /// Multiplies every kind's interval and maximum duration: 1 in production; tests run the
    /// skill's 20-second cadence in milliseconds against a fast emulator clock.
    pub time_scale: f64,
    /// The longest one wait call holds before answering with the current state.
    pub wait_budget: Duration,
    /// This runner's name in leases.
    pub holder: String,
}

impl Default for OperationSettings {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            wait_budget: Duration::from_secs(50),
            // Unique across machines too: replicas in containers may all be pid 1.
            holder: format!(
                "skillgate-{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
        }
    }
}

/// The store and the signals around it.
#[derive(Debug)]
pub(crate) struct Operations {
    pub(crate) store: Arc<dyn OperationStore>,
    pub(crate) settings: OperationSettings,
    /// Set at shutdown: the runner takes no new lease, so another replica follows what is left.
    stopping: std::sync::atomic::AtomicBool,
    /// True while the runner is inside a poll (shutdown waits for it to be recorded).
    polling: std::sync::atomic::AtomicBool,
    wake: Notify,
    changed: watch::Sender<u64>,
}

impl Operations {
    pub(crate) fn new(store: Arc<dyn OperationStore>, settings: OperationSettings) -> Self {
        Self {
            store,
            settings,
            stopping: std::sync::atomic::AtomicBool::new(false),
            polling: std::sync::atomic::AtomicBool::new(false),
            wake: Notify::new(),
            changed: watch::Sender::new(0),
        }
    }

    /// A lease of `base` on this runner's time scale, never shorter than [`MIN_LEASE`].
    pub(super) fn lease(&self, base: Duration) -> Duration {
        self.scaled(base).max(MIN_LEASE)
    }

    /// `duration` on this runner's time scale (tests run the skill's cadences faster).
    pub(super) fn scaled(&self, duration: Duration) -> Duration {
        let scale = if self.settings.time_scale.is_finite() && self.settings.time_scale > 0.0 {
            self.settings.time_scale
        } else {
            1.0
        };
        duration.mul_f64(scale).max(Duration::from_millis(10))
    }

    fn announce(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn store_failure(error: crate::operations::StoreError) -> ToolFailure {
    ToolFailure::new(FailureKind::StateUnavailable, error.to_string()).with_hint(
        "the operation store (`--state`, `--state-dir`) could not be read or written; call again once it answers",
    )
}

impl Engine {
    fn operation_kind(&self, name: &str) -> Result<&OperationKind, ToolFailure> {
        self.registry.operation(name).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ConfigError,
                format!("unknown long-operation kind `{name}`"),
            )
        })
    }

    /// The tool that waits on operations of `kind`, for the `next` hint.
    fn wait_tool(&self, kind: &str) -> Option<String> {
        self.catalog
            .tools()
            .find(|(_, tool)| tool.wait.as_deref() == Some(kind))
            .map(|(_, tool)| tool.name.clone())
    }

    /// Starts following what a confirmed plan began; the answer is the operation's handle.
    pub(super) fn begin_operation(
        &self,
        caller: &Owner,
        tool: &ToolSpec,
        plan: &Plan,
        first_answer: &Value,
    ) -> Result<Value, ToolFailure> {
        let Some(kind_name) = tool.operation.as_deref() else {
            return Ok(Value::Null);
        };
        let kind = self.operation_kind(kind_name)?;
        let begun = (kind.begin)(&plan.arguments, first_answer)?;
        let ops = &self.operations;
        let now = now_ms();
        let operation = Operation::new(
            kind.name,
            &caller.principal,
            &tool.name,
            Some(plan.id.clone()),
            begun.key,
            begun.subject,
            now,
            now.saturating_add(millis(ops.scaled(kind.max_duration))),
            now.saturating_add(millis(ops.scaled(kind.interval))),
        );
        let operation = match ops.store.insert(&operation).map_err(store_failure)? {
            Inserted::New => operation,
            Inserted::Existing(existing) => *existing,
        };
        ops.wake.notify_one();
        Ok(self.operation_view(kind, &operation))
    }

    /// What an agent sees of an operation: the kind's report plus the handle and what to do next.
    fn operation_view(&self, kind: &OperationKind, operation: &Operation) -> Value {
        let mut view = match (kind.report)(operation) {
            Value::Object(map) => map,
            other => Map::from_iter([("report".to_string(), other)]),
        };
        view.insert("operation_id".into(), json!(operation.id));
        view.insert("operation_status".into(), json!(operation.status.as_str()));
        view.insert("progress".into(), json!(operation.message));
        view.insert("started_at".into(), json!(rfc3339_ms(operation.created_ms)));
        view.insert("updated_at".into(), json!(rfc3339_ms(operation.updated_ms)));
        if operation.status == OpStatus::Running {
            view.insert(
                "follow_until".into(),
                json!(rfc3339_ms(operation.deadline_ms)),
            );
            if let Some(wait) = self.wait_tool(kind.name) {
                view.insert(
                    "next".into(),
                    json!(format!(
                        "still running: call `{wait}` again with the same arguments to keep waiting (each call returns within {} s)",
                        self.operations.settings.wait_budget.as_secs().max(1)
                    )),
                );
            }
        }
        Value::Object(view)
    }

    /// Marks a running operation of the caller's cancelled, so the runner never polls it again.
    /// Work already sent to the cloud is not undone; the answer says so.
    pub(super) fn cancel_operation(&self, caller: &Owner, id: &str) -> Result<Value, ToolFailure> {
        let ops = &self.operations;
        for _ in 0..5 {
            let mut operation = ops
                .store
                .get(id)
                .map_err(store_failure)?
                .filter(|op| op.owner == caller.principal)
                .ok_or_else(|| {
                    ToolFailure::new(
                        FailureKind::NotFound,
                        format!("no operation `{id}` of yours"),
                    )
                })?;
            if operation.status.is_terminal() {
                return Err(ToolFailure::new(
                    FailureKind::PlanNotPending,
                    format!(
                        "operation `{id}` already ended ({})",
                        operation.status.as_str()
                    ),
                ));
            }
            let kind = self.operation_kind(&operation.kind)?;
            operation.status = OpStatus::Cancelled;
            operation.message = "cancelled: skillgate stopped following it; nothing more is sent for it (what was already sent is not undone)".into();
            operation.updated_ms = now_ms();
            operation.lease_holder = None;
            operation.lease_until_ms = 0;
            operation.report = Some((kind.report)(&operation));
            if ops.store.update(&operation).map_err(store_failure)? {
                ops.announce();
                self.audit.record(self.events(caller).operation_cancelled(
                    &operation.tool,
                    operation.plan_id.clone(),
                    id,
                ));
                let mut view = self.operation_view(kind, &operation);
                if let Some(object) = view.as_object_mut() {
                    object.insert("status".into(), json!("cancelled"));
                }
                return Ok(view);
            }
            // The runner recorded a poll in between: look again.
        }
        Err(ToolFailure::new(
            FailureKind::InternalError,
            format!("operation `{id}` kept changing; try again"),
        ))
    }

    /// A wait tool: finds (or adopts) the operation its arguments name, then watches it for at
    /// most the wait budget, reporting each change as progress.
    pub(super) async fn wait_operation(
        &self,
        caller: &Owner,
        toolset: &crate::catalog::ToolsetSpec,
        tool: &ToolSpec,
        args: &Map<String, Value>,
    ) -> Result<Value, ToolFailure> {
        let kind_name = tool.wait.as_deref().unwrap_or_default();
        let kind = self.operation_kind(kind_name)?;
        let begun = (kind.adopt)(args)?;
        let ops = &self.operations;
        let operation = match ops
            .store
            .find(kind.name, &begun.key)
            .map_err(store_failure)?
        {
            Some(operation) => operation,
            None => {
                // Started elsewhere: look once now, so an id that does not exist is an error
                // at once instead of after three polls.
                let now = now_ms();
                let mut operation = Operation::new(
                    kind.name,
                    &caller.principal,
                    &tool.name,
                    None,
                    begun.key,
                    begun.subject,
                    now,
                    now.saturating_add(millis(ops.scaled(kind.max_duration))),
                    now,
                );
                progress::step("looking up the operation");
                let polled = (kind.poll)(&PollContext {
                    calls: self.calls(toolset),
                    operation: &operation,
                })
                .await?;
                operation.status = polled.status;
                operation.message = polled.message;
                operation.snapshot = polled.snapshot;
                operation.polls = 1;
                operation.next_poll_ms = now.saturating_add(millis(ops.scaled(kind.interval)));
                if operation.status.is_terminal() {
                    operation.report = Some((kind.report)(&operation));
                }
                match ops.store.insert(&operation).map_err(store_failure)? {
                    Inserted::New => {
                        ops.wake.notify_one();
                        operation
                    }
                    Inserted::Existing(existing) => *existing,
                }
            }
        };
        let operation = self.watch(&operation.id, ops.settings.wait_budget).await?;
        Ok(self.operation_view(kind, &operation))
    }

    /// Watches an operation until it ends or `budget` passes (`None`: until it ends), sending each
    /// new progress line to the call's observer.
    pub async fn watch(&self, id: &str, budget: Duration) -> Result<Operation, ToolFailure> {
        let ops = &self.operations;
        let deadline = tokio::time::Instant::now() + budget;
        let mut changes = ops.changed.subscribe();
        let mut last_message = String::new();
        loop {
            let operation = ops.store.get(id).map_err(store_failure)?.ok_or_else(|| {
                ToolFailure::new(FailureKind::NotFound, format!("no operation `{id}`"))
            })?;
            if operation.message != last_message {
                progress::step(&format!("{}: {}", operation.id, operation.message));
                last_message.clone_from(&operation.message);
            }
            if operation.status.is_terminal() {
                return Ok(operation);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // The sender lives as long as the engine; a timeout ends the watch.
                Ok(Err(_)) | Err(_) => return Ok(operation),
            }
        }
    }

    /// Follows an operation of the caller's to its end: for a task, which the client polls.
    pub async fn follow_operation(&self, id: &str) -> Option<Value> {
        let operation = self.watch(id, Duration::from_secs(24 * 3600)).await.ok()?;
        let kind = self.registry.operation(&operation.kind)?;
        Some(self.operation_view(kind, &operation))
    }

    /// The runner: polls every due operation, forever. Started once per process.
    pub async fn run_operations(&self) {
        use std::sync::atomic::Ordering;
        let ops = &self.operations;
        while !ops.stopping.load(Ordering::SeqCst) {
            let now = now_ms();
            ops.polling.store(true, Ordering::SeqCst);
            match ops.store.lease_due(
                now,
                &ops.settings.holder,
                millis(ops.scaled(LEASE).max(MIN_LEASE)),
                32,
            ) {
                Ok(due) => {
                    for operation in due {
                        if ops.stopping.load(Ordering::SeqCst) {
                            // Handed over: the lease is given back unpolled.
                            self.store_polled(operation, None);
                            continue;
                        }
                        self.poll_once(operation).await;
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot read the operation store"),
            }
            ops.polling.store(false, Ordering::SeqCst);
            let sleep = match ops.store.next_due() {
                Ok(Some(next)) => Duration::from_millis(next.saturating_sub(now_ms())),
                _ => IDLE_LOOK,
            }
            .min(IDLE_LOOK);
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = ops.wake.notified() => {}
            }
        }
    }

    async fn poll_once(&self, mut operation: Operation) {
        if operation.kind == super::journal::KIND {
            self.resume_execution(operation).await;
            return;
        }
        let ops = &self.operations;
        let Some(kind) = self.registry.operation(&operation.kind) else {
            operation.status = OpStatus::Failed;
            operation.message = format!(
                "this skillgate no longer knows how to follow `{}`",
                operation.kind
            );
            self.store_polled(operation, None);
            return;
        };
        let Some((toolset, _)) = self.catalog.tool(&operation.tool) else {
            operation.status = OpStatus::Failed;
            operation.message = format!("the tool `{}` is no longer loaded", operation.tool);
            self.store_polled(operation, Some(kind));
            return;
        };
        let result = (kind.poll)(&PollContext {
            calls: self.calls(toolset),
            operation: &operation,
        })
        .await;
        let now = now_ms();
        operation.polls = operation.polls.saturating_add(1);
        match result {
            Ok(polled) => {
                operation.status = polled.status;
                operation.message = polled.message;
                operation.snapshot = polled.snapshot;
                operation.poll_failures = 0;
            }
            Err(failure) => {
                operation.poll_failures = operation.poll_failures.saturating_add(1);
                let passing = failure.kind.is_provider_fault();
                operation.message = format!(
                    "the last look failed ({}): {}; {}",
                    failure.kind.as_str(),
                    failure.message,
                    if passing {
                        "looking again at the next interval"
                    } else {
                        "will look again"
                    }
                );
                if !passing && operation.poll_failures >= MAX_HARD_POLL_FAILURES {
                    operation.status = OpStatus::Failed;
                }
            }
        }
        if operation.status == OpStatus::Running && now >= operation.deadline_ms {
            operation.status = OpStatus::TimedOut;
        }
        operation.next_poll_ms = now.saturating_add(millis(ops.scaled(kind.interval)));
        self.store_polled(operation, Some(kind));
    }

    /// Shutdown: the runner finishes the poll it is in (recording it and giving its lease back)
    /// and takes no other, so another replica sharing the store follows the rest at once. Waits
    /// at most `patience`.
    pub async fn hand_over_operations(&self, patience: Duration) {
        use std::sync::atomic::Ordering;
        let ops = &self.operations;
        ops.stopping.store(true, Ordering::SeqCst);
        ops.wake.notify_waiters();
        let deadline = tokio::time::Instant::now() + patience;
        while ops.polling.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn store_polled(&self, mut operation: Operation, kind: Option<&OperationKind>) {
        operation.updated_ms = now_ms();
        operation.lease_holder = None;
        operation.lease_until_ms = 0;
        if operation.status.is_terminal() {
            operation.report = kind.map(|kind| (kind.report)(&operation));
        }
        match self.operations.store.update(&operation) {
            Ok(true) => {}
            Ok(false) => tracing::debug!(id = %operation.id, "operation changed by another runner"),
            Err(error) => tracing::warn!(%error, id = %operation.id, "cannot record a poll"),
        }
        self.operations.announce();
    }
}
