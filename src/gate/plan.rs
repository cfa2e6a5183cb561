//! What a plan holds and how it is shown.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::providers::{ProviderRequest, RetryMode};

/// Who may confirm a plan: the session that made it, or (for sessionless 2026 requests and
/// stdio) the principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The authenticated principal (`local` on stdio and unauthenticated loopback).
    pub principal: String,
    /// The MCP session, when the transport has one.
    pub session: Option<String>,
}

impl Owner {
    /// Same principal, and same session whenever the plan was made inside one.
    pub fn matches(&self, caller: &Owner) -> bool {
        self.principal == caller.principal
            && match &self.session {
                Some(session) => caller.session.as_ref() == Some(session),
                None => true,
            }
    }
}

/// One prerequisite the server verified, with what it found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Short name, e.g. `node_specs_bindable`.
    pub check: String,
    /// `ok`, `warning` or `force_required`.
    pub result: String,
    /// What was found.
    pub detail: Value,
}

impl Check {
    /// A passed check.
    pub fn ok(check: &str, detail: Value) -> Self {
        Self {
            check: check.into(),
            result: "ok".into(),
            detail,
        }
    }

    /// A finding the human should see before confirming.
    pub fn warning(check: &str, detail: Value) -> Self {
        Self {
            check: check.into(),
            result: "warning".into(),
            detail,
        }
    }
}

/// One step of a plan: a request frozen at planning time, sent in order after confirmation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Step id (`main` for the tool's own call); later steps refer to its results as
    /// `{step.<id>.<dot.path>}`.
    pub id: String,
    /// The request. Values holding `{step.<id>.<path>}` are filled from earlier steps' answers
    /// when the step is sent, and previewed as they stand.
    pub request: ProviderRequest,
    /// How eagerly it may be resent.
    pub retry: RetryMode,
    /// The executor that sends it, when a plain call is not enough.
    pub executor: Option<String>,
    /// Derived from the plan id and the step id; sent where the API takes one.
    pub idempotency_token: String,
    /// The provenance tag value (the plan id) when the API takes tags.
    pub provenance: Option<String>,
    /// The request that undoes this step if a later one fails.
    pub rollback: Option<ProviderRequest>,
}

/// A stored plan: the exact requests to send, frozen at planning time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// Unguessable id.
    pub id: String,
    /// Who may confirm it.
    pub owner: Owner,
    /// The tool that made it.
    pub tool: String,
    /// Its toolset.
    pub toolset: String,
    /// One open plan per target.
    pub target: String,
    /// One line for the human.
    pub summary: String,
    /// The phrase that confirms it.
    pub confirm_phrase: String,
    /// The phrase a non-forced plan of this tool would have needed (to explain FORCE refusals).
    pub plain_phrase: String,
    /// True when a guard found the change forceful (below usage).
    pub forced: bool,
    /// The user's own words waiving the confirmation (recorded by a guard from the tool's explicit
    /// waiver argument): the plan still needs its phrase, which says so; the estimate is still
    /// shown. None when no waiver was given, or when a human channel ignored it.
    #[serde(default)]
    pub waiver: Option<String>,
    /// True when the human confirms it in the client's own form (elicitation): the `confirm` tool,
    /// which the model calls, may not confirm it, and the phrase is never shown to the model.
    #[serde(default)]
    pub human_only: bool,
    /// Validated, resolved arguments.
    pub arguments: serde_json::Map<String, Value>,
    /// Digest of the arguments as the caller gave them (for the audit log).
    pub arguments_digest: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// True after an attempt whose outcome is unknown (the answer was lost and could not be
    /// checked): the next confirmation reads back before it re-checks or sends anything.
    #[serde(default)]
    pub outcome_unknown: bool,
    /// Their masked previews.
    pub dry_run: Vec<Value>,
    /// What was verified.
    pub checks: Vec<Check>,
    /// Current vs target.
    pub diff: Value,
    /// Digest of the state the plan was made against; a confirm re-checks it.
    pub state_digest: String,
    /// When it was made.
    pub created_at: SystemTime,
    /// When it stops being valid.
    pub expires_at: SystemTime,
}

/// The plan as the agent and the human see it.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView<'a> {
    status: &'static str,
    plan_id: &'a str,
    tool: &'a str,
    summary: &'a str,
    target: &'a str,
    confirm_phrase: &'a str,
    dry_run: &'a [Value],
    checks: &'a [Check],
    diff: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<&'a str>,
    expires_at: String,
    next_step: String,
}

impl Plan {
    /// The structured result of a planning call.
    pub fn view(&self) -> PlanView<'_> {
        PlanView {
            status: "confirmation_required",
            plan_id: &self.id,
            tool: &self.tool,
            summary: &self.summary,
            target: &self.target,
            confirm_phrase: &self.confirm_phrase,
            dry_run: &self.dry_run,
            checks: &self.checks,
            diff: &self.diff,
            waiver: self.waiver.as_deref(),
            expires_at: rfc3339(self.expires_at),
            next_step: match &self.waiver {
                None => format!(
                    "Nothing has changed. Show this plan to the user and wait for them to type `{}` in their own message; then call `confirm` with plan_id and that exact phrase. Any other reply: call `cancel`.",
                    self.confirm_phrase
                ),
                Some(_) => format!(
                    "Nothing has changed. The user waived the confirmation in this conversation (recorded in the plan and the audit log): show them this plan and its estimate for the record, then call `confirm` with plan_id and `{}`. If they object, call `cancel`.",
                    self.confirm_phrase
                ),
            },
        }
    }

    /// The compact form `list_plans` shows. A plan the human confirms in the client's form keeps
    /// its phrase to itself.
    pub fn listing(&self) -> Value {
        json!({
            "plan_id": self.id,
            "tool": self.tool,
            "summary": self.summary,
            "target": self.target,
            "confirm_phrase": if self.human_only { Value::Null } else { json!(self.confirm_phrase) },
            "confirmed_by": if self.human_only { "the user, in the client's confirmation form" } else { "the confirm tool" },
            "expires_at": rfc3339(self.expires_at),
        })
    }
}

/// A new unguessable plan id: 128 random bits.
pub fn new_plan_id() -> String {
    format!("plan-{}", uuid::Uuid::new_v4().simple())
}

/// Formats a time as RFC 3339 UTC, second precision.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
