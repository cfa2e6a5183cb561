//! OBS on the wire: which requests are OBS's, their signature (exactly as
//! [`crate::signing::obs`] signs), the 15-minute date window, and the XML answers and
//! `<Error>` documents the Huawei front sends for them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::emulator::core::front::Routed;
use crate::emulator::core::service::ServiceApi;
use crate::emulator::core::wire::{ApiError, RawRequest, is_loopback_host, path_decode};
use crate::emulator::huawei::account::DemoAccount;
use crate::emulator::huawei::routing::{match_path, parse_host};
use crate::emulator::huawei::verify::WINDOW;
use crate::signing::obs::{self as signer, Flavor, ObsVerifyError};

/// The key of a handler's answer that carries the XML document.
const XML_KEY: &str = "__obs_xml";
/// The key of a handler's answer that carries the HTTP status.
const STATUS_KEY: &str = "__obs_status";

/// The error codes OBS answers (as `<Error>` XML), distinct from the gateway's `APIG.*` and
/// the services' `ModelArts.*`.
const CODES: &[&str] = &[
    "AccessDenied",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "BucketNotEmpty",
    "InvalidAccessKeyId",
    "InvalidBucketName",
    "InvalidLocationConstraint",
    "MalformedXML",
    "MethodNotAllowed",
    "NoSuchBucket",
    "NotImplemented",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
];

/// An OBS error.
pub fn obs_error(status: u16, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// Whether an error is OBS's (answered as XML).
pub fn is_obs_code(code: &str) -> bool {
    CODES.contains(&code)
}

/// Whether a request is OBS's: on the OBS host, or on loopback signed `OBS ...` / `AWS ...`.
pub fn is_obs_request(raw: &RawRequest, host: &str) -> bool {
    if let Some((label, _)) = parse_host(host) {
        return label == "obs";
    }
    is_loopback_host(host)
        && raw
            .header("authorization")
            .is_some_and(|a| signer::parse_authorization(a).is_some())
}

/// The OBS route of a request; any other method and path is `405 MethodNotAllowed`, naming
/// the call as not implemented in the emulator.
pub fn route(raw: &RawRequest) -> Result<Routed, ApiError> {
    let service: &'static dyn ServiceApi = &super::SERVICE;
    for route in service.routes() {
        if route.method.eq_ignore_ascii_case(&raw.method)
            && let Some((path_params, _)) = match_path(route.path, &raw.raw_path)
        {
            return Ok(Routed {
                service,
                action: route.action,
                mutating: route.mutating,
                path_params,
            });
        }
    }
    Err(obs_error(
        405,
        "MethodNotAllowed",
        format!(
            "OBS {} {} is not implemented in the emulator (it serves ListBuckets, GetBucketStorageInfo, CreateBucket and DeleteBucket).",
            raw.method, raw.raw_path
        ),
    ))
}

/// `(bucket, key)` of a path-style path.
fn bucket_and_key(raw_path: &str) -> (Option<String>, Option<String>) {
    let path = raw_path.trim_start_matches('/');
    let (bucket, key) = match path.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key)),
        None => (path, None),
    };
    (
        (!bucket.is_empty()).then(|| path_decode(bucket)),
        key.filter(|k| !k.is_empty()).map(path_decode),
    )
}

fn query_pairs(raw_query: &str) -> Vec<(String, Option<String>)> {
    raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            // An empty value is a bare sub-resource (`?storageinfo=` signs as `storageinfo`).
            Some((k, "")) => (path_decode(k), None),
            Some((k, v)) => (path_decode(k), Some(path_decode(v))),
            None => (path_decode(pair), None),
        })
        .collect()
}

