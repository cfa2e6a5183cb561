//! One API call end to end, the same for every provider: pick the front by the `Host`,
//! authenticate, route, RAM check, faults, handle, answer, log. The handler sees the query
//! and form-body parameters together, and the region the front reads from the host or,
//! for RPC calls, from their signed `RegionId`.
//!
//! Order matters and mirrors the clouds: nothing about a request is trusted before its
//! signature is checked (so routing uses the SIGNED headers), a RAM denial comes before
//! any business validation, and injected faults apply only to authenticated calls. Faults
//! and denials are keyed by `(provider, action)`.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::emulator::core::clock::format_time;
use crate::emulator::core::faults::{DEFAULT_TIMEOUT_DELAY_MS, FaultKind};
use crate::emulator::core::front::Front;
use crate::emulator::core::request_log::LoggedRequest;
use crate::emulator::core::rpc::request_params;
use crate::emulator::core::server::EmulatorState;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, ApiRequest, RawRequest, new_request_id};

/// What the log needs to know about an answer.
struct Outcome {
    response: Response,
    status: u16,
    code: Option<String>,
    account: Option<String>,
    service: Option<&'static str>,
    mutating: bool,
}

/// Handles one API call and logs it. `body_ok` is false when the body was too large or
/// could not be read.
pub async fn handle(state: &EmulatorState, raw: RawRequest, body_ok: bool) -> Response {
    let request_id = new_request_id();
    let host = raw.header("host").unwrap_or_default().to_owned();
    let host_name = raw.host_name();
    let Some(front) = state.front_for(&raw) else {
        return unknown_host(state, &raw, &request_id, &host);
    };
    let params = request_params(&raw);
    let region = front.request_region(&raw, &host_name, &params);
    let (action, version) = front.claimed_action(&raw);
    let outcome = if body_ok {
        process(state, front, &raw, params, &request_id, &host, &region).await
    } else {
        let error = ApiError::invalid(
            "InvalidParameter",
            "The request body is too large or could not be read.",
        );
        Outcome {
            response: front.error_response(&error, &request_id, &host, None),
            status: error.status,
            code: Some(error.code),
            account: None,
            service: None,
            mutating: false,
        }
    };
    state.log().push(LoggedRequest {
        time: format_time(time::OffsetDateTime::now_utc()),
        emulated_time: format_time(state.clock().now()),
        provider: front.provider().to_owned(),
        service: outcome.service.map(str::to_owned),
        action,
        version,
        method: raw.method.clone(),
        path: raw.raw_path.clone(),
        query: raw.raw_query.clone(),
        mutating: outcome.mutating,
        status: outcome.status,
        code: outcome.code,
        request_id,
        access_key_id: outcome.account,
        region,
    });
    outcome.response
}

/// 421 with a JSON body naming the providers the emulator serves.
fn unknown_host(state: &EmulatorState, raw: &RawRequest, request_id: &str, host: &str) -> Response {
    let providers: Vec<&str> = state.fronts().map(|f| f.provider()).collect();
    let message = format!(
        "The emulator serves no provider at host \"{host}\"; it serves {} (see each provider's endpoints).",
        providers.join(", ")
    );
    state.log().push(LoggedRequest {
        time: format_time(time::OffsetDateTime::now_utc()),
        emulated_time: format_time(state.clock().now()),
        provider: String::new(),
        service: None,
        action: None,
        version: None,
        method: raw.method.clone(),
        path: raw.raw_path.clone(),
        query: raw.raw_query.clone(),
        mutating: false,
        status: 421,
        code: Some("UnknownHost".into()),
        request_id: request_id.to_owned(),
        access_key_id: None,
        region: String::new(),
    });
    let body = json!({"RequestId": request_id, "Code": "UnknownHost", "Message": message});
    let mut response = (StatusCode::MISDIRECTED_REQUEST, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

async fn process(
    state: &EmulatorState,
    front: &dyn Front,
    raw: &RawRequest,
    params: Vec<(String, String)>,
    request_id: &str,
    host: &str,
    region: &str,
) -> Outcome {
    let fail = |error: ApiError,
                account: Option<String>,
                service: Option<&'static dyn ServiceApi>,
                mutating: bool| Outcome {
        status: error.status,
        code: Some(error.code.clone()),
        response: front.error_response(&error, request_id, host, service),
        account,
        service: service.map(|s| s.code()),
        mutating,
    };
    let account = match front.authenticate(raw, state) {
        Ok(account) => account,
        Err(e) => return fail(e, None, None, false),
    };
    let ak = Some(account.clone());
    let routed = match front.route(raw) {
        Ok(routed) => routed,
        Err(e) => return fail(e, ak, None, false),
    };
    let (service, mutating) = (routed.service, routed.mutating);
    let provider = front.provider();
    if state.faults().is_forbidden(provider, routed.action) {
        return fail(front.forbidden(routed.action), ak, Some(service), mutating);
    }
    let fault = state.faults().take(provider, routed.action, mutating);
    match fault.as_ref().map(|f| f.kind) {
        Some(kind @ (FaultKind::Throttle | FaultKind::ServerError)) => {
            return fail(front.fault_error(kind), ak, Some(service), mutating);
        }
        Some(FaultKind::Timeout) => {
            let delay = fault
                .and_then(|f| f.delay_ms)
                .unwrap_or(DEFAULT_TIMEOUT_DELAY_MS);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            return fail(
                front.fault_error(FaultKind::Timeout),
                ak,
                Some(service),
                mutating,
            );
        }
        _ => {}
    }
    let request = ApiRequest {
        action: routed.action.to_owned(),
        version: service.version().to_owned(),
        path_params: routed.path_params,
        query: params,
        body: raw.body.clone(),
        access_key_id: account.clone(),
        region: region.to_owned(),
        headers: raw.headers.clone(),
        kube_endpoint: state.kube_endpoint(),
    };
    let result = state.with_services(provider, &account, region, |services, now| {
        service.call(routed.action, services, now, state.lifecycles(), &request)
    });
    match (result, fault.map(|f| f.kind)) {
        (Ok(_), Some(FaultKind::ServerErrorAfterCommit)) => fail(
            front.fault_error(FaultKind::ServerError),
            ak,
            Some(service),
            mutating,
        ),
        (Ok(body), _) => Outcome {
            response: front.success_response(body, request_id),
            status: 200,
            code: None,
            account: ak,
            service: Some(service.code()),
            mutating,
        },
        (Err(e), _) => fail(e, ak, Some(service), mutating),
    }
}
