//! Every audit record the engine writes is built here, so the log's shape is decided in one
//! place and no decision is recorded with a hand-written literal.

use serde_json::{Map, Value};

use super::Engine;
use crate::audit::{AuditEvent, AuditWriteError};
use crate::failure::ToolFailure;
use crate::gate::{Owner, Plan, Restored};

/// The decisions the log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A plan was made.
    Planned,
    /// A newer plan for the same resource replaced this one.
    Replaced,
    /// A call or a confirmation was refused; nothing changed.
    Refused,
    /// The phrase matched; execution starts.
    Confirmed,
    /// The change was made.
    Executed,
    /// Execution failed.
    Failed,
    /// The plan was cancelled.
    Cancelled,
}

impl Decision {
    /// The word in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Replaced => "replaced",
            Self::Refused => "refused",
            Self::Confirmed => "confirmed",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Builds records for one caller.
#[derive(Clone, Copy, Debug)]
pub struct Events<'a> {
    /// Who.
    pub caller: &'a Owner,
    /// Whether the providers are the emulator.
    pub emulator: bool,
}

impl Events<'_> {
    fn base(&self, tool: &str, decision: Decision) -> AuditEvent {
        AuditEvent {
            principal: self.caller.principal.clone(),
            session: self.caller.session.clone(),
            tool: tool.to_owned(),
            decision: decision.as_str().to_owned(),
            emulator: self.emulator,
            ..AuditEvent::default()
        }
    }

    /// `planned`.
    pub fn planned(&self, plan: &Plan) -> AuditEvent {
        AuditEvent {
            arguments_digest: Some(plan.arguments_digest.clone()),
            plan_id: Some(plan.id.clone()),
            target: Some(plan.target.clone()),
            reason: match (&plan.waiver, plan.forced) {
                (Some(words), _) => Some(format!("confirmation waived by the user: {words}")),
                (None, true) => Some("force phrase required".to_string()),
                (None, false) => None,
            },
            ..self.base(&plan.tool, Decision::Planned)
        }
    }

    /// `replaced`: the older plan `plan_id` of `tool` gave way to a newer one.
    pub fn replaced(&self, tool: &str, plan_id: &str, why: &str) -> AuditEvent {
        AuditEvent {
            plan_id: Some(plan_id.to_owned()),
            reason: Some(why.to_owned()),
            ..self.base(tool, Decision::Replaced)
        }
    }

    /// `refused`, for a call (with its argument digest) or a confirmation (with the plan id).
    pub fn refused(
        &self,
        tool: &str,
        digest: Option<String>,
        plan_id: Option<String>,
        failure: &ToolFailure,
    ) -> AuditEvent {
        AuditEvent {
            arguments_digest: digest,
            plan_id,
            reason: Some(failure.reason()),
            ..self.base(tool, Decision::Refused)
        }
    }

    /// `cancelled`, for a long operation the caller stopped following (`cancel {op-...}`).
    pub fn operation_cancelled(
        &self,
        tool: &str,
        plan_id: Option<String>,
        operation_id: &str,
    ) -> AuditEvent {
        AuditEvent {
            plan_id,
            reason: Some(format!(
                "operation `{operation_id}` cancelled by the caller"
            )),
            ..self.base(tool, Decision::Cancelled)
        }
    }

    /// A decision about a stored plan, recorded under the gate tool that made it.
    pub fn about(&self, gate_tool: &str, plan: &Plan, decision: Decision) -> AuditEvent {
        AuditEvent {
            plan_tool: Some(plan.tool.clone()),
            arguments_digest: Some(plan.arguments_digest.clone()),
            plan_id: Some(plan.id.clone()),
            target: Some(plan.target.clone()),
            reason: plan
                .waiver
                .as_ref()
                .map(|words| format!("confirmation waived by the user: {words}")),
            ..self.base(gate_tool, decision)
        }
    }

    /// `refused` or `failed` for a confirmed plan.
    pub fn plan_failure(
        &self,
        plan: &Plan,
        decision: Decision,
        failure: &ToolFailure,
    ) -> AuditEvent {
        AuditEvent {
            reason: Some(failure.reason()),
            ..self.about("confirm", plan, decision)
        }
    }

    /// `executed`, with the request ids, the projected result and how a lost answer was
    /// recovered, if it was.
    pub fn executed(
        &self,
        plan: &Plan,
        request_ids: Vec<String>,
        result: &Map<String, Value>,
        recovery: Option<String>,
    ) -> AuditEvent {
        AuditEvent {
            request_ids,
            outcome: Value::Object(result.clone()),
            reason: recovery,
            ..self.about("confirm", plan, Decision::Executed)
        }
    }
}

impl Engine {
    /// A confirmation whose record could not be written: nothing is sent, and the plan goes back
    /// to the store (it was not used), so it can be confirmed once the log is writable again.
    pub(super) fn unrecorded_confirmation(
        &self,
        caller: &Owner,
        plan: Plan,
        error: AuditWriteError,
    ) -> ToolFailure {
        // Best effort: the log that just failed will most likely refuse this line too.
        self.unused_confirmation(caller, plan, ToolFailure::from(error), "the audit log")
    }

    /// A confirmation whose execution journal entry could not be written: nothing is sent and
    /// the plan goes back to the store, as for an unwritable audit log.
    pub(super) fn unjournaled_confirmation(
        &self,
        caller: &Owner,
        plan: Plan,
        failure: ToolFailure,
    ) -> ToolFailure {
        self.unused_confirmation(caller, plan, failure, "the execution journal")
    }

    fn unused_confirmation(
        &self,
        caller: &Owner,
        plan: Plan,
        failure: ToolFailure,
        what: &str,
    ) -> ToolFailure {
        self.audit.record(
            self.events(caller)
                .plan_failure(&plan, Decision::Refused, &failure),
        );
        let (id, expires) = (plan.id.clone(), crate::gate::rfc3339(plan.expires_at));
        match self.gate.restore(plan) {
            Ok(Restored::Pending) => failure.add_hint(format!(
                "plan `{id}` was not used and stays pending until {expires}: confirm it again once {what} can be written"
            )),
            Ok(Restored::Superseded { by }) => failure.add_hint(format!(
                "plan `{id}` was superseded by the newer plan `{by}` for the same resource"
            )),
            Err(refusal) => failure.add_hint(format!(
                "plan `{id}` was not used but could not be kept ({refusal}): plan again"
            )),
        }
    }
}
