//! One provider's front door: which hosts it serves, how it authenticates, how it finds a
//! route, how its errors look, its demo account and its admin routes.
//!
//! The core ([`dispatch`](super::dispatch)) picks the front whose [`Front::matches`]
//! accepts the request's `Host` and then runs the same pipeline for every provider.

use std::collections::BTreeMap;

use axum::response::Response;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::faults::FaultKind;
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::{RouteInfo, ServiceApi};
use crate::emulator::core::wire::{ApiError, RawRequest};
use crate::emulator::core::world::World;

/// A call after routing: which service and action, and the decoded path parameters.
pub struct Routed {
    /// The service that serves it.
    pub service: &'static dyn ServiceApi,
    /// The action name.
    pub action: &'static str,
    /// Whether the action changes state.
    pub mutating: bool,
    /// Path parameters, percent-decoded.
    pub path_params: BTreeMap<String, String>,
}

/// One provider's wire conventions.
pub trait Front: Send + Sync {
    /// `alibaba`, `huawei`, `autodl`: the key of the startup line, the admin path
    /// segment (`/_emulator/<provider>/...`) and the fault key.
    fn provider(&self) -> &'static str;

    /// Whether this front serves `host` (lower case, port removed). Loopback hosts
    /// (`127.0.0.1`, `localhost`) are served by the first front that accepts them.
    fn matches(&self, host: &str) -> bool;

    /// Whether a request is evidently this provider's (its paths, its signature scheme), so
    /// several fronts can share loopback: a front that claims a request (on loopback, or on a
    /// host it matches) is chosen before the first front that merely [`Front::matches`] the
    /// host. Plain HTTP clients and official SDKs pointed at `http://127.0.0.1:PORT` reach the
    /// right provider.
    fn claims(&self, _raw: &RawRequest) -> bool {
        false
    }

    /// The region named by the host.
    fn region(&self, host: &str) -> String;

    /// The region a request works on, when more than the host and parameters say it (a
    /// Huawei path names its project, and a project belongs to one region).
    fn request_region(&self, raw: &RawRequest, host: &str, params: &[(String, String)]) -> String {
        let _ = raw;
        self.call_region(self.region(host), params)
    }

    /// The region a call works on: the host's, unless the provider lets a parameter name
    /// it (Alibaba RPC calls carry `RegionId`). `params` are the query and form-body pairs.
    fn call_region(&self, host_region: String, _params: &[(String, String)]) -> String {
        host_region
    }

    /// The action and version a request claims, before anything is verified (for the log).
    fn claimed_action(&self, raw: &RawRequest) -> (Option<String>, Option<String>);

    /// Verifies the request and returns the account (access key id, project, token id)
    /// whose state it works on.
    fn authenticate(&self, raw: &RawRequest, state: &EmulatorState) -> Result<String, ApiError>;

    /// Finds the route for an authenticated request.
    fn route(&self, raw: &RawRequest) -> Result<Routed, ApiError>;

    /// The provider's denial for an action forbidden through the admin API.
    fn forbidden(&self, action: &str) -> ApiError;

    /// The provider's error for an injected fault (throttling, server error, timeout).
    fn fault_error(&self, kind: FaultKind) -> ApiError;

    /// The success answer.
    fn success_response(&self, body: Map<String, Value>, request_id: &str) -> Response;

    /// The provider's error shape; `service` is the routed service when known.
    fn error_response(
        &self,
        error: &ApiError,
        request_id: &str,
        host: &str,
        service: Option<&dyn ServiceApi>,
    ) -> Response;

    /// The demo account's credentials as the startup line carries them.
    fn demo_account(&self) -> Value;

    /// Loads the demo seed into `world`.
    fn seed(&self, world: &mut World, now: OffsetDateTime);

    /// The services this front serves.
    fn services(&self) -> &'static [&'static dyn ServiceApi];

    /// Every route of every service.
    fn routes(&self) -> Vec<RouteInfo> {
        self.services().iter().flat_map(|s| s.routes()).collect()
    }

    /// The lifecycles of this provider's resources (their modes are set through the admin API).
    fn lifecycles(&self) -> Vec<Lifecycle> {
        Vec::new()
    }

    /// Serves `/_emulator/<provider>/<rest>`; `None` when there is no such endpoint.
    fn admin(&self, state: &EmulatorState, rest: &str, raw: &RawRequest) -> Option<Response>;
}
