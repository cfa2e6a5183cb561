//! The documentation front: `help.aliyun.com`, public and unsigned, routed on method and path,
//! answering plain JSON (`{"code", "message"}` on errors). On loopback it claims the requests
//! of its search path that carry no Alibaba signature, so `--endpoint docs=<emulator>` reaches it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{PROVIDER, SERVICES, search};
use crate::emulator::core::faults::FaultKind;
use crate::emulator::core::front::{Front, Routed};
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, RawRequest, path_decode};
use crate::emulator::core::world::World;

/// The account every search works on: the site is public.
pub const ACCOUNT: &str = "public";
/// The only region.
pub const REGION: &str = "global";
/// The host of the real site.
pub const HOST: &str = "help.aliyun.com";

/// The documentation front.
#[derive(Debug, Default)]
pub struct DocsFront;

impl DocsFront {
    /// The front.
    pub fn new() -> Self {
        Self
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn route_of(raw: &RawRequest) -> Option<crate::emulator::core::service::RouteInfo> {
    let path = raw.raw_path.split('?').next().unwrap_or_default();
    search::SERVICE
        .routes()
        .into_iter()
        .find(|r| r.method.eq_ignore_ascii_case(&raw.method) && r.path == path)
}

impl Front for DocsFront {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn matches(&self, host: &str) -> bool {
        host == HOST
    }

    fn claims(&self, raw: &RawRequest) -> bool {
        route_of(raw).is_some()
            && !raw
                .header("authorization")
                .is_some_and(|a| a.starts_with("ACS3-"))
    }

    fn region(&self, _host: &str) -> String {
        REGION.to_owned()
    }

    fn claimed_action(&self, raw: &RawRequest) -> (Option<String>, Option<String>) {
        (
            route_of(raw).map(|r| r.action.to_owned()),
            Some(search::SERVICE.version.to_owned()),
        )
    }

    fn authenticate(&self, _raw: &RawRequest, _state: &EmulatorState) -> Result<String, ApiError> {
        Ok(ACCOUNT.to_owned())
    }

    fn route(&self, raw: &RawRequest) -> Result<Routed, ApiError> {
        match route_of(raw) {
            Some(route) => Ok(Routed {
                service: &search::SERVICE,
                action: route.action,
                mutating: route.mutating,
                path_params: Default::default(),
            }),
            None => Err(ApiError::new(
                404,
                "NotFound",
                format!("no page {} {}", raw.method, path_decode(&raw.raw_path)),
            )),
        }
    }

    fn forbidden(&self, _action: &str) -> ApiError {
        ApiError::new(403, "Forbidden", "access denied")
    }

    fn fault_error(&self, kind: FaultKind) -> ApiError {
        match kind {
            FaultKind::Throttle => ApiError::new(429, "TooManyRequests", "too many requests"),
            FaultKind::Timeout => ApiError::new(504, "GatewayTimeout", "the gateway timed out"),
            FaultKind::ServerError | FaultKind::ServerErrorAfterCommit => {
                ApiError::new(500, "InternalError", "internal server error")
            }
        }
    }

    fn success_response(&self, mut body: Map<String, Value>, request_id: &str) -> Response {
        body.insert("requestId".into(), json!(request_id));
        json_response(StatusCode::OK, Value::Object(body))
    }

    fn error_response(
        &self,
        error: &ApiError,
        request_id: &str,
        _host: &str,
        _service: Option<&dyn ServiceApi>,
    ) -> Response {
        let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
        json_response(
            status,
            json!({"code": error.code, "message": error.message, "requestId": request_id}),
        )
    }

    fn demo_account(&self) -> Value {
        json!({"public": true})
    }

    fn seed(&self, _world: &mut World, _now: OffsetDateTime) {}

    fn services(&self) -> &'static [&'static dyn ServiceApi] {
        SERVICES
    }

    fn admin(&self, _state: &EmulatorState, _rest: &str, _raw: &RawRequest) -> Option<Response> {
        None
    }
}
