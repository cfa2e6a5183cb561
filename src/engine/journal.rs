//! The execution journal: a confirmed plan is written to the operation store before anything is
//! sent, each step is marked "sending" before its request leaves and "done" (with its answer)
//! when it comes back, and the entry ends when the execution is recorded. If the process dies
//! in between (SIGKILL, a power cut, a replica lost), the entry's lease runs out and the
//! operation runner of this or another process finishes the plan from where it stopped:
//!
//! - steps marked done are not sent again; their recorded answers feed later steps;
//! - a step marked sending but not done may or may not have reached the cloud: it is settled by
//!   its executor's read-back (provenance) when it has one, else resent only when it is safe to
//!   resend (an idempotency token from the plan makes a repeat return the first result), else it
//!   is reported as unknown and never resent;
//! - if nothing was sent, the plan is re-checked against the live state first, as at confirm.
//!
//! Entries are ordinary [`Operation`]s of kind [`KIND`], so every store (SQLite, Redis) keeps
//! them with the same leases; the store's compare-and-set versions keep two runners from both
//! finishing one plan. The engine refuses to execute when the journal cannot be written (fail
//! closed, like the audit log): an execution that could not be resumed is not started.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Owner, Plan};
use crate::operations::{Inserted, OpStatus, Operation, OperationStore, now_ms};
use crate::providers::ProviderResponse;
use crate::toolsets::ExecOutcome;

/// The operation kind of journal entries.
pub const KIND: &str = "skillgate.execution";

/// How long a live process keeps its entry before a runner may take it over; renewed at every
/// step. Longer than any one step's send with its retries.
pub(super) const LEASE: Duration = Duration::from_secs(300);

/// How long an entry is kept as a record of its plan (`deadline_ms`); the runner never times
/// one out, it resumes it.
const KEPT_MS: u64 = 7 * 24 * 3600 * 1000;

/// Points in a confirmation where `SKILLGATE_TEST_PAUSE_AT` stops the process so a test can
/// kill it there with SIGKILL: a test hook, inert unless that variable is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PausePoint {
    /// The plan was taken and the confirmation recorded; nothing was sent.
    AfterTake,
    /// A step's request was answered by the cloud; the answer is recorded nowhere yet.
    AfterSend,
    /// Every step is done and journaled; the audit log's `executed` is not written yet.
    BeforeRecord,
}

impl PausePoint {
    /// Parses `after-take`, `after-send`, `before-record`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "after-take" => Some(Self::AfterTake),
            "after-send" => Some(Self::AfterSend),
            "before-record" => Some(Self::BeforeRecord),
            _ => None,
        }
    }

    /// The name `parse` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AfterTake => "after-take",
            Self::AfterSend => "after-send",
            Self::BeforeRecord => "before-record",
        }
    }
}

/// One step's recorded result, in a form the store keeps.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct DoneStep {
    pub step: String,
    pub response: ProviderResponse,
    /// `executed`, `recovered` or `already_done`.
    pub how: String,
    pub note: Option<String>,
}

impl DoneStep {
    fn of(step: &str, outcome: &ExecOutcome) -> Self {
        let (how, note) = match outcome {
            ExecOutcome::Executed(_) => ("executed", None),
            ExecOutcome::Recovered { how, .. } => ("recovered", Some(how.clone())),
            ExecOutcome::AlreadyDone { how, .. } => ("already_done", Some(how.clone())),
        };
        Self {
            step: step.to_string(),
            response: outcome.response().clone(),
            how: how.to_string(),
            note,
        }
    }

    pub(super) fn outcome(&self) -> ExecOutcome {
        let response = self.response.clone();
        let how = self.note.clone().unwrap_or_default();
        match self.how.as_str() {
            "recovered" => ExecOutcome::Recovered { response, how },
            "already_done" => ExecOutcome::AlreadyDone { response, how },
            _ => ExecOutcome::Executed(response),
        }
    }
}

