//! One service of one provider: its routes, its handlers and the state they work on.
//!
//! A service is a [`ServiceDef`] over its backend type `B`: a product code and name, an API
//! version and a route table of one line per route ([`Route`]). The front of its provider
//! finds the route, the core calls the handler with a [`Ctx`]: the service's own backend,
//! its sibling services in the same account and region, the emulated time and the
//! lifecycle modes.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::lifecycle::{Lifecycle, Lifecycles, Progress};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{ServiceBackend, Services};

/// What a handler works on: its service's state in one account and region, at one
/// emulated instant.
pub struct Ctx<'a, B> {
    /// The service's own backend.
    pub state: &'a mut B,
    /// The other services of the same account and region (created empty on first use).
    pub siblings: &'a mut Services,
    /// Emulated now.
    pub now: OffsetDateTime,
    /// The configured lifecycle modes.
    pub lifecycles: &'a Lifecycles,
}

impl<B> Ctx<'_, B> {
    /// A resource entering `lifecycle` now, in the configured mode.
    pub fn progress(&self, lifecycle: &Lifecycle) -> Progress {
        Progress::start(self.now, self.lifecycles.mode(lifecycle))
    }
}

/// A handler: the response body (without the request id), or an error.
pub type Handler<B> = fn(&mut Ctx<'_, B>, &ApiRequest) -> Result<Map<String, Value>, ApiError>;

/// One real route: `(action, method, path, mutating, handler)`; the version is the service's.
pub struct Route<B: 'static> {
    /// The action name (`x-acs-action` for Alibaba).
    pub action: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template with `{Param}` segments.
    pub path: &'static str,
    /// Whether the action changes state.
    pub mutating: bool,
    /// The handler.
    pub handler: Handler<B>,
}

/// `route!(Action, METHOD, "/path/{Id}", mutating, handler)`: one line per route.
#[macro_export]
macro_rules! emulator_route {
    ($action:ident, $method:ident, $path:literal, $mutating:literal, $handler:path) => {
        $crate::emulator::core::service::Route {
            action: stringify!($action),
            method: stringify!($method),
            path: $path,
            mutating: $mutating,
            handler: $handler,
        }
    };
}

/// One route as the coverage test and `route_table()` see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RouteInfo {
    /// `alibaba`, `huawei`, `autodl`.
    pub provider: &'static str,
    /// The service (product) code, lower case: `paistudio`, `aiworkspace`.
    pub service: &'static str,
    /// The API version.
    pub version: &'static str,
    /// The action name.
    pub action: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template with `{Param}` segments.
    pub path: &'static str,
    /// Whether the action changes state.
    pub mutating: bool,
}

/// A service with its backend type erased, as its front holds it.
pub trait ServiceApi: Send + Sync {
    /// The provider.
    fn provider(&self) -> &'static str;
    /// The service code (`paistudio`).
    fn code(&self) -> &'static str;
    /// The product name errors carry (`PaiStudio`).
    fn product(&self) -> &'static str;
    /// The API version.
    fn version(&self) -> &'static str;
    /// Every route.
    fn routes(&self) -> Vec<RouteInfo>;
    /// Runs the handler of `action` on this service's backend in `services`.
    fn call(
        &self,
        action: &str,
        services: &mut Services,
        now: OffsetDateTime,
        lifecycles: &Lifecycles,
        request: &ApiRequest,
    ) -> Result<Map<String, Value>, ApiError>;
}

/// A service over its backend type.
pub struct ServiceDef<B: 'static> {
    /// The provider.
    pub provider: &'static str,
    /// The service code, lower case.
    pub code: &'static str,
    /// The product name errors carry.
    pub product: &'static str,
    /// The API version.
    pub version: &'static str,
    /// The route table.
    pub routes: &'static [Route<B>],
}

impl<B: ServiceBackend> ServiceApi for ServiceDef<B> {
    fn provider(&self) -> &'static str {
        self.provider
    }

    fn code(&self) -> &'static str {
        self.code
    }

    fn product(&self) -> &'static str {
        self.product
    }

    fn version(&self) -> &'static str {
        self.version
    }

    fn routes(&self) -> Vec<RouteInfo> {
        self.routes
            .iter()
            .map(|r| RouteInfo {
                provider: self.provider,
                service: self.code,
                version: self.version,
                action: r.action,
                method: r.method,
                path: r.path,
                mutating: r.mutating,
            })
            .collect()
    }

    fn call(
        &self,
        action: &str,
        services: &mut Services,
        now: OffsetDateTime,
        lifecycles: &Lifecycles,
        request: &ApiRequest,
    ) -> Result<Map<String, Value>, ApiError> {
        let Some(route) = self.routes.iter().find(|r| r.action == action) else {
            return Err(ApiError::new(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            ));
        };
        let mut own = services.take::<B>();
        let result = {
            let mut ctx = Ctx {
                state: &mut own,
                siblings: services,
                now,
                lifecycles,
            };
            (route.handler)(&mut ctx, request)
        };
        services.insert(own);
        result
    }
}
