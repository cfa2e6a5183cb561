//! Request authentication, as the cloud gateway does it: the ACS3 signature (shared code
//! with the client in `crate::signing::acs3`), then the `x-acs-date` window against the
//! REAL clock, then single use of `x-acs-signature-nonce`.
//!
//! The nonce is only remembered once the signature is valid, so a forged request cannot
//! burn a nonce that a genuine one will use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::emulator::core::wire::ApiError;
use crate::signing::acs3::{self, WireRequest};

/// How far `x-acs-date` may be from real time, and how long nonces are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Upper bound on remembered nonces, so a flood cannot exhaust memory.
const MAX_NONCES: usize = 200_000;

/// Remembers recently used nonces per access key.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: Mutex<HashMap<(String, String), Instant>>,
}

impl NonceCache {
    /// Records a nonce; false when it was already used within the window.
    pub fn first_use(&self, access_key_id: &str, nonce: &str) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen.len() >= MAX_NONCES {
            seen.retain(|_, at| now.duration_since(*at) < WINDOW);
        }
        let key = (access_key_id.to_owned(), nonce.to_owned());
        match seen.get(&key) {
            Some(at) if now.duration_since(*at) < WINDOW => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Authenticates a request and returns the access key id that signed it.
pub fn authenticate(
    wire: &WireRequest<'_>,
    secret_for: impl Fn(&str) -> Option<String>,
    nonces: &NonceCache,
) -> Result<String, ApiError> {
    let access_key_id = acs3::verify(wire, secret_for)
        .map_err(|e| ApiError::new(e.http_status(), e.code(), e.message()))?;
    let date = header(wire.headers, "x-acs-date")
        .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted; x-acs-date must be yyyy-MM-ddTHH:mm:ssZ in UTC.",
            )
        })?;
    let skew = (OffsetDateTime::now_utc() - date).unsigned_abs();
    if skew > WINDOW {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    let nonce = header(wire.headers, "x-acs-signature-nonce")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "MissingSignatureNonce",
                "The x-acs-signature-nonce header is mandatory for this action.",
            )
        })?;
    if !nonces.first_use(&access_key_id, nonce) {
        return Err(ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    Ok(access_key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_single_use_per_key() {
        let cache = NonceCache::default();
        assert!(cache.first_use("ak1", "n1"));
        assert!(!cache.first_use("ak1", "n1"));
        assert!(cache.first_use("ak2", "n1"));
    }
}
