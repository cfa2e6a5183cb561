//! The Alibaba Cloud front: `*.aliyuncs.com` (and loopback), ACS3 signatures, routing on
//! the signed `x-acs-action` + `x-acs-version`, the region from the host or an RPC call's
//! `RegionId`, and the POP error shape with the product of the service called.

use axum::response::Response;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::AlibabaAccount;
use crate::emulator::alibaba::verify::{self, NonceCache};
use crate::emulator::alibaba::{PROVIDER, SERVICES, admin, errors, routing, seed};
use crate::emulator::core::faults::FaultKind;
use crate::emulator::core::front::{Front, Routed};
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, RawRequest, is_loopback_host, random_alnum};
use crate::secret::Secret;
use crate::signing::acs3::WireRequest;

/// The product named in errors before a call is routed.
const DEFAULT_PRODUCT: &str = "PaiStudio";

/// The Alibaba front, with its demo account.
#[derive(Debug)]
pub struct AlibabaFront {
    account: AlibabaAccount,
    nonces: NonceCache,
}

impl AlibabaFront {
    /// A front with a random demo account (AK `LTAI5t` + 18, secret 30 characters).
    pub fn new() -> Self {
        Self {
            account: AlibabaAccount {
                access_key_id: format!("LTAI5t{}", random_alnum(18)),
                access_key_secret: Secret::new(random_alnum(30)),
            },
            nonces: NonceCache::default(),
        }
    }

    /// The demo account's credentials.
    pub fn account(&self) -> &AlibabaAccount {
        &self.account
    }

    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        (access_key_id == self.account.access_key_id)
            .then(|| self.account.access_key_secret.expose().to_owned())
    }
}

impl Default for AlibabaFront {
    fn default() -> Self {
        Self::new()
    }
}

impl Front for AlibabaFront {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn matches(&self, host: &str) -> bool {
        host.ends_with(".aliyuncs.com") || host.ends_with(".aliyun.com") || is_loopback_host(host)
    }

    fn region(&self, host: &str) -> String {
        routing::region_from_host(host)
    }

    fn call_region(&self, host_region: String, params: &[(String, String)]) -> String {
        routing::call_region(host_region, params)
    }

    fn claimed_action(&self, raw: &RawRequest) -> (Option<String>, Option<String>) {
        (
            raw.header("x-acs-action").map(str::to_owned),
            raw.header("x-acs-version").map(str::to_owned),
        )
    }

    fn authenticate(&self, raw: &RawRequest, _state: &EmulatorState) -> Result<String, ApiError> {
        let wire = WireRequest {
            method: &raw.method,
            raw_path: &raw.raw_path,
            raw_query: &raw.raw_query,
            headers: &raw.headers,
            body: &raw.body,
        };
        verify::authenticate(&wire, |ak| self.secret_for(ak), &self.nonces)
    }

    fn route(&self, raw: &RawRequest) -> Result<Routed, ApiError> {
        let action = raw.header("x-acs-action").unwrap_or_default();
        let version = raw.header("x-acs-version").unwrap_or_default();
        if action == "anonymous" {
            let (service, route, path_params) =
                routing::find_route_by_path(version, &raw.method, &raw.raw_path)?;
            return Ok(Routed {
                service,
                action: route.action,
                mutating: route.mutating,
                path_params,
            });
        }
        let (service, route) = routing::find_route(action, version)?;
        match routing::match_path(route.path, &raw.raw_path) {
            Some(path_params) if routing::method_allowed(&route, &raw.method) => Ok(Routed {
                service,
                action: route.action,
                mutating: route.mutating,
                path_params,
            }),
            _ => Err(errors::action_not_found()),
        }
    }

    fn forbidden(&self, action: &str) -> ApiError {
        errors::forbidden_ram(&routing::ram_action(action), seed::ACCOUNT_ID)
    }

    fn fault_error(&self, kind: FaultKind) -> ApiError {
        match kind {
            FaultKind::Throttle => errors::throttled(),
            FaultKind::Timeout => errors::gateway_timeout(),
            FaultKind::ServerError | FaultKind::ServerErrorAfterCommit => errors::internal_error(),
        }
    }

    fn success_response(&self, body: Map<String, Value>, request_id: &str) -> Response {
        errors::success_response(body, request_id)
    }

    fn error_response(
        &self,
        error: &ApiError,
        request_id: &str,
        host: &str,
        service: Option<&dyn ServiceApi>,
    ) -> Response {
        let product = service.map_or(DEFAULT_PRODUCT, |s| s.product());
        errors::error_response(error, request_id, host, product)
    }

    fn demo_account(&self) -> Value {
        json!({
            "access_key_id": self.account.access_key_id,
            "access_key_secret": self.account.access_key_secret.expose(),
        })
    }

    fn seed(&self, world: &mut crate::emulator::core::world::World, now: OffsetDateTime) {
        seed::load(world, &self.account.access_key_id, now);
    }

    fn services(&self) -> &'static [&'static dyn ServiceApi] {
        SERVICES
    }

    /// Every service's routes, and the Kubernetes API of the emulated ACK clusters (served on
    /// its own port, listed under provider `kube`).
    fn routes(&self) -> Vec<crate::emulator::RouteInfo> {
        SERVICES
            .iter()
            .flat_map(|s| s.routes())
            .chain(crate::emulator::alibaba::cs::kube::route_infos())
            .collect()
    }

    fn lifecycles(&self) -> Vec<Lifecycle> {
        use crate::emulator::alibaba::ecs::models::{INSTANCE_CREATE, INVOCATION_RUN};
        use crate::emulator::alibaba::fc::models::FC_TASK_RUN;
        use crate::emulator::alibaba::oos::models::EXECUTION_RUN;
        use crate::emulator::alibaba::pai::models::{QUOTA_CREATE, QUOTA_SCALE};
        use crate::emulator::alibaba::vpc::models::{VPC_CREATE, VSWITCH_CREATE};
        vec![
            QUOTA_CREATE,
            QUOTA_SCALE,
            EXECUTION_RUN,
            INVOCATION_RUN,
            INSTANCE_CREATE,
            VPC_CREATE,
            VSWITCH_CREATE,
            FC_TASK_RUN,
            crate::emulator::alibaba::cs::models::CLUSTER_CREATE,
            crate::emulator::alibaba::cs::models::CLUSTER_DELETE,
        ]
    }

    fn admin(&self, state: &EmulatorState, rest: &str, raw: &RawRequest) -> Option<Response> {
        admin::handle(self, state, rest, raw)
    }
}
