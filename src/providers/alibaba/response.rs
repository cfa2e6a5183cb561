//! Turning an HTTP response into a [`ProviderResponse`] or a classified error, following
//! the SDK's `do_request`: any status of 400 or more is an error whose JSON body has
//! `Code`|`code`, `Message`|`message`, `RequestId`|`requestId` and, for RAM denials,
//! `AccessDeniedDetail`|`accessDeniedDetail`.

use std::time::Duration;

use serde_json::Value;

use super::classify::classify;
use super::retry::Failure;
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::request::ProviderResponse;

/// Provider name used in errors.
pub const PROVIDER: &str = "alibaba";

/// The parts of an HTTP response this module looks at.
pub struct RawResponse<'a> {
    /// HTTP status.
    pub status: u16,
    /// `x-acs-request-id` header, if any.
    pub request_id_header: Option<&'a str>,
    /// `x-acs-retry-after` header, if any.
    pub retry_after_header: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// The first string among `keys` in a JSON object.
fn string_field(body: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|key| body.get(key).and_then(Value::as_str))
        .map(str::to_owned)
}

/// `x-acs-retry-after`: a positive integer of milliseconds, else nothing.
pub fn retry_after(header: Option<&str>) -> Option<Duration> {
    header
        .and_then(|value| value.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

/// A short, single-line excerpt of a body that is not JSON (a proxy page, XML).
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = line.chars().take(200).collect();
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Summarises `AccessDeniedDetail` so a user knows which RAM action to grant.
fn access_denied_detail(body: &Value) -> Option<String> {
    let detail = body
        .get("AccessDeniedDetail")
        .or_else(|| body.get("accessDeniedDetail"))?;
    let parts: Vec<String> = [
        ("AuthAction", "denied action"),
        ("NoPermissionType", "no-permission type"),
        ("PolicyType", "policy type"),
    ]
    .iter()
    .filter_map(|(key, label)| {
        detail
            .get(key)
            .and_then(Value::as_str)
            .map(|value| format!("{label}: {value}"))
    })
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Interprets a 2xx response. A body that is not JSON is an upstream error.
pub fn success(action: &str, raw: &RawResponse) -> Result<ProviderResponse, Failure> {
    let body = if raw.body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(raw.body).map_err(|_| Failure {
            error: Box::new(ProviderError {
                http_status: Some(raw.status),
                ..ProviderError::local(
                    ErrorKind::Upstream,
                    PROVIDER,
                    action,
                    format!("the response was not JSON: {}", excerpt(raw.body)),
                )
            }),
            not_processed: false,
            retry_after: None,
        })?
    };
    let request_id = string_field(&body, &["RequestId", "requestId"])
        .or_else(|| raw.request_id_header.map(str::to_owned));
    Ok(ProviderResponse {
        status: raw.status,
        request_id,
        body,
    })
}

/// Interprets an error response. `scrub` removes anything credential-like the server
/// may have echoed into the message.
pub fn failure(action: &str, raw: &RawResponse, scrub: &dyn Fn(&str) -> String) -> Failure {
    let parsed: Option<Value> = serde_json::from_slice(raw.body).ok();
    let body = parsed.as_ref().filter(|value| value.is_object());
    let code = body.and_then(|b| string_field(b, &["Code", "code"]));
    let request_id = body
        .and_then(|b| string_field(b, &["RequestId", "requestId"]))
        .or_else(|| raw.request_id_header.map(str::to_owned));
    let mut message = match body.and_then(|b| string_field(b, &["Message", "message"])) {
        Some(message) if !message.trim().is_empty() => message,
        _ if body.is_some() => format!("HTTP {}", raw.status),
        _ => format!("HTTP {}: {}", raw.status, excerpt(raw.body)),
    };
    if let Some(detail) = body.and_then(access_denied_detail) {
        message = format!("{message} ({detail})");
    }
    let retry_after = retry_after(raw.retry_after_header);
    let kind = classify(
        Some(raw.status),
        code.as_deref(),
        retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    );
    let error = ProviderError::from_response(
        kind,
        PROVIDER,
        action,
        raw.status,
        code,
        request_id,
        scrub(&message),
    );
    // A throttling answer with a 4xx status is the gateway refusing the request
    // before the API ran; a 503 may come from anywhere, so it proves nothing.
    let not_processed = error.kind == ErrorKind::Throttled && (400..500).contains(&raw.status);
    Failure {
        error: Box::new(error),
        not_processed,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw<'a>(status: u16, body: &'a [u8], retry_after: Option<&'a str>) -> RawResponse<'a> {
        RawResponse {
            status,
            request_id_header: Some("HDR-ID"),
            retry_after_header: retry_after,
            body,
        }
    }

    fn same(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn success_reads_request_id_from_body_or_header() {
        let ok = success(
            "GetQuota",
            &raw(200, br#"{"requestId":"r1","QuotaId":"q"}"#, None),
        )
        .expect("ok");
        assert_eq!(ok.request_id.as_deref(), Some("r1"));
        assert_eq!(ok.body["QuotaId"], json!("q"));
        let empty = success("DeleteQuota", &raw(200, b"", None)).expect("ok");
        assert_eq!(
            (empty.body, empty.request_id.as_deref()),
            (Value::Null, Some("HDR-ID"))
        );
        let html =
            success("GetQuota", &raw(200, b"<html>proxy</html>", None)).expect_err("not json");
        assert_eq!(html.error.kind, ErrorKind::Upstream);
    }

    #[test]
    fn errors_read_both_spellings_and_access_denied_detail() {
        let body = json!({
            "code": "Forbidden.RAM", "message": "User not authorized.", "requestId": "r2",
            "AccessDeniedDetail": {"AuthAction": "paistudio:CreateQuota", "NoPermissionType": "ImplicitDeny", "PolicyType": "AccountLevelIdentityBasedPolicy"}
        })
        .to_string();
        let f = failure("CreateQuota", &raw(403, body.as_bytes(), None), &same);
        assert_eq!(f.error.kind, ErrorKind::PermissionDenied);
        assert_eq!(f.error.code.as_deref(), Some("Forbidden.RAM"));
        assert_eq!(f.error.request_id.as_deref(), Some("r2"));
        assert_eq!(
            f.error.message,
            "User not authorized. (denied action: paistudio:CreateQuota, no-permission type: ImplicitDeny, policy type: AccountLevelIdentityBasedPolicy)"
        );
        assert!(!f.not_processed);
    }

    #[test]
    fn throttling_with_4xx_is_proven_unprocessed_and_carries_retry_after() {
        let body = br#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"r"}"#;
        let f = failure("CreateQuota", &raw(400, body, Some("1500")), &same);
        assert_eq!(f.error.kind, ErrorKind::Throttled);
        assert!(f.not_processed);
        assert_eq!(f.retry_after, Some(Duration::from_millis(1500)));
        let unavailable = failure(
            "CreateQuota",
            &raw(503, br#"{"Code":"ServiceUnavailable"}"#, None),
            &same,
        );
        assert_eq!(unavailable.error.kind, ErrorKind::Throttled);
        assert!(!unavailable.not_processed);
    }

    #[test]
    fn non_json_errors_keep_an_excerpt_and_the_header_request_id() {
        let f = failure(
            "GetQuota",
            &raw(502, b"<html>\n Bad gateway\n</html>", Some("0")),
            &same,
        );
        assert_eq!(f.error.kind, ErrorKind::Upstream);
        assert_eq!(f.error.message, "HTTP 502: <html> Bad gateway </html>");
        assert_eq!(f.error.request_id.as_deref(), Some("HDR-ID"));
        assert_eq!(f.retry_after, None);
    }

    #[test]
    fn messages_are_scrubbed() {
        let f = failure(
            "GetQuota",
            &raw(400, br#"{"Code":"X","Message":"key SECRET leaked"}"#, None),
            &|m: &str| m.replace("SECRET", "****"),
        );
        assert_eq!(f.error.message, "key **** leaked");
    }
}