/// What a journal entry holds besides the plan.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Progress {
    /// Steps answered, in order.
    pub done: Vec<DoneStep>,
    /// The step whose request may be on its way.
    pub sending: Option<String>,
    /// Takeovers so far (a runner that died while resuming counts too).
    #[serde(default)]
    pub resumed: u32,
}

/// A live journal entry, owned by the execution that writes it.
pub(super) struct Entry<'a> {
    store: &'a dyn OperationStore,
    operation: Operation,
    lease_ms: u64,
}

fn store_failure(error: crate::operations::StoreError) -> ToolFailure {
    ToolFailure::new(
        FailureKind::StateUnavailable,
        format!("the execution journal could not be written ({error}); nothing was sent"),
    )
    .with_hint("the operation store (`--state`, `--state-dir`) must be writable for changes to run; call again once it answers")
}

impl<'a> Entry<'a> {
    /// Writes the entry for a confirmed plan, before anything is sent.
    pub(super) fn begin(
        store: &'a dyn OperationStore,
        holder: &str,
        lease: Duration,
        caller: &Owner,
        plan: &Plan,
    ) -> Result<Self, ToolFailure> {
        let now = now_ms();
        let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
        let mut operation = Operation::new(
            KIND,
            &caller.principal,
            &plan.tool,
            Some(plan.id.clone()),
            // One entry per confirmation attempt: a plan handed back after a provider fault is
            // confirmed again under the same id, with a new entry.
            format!(
                "{}/{}",
                plan.id,
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            json!({"plan": plan, "caller": caller}),
            now,
            now.saturating_add(KEPT_MS),
            now.saturating_add(lease_ms),
        );
        operation.message = "confirmed; executing".into();
        operation.snapshot = serde_json::to_value(Progress::default()).unwrap_or(Value::Null);
        operation.lease_holder = Some(holder.to_string());
        operation.lease_until_ms = now.saturating_add(lease_ms);
        match store.insert(&operation).map_err(store_failure)? {
            Inserted::New => Ok(Self {
                store,
                operation,
                lease_ms,
            }),
            Inserted::Existing(_) => Err(ToolFailure::new(
                FailureKind::PlanNotPending,
                format!("plan `{}` is already being executed", plan.id),
            )),
        }
    }

    /// An entry a runner has leased to resume.
    pub(super) fn resumed(
        store: &'a dyn OperationStore,
        operation: Operation,
        lease: Duration,
    ) -> Self {
        Self {
            store,
            operation,
            lease_ms: u64::try_from(lease.as_millis()).unwrap_or(u64::MAX),
        }
    }

    pub(super) fn progress(&self) -> Progress {
        serde_json::from_value(self.operation.snapshot.clone()).unwrap_or_default()
    }

    /// Writes `progress` and renews the lease. `Err` when another runner changed the entry (it
    /// took it over: this one must stop) or the store failed.
    pub(super) fn record(&mut self, progress: &Progress, message: &str) -> Result<(), ToolFailure> {
        let now = now_ms();
        let mut next = self.operation.clone();
        next.snapshot = serde_json::to_value(progress).unwrap_or(Value::Null);
        next.message = message.to_string();
        next.updated_ms = now;
        next.next_poll_ms = now.saturating_add(self.lease_ms);
        next.lease_until_ms = next.next_poll_ms;
        if !self.store.update(&next).map_err(store_failure)? {
            return Err(ToolFailure::new(
                FailureKind::InternalError,
                "the execution journal entry was taken over by another runner; this one stops",
            ));
        }
        next.version = next.version.saturating_add(1);
        self.operation = next;
        Ok(())
    }

    /// Marks a step as on its way (before its request is sent).
    pub(super) fn sending(&mut self, step: &str) -> Result<(), ToolFailure> {
        let mut progress = self.progress();
        progress.sending = Some(step.to_string());
        self.record(&progress, &format!("sending step `{step}`"))
    }

    /// Records a step's answer. A failure here is only logged: the step was already done and
    /// the execution goes on; a resume would settle the step by read-back or token.
    pub(super) fn done(&mut self, step: &str, outcome: &ExecOutcome) {
        let mut progress = self.progress();
        progress.done.push(DoneStep::of(step, outcome));
        progress.sending = None;
        if let Err(failure) = self.record(&progress, &format!("step `{step}` done")) {
            tracing::warn!(error = %failure.message, step, "could not journal a step's answer");
        }
    }

    /// Ends the entry: the execution is recorded (or failed, or handed back to the agent).
    pub(super) fn finish(mut self, status: OpStatus, message: &str, report: Value) {
        let now = now_ms();
        self.operation.status = status;
        self.operation.message = message.to_string();
        self.operation.report = Some(report);
        self.operation.updated_ms = now;
        self.operation.lease_holder = None;
        self.operation.lease_until_ms = 0;
        match self.store.update(&self.operation) {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(id = %self.operation.id, "journal entry changed by another runner")
            }
            Err(error) => {
                tracing::warn!(%error, id = %self.operation.id, "could not end a journal entry")
            }
        }
    }