/// The RFC 1123 date of a request (`x-obs-date` / `x-amz-date`, else `Date`).
fn request_date(raw: &RawRequest, flavor: Flavor) -> Option<OffsetDateTime> {
    let text = raw
        .header(&flavor.date_header())
        .or_else(|| raw.header("date"))?;
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Verifies an OBS request; the account (domain id) whose buckets it works on.
pub fn authenticate(raw: &RawRequest, account: &DemoAccount) -> Result<String, ApiError> {
    let authorization = raw.header("authorization").unwrap_or_default();
    let Some((flavor, access_key, _)) = signer::parse_authorization(authorization) else {
        return Err(obs_error(
            403,
            "AccessDenied",
            "The Authorization header is missing or is not OBS <AK>:<signature>.",
        ));
    };
    let Some(pair) = account.key(access_key) else {
        return Err(obs_error(
            403,
            "InvalidAccessKeyId",
            "The access key Id you provided does not exist in our records.",
        ));
    };
    let (bucket, key) = bucket_and_key(&raw.raw_path);
    let resource = signer::canonical_resource(
        bucket.as_deref(),
        key.as_deref(),
        &query_pairs(&raw.raw_query),
        true,
        flavor,
    );
    match signer::verify(
        authorization,
        &raw.method,
        &raw.headers,
        &resource,
        pair.secret_key.expose(),
    ) {
        Ok(()) => {}
        Err(ObsVerifyError::Mismatch { string_to_sign }) => {
            // OBS echoes what it signed; a security token in it is masked, never echoed.
            let string_to_sign: String = string_to_sign
                .split('\n')
                .map(|line| {
                    if line.starts_with(&format!("{}security-token:", flavor.header_prefix())) {
                        format!("{}security-token:****", flavor.header_prefix())
                    } else {
                        line.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            return Err(obs_error(
                403,
                "SignatureDoesNotMatch",
                format!(
                    "The request signature we calculated does not match the signature you provided. Check your key and signing method. StringToSign: {string_to_sign:?}"
                ),
            ));
        }
        Err(ObsVerifyError::Malformed) => {
            return Err(obs_error(
                403,
                "AccessDenied",
                "The Authorization header is malformed.",
            ));
        }
    }
    let Some(date) = request_date(raw, flavor) else {
        return Err(obs_error(
            403,
            "AccessDenied",
            "The request has no RFC 1123 Date (or x-obs-date) header.",
        ));
    };
    if (OffsetDateTime::now_utc() - date).unsigned_abs() > WINDOW {
        return Err(obs_error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the server's time is too large.",
        ));
    }
    if let Some(token) = &pair.security_token {
        let sent = raw.header(&format!("{}security-token", flavor.header_prefix()));
        if sent != Some(token.expose()) {
            return Err(obs_error(
                403,
                "InvalidAccessKeyId",
                "The security token of the temporary access key is missing or wrong.",
            ));
        }
    }
    Ok(account.domain_id.clone())
}

/// A handler's answer: an XML document (empty for none) and its status.
pub fn xml_answer(status: u16, xml: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(XML_KEY.into(), Value::String(xml.to_owned()));
    out.insert(STATUS_KEY.into(), Value::from(status));
    out
}

fn with_headers(mut response: Response, request_id: &str, xml: bool) -> Response {
    if xml {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert("x-obs-request-id", value.clone());
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The HTTP answer of an OBS handler, `None` for any other service's body.
pub fn success_response(body: &Map<String, Value>, request_id: &str) -> Option<Response> {
    let xml = body.get(XML_KEY)?.as_str().unwrap_or_default().to_owned();
    let status = body
        .get(STATUS_KEY)
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let has_body = !xml.is_empty();
    Some(with_headers(
        (status, xml).into_response(),
        request_id,
        has_body,
    ))
}

/// An OBS `<Error>` document.
pub fn error_response(error: &ApiError, request_id: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId><HostId>emulator</HostId></Error>",
        escape(&error.code),
        escape(&error.message),
        escape(request_id)
    );
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    with_headers((status, xml).into_response(), request_id, true)
}

/// XML text escaping.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// `2026-01-01T00:00:00.000Z`.
pub fn iso_time(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// A small XML document as JSON (elements with children are objects, text-only ones strings):
/// enough for the request bodies OBS takes here.
pub fn parse_xml(text: &str) -> Result<Map<String, Value>, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<(String, Map<String, Value>, String)> =
        vec![(String::new(), Map::new(), String::new())];
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(empty) => {
                let name = String::from_utf8_lossy(empty.local_name().as_ref()).into_owned();
                if let Some((_, map, _)) = stack.last_mut() {
                    map.insert(name, Value::String(String::new()));
                }
            }
            Event::Text(content) => {
                let unescaped = content.unescape().map_err(|e| e.to_string())?;
                if let Some((_, _, text)) = stack.last_mut() {
                    text.push_str(&unescaped);
                }
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop().ok_or("unbalanced")?;
                let value = if children.is_empty() {
                    Value::String(text)
                } else {
                    Value::Object(children)
                };
                stack.last_mut().ok_or("unbalanced")?.1.insert(name, value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match stack.pop() {
        Some((_, root, _)) if stack.is_empty() => Ok(root),
        _ => Err("an element is not closed".into()),
    }
}
