//! The API pipeline for one call: authenticate, route, RAM check, faults, handle, answer.
//!
//! Order matters and mirrors the cloud: nothing about a request is trusted before its
//! signature is checked (so routing uses the SIGNED action headers), RAM denial comes
//! before any business validation, and injected faults apply only to authenticated calls.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::emulator::alibaba::{self, Ctx, Route, errors};
use crate::emulator::clock::format_time;
use crate::emulator::faults::{DEFAULT_TIMEOUT_DELAY_MS, FaultKind};
use crate::emulator::request_log::LoggedRequest;
use crate::emulator::server::{EmulatorState, RawRequest};
use crate::emulator::verify;
use crate::emulator::wire::{ApiError, ApiRequest, new_request_id};
use crate::signing::acs3::WireRequest;
use crate::signing::encoding::parse_raw_query;

/// What the log needs to know about an answer.
struct Outcome {
    response: Response,
    status: u16,
    code: Option<String>,
    access_key_id: Option<String>,
    mutating: bool,
}

/// Handles one API call and logs it.
pub async fn handle(state: &EmulatorState, raw: RawRequest) -> Response {
    let request_id = new_request_id();
    let host = raw.header("host").unwrap_or_default().to_owned();
    let region = alibaba::region_from_host(&host);
    let action = raw.header("x-acs-action").map(str::to_owned);
    let version = raw.header("x-acs-version").map(str::to_owned);
    let outcome = process(state, &raw, &request_id, &host, &region).await;
    state.log().push(LoggedRequest {
        time: format_time(time::OffsetDateTime::now_utc()),
        emulated_time: format_time(state.clock().now()),
        action,
        version,
        method: raw.method.clone(),
        path: raw.raw_path.clone(),
        query: raw.raw_query.clone(),
        mutating: outcome.mutating,
        status: outcome.status,
        code: outcome.code,
        request_id,
        access_key_id: outcome.access_key_id,
        region,
    });
    outcome.response
}

async fn process(
    state: &EmulatorState,
    raw: &RawRequest,
    request_id: &str,
    host: &str,
    region: &str,
) -> Outcome {
    let fail = |error: ApiError, access_key_id: Option<String>, mutating: bool| Outcome {
        status: error.status,
        code: Some(error.code.clone()),
        response: error_response(&error, request_id, host),
        access_key_id,
        mutating,
    };
    let wire = WireRequest {
        method: &raw.method,
        raw_path: &raw.raw_path,
        raw_query: &raw.raw_query,
        headers: &raw.headers,
        body: &raw.body,
    };
    let access_key_id = match verify::authenticate(&wire, |ak| state.secret_for(ak), state.nonces())
    {
        Ok(ak) => ak,
        Err(e) => return fail(e, None, false),
    };
    let ak = Some(access_key_id.clone());
    let action = raw.header("x-acs-action").unwrap_or_default();
    let version = raw.header("x-acs-version").unwrap_or_default();
    let route: &Route = match alibaba::find_route(action, version) {
        Ok(route) => route,
        Err(e) => return fail(e, ak, false),
    };
    let path_params = match alibaba::match_path(route.path, &raw.raw_path) {
        Some(params) if raw.method.eq_ignore_ascii_case(route.method) => params,
        _ => return fail(alibaba::action_not_found(), ak, route.mutating),
    };
    if state.faults().is_forbidden(route.action) {
        return fail(
            errors::forbidden_ram(route.action, alibaba::seed::ACCOUNT_ID),
            ak,
            route.mutating,
        );
    }
    let fault = state.faults().take(route.action);
    match fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::Throttle) => {
            let e = ApiError::new(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
            );
            return fail(e, ak, route.mutating);
        }
        Some(FaultKind::ServerError) => return fail(internal_error(), ak, route.mutating),
        Some(FaultKind::Timeout) => {
            let delay = fault
                .and_then(|f| f.delay_ms)
                .unwrap_or(DEFAULT_TIMEOUT_DELAY_MS);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let e = ApiError::new(
                504,
                "GatewayTimeout",
                "The request timed out before the service answered; it was not processed.",
            );
            return fail(e, ak, route.mutating);
        }
        _ => {}
    }
    let request = ApiRequest {
        action: route.action.to_owned(),
        version: route.version.to_owned(),
        path_params,
        query: parse_raw_query(&raw.raw_query),
        body: raw.body.clone(),
        access_key_id: access_key_id.clone(),
        region: region.to_owned(),
    };
    let result = state.with_region(&access_key_id, region, |region_state, now| {
        let mut ctx = Ctx {
            state: region_state,
            now,
        };
        (route.handler)(&mut ctx, &request)
    });
    match (result, fault.map(|f| f.kind)) {
        (Ok(_), Some(FaultKind::ServerErrorAfterCommit)) => {
            fail(internal_error(), ak, route.mutating)
        }
        (Ok(body), _) => Outcome {
            response: success_response(body, request_id),
            status: 200,
            code: None,
            access_key_id: ak,
            mutating: route.mutating,
        },
        (Err(e), _) => fail(e, ak, route.mutating),
    }
}

fn internal_error() -> ApiError {
    ApiError::new(
        500,
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
    )
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", value);
    }
    response
}

/// 200 with `RequestId` first, then the handler's fields.
fn success_response(body: Map<String, Value>, request_id: &str) -> Response {
    let mut out = Map::new();
    out.insert("RequestId".into(), json!(request_id));
    out.extend(body);
    json_response(StatusCode::OK, &Value::Object(out), request_id)
}

/// The POP error shape: `{RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]}`.
pub fn error_response(error: &ApiError, request_id: &str, host: &str) -> Response {
    let mut body = json!({
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={}&product=PaiStudio&requestId={request_id}",
            error.code
        ),
    });
    if let (Some(detail), Value::Object(map)) = (&error.access_denied_detail, &mut body) {
        map.insert("AccessDeniedDetail".into(), (**detail).clone());
    }
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &body, request_id)
}
