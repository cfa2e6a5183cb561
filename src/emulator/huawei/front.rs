//! The Huawei Cloud front: `*.myhuaweicloud.com` / `.cn`, and loopback requests signed
//! `SDK-HMAC-SHA256` (the official SDKs pointed at the emulator send `Host: 127.0.0.1:PORT`).

use axum::response::Response;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::faults::FaultKind;
use crate::emulator::core::front::{Front, Routed};
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, RawRequest, is_loopback_host};
use crate::emulator::core::world::World;
use crate::emulator::huawei::account::DemoAccount;
use crate::emulator::huawei::{PROVIDER, SERVICES, errors, modelarts, obs, routing, seed, verify};
use crate::signing::huawei::ALGORITHM;

/// The Huawei front, with its demo account.
#[derive(Debug)]
pub struct HuaweiFront {
    account: DemoAccount,
}

impl HuaweiFront {
    /// A front with a random demo account.
    pub fn new() -> Self {
        Self {
            account: DemoAccount::generate(),
        }
    }

    /// The demo account.
    pub fn account(&self) -> &DemoAccount {
        &self.account
    }
}

impl Default for HuaweiFront {
    fn default() -> Self {
        Self::new()
    }
}

impl Front for HuaweiFront {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn matches(&self, host: &str) -> bool {
        routing::parse_host(host).is_some() || is_loopback_host(host)
    }

    fn claims(&self, raw: &RawRequest) -> bool {
        raw.header("authorization")
            .is_some_and(|value| value.trim_start().starts_with(ALGORITHM))
            || obs::wire::is_obs_request(raw, &raw.host_name())
    }

    fn region(&self, host: &str) -> String {
        match routing::parse_host(host) {
            Some((_, Some(region))) => region.to_owned(),
            _ => crate::emulator::huawei::account::REGIONS[0].to_owned(),
        }
    }

    fn request_region(&self, raw: &RawRequest, host: &str, _params: &[(String, String)]) -> String {
        if obs::wire::is_obs_request(raw, host) {
            // OBS bucket names are global: the buckets are kept account-wide.
            return routing::GLOBAL.to_owned();
        }
        routing::request_region(raw, host, &self.account)
    }

    fn claimed_action(&self, raw: &RawRequest) -> (Option<String>, Option<String>) {
        let host = raw.host_name();
        let found = if obs::wire::is_obs_request(raw, &host) {
            obs::wire::route(raw)
        } else {
            routing::find_route(raw, &host)
        };
        match found {
            Ok(routed) => (
                Some(routed.action.to_owned()),
                Some(routed.service.version().to_owned()),
            ),
            Err(_) => (None, None),
        }
    }

    fn authenticate(&self, raw: &RawRequest, _state: &EmulatorState) -> Result<String, ApiError> {
        if obs::wire::is_obs_request(raw, &raw.host_name()) {
            return obs::wire::authenticate(raw, &self.account);
        }
        verify::authenticate(raw, &self.account)
    }

    fn route(&self, raw: &RawRequest) -> Result<Routed, ApiError> {
        if obs::wire::is_obs_request(raw, &raw.host_name()) {
            return obs::wire::route(raw);
        }
        routing::find_route(raw, &raw.host_name())
    }

    fn forbidden(&self, action: &str) -> ApiError {
        ApiError::new(
            403,
            "ModelArts.0108",
            format!("Not authorized to perform {action}: the IAM user lacks the permission."),
        )
    }

    fn fault_error(&self, kind: FaultKind) -> ApiError {
        match kind {
            FaultKind::Throttle => ApiError::new(
                429,
                "ModelArts.2799",
                "Too many requests, please try again later.",
            ),
            FaultKind::Timeout => ApiError::new(504, "APIG.0202", "Backend timeout."),
            FaultKind::ServerError | FaultKind::ServerErrorAfterCommit => {
                ApiError::new(500, "ModelArts.0001", "Internal server error.")
            }
        }
    }

    fn success_response(&self, body: Map<String, Value>, request_id: &str) -> Response {
        if let Some(xml) = obs::wire::success_response(&body, request_id) {
            return xml;
        }
        errors::success_response(body, request_id)
    }

    fn error_response(
        &self,
        error: &ApiError,
        request_id: &str,
        _host: &str,
        _service: Option<&dyn ServiceApi>,
    ) -> Response {
        if obs::wire::is_obs_code(&error.code) {
            return obs::wire::error_response(error, request_id);
        }
        errors::error_response(error, request_id)
    }

    fn demo_account(&self) -> Value {
        self.account.startup_entry()
    }

    fn seed(&self, world: &mut World, now: OffsetDateTime) {
        seed::load(world, &self.account, now);
    }

    fn services(&self) -> &'static [&'static dyn ServiceApi] {
        SERVICES
    }

    fn lifecycles(&self) -> Vec<Lifecycle> {
        let infra = modelarts::infra::LIFECYCLES.iter();
        modelarts::models::LIFECYCLES
            .iter()
            .chain(infra)
            .chain(modelarts::lite_state::LIFECYCLES.iter())
            .chain(modelarts::handlers::pools_more::LIFECYCLES.iter())
            .copied()
            .collect()
    }

    fn admin(&self, _state: &EmulatorState, _rest: &str, _raw: &RawRequest) -> Option<Response> {
        None
    }
}
