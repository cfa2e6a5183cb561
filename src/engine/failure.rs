//! The one error type tools report. What the agent can act on: a kind from a closed list, a message
//! that says what was wrong and what is allowed, details, and a hint for the next step.

use serde_json::{Value, json};

use crate::catalog::ArgumentError;
use crate::gate::GateRefusal;
use crate::providers::error::{ErrorKind, ProviderError};

/// A refusal or failure that becomes an `isError` tool result.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolFailure {
    /// One of the kinds listed in the README (`validation_error`, `not_found`, ...).
    pub kind: &'static str,
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
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
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

    /// The text shown to the model: summary, then the hint.
    pub fn text(&self) -> String {
        let mut text = format!("{}: {}", self.kind, self.message);
        if let Some(hint) = &self.hint {
            text.push_str("\nhint: ");
            text.push_str(hint);
        }
        text
    }

    /// The `structuredContent` of the error result.
    pub fn structured(&self) -> Value {
        json!({"emulator": self.emulator, "error": {
            "type": self.kind,
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
            "invalid_enum"
        } else {
            "validation_error"
        };
        ToolFailure::new(kind, error.to_string())
            .with_details(json!({"field": error.field}))
            .with_hint("fix the argument and call again; nothing was planned or changed")
    }
}

impl From<GateRefusal> for ToolFailure {
    fn from(refusal: GateRefusal) -> Self {
        let kind = match &refusal {
            GateRefusal::UnknownPlan { .. } => "plan_not_found",
            GateRefusal::Finished { .. } => "plan_not_pending",
            GateRefusal::Expired { .. } => "confirmation_expired",
            GateRefusal::WrongPhrase { .. } => "confirmation_mismatch",
            GateRefusal::HumanOnly { .. } => "confirmation_human_only",
        };
        ToolFailure::new(kind, refusal.to_string())
    }
}

impl From<ProviderError> for ToolFailure {
    fn from(error: ProviderError) -> Self {
        let kind = match error.kind {
            ErrorKind::NotFound => "not_found",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::InvalidRequest | ErrorKind::Conflict => "api_error",
            ErrorKind::Auth => "auth_error",
            ErrorKind::Upstream | ErrorKind::Transport => "provider_unavailable",
        };
        let hint = match error.kind {
            ErrorKind::PermissionDenied => Some(format!(
                "grant the RAM action `{}` to this identity (no wildcards), then call again; this is not retried",
                ram_action(&error)
            )),
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

/// The RAM action to grant for a permission error: `<product>:<Action>`, the form the skill's
/// RAM policy map uses.
fn ram_action(error: &ProviderError) -> String {
    const WORKSPACE_ACTIONS: [&str; 6] = [
        "ListWorkspaces",
        "GetWorkspace",
        "ListResources",
        "CreateWorkspaceResource",
        "DeleteWorkspaceResource",
        "UpdateWorkspaceResource",
    ];
    let product = if WORKSPACE_ACTIONS.contains(&error.action.as_str()) {
        "aiworkspace"
    } else {
        "pai"
    };
    format!("{product}:{}", error.action)
}
