//! The axum app: one fallback handler that sends `/_emulator/*` to the admin API and
//! everything else to the cloud API pipeline.
//!
//! A single fallback (instead of axum routes) is deliberate: the cloud dispatches on the
//! signed action headers, not the path, and the signature must be checked over the raw
//! path and query exactly as received.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;
use time::OffsetDateTime;

use crate::emulator::alibaba::seed;
use crate::emulator::alibaba::state::{RegionState, World};
use crate::emulator::clock::Clock;
use crate::emulator::faults::Faults;
use crate::emulator::request_log::RequestLog;
use crate::emulator::verify::NonceCache;
use crate::emulator::wire::{ApiError, random_alnum};
use crate::emulator::{AlibabaAccount, EmulatorOptions, admin, api};
use crate::secret::Secret;

/// Largest accepted request body.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A request as it arrived, before anything is trusted.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// HTTP method.
    pub method: String,
    /// Path, still percent-encoded.
    pub raw_path: String,
    /// Query without `?`, still encoded.
    pub raw_query: String,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Inner {
    options: EmulatorOptions,
    alibaba: AlibabaAccount,
    world: Mutex<World>,
    clock: Clock,
    nonces: NonceCache,
    faults: Faults,
    log: RequestLog,
}

/// Everything the emulator knows; cheap to clone (shared).
#[derive(Clone)]
pub struct EmulatorState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorState")
            .field("alibaba", &self.inner.alibaba)
            .finish_non_exhaustive()
    }
}

impl EmulatorState {
    /// A fresh emulator with a random demo account (AK `LTAI5t` + 18, secret 30 characters).
    pub fn new(options: EmulatorOptions) -> Self {
        let alibaba = AlibabaAccount {
            access_key_id: format!("LTAI5t{}", random_alnum(18)),
            access_key_secret: Secret::new(random_alnum(30)),
        };
        let state = Self {
            inner: Arc::new(Inner {
                clock: Clock::new(options.time_scale),
                options,
                alibaba,
                world: Mutex::new(World::default()),
                nonces: NonceCache::default(),
                faults: Faults::default(),
                log: RequestLog::default(),
            }),
        };
        state.reseed();
        state
    }

    /// The demo account's credentials.
    pub fn alibaba_account(&self) -> &AlibabaAccount {
        &self.inner.alibaba
    }

    /// The secret for an access key, if the account exists.
    pub fn secret_for(&self, access_key_id: &str) -> Option<String> {
        (access_key_id == self.inner.alibaba.access_key_id)
            .then(|| self.inner.alibaba.access_key_secret.expose().to_owned())
    }

    /// Clears all state and loads the demo seed again (credentials stay the same).
    pub fn reseed(&self) {
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        world.clear();
        if self.inner.options.seed_demo {
            let now = self.inner.clock.now();
            world.insert(
                &self.inner.alibaba.access_key_id,
                seed::REGION,
                seed::demo_region(now),
            );
        }
        drop(world);
        self.inner.faults.clear();
        self.inner.log.clear();
    }

    /// Runs `f` on one account's region state at the current emulated time, under the lock.
    pub fn with_region<T>(
        &self,
        access_key_id: &str,
        region: &str,
        f: impl FnOnce(&mut RegionState, OffsetDateTime) -> T,
    ) -> T {
        let now = self.inner.clock.now();
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        f(world.region_mut(access_key_id, region), now)
    }

    /// The whole state as JSON.
    pub fn world_json(&self) -> serde_json::Value {
        self.inner
            .world
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .to_json()
    }

    /// The emulated clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Used signature nonces.
    pub fn nonces(&self) -> &NonceCache {
        &self.inner.nonces
    }

    /// Armed faults and RAM denials.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The API call log.
    pub fn log(&self) -> &RequestLog {
        &self.inner.log
    }
}

/// The emulator's axum app.
pub fn router(state: EmulatorState) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

async fn dispatch(State(state): State<EmulatorState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let raw_path = parts.uri.path().to_owned();
    let host = parts
        .headers
        .get("host")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => {
            let error = ApiError::invalid(
                "InvalidParameter",
                "The request body is too large or could not be read.",
            );
            return api::error_response(&error, &crate::emulator::wire::new_request_id(), &host);
        }
    };
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    // HTTP/2 carries the host in the :authority pseudo-header, which axum exposes only in the URI.
    if host.is_empty()
        && let Some(authority) = parts.uri.authority()
    {
        headers.push(("host".to_owned(), authority.as_str().to_owned()));
    }
    let raw = RawRequest {
        method: parts.method.as_str().to_owned(),
        raw_path,
        raw_query: parts.uri.query().unwrap_or_default().to_owned(),
        headers,
        body,
    };
    if raw.raw_path == "/_emulator" || raw.raw_path.starts_with("/_emulator/") {
        return admin::handle(&state, raw).await;
    }
    api::handle(&state, raw).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_router_serves_admin_and_refuses_unsigned_api_calls_in_process() {
        let state = EmulatorState::new(EmulatorOptions::default());
        let app = router(state.clone());
        let admin = Request::get("/_emulator/clock").body(Body::empty());
        let response = app.clone().oneshot(admin.unwrap_or_default()).await;
        assert_eq!(response.map(|r| r.status().as_u16()).ok(), Some(200));
        let api = Request::get("/api/v1/quotas/").body(Body::empty());
        let response = app.oneshot(api.unwrap_or_default()).await;
        assert_eq!(response.map(|r| r.status().as_u16()).ok(), Some(400));
        assert_eq!(
            state.log().snapshot()[0].code.as_deref(),
            Some("MissingSecurityHeader")
        );
    }
}
