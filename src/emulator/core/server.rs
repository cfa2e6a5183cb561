//! The axum app and the emulator's shared state.
//!
//! One fallback handler (instead of axum routes) sends `/_emulator/*` to the admin API and
//! everything else to [`dispatch`]: the clouds dispatch on the signed `Host` and headers,
//! not the path, and a signature must be checked over the raw path and query exactly as
//! received.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;

use crate::emulator::EmulatorOptions;
use crate::emulator::core::clock::Clock;
use crate::emulator::core::faults::Faults;
use crate::emulator::core::front::Front;
use crate::emulator::core::lifecycle::Lifecycles;
use crate::emulator::core::request_log::RequestLog;
use crate::emulator::core::wire::RawRequest;
use crate::emulator::core::world::{Services, World};
use crate::emulator::core::{admin, dispatch};

/// Largest accepted request body.
const MAX_BODY: usize = 8 * 1024 * 1024;

struct Inner {
    options: EmulatorOptions,
    fronts: Vec<Box<dyn Front>>,
    world: Mutex<World>,
    clock: Clock,
    faults: Faults,
    log: RequestLog,
    lifecycles: Lifecycles,
    /// The Kubernetes API server's URL, once it listens (see `alibaba::cs::kube`).
    kube_endpoint: std::sync::OnceLock<String>,
}

/// Everything the emulator knows; cheap to clone (shared).
#[derive(Clone)]
pub struct EmulatorState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let providers: Vec<&str> = self.inner.fronts.iter().map(|f| f.provider()).collect();
        f.debug_struct("EmulatorState")
            .field("providers", &providers)
            .finish_non_exhaustive()
    }
}

impl EmulatorState {
    /// A fresh emulator serving `fronts` (tried in order for each request's host), with
    /// the demo seed loaded.
    pub fn with_fronts(options: EmulatorOptions, fronts: Vec<Box<dyn Front>>) -> Self {
        let state = Self {
            inner: Arc::new(Inner {
                clock: Clock::new(options.time_scale),
                options,
                fronts,
                world: Mutex::new(World::default()),
                faults: Faults::default(),
                log: RequestLog::default(),
                lifecycles: Lifecycles::default(),
                kube_endpoint: std::sync::OnceLock::new(),
            }),
        };
        state.reseed();
        state
    }

    /// The provider fronts, in matching order.
    pub fn fronts(&self) -> impl Iterator<Item = &dyn Front> {
        self.inner.fronts.iter().map(|f| f.as_ref())
    }

    /// The front of a provider.
    pub fn front(&self, provider: &str) -> Option<&dyn Front> {
        self.fronts().find(|f| f.provider() == provider)
    }

    /// The front that serves a host (as from `host_name`): the first that matches it.
    /// A front that serves loopback hosts says so in its `matches`.
    pub fn front_for_host(&self, host: &str) -> Option<&dyn Front> {
        self.fronts().find(|f| f.matches(host))
    }

    /// The front that serves a request: the first that claims it (on a loopback host, or on a
    /// host it matches); otherwise the first that matches the host.
    pub fn front_for(&self, raw: &RawRequest) -> Option<&dyn Front> {
        let host = raw.host_name();
        let loopback = crate::emulator::core::wire::is_loopback_host(&host);
        self.fronts()
            .find(|f| (loopback || f.matches(&host)) && f.claims(raw))
            .or_else(|| self.front_for_host(&host))
    }

    /// Clears all state and loads every front's demo seed again (credentials stay the
    /// same); also clears faults, forbidden actions, lifecycle modes and the request log.
    pub fn reseed(&self) {
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        world.clear();
        if self.inner.options.seed_demo {
            let now = self.inner.clock.now();
            for front in &self.inner.fronts {
                front.seed(&mut world, now);
            }
        }
        drop(world);
        self.inner.faults.clear();
        self.inner.lifecycles.clear();
        self.inner.log.clear();
    }

    /// Runs `f` on one account's services in one region at the current emulated time,
    /// under the lock.
    pub fn with_services<T>(
        &self,
        provider: &str,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Services, time::OffsetDateTime) -> T,
    ) -> T {
        let now = self.inner.clock.now();
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        f(world.region_mut(provider, account, region), now)
    }

    /// Runs `f` on each region one account has state in, at the current emulated time,
    /// under the lock (regions are not created by this).
    pub fn for_each_region(
        &self,
        provider: &str,
        account: &str,
        mut f: impl FnMut(&str, &mut Services, time::OffsetDateTime),
    ) {
        let now = self.inner.clock.now();
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        for (region, services) in world.account_regions_mut(provider, account) {
            f(region, services, now);
        }
    }

    /// Advances the resource `id` of `provider` one manual lifecycle step; its new status.
    pub fn advance_lifecycle(&self, provider: &str, id: &str) -> Option<String> {
        let now = self.inner.clock.now();
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        world
            .regions_mut(provider)
            .flat_map(|services| services.backends_mut())
            .find_map(|backend| backend.advance_lifecycle(id, now))
    }

    /// Records where the emulator's Kubernetes API server listens (once; later calls are
    /// ignored).
    pub fn set_kube_endpoint(&self, url: String) {
        let _ = self.inner.kube_endpoint.set(url);
    }

    /// The Kubernetes API server's URL, when it listens.
    pub fn kube_endpoint(&self) -> Option<String> {
        self.inner.kube_endpoint.get().cloned()
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

    /// Armed faults and forbidden actions.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The API call log.
    pub fn log(&self) -> &RequestLog {
        &self.inner.log
    }

    /// The lifecycle modes.
    pub fn lifecycles(&self) -> &Lifecycles {
        &self.inner.lifecycles
    }
}

/// The emulator's axum app.
pub fn router(state: EmulatorState) -> Router {
    Router::new().fallback(serve).with_state(state)
}

async fn serve(State(state): State<EmulatorState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
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
    if parts.headers.get("host").is_none()
        && let Some(authority) = parts.uri.authority()
    {
        headers.push(("host".to_owned(), authority.as_str().to_owned()));
    }
    let body = to_bytes(body, MAX_BODY).await.map(|b| b.to_vec());
    let raw = RawRequest {
        method: parts.method.as_str().to_owned(),
        raw_path: parts.uri.path().to_owned(),
        raw_query: parts.uri.query().unwrap_or_default().to_owned(),
        headers,
        body: body.as_ref().map(Clone::clone).unwrap_or_default(),
    };
    if raw.raw_path == "/_emulator" || raw.raw_path.starts_with("/_emulator/") {
        return admin::handle(&state, raw).await;
    }
    dispatch::handle(&state, raw, body.is_ok()).await
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

    #[tokio::test]
    async fn an_unknown_host_is_refused_clearly() {
        let state = EmulatorState::new(EmulatorOptions::default());
        let app = router(state.clone());
        let api = Request::get("/v1/projects")
            .header("host", "example.com")
            .body(Body::empty());
        let response = app.oneshot(api.unwrap_or_default()).await;
        assert_eq!(response.map(|r| r.status().as_u16()).ok(), Some(421));
        assert_eq!(
            state.log().snapshot()[0].code.as_deref(),
            Some("UnknownHost")
        );
    }
}
