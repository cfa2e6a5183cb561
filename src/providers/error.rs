//! One error type for every provider call, classified so callers can decide what to
//! do (retry, ask for permissions, report a missing resource) without knowing each
//! cloud's error codes.

use std::fmt;

/// What went wrong, in terms a workflow can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request itself is wrong (bad parameter, unsupported value); retrying won't help.
    InvalidRequest,
    /// The credentials or the signature were rejected.
    Auth,
    /// The credentials are valid but lack a permission (RAM policy).
    PermissionDenied,
    /// The resource or API does not exist.
    NotFound,
    /// The resource is in a state that does not allow the operation.
    Conflict,
    /// Flow control; worth retrying after a pause.
    Throttled,
    /// The service failed (5xx).
    Upstream,
    /// No usable HTTP exchange (DNS, connect, TLS, reset).
    Transport,
    /// The call did not complete within the configured time.
    Timeout,
    /// skillgate has no configured client for the provider (no credentials, or a provider that
    /// is off, like the documentation search without `--enable-doc-search`): nothing was sent.
    NotConfigured,
}

impl ErrorKind {
    /// Lower-case name used in summaries and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Auth => "auth",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Throttled => "throttled",
            Self::Upstream => "upstream",
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::NotConfigured => "not_configured",
        }
    }

    /// Whether the same request may succeed if sent again later. Whether it is *safe*
    /// to resend is a separate question the caller answers (see the client's retry modes).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::Upstream | Self::Transport | Self::Timeout
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed provider call. Never carries credentials: messages come from the provider's
/// error body (scrubbed by the client) or from our own fixed wording.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ProviderError {
    /// The classification.
    pub kind: ErrorKind,
    /// `"alibaba"`, …
    pub provider: &'static str,
    /// The API action, e.g. `CreateQuota`.
    pub action: String,
    /// The HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// The provider's error code, e.g. `Forbidden.RAM`.
    pub code: Option<String>,
    /// The provider's request id, for support tickets.
    pub request_id: Option<String>,
    /// A human-readable, single-line explanation.
    pub message: String,
    /// What the caller can do about it, from the provider that knows (e.g. the RAM action to
    /// grant for a permission denial).
    pub hint: Option<String>,
}

impl ProviderError {
    /// An error with no HTTP response behind it (transport, timeout, local validation).
    pub fn local(
        kind: ErrorKind,
        provider: &'static str,
        action: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            provider,
            action: action.into(),
            http_status: None,
            code: None,
            request_id: None,
            message: single_line(&message.into()),
            hint: None,
        }
    }

    /// An error built from a provider's HTTP error response, classified by the provider.
    #[allow(clippy::too_many_arguments)]
    pub fn from_response(
        kind: ErrorKind,
        provider: &'static str,
        action: impl Into<String>,
        http_status: u16,
        code: Option<String>,
        request_id: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            provider,
            action: action.into(),
            http_status: Some(http_status),
            code,
            request_id,
            message: single_line(&message.into()),
            hint: None,
        }
    }

    /// True when the request may have been processed although no answer says so (a 5xx, a
    /// timeout, a broken connection): a non-idempotent caller must look before sending again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Upstream | ErrorKind::Timeout | ErrorKind::Transport
        )
    }

    /// Whether the same request may succeed later; see [`ErrorKind::retryable`].
    pub fn retryable(&self) -> bool {
        self.kind.retryable()
    }

    /// `CreateQuota failed: <message> (provider code: X, request id: Y)`, one line.
    pub fn summary(&self) -> String {
        let mut details = Vec::new();
        if let Some(code) = &self.code {
            details.push(format!("provider code: {code}"));
        }
        if let Some(request_id) = &self.request_id {
            details.push(format!("request id: {request_id}"));
        }
        let mut out = format!("{} failed: {}", self.action, self.message);
        if !details.is_empty() {
            out.push_str(&format!(" ({})", details.join(", ")));
        }
        out
    }
}

/// Collapses newlines so summaries stay one line in logs and tool results.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        assert!(ErrorKind::Throttled.retryable());
        assert!(ErrorKind::Upstream.retryable());
        assert!(ErrorKind::Transport.retryable());
        assert!(ErrorKind::Timeout.retryable());
        assert!(!ErrorKind::PermissionDenied.retryable());
        assert!(!ErrorKind::Auth.retryable());
        assert!(!ErrorKind::NotFound.retryable());
        assert!(!ErrorKind::InvalidRequest.retryable());
    }

    #[test]
    fn summary_is_one_line_with_code_and_request_id() {
        let error = ProviderError::from_response(
            ErrorKind::PermissionDenied,
            "alibaba",
            "CreateQuota",
            403,
            Some("Forbidden.RAM".to_owned()),
            Some("REQ-1".to_owned()),
            "User not authorized\nto operate.",
        );
        assert_eq!(
            error.to_string(),
            "CreateQuota failed: User not authorized to operate. (provider code: Forbidden.RAM, request id: REQ-1)"
        );
        assert!(!error.retryable());
        let local = ProviderError::local(ErrorKind::Timeout, "alibaba", "GetQuota", "timed out");
        assert_eq!(local.to_string(), "GetQuota failed: timed out");
        assert!(local.retryable());
    }
}
