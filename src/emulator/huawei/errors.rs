//! The error shapes: the gateway's `{error_code, error_msg, request_id}`, ModelArts'
//! `{error_code, error_msg}` and the notebook API's `{error_code, error_message}` (as its docs
//! show it), always with the `X-Request-Id` header.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::emulator::core::wire::ApiError;

/// 401 `APIG.0301`: a signature that does not verify, or an unknown key.
pub fn bad_signature(detail: &str) -> ApiError {
    ApiError::new(
        401,
        "APIG.0301",
        format!("Incorrect IAM authentication information: {detail}"),
    )
}

/// 401 `APIG.0303`: `X-Sdk-Date` more than 15 minutes off.
pub fn expired() -> ApiError {
    ApiError::new(
        401,
        "APIG.0303",
        "Incorrect app authentication information: signature expired, the X-Sdk-Date is more than 15 minutes from the server time",
    )
}

/// 404 `APIG.0101`: no API at this method and path.
pub fn no_api() -> ApiError {
    ApiError::new(
        404,
        "APIG.0101",
        "The API does not exist or has not been published in the environment",
    )
}

/// 403 `ModelArts.0210`: the project in the path is not the signed one or not the account's.
pub fn project_mismatch(detail: &str) -> ApiError {
    ApiError::new(
        403,
        "ModelArts.0210",
        format!("The project id in the URL does not match the token: {detail}"),
    )
}

/// 400 `ModelArts.2788`-style parameter errors, with the service's own code.
pub fn invalid(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

/// The body of an error: notebook codes (`ModelArts.63xx`) use `error_message`.
pub fn error_body(error: &ApiError, request_id: &str) -> Value {
    let message_key = if error.code.starts_with("ModelArts.63") {
        "error_message"
    } else {
        "error_msg"
    };
    let mut body = Map::new();
    body.insert("error_code".into(), Value::String(error.code.clone()));
    body.insert(message_key.into(), Value::String(error.message.clone()));
    if error.code.starts_with("APIG") {
        body.insert("request_id".into(), Value::String(request_id.to_owned()));
    }
    Value::Object(body)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// An error answer.
pub fn error_response(error: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = error_body(error, request_id).to_string();
    with_request_id((status, body).into_response(), request_id)
}

/// A success answer.
pub fn success_response(body: Map<String, Value>, request_id: &str) -> Response {
    let text = Value::Object(body).to_string();
    with_request_id((StatusCode::OK, text).into_response(), request_id)
}

/// A JSON object from a literal, for handlers.
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notebook_errors_use_error_message_and_gateway_errors_carry_the_request_id() {
        let notebook = error_body(&ApiError::new(400, "ModelArts.6309", "gone"), "r1");
        assert_eq!(
            notebook,
            json!({"error_code": "ModelArts.6309", "error_message": "gone"})
        );
        let gateway = error_body(&bad_signature("verify aksk signature fail"), "r2");
        assert_eq!(gateway["request_id"], "r2");
        assert!(
            gateway["error_msg"]
                .as_str()
                .is_some_and(|m| m.contains("verify aksk"))
        );
    }
}
