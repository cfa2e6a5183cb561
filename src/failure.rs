//! The one failure type every layer reports: a kind from a closed list, a message that says what was
//! wrong and what is allowed, structured details, and a hint for the next step.
//!
//! It lives below the engine and the toolsets (both use it, neither owns it), and the README's list
//! of error types is generated from [`FailureKind::ALL`], so the documented list cannot drift.

use std::fmt;

use serde_json::{Value, json};

use crate::audit::AuditWriteError;
use crate::catalog::ArgumentError;
use crate::gate::GateRefusal;
use crate::providers::error::{ErrorKind, ProviderError};

/// Declares the kinds once: the variant, its wire name and what it means.
macro_rules! failure_kinds {
    ($($variant:ident => $name:literal: $meaning:literal,)*) => {
        /// What kind of refusal or failure a tool result reports (`structuredContent.error.type`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FailureKind {
            $(#[doc = $meaning] $variant,)*
        }

        impl FailureKind {
            /// Every kind, in documentation order.
            pub const ALL: &'static [FailureKind] = &[$(FailureKind::$variant,)*];

            /// The snake_case name agents see.
            pub fn as_str(self) -> &'static str {
                match self { $(FailureKind::$variant => $name,)* }
            }

            /// One sentence for the README.
            pub fn meaning(self) -> &'static str {
                match self { $(FailureKind::$variant => $meaning,)* }
            }
        }
    };
}

failure_kinds! {
    ValidationError => "validation_error": "An argument is missing, has the wrong type or is out of range.",
    InvalidEnum => "invalid_enum": "A value is not one of the allowed values (all of them are listed).",
    NotFound => "not_found": "The resource (or tool) does not exist.",
    AmbiguousMatch => "ambiguous_match": "A name matched several resources; every candidate is listed and none is guessed.",
    HomogeneityViolation => "homogeneity_violation": "Resources that must agree (type, cluster, GPU, network) do not.",
    NodespecUnavailable => "nodespec_unavailable": "The requested node specs are not available where asked.",
    CapacityExceeded => "capacity_exceeded": "The change needs more capacity than is free.",
    OutOfStock => "out_of_stock": "The instance type is sold out where asked; the alternatives tried (same product) are listed.",
    ProductLocked => "product_locked": "The session is locked to another product (the user named it); nothing was planned.",
    ScriptNotFound => "script_not_found": "The script path does not exist or is empty; no replacement is invented.",
    ScriptIncomplete => "script_incomplete": "The script has no executable logic (only comments, pass or TODO).",
    ImmutableField => "immutable_field": "The field cannot be changed after creation.",
    InUse => "in_use": "The resource is still in use (children, bindings, workloads).",
    NotCreatedBySkillgate => "not_created_by_skillgate": "A cleanup named a resource this server did not create (no `skillgate.plan` tag); nothing is deleted.",
    PermissionDenied => "permission_denied": "The identity lacks a permission; the hint names the action to grant.",
    ReadOnly => "read_only": "The server runs with --read-only (or the tool is excluded).",
    ConfirmationMismatch => "confirmation_mismatch": "The phrase was not the exact phrase; the plan is cancelled.",
    ConfirmationExpired => "confirmation_expired": "The plan expired before it was confirmed.",
    PlanNotFound => "plan_not_found": "No such plan for this caller.",
    PlanNotPending => "plan_not_pending": "The plan was already executed, cancelled or replaced.",
    StalePlan => "stale_plan": "The live state changed since the plan; plan again.",
    ConfirmationUnavailable => "confirmation_unavailable": "`--confirm elicit` and the client cannot show a confirmation form.",
    ConfirmationDeclined => "confirmation_declined": "The human declined or cancelled the confirmation.",
    ConfirmationHumanOnly => "confirmation_human_only": "The plan is confirmed by the human in the client's form, not with `confirm`.",
    ConfirmationStateInvalid => "confirmation_state_invalid": "A sealed confirmation state was altered, expired or replayed.",
    Throttled => "throttled": "The provider throttled the call; calling again later is safe.",
    Timeout => "timeout": "The provider did not answer in time.",
    ProviderUnavailable => "provider_unavailable": "The provider failed or could not be reached.",
    ApiError => "api_error": "The provider refused the request itself.",
    AuthError => "auth_error": "The credentials or the signature were rejected.",
    ConfigError => "config_error": "skillgate is not configured for this call (credentials, catalog).",
    AuditUnavailable => "audit_unavailable": "The audit log cannot be written, so no change is planned or executed (reads still work); nothing was sent.",
    StateUnavailable => "state_unavailable": "The state store (Redis under `--state redis://...`) cannot be reached, so no change is planned, confirmed or cancelled (reads still work); nothing was sent.",
    InternalError => "internal_error": "skillgate itself failed; nothing was changed.",
}

impl FailureKind {
    /// Failures that come from the provider or its reachability rather than from the state: they
    /// say nothing about whether a plan is still right, so a confirmed plan stays pending.
    pub fn is_provider_fault(self) -> bool {
        matches!(
            self,
            Self::PermissionDenied
                | Self::Throttled
                | Self::Timeout
                | Self::ProviderUnavailable
                | Self::AuthError
        )
    }

    /// Failures the provider answered before doing anything, so sending again is safe.
    pub fn refused_before_acting(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::PermissionDenied | Self::AuthError
        )
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal or failure that becomes an `isError` tool result.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// One line: what was wrong.
    pub message: String,
    /// Structured findings (candidates, per-group values, tables).
    pub details: Value,
    /// What to do next.
    pub hint: Option<String>,
    /// True when the same call may succeed later unchanged.
    pub retryable: bool,
    /// True when the provider behind this answer is the built-in emulator.
    pub emulator: bool,
}