    /// The plan and the confirming caller an entry was written for.
    pub(super) fn subject(&self) -> Option<(Plan, Owner)> {
        let plan = serde_json::from_value(self.operation.subject.get("plan")?.clone()).ok()?;
        let caller = serde_json::from_value(self.operation.subject.get("caller")?.clone()).ok()?;
        Some((plan, caller))
    }
}

/// Marks a plan as executing in this process until dropped.
pub(super) struct Executing {
    plans: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    plan_id: String,
}

impl Drop for Executing {
    fn drop(&mut self) {
        self.plans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.plan_id);
    }
}

impl super::Engine {
    /// Writes the journal entry of a confirmed plan (fail closed: no entry, no execution).
    pub(super) fn journal_entry(
        &self,
        caller: &Owner,
        plan: &Plan,
    ) -> Result<Entry<'_>, ToolFailure> {
        Entry::begin(
            self.operations.store.as_ref(),
            &self.operations.settings.holder,
            self.operations.lease(LEASE),
            caller,
            plan,
        )
    }

    pub(super) fn executing(&self, plan_id: &str) -> Executing {
        self.executing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(plan_id.to_string());
        Executing {
            plans: std::sync::Arc::clone(&self.executing),
            plan_id: plan_id.to_string(),
        }
    }

    pub(super) fn is_executing(&self, plan_id: &str) -> bool {
        self.executing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(plan_id)
    }

    /// The test hook: stops here, for good, when `SKILLGATE_TEST_PAUSE_AT` names this point.
    pub(super) async fn pause(&self, point: PausePoint) {
        if self.settings.pause_at == Some(point) {
            eprintln!(
                "skillgate: paused at {} (SKILLGATE_TEST_PAUSE_AT)",
                point.as_str()
            );
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_points_round_trip() {
        for point in [
            PausePoint::AfterTake,
            PausePoint::AfterSend,
            PausePoint::BeforeRecord,
        ] {
            assert_eq!(PausePoint::parse(point.as_str()), Some(point));
        }
        assert_eq!(PausePoint::parse("later"), None);
    }

    #[test]
    fn a_done_step_keeps_how_it_was_done() {
        let response = ProviderResponse {
            status: 200,
            request_id: Some("r-1".into()),
            body: json!({"QuotaId": "q-1"}),
        };
        let recovered = ExecOutcome::Recovered {
            response: response.clone(),
            how: "read back by name".into(),
        };
        let stored = DoneStep::of("main", &recovered);
        let text = serde_json::to_string(&stored).unwrap();
        let back: DoneStep = serde_json::from_str(&text).unwrap();
        assert_eq!(back.outcome(), recovered);
        assert_eq!(
            DoneStep::of("main", &ExecOutcome::Executed(response.clone())).outcome(),
            ExecOutcome::Executed(response)
        );
    }
}
