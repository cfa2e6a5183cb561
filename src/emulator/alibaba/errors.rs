//! The errors every Alibaba product answers the same way (gateway, routing, RAM, faults)
//! and the POP error shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::emulator::core::wire::ApiError;

/// 403 `Forbidden.RAM` for `ram_action`, the RAM action name of the call (the API
/// references list e.g. `pai:DeleteQuota`, `oos:StartExecution`, `ecs:RunCommand`).
pub fn forbidden_ram(ram_action: &str, account_id: &str) -> ApiError {
    let mut error = ApiError::new(
        403,
        "Forbidden.RAM",
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    );
    error.access_denied_detail = Some(Box::new(serde_json::json!({
        "PolicyType": "AccountLevelIdentityBasedPolicy",
        "AuthPrincipalOwnerId": account_id,
        "AuthPrincipalType": "SubUser",
        "AuthPrincipalDisplayName": "skillgate-demo-user",
        "NoPermissionType": "ImplicitDeny",
        "AuthAction": ram_action,
        "EncodedDiagnosticMessage": "AQEAAAAAaGVtdWxhdG9yLWRlbmllZA==",
    })));
    error
}

/// 404 `InvalidAction.NotFound`.
pub fn action_not_found() -> ApiError {
    ApiError::new(
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
    )
}

/// 400 `InvalidVersion`.
pub fn invalid_version(version: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidVersion",
        format!("Specified parameter Version is not valid: \"{version}\"."),
    )
}

/// 400 `Throttling.User`.
pub fn throttled() -> ApiError {
    ApiError::new(
        400,
        "Throttling.User",
        "Request was denied due to user flow control.",
    )
}

/// 500 `InternalError`.
pub fn internal_error() -> ApiError {
    ApiError::new(
        500,
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
    )
}

/// 504 `GatewayTimeout`: the call was not processed.
pub fn gateway_timeout() -> ApiError {
    ApiError::new(
        504,
        "GatewayTimeout",
        "The request timed out before the service answered; it was not processed.",
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
pub fn success_response(body: Map<String, Value>, request_id: &str) -> Response {
    let mut out = Map::new();
    out.insert("RequestId".into(), json!(request_id));
    out.extend(body);
    json_response(StatusCode::OK, &Value::Object(out), request_id)
}

/// The POP error shape: `{RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]}`;
/// `Recommend` names the product that was called (`PaiStudio`, `AIWorkSpace`).
pub fn error_response(error: &ApiError, request_id: &str, host: &str, product: &str) -> Response {
    let mut body = json!({
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={}&product={product}&requestId={request_id}",
            error.code
        ),
    });
    if let (Some(detail), Value::Object(map)) = (&error.access_denied_detail, &mut body) {
        map.insert("AccessDeniedDetail".into(), (**detail).clone());
    }
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &body, request_id)
}