impl ToolFailure {
    /// A failure with no details.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            details: Value::Null,
            hint: None,
            retryable: false,
            emulator: false,
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Adds a next-step hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Appends to the hint (`first; second`), keeping what was there.
    pub fn add_hint(self, more: impl Into<String>) -> Self {
        let more = more.into();
        match self.hint.clone() {
            Some(first) => self.with_hint(format!("{first}; {more}")),
            None => self.with_hint(more),
        }
    }

    /// `kind: message`, as the audit log records a refusal.
    pub fn reason(&self) -> String {
        format!("{}: {}", self.kind, self.message)
    }

    /// The text shown to the model: summary, then the hint.
    pub fn text(&self) -> String {
        let mut text = self.reason();
        if let Some(hint) = &self.hint {
            text.push_str("\nhint: ");
            text.push_str(hint);
        }
        text
    }

    /// The `structuredContent` of the error result.
    pub fn structured(&self) -> Value {
        json!({"emulator": self.emulator, "error": {
            "type": self.kind.as_str(),
            "message": self.message,
            "details": self.details,
            "user_action": self.hint,
            "retryable": self.retryable,
        }})
    }
}

impl From<ArgumentError> for ToolFailure {
    fn from(error: ArgumentError) -> Self {
        let kind = if error.invalid_enum {
            FailureKind::InvalidEnum
        } else {
            FailureKind::ValidationError
        };
        ToolFailure::new(kind, error.to_string())
            .with_details(json!({"field": error.field}))
            .with_hint("fix the argument and call again; nothing was planned or changed")
    }
}

impl From<GateRefusal> for ToolFailure {
    fn from(refusal: GateRefusal) -> Self {
        let kind = match &refusal {
            GateRefusal::UnknownPlan { .. } => FailureKind::PlanNotFound,
            GateRefusal::Finished { .. } => FailureKind::PlanNotPending,
            GateRefusal::Expired { .. } => FailureKind::ConfirmationExpired,
            GateRefusal::WrongPhrase { .. } => FailureKind::ConfirmationMismatch,
            GateRefusal::HumanOnly { .. } => FailureKind::ConfirmationHumanOnly,
            GateRefusal::StateUnavailable(_) => FailureKind::StateUnavailable,
        };
        let failure = ToolFailure::new(kind, refusal.to_string());
        if kind == FailureKind::StateUnavailable {
            return failure.with_hint(STATE_HINT);
        }
        failure
    }
}

/// What to do about a state store that does not answer.
const STATE_HINT: &str = "the shared state store is not answering; call again once it is back (a confirmed plan is never run twice); reads still work";

impl From<crate::state::StateUnavailable> for ToolFailure {
    fn from(error: crate::state::StateUnavailable) -> Self {
        ToolFailure::new(
            FailureKind::StateUnavailable,
            format!("{error}; nothing was done"),
        )
        .with_hint(STATE_HINT)
    }
}

impl From<AuditWriteError> for ToolFailure {
    fn from(error: AuditWriteError) -> Self {
        ToolFailure::new(
            FailureKind::AuditUnavailable,
            format!(
                "{error}; a change is never made without its audit record, so nothing was sent"
            ),
        )
        .with_hint(
            "free space on (or fix) the audit log's file system, then call again; reads still work",
        )
    }
}

impl From<ProviderError> for ToolFailure {
    fn from(error: ProviderError) -> Self {
        let kind = match error.kind {
            ErrorKind::NotFound => FailureKind::NotFound,
            ErrorKind::PermissionDenied => FailureKind::PermissionDenied,
            ErrorKind::Throttled => FailureKind::Throttled,
            ErrorKind::Timeout => FailureKind::Timeout,
            ErrorKind::InvalidRequest | ErrorKind::Conflict => FailureKind::ApiError,
            ErrorKind::Auth => FailureKind::AuthError,
            ErrorKind::Upstream | ErrorKind::Transport => FailureKind::ProviderUnavailable,
            ErrorKind::NotConfigured => FailureKind::ConfigError,
        };
        let hint = match error.kind {
            // The provider knows its permission model and names what to grant.
            ErrorKind::PermissionDenied => error.hint.clone().or_else(|| {
                Some(format!(
                    "grant the permission for `{}` to this identity, then call again; this is not retried",
                    error.action
                ))
            }),
            ErrorKind::Auth => {
                Some("check the configured credentials (see `skillgate status`)".to_string())
            }
            _ if error.retryable() => {
                Some("a passing fault; calling again later is safe".to_string())
            }
            _ => None,
        };
        let mut failure = ToolFailure::new(kind, error.to_string()).with_details(json!({
            "action": error.action,
            "http_status": error.http_status,
            "code": error.code,
            "request_id": error.request_id,
        }));
        failure.retryable = error.retryable();
        failure.hint = hint;
        failure
    }
}

/// The README's list of error types, generated from [`FailureKind::ALL`].
pub fn error_reference() -> String {
    let mut out = String::from("| type | meaning |\n|---|---|\n");
    for kind in FailureKind::ALL {
        out.push_str(&format!("| `{}` | {} |\n", kind.as_str(), kind.meaning()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_snake_case_names() {
        let mut seen = std::collections::HashSet::new();
        for kind in FailureKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind} twice");
            assert!(
                kind.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }

    #[test]
    fn a_permission_failure_carries_the_providers_hint() {
        let mut error = ProviderError::local(
            ErrorKind::PermissionDenied,
            "alibaba",
            "CreateQuota",
            "denied",
        );
        error.hint = Some("grant `pai:CreateQuota`".into());
        let failure = ToolFailure::from(error);
        assert_eq!(failure.kind, FailureKind::PermissionDenied);
        assert_eq!(failure.hint.as_deref(), Some("grant `pai:CreateQuota`"));
    }
}
