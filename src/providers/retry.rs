//! When a failed attempt may be sent again, and how long to wait first.

use std::time::Duration;

/// First backoff step.
pub const BASE_BACKOFF: Duration = Duration::from_millis(200);
/// Longest wait between attempts, also for a server-requested `x-acs-retry-after`.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How eagerly a call may be repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryMode {
    /// Reads and idempotent writes (update/scale to a target, delete): sending twice
    /// has the same effect as once, so throttling, 5xx, transport errors and timeouts
    /// are retried.
    Safe,
    /// Non-idempotent creates. PAI has no `ClientToken`, so a create whose response was
    /// lost (5xx, timeout, reset after sending) may already have happened, and a blind
    /// retry could create a second quota. Only failures that prove the request was not
    /// processed are retried: a 4xx throttling rejection or a connection that was never
    /// established. Everything else goes back to the caller, whose workflow checks
    /// whether the resource exists before trying again.
    NotAfterSend,
}

impl RetryMode {
    /// Whether a failed attempt may be sent again in this mode (attempt limits aside):
    /// `retryable` is the error kind's own answer, `not_processed` whether the request provably
    /// never reached the service's logic.
    pub fn allows_retry(self, retryable: bool, not_processed: bool) -> bool {
        match self {
            Self::Safe => retryable,
            Self::NotAfterSend => not_processed,
        }
    }
}

/// The wait after failed attempt number `attempt` (1-based): the server's
/// `retry_after` if it sent one, else 200 ms doubling per attempt; capped at 5 s.
///
/// No jitter: one MCP server talks to one account, so there is no herd to spread.
pub fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    let wait = retry_after.unwrap_or_else(|| {
        let doublings = attempt.saturating_sub(1).min(16);
        BASE_BACKOFF.saturating_mul(1_u32 << doublings)
    });
    wait.min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::error::ErrorKind;

    fn failure(kind: ErrorKind, not_processed: bool) -> (bool, bool) {
        (kind.retryable(), not_processed)
    }

    impl RetryMode {
        fn allows(self, (retryable, not_processed): (bool, bool)) -> bool {
            self.allows_retry(retryable, not_processed)
        }
    }

    #[test]
    fn backoff_doubles_from_200ms_honours_retry_after_and_caps_at_5s() {
        assert_eq!(backoff(1, None), Duration::from_millis(200));
        assert_eq!(backoff(2, None), Duration::from_millis(400));
        assert_eq!(backoff(3, None), Duration::from_millis(800));
        assert_eq!(backoff(6, None), Duration::from_secs(5));
        assert_eq!(backoff(60, None), Duration::from_secs(5));
        assert_eq!(
            backoff(1, Some(Duration::from_millis(30))),
            Duration::from_millis(30)
        );
        assert_eq!(
            backoff(1, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn safe_mode_retries_transient_kinds_only() {
        for kind in [
            ErrorKind::Throttled,
            ErrorKind::Upstream,
            ErrorKind::Transport,
            ErrorKind::Timeout,
        ] {
            assert!(RetryMode::Safe.allows(failure(kind, false)), "{kind}");
        }
        for kind in [
            ErrorKind::PermissionDenied,
            ErrorKind::Auth,
            ErrorKind::NotFound,
            ErrorKind::InvalidRequest,
            ErrorKind::Conflict,
        ] {
            assert!(!RetryMode::Safe.allows(failure(kind, false)), "{kind}");
        }
    }

    #[test]
    fn not_after_send_retries_only_proven_unprocessed_failures() {
        assert!(!RetryMode::NotAfterSend.allows(failure(ErrorKind::Upstream, false)));
        assert!(!RetryMode::NotAfterSend.allows(failure(ErrorKind::Timeout, false)));
        assert!(RetryMode::NotAfterSend.allows(failure(ErrorKind::Throttled, true)));
        assert!(RetryMode::NotAfterSend.allows(failure(ErrorKind::Transport, true)));
    }
}
