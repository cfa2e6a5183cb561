//! Turning a Huawei HTTP answer into a [`ProviderResponse`] or a classified error.
//!
//! Error bodies come in several shapes; they are read in the SDK's order (`error_code` +
//! `error_msg`, `errorCode` + `errorMsg`, `code` + `message`, then nested objects such as
//! `{"error": {...}}`), and the message may also be `error_message` (the notebook API's
//! documented shape, which the SDK itself misses). The request id is the `X-Request-Id`
//! header, IAM's `X-IAM-Trace-Id`, or the gateway's `request_id` in the body.

use serde_json::Value;

use super::classify::{classify, explain};
use crate::providers::error::ProviderError;
use crate::providers::request::ProviderResponse;

/// Provider name used in errors.
pub const PROVIDER: &str = "huawei";

/// An HTTP answer as this module needs it.
pub struct RawResponse<'a> {
    /// HTTP status.
    pub status: u16,
    /// `X-Request-Id` (or IAM's `X-IAM-Trace-Id`).
    pub request_id_header: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// `(code, message)` of an error body, searching nested objects as the SDK does.
pub fn error_fields(body: &Value) -> Option<(String, String)> {
    let text = |v: &Value, keys: &[&str]| {
        keys.iter()
            .find_map(|k| v.get(k).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let object = body.as_object()?;
    for (code_key, message_keys) in [
        (
            "error_code",
            &["error_msg", "error_message", "message", "errorMsg"][..],
        ),
        ("errorCode", &["errorMsg", "error_msg", "message"][..]),
        ("code", &["message", "msg", "error_msg"][..]),
    ] {
        if let Some(code) = text(body, &[code_key]) {
            return Some((code, text(body, message_keys).unwrap_or_default()));
        }
    }
    object
        .values()
        .filter(|v| v.is_object())
        .find_map(error_fields)
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

/// A 2xx answer: its JSON body (`null` when empty).
pub fn success(action: &str, raw: &RawResponse<'_>) -> Result<ProviderResponse, ProviderError> {
    let body = if raw.body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(raw.body).map_err(|error| {
            ProviderError::local(
                crate::providers::ErrorKind::Upstream,
                PROVIDER,
                action,
                format!("the answer is not JSON ({error}): {}", excerpt(raw.body)),
            )
        })?
    };
    let request_id = raw.request_id_header.map(str::to_owned).or_else(|| {
        body.get("request_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    Ok(ProviderResponse {
        status: raw.status,
        request_id,
        body,
    })
}

/// A 4xx/5xx answer as a classified error; `scrub` removes credentials a server echoed.
pub fn failure(
    action: &str,
    raw: &RawResponse<'_>,
    retry_after_ms: Option<u64>,
    scrub: &dyn Fn(&str) -> String,
) -> ProviderError {
    let body: Value = serde_json::from_slice(raw.body).unwrap_or(Value::Null);
    let (code, message) = error_fields(&body).unwrap_or_else(|| {
        let text = excerpt(raw.body);
        (
            raw.status.to_string(),
            if text.is_empty() {
                format!("HTTP {}", raw.status)
            } else {
                text
            },
        )
    });
    let message = match explain(&code) {
        Some(meaning) => format!("{message} ({meaning})"),
        None => message,
    };
    let request_id = raw.request_id_header.map(str::to_owned).or_else(|| {
        body.get("request_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let kind = classify(Some(raw.status), Some(&code), retry_after_ms);
    ProviderError::from_response(
        kind,
        PROVIDER,
        action,
        raw.status,
        Some(code),
        request_id,
        scrub(&message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ErrorKind;
    use serde_json::json;

    #[test]
    fn every_documented_error_shape_is_read() {
        let shapes = [
            (
                json!({"error_code": "ModelArts.3502", "error_msg": "Service x does not exist."}),
                "ModelArts.3502",
            ),
            (
                json!({"error_code": "ModelArts.6309", "error_message": "The instance does not exist."}),
                "ModelArts.6309",
            ),
            (json!({"errorCode": "E1", "errorMsg": "bad"}), "E1"),
            (json!({"code": "C1", "message": "m"}), "C1"),
            (
                json!({"error": {"code": "IAM.0001", "message": "nested"}}),
                "IAM.0001",
            ),
        ];
        for (body, code) in shapes {
            assert_eq!(
                error_fields(&body).map(|(c, _)| c),
                Some(code.to_owned()),
                "{body}"
            );
        }
        assert_eq!(
            error_fields(&json!({"error_code": "ModelArts.6309", "error_message": "gone"}))
                .map(|(_, m)| m),
            Some("gone".to_owned())
        );
    }

    #[test]
    fn failures_are_classified_explained_and_scrubbed() {
        let body = br#"{"error_code":"APIG.0301","error_msg":"verify aksk signature fail, ak:SECRETAK","request_id":"r1"}"#;
        let raw = RawResponse {
            status: 401,
            request_id_header: None,
            body,
        };
        let error = failure("ListNotebooks", &raw, None, &|m| {
            m.replace("SECRETAK", "****")
        });
        assert_eq!(error.kind, ErrorKind::Auth);
        assert_eq!(error.request_id.as_deref(), Some("r1"));
        assert!(
            error.message.contains("signature was rejected") && !error.message.contains("SECRETAK")
        );
        let raw = RawResponse {
            status: 502,
            request_id_header: Some("h1"),
            body: b"<html>bad gateway</html>",
        };
        let error = failure("ListNotebooks", &raw, None, &|m| m.to_owned());
        assert_eq!(
            (error.kind, error.code.as_deref()),
            (ErrorKind::Upstream, Some("502"))
        );
    }
}
