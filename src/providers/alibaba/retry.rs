//! One failed Alibaba attempt, with what the retry decision needs beyond the error itself.

use std::time::Duration;

use crate::providers::error::ProviderError;
use crate::providers::retry::RetryMode;

/// One failed attempt.
#[derive(Debug)]
pub struct Failure {
    /// The error to return if we stop here (boxed: it is large and failures are rare).
    pub error: Box<ProviderError>,
    /// True only when the request provably did not reach the service's logic.
    pub not_processed: bool,
    /// The server's `x-acs-retry-after`, when positive.
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// Whether this failure may be retried in `mode` (attempt limits aside).
    pub fn may_retry(&self, mode: RetryMode) -> bool {
        mode.allows_retry(self.error.retryable(), self.not_processed)
    }
}
