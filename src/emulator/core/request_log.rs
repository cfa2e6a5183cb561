//! The log of API calls the emulator received.
//!
//! Tests use it to prove what a client sent, above all that a plan (a preview) sent no
//! mutating call. Every API call is logged, including the ones refused for a bad signature.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// At most this many entries are kept; the oldest are dropped first.
const MAX_ENTRIES: usize = 10_000;

/// One API call as seen on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// Real UTC time the call arrived (RFC 3339).
    pub time: String,
    /// Emulated time the call arrived (RFC 3339).
    pub emulated_time: String,
    /// The provider whose front served the call (empty for an unknown host).
    pub provider: String,
    /// The routed service code (`paistudio`), once routing succeeded.
    pub service: Option<String>,
    /// The claimed action (Alibaba: `x-acs-action`), if present.
    pub action: Option<String>,
    /// `x-acs-version`, if the header was present.
    pub version: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Raw path as received.
    pub path: String,
    /// Raw query as received.
    pub query: String,
    /// Whether the routed action changes state (create, update, scale, delete, attach ...).
    pub mutating: bool,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code answered, `None` on success.
    pub code: Option<String>,
    /// The request id answered.
    pub request_id: String,
    /// The access key id from `Authorization`, when it could be parsed.
    pub access_key_id: Option<String>,
    /// The region derived from the Host header.
    pub region: String,
}

/// An append-only, bounded, shared log. A ring (`VecDeque`): once full, dropping the oldest
/// entry must not shift the other 9,999 (that memmove was a quarter of the emulator's CPU per
/// call under load).
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    /// Appends one entry.
    pub fn push(&self, entry: LoggedRequest) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// A copy of every entry, oldest first.
    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
