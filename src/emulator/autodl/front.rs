//! The AutoDL front: the raw developer token in `Authorization` (no `Bearer`, no signature),
//! routing on method and path, and the `{code, msg, data}` envelope. Business errors are HTTP
//! 200 with `code != "Success"`; a missing or wrong token is HTTP 401 with the same JSON shape,
//! and injected faults are 429 / 500 / 504 with JSON bodies (clients parse every error body).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::autodl::esd::{models, seed};
use crate::emulator::autodl::{PROVIDER, SERVICES, admin};
use crate::emulator::core::faults::FaultKind;
use crate::emulator::core::front::{Front, Routed};
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, RawRequest, path_decode, random_alnum};
use crate::emulator::core::world::World;
use crate::secret::Secret;

/// The only region: the private cloud has none on the wire.
pub const REGION: &str = "private";

/// The AutoDL front, with the demo account's token.
#[derive(Debug)]
pub struct AutodlFront {
    token: Secret,
}

impl AutodlFront {
    /// A front with a random demo token.
    pub fn new() -> Self {
        Self {
            token: Secret::new(format!("autodl-{}", random_alnum(32))),
        }
    }

    /// The demo account's token.
    pub fn token(&self) -> &Secret {
        &self.token
    }
}

impl Default for AutodlFront {
    fn default() -> Self {
        Self::new()
    }
}

/// A business error: HTTP 200, `code != "Success"`.
pub fn business(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(200, code, message)
}

/// The envelope; the request id is the public API's field (the private cloud was seen without
/// one; clients treat it as optional).
fn envelope(status: StatusCode, code: &str, msg: &str, data: Value, request_id: &str) -> Response {
    let body = json!({"code": code, "msg": msg, "data": data, "request_id": request_id});
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

impl Front for AutodlFront {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn matches(&self, host: &str) -> bool {
        host == "private.autodl.com" || host == "api.autodl.com"
    }

    fn claims(&self, raw: &RawRequest) -> bool {
        let path = raw.raw_path.as_str();
        (path.starts_with("/api/v1/dev/") || path.starts_with("/api/v2/image/"))
            && !raw
                .header("authorization")
                .is_some_and(|a| a.starts_with("ACS3-"))
    }

    fn region(&self, _host: &str) -> String {
        REGION.to_owned()
    }

    fn claimed_action(&self, raw: &RawRequest) -> (Option<String>, Option<String>) {
        let action = find(&raw.method, &raw.raw_path).map(|(_, r)| r.action.to_owned());
        (
            action,
            Some(crate::emulator::autodl::esd::VERSION.to_owned()),
        )
    }

    fn authenticate(&self, raw: &RawRequest, _state: &EmulatorState) -> Result<String, ApiError> {
        match raw.header("authorization").map(str::trim) {
            Some(token) if !token.is_empty() && token == self.token.expose() => {
                Ok(seed::ACCOUNT.to_owned())
            }
            Some(token) if token.starts_with("Bearer ") => Err(ApiError::new(
                401,
                "Unauthorized",
                "the Authorization header carries the raw developer token, without `Bearer`",
            )),
            Some(_) => Err(ApiError::new(
                401,
                "Unauthorized",
                "invalid developer token",
            )),
            None => Err(ApiError::new(
                401,
                "Unauthorized",
                "missing Authorization header (the developer token)",
            )),
        }
    }

    fn route(&self, raw: &RawRequest) -> Result<Routed, ApiError> {
        match find(&raw.method, &raw.raw_path) {
            Some((service, route)) => Ok(Routed {
                service,
                action: route.action,
                mutating: route.mutating,
                path_params: Default::default(),
            }),
            None => Err(ApiError::new(
                404,
                "NotFound",
                format!("no API {} {}", raw.method, path_decode(&raw.raw_path)),
            )),
        }
    }

    fn forbidden(&self, _action: &str) -> ApiError {
        business(
            "PermissionDenied",
            "无当前资源访问权限 (no access to this resource)",
        )
    }

    fn fault_error(&self, kind: FaultKind) -> ApiError {
        match kind {
            FaultKind::Throttle => {
                ApiError::new(429, "TooManyRequests", "too many requests, slow down")
            }
            FaultKind::Timeout => ApiError::new(504, "GatewayTimeout", "the gateway timed out"),
            FaultKind::ServerError | FaultKind::ServerErrorAfterCommit => {
                ApiError::new(500, "InternalError", "internal server error")
            }
        }
    }

    fn success_response(&self, mut body: Map<String, Value>, request_id: &str) -> Response {
        let data = body.remove("data").unwrap_or(Value::Null);
        envelope(StatusCode::OK, "Success", "", data, request_id)
    }

    fn error_response(
        &self,
        error: &ApiError,
        request_id: &str,
        _host: &str,
        _service: Option<&dyn ServiceApi>,
    ) -> Response {
        let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::OK);
        envelope(status, &error.code, &error.message, Value::Null, request_id)
    }

    fn demo_account(&self) -> Value {
        json!({"token": self.token.expose()})
    }

    fn seed(&self, world: &mut World, now: OffsetDateTime) {
        world
            .region_mut(PROVIDER, seed::ACCOUNT, REGION)
            .insert(seed::demo(now));
    }

    fn services(&self) -> &'static [&'static dyn ServiceApi] {
        SERVICES
    }

    fn lifecycles(&self) -> Vec<Lifecycle> {
        vec![
            models::CONTAINER_START,
            models::JOB_RUN,
            models::CONTAINER_STOP,
        ]
    }

    fn admin(&self, state: &EmulatorState, rest: &str, raw: &RawRequest) -> Option<Response> {
        admin::handle(state, rest, raw)
    }
}

/// The service and route of a method and path (trailing slash optional).
fn find(
    method: &str,
    raw_path: &str,
) -> Option<(
    &'static dyn ServiceApi,
    crate::emulator::core::service::RouteInfo,
)> {
    let path = raw_path.trim_end_matches('/');
    SERVICES.iter().find_map(|service| {
        service
            .routes()
            .into_iter()
            .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
            .map(|r| (*service, r))
    })
}
