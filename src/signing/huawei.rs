//! Huawei Cloud `SDK-HMAC-SHA256`, as `huaweicloudsdkcore/signer/signer.py` does it.
//!
//! Each stage is its own function so the vectors recorded from the official signer
//! (`tests/vectors/huawei-sdk-hmac.json`) pin every intermediate value; [`sign`] strings
//! them together and [`verify`] reuses the same stages for the emulator, so the client and
//! the emulator can never disagree about canonicalisation. The differences from AWS SigV4
//! and Alibaba ACS3 that matter:
//! - the canonical URI always ends in `/`, the wire path does not;
//! - every header present at signing time is signed, except names containing `_`;
//! - a non-JSON body is hashed as `UNSIGNED-PAYLOAD` (declared in `X-Sdk-Content-Sha256`);
//! - the key is the secret itself (no derivation) and the `Authorization` fields are
//!   separated by `", "`.
//!
//! Pure: dates are parameters ([`format_sdk_date`], [`parse_sdk_date`]), nothing is read
//! from the clock or the environment.

use std::collections::BTreeMap;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::signing::digest::{hmac_sha256, hmac_sha256_hex, sha256_hex};
use crate::signing::encoding::percent_encode_rfc3986;

/// The algorithm: the first line of the string to sign and the first word of `Authorization`.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The payload hash of a body the signer does not hash (declared in `X-Sdk-Content-Sha256`).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The header that declares [`UNSIGNED_PAYLOAD`].
pub const CONTENT_SHA256_HEADER: &str = "X-Sdk-Content-Sha256";
/// The signing date header.
pub const DATE_HEADER: &str = "X-Sdk-Date";
/// SHA-256 of the empty body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Everything the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignableRequest<'a> {
    /// HTTP method; upper-cased when canonicalised.
    pub method: &'a str,
    /// The resource path as sent (percent-encoded, no trailing slash needed).
    pub path: &'a str,
    /// Decoded query pairs; canonicalisation sorts and encodes them.
    pub query: &'a [(String, String)],
    /// Every header present at signing time, any case, including `Host` and `X-Sdk-Date`.
    pub headers: &'a [(String, String)],
    /// The exact body bytes that are sent.
    pub body: &'a [u8],
}

/// Every stage of one signature, so callers and tests can see the non-secret parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuaweiSignature {
    /// The canonical request.
    pub canonical_request: String,
    /// `SDK-HMAC-SHA256\n<date>\n<hex sha256 of the canonical request>`.
    pub string_to_sign: String,
    /// Lower-case header names joined by `;`.
    pub signed_headers: String,
    /// Lower-case hex HMAC-SHA256 keyed with the secret.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// `20261122T083000Z`: the `X-Sdk-Date` format (`%Y%m%dT%H%M%SZ`, UTC).
pub fn format_sdk_date(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.format(format_description!(
        "[year][month][day]T[hour][minute][second]Z"
    ))
    .unwrap_or_default()
}

/// Parses an `X-Sdk-Date` value; `None` when it is not in the signer's format.
pub fn parse_sdk_date(text: &str) -> Option<OffsetDateTime> {
    let parsed = time::PrimitiveDateTime::parse(
        text.trim(),
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .ok()?;
    Some(parsed.assume_utc())
}

/// The canonical URI: the path percent-decoded, split on `/`, each segment re-encoded
/// (RFC 3986) and a `/` appended when missing. A `%2F` inside a segment therefore becomes
/// a separator, exactly as the SDK's `unquote` + `split` does.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(percent_encode_rfc3986)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query string, which is also the query the SDK sends: pairs sorted by raw
/// key, then raw value (code-point order), each side RFC 3986-encoded, joined by `&`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                percent_encode_rfc3986(key),
                percent_encode_rfc3986(value)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers the signer covers: every name without `_`, lower-cased and sorted, the
/// value trimmed; of two names differing only in case the last one wins.
pub fn signable_headers(headers: &[(String, String)]) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter(|(name, _)| !name.contains('_') && !name.eq_ignore_ascii_case("authorization"))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect()
}

/// `name:value\n` per header, and the names joined by `;`.
pub fn canonical_headers(headers: &BTreeMap<String, String>) -> (String, String) {
    let lines: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let names = headers.keys().cloned().collect::<Vec<_>>().join(";");
    (lines, names)
}

/// Whether the signer declares `UNSIGNED-PAYLOAD` for this `Content-Type`: one is set and
/// it starts with neither `application/json` nor `application/bson`.
pub fn needs_unsigned_payload(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        let value = value.trim().to_ascii_lowercase();
        !value.starts_with("application/json") && !value.starts_with("application/bson")
    })
}

/// The payload hash: the empty hash for no body, else the declared `X-Sdk-Content-Sha256`,
/// else the hex SHA-256 of the body bytes.
pub fn hashed_payload(declared: Option<&str>, body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_BODY_SHA256.to_owned();
    }
    match declared {
        Some(value) => value.trim().to_owned(),
        None => sha256_hex(body),
    }
}

fn header_value<'a>(headers: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    headers.get(&name.to_ascii_lowercase()).map(String::as_str)
}

/// The canonical request and the signed header names of `req`.
pub fn canonical_request(req: &SignableRequest<'_>) -> (String, String) {
    let signable = signable_headers(req.headers);
    canonical_request_over(req, &signable)
}

fn canonical_request_over(
    req: &SignableRequest<'_>,
    signed: &BTreeMap<String, String>,
) -> (String, String) {
    let (lines, names) = canonical_headers(signed);
    let payload = hashed_payload(header_value(signed, CONTENT_SHA256_HEADER), req.body);
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        lines,
        names,
        payload
    );
    (text, names)
}

/// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Hex HMAC-SHA256 of the string to sign, keyed with the secret key's bytes.
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    hmac_sha256_hex(secret_key.as_bytes(), string_to_sign.as_bytes())
}

/// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`.
pub fn authorization(access_key: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// Signs `req`, whose headers already hold `Host`, `X-Sdk-Date` and (for a non-JSON body)
/// `X-Sdk-Content-Sha256` (see [`needs_unsigned_payload`]).
pub fn sign(req: &SignableRequest<'_>, access_key: &str, secret_key: &str) -> HuaweiSignature {
    let signable = signable_headers(req.headers);
    let date = header_value(&signable, DATE_HEADER).unwrap_or_default();
    let (canonical_request, signed_headers) = canonical_request_over(req, &signable);
    let string_to_sign = string_to_sign(date, &canonical_request);
    let signature = signature(secret_key, &string_to_sign);
    let authorization = authorization(access_key, &signed_headers, &signature);
    HuaweiSignature {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// A request as the gateway receives it.
#[derive(Clone, Copy, Debug)]
pub struct WireRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The path as received, still percent-encoded.
    pub raw_path: &'a str,
    /// The query without `?`, still encoded.
    pub raw_query: &'a str,
    /// Every header received (any case).
    pub headers: &'a [(String, String)],
    /// The body bytes.
    pub body: &'a [u8],
}

/// The fields of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The access key.
    pub access_key: String,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Why a request does not authenticate; the emulator maps each to the gateway's error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization`, or one that is not `SDK-HMAC-SHA256`.
    #[error("the request is not signed with SDK-HMAC-SHA256")]
    NotSigned,
    /// `Authorization` lacks `Access`, `SignedHeaders` or `Signature`.
    #[error("the Authorization header is malformed")]
    Malformed,
    /// A header the signature must cover (`host`, `x-sdk-date`) is not signed, or a signed
    /// header is absent.
    #[error("the header `{0}` must be present and signed")]
    MissingSignedHeader(String),
    /// `X-Sdk-Date` is not in the signer's format.
    #[error("X-Sdk-Date is not in the yyyyMMddTHHmmssZ format")]
    BadDate,
    /// The access key is unknown.
    #[error("the access key `{0}` does not exist")]
    UnknownAccessKey(String),
    /// The recomputed signature differs.
    #[error("the signature does not match")]
    SignatureMismatch,
}

/// Parses `SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` (the separators
/// may carry spaces or not).
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let rest = value
        .trim()
        .strip_prefix(ALGORITHM)
        .filter(|rest| rest.starts_with(' '))
        .ok_or(VerifyError::NotSigned)?;
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for field in rest.split(',') {
        let Some((key, value)) = field.trim().split_once('=') else {
            return Err(VerifyError::Malformed);
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "Access" => access = Some(value),
            "SignedHeaders" => signed = Some(value),
            "Signature" => signature = Some(value),
            _ => return Err(VerifyError::Malformed),
        }
    }
    match (access, signed, signature) {
        (Some(access_key), Some(signed), Some(signature))
            if !access_key.is_empty() && !signed.is_empty() && !signature.is_empty() =>
        {
            Ok(ParsedAuthorization {
                access_key,
                signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
                signature,
            })
        }
        _ => Err(VerifyError::Malformed),
    }
}

/// Splits a raw query into percent-decoded pairs (`+` stays a plus: the signer never sends
/// a form-encoded space).
pub fn decode_query(raw_query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    raw_query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(segment), String::new()),
        })
        .collect()
}

/// What a verified request proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed it.
    pub access_key: String,
    /// The signed `X-Sdk-Date` (the caller checks its window against its own clock).
    pub date: OffsetDateTime,
}

/// Verifies a received request as the gateway does: rebuild the canonical request from the
/// raw path and query and exactly the headers named in `SignedHeaders` (as received,
/// `Host` with its port), apply the payload-hash rule, compare in constant time.
/// `host` and `x-sdk-date` must be signed.
pub fn verify(
    wire: &WireRequest<'_>,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<Verified, VerifyError> {
    let received = |name: &str| {
        wire.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let parsed = parse_authorization(received("authorization").ok_or(VerifyError::NotSigned)?)?;
    for required in ["host", "x-sdk-date"] {
        if !parsed.signed_headers.iter().any(|name| name == required) {
            return Err(VerifyError::MissingSignedHeader(required.to_owned()));
        }
    }
    let mut signed = BTreeMap::new();
    for name in &parsed.signed_headers {
        let value = received(name).ok_or_else(|| VerifyError::MissingSignedHeader(name.clone()))?;
        signed.insert(name.clone(), value.trim().to_owned());
    }
    let date_text = header_value(&signed, DATE_HEADER).unwrap_or_default();
    let date = parse_sdk_date(date_text).ok_or(VerifyError::BadDate)?;
    let secret = secret_for(&parsed.access_key)
        .ok_or_else(|| VerifyError::UnknownAccessKey(parsed.access_key.clone()))?;
    let query = decode_query(wire.raw_query);
    let req = SignableRequest {
        method: wire.method,
        path: wire.raw_path,
        query: &query,
        headers: &[],
        body: wire.body,
    };
    let (canonical, _) = canonical_request_over(&req, &signed);
    let expected = hmac_sha256(
        secret.as_bytes(),
        string_to_sign(date_text, &canonical).as_bytes(),
    );
    let provided = hex::decode(&parsed.signature).map_err(|_| VerifyError::SignatureMismatch)?;
    if bool::from(expected.as_slice().ct_eq(provided.as_slice())) {
        Ok(Verified {
            access_key: parsed.access_key,
            date,
        })
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn dates_round_trip_in_the_signer_format() {
        let at = datetime!(2026-11-22 08:30:00 UTC);
        assert_eq!(format_sdk_date(at), "20261122T083000Z");
        assert_eq!(parse_sdk_date("20261122T083000Z"), Some(at));
        assert_eq!(parse_sdk_date("2026-11-22T08:30:00Z"), None);
    }

    #[test]
    fn the_canonical_uri_always_ends_in_a_slash_and_splits_on_encoded_slashes() {
        assert_eq!(canonical_uri("/v1/p/notebooks"), "/v1/p/notebooks/");
        assert_eq!(canonical_uri("/v1/p/"), "/v1/p/");
        assert_eq!(canonical_uri("/v1/a%2Fb"), "/v1/a/b/");
        assert_eq!(canonical_uri("/v1/a%20b"), "/v1/a%20b/");
    }

    #[test]
    fn only_non_json_content_types_are_unsigned() {
        assert!(!needs_unsigned_payload(None));
        assert!(!needs_unsigned_payload(Some(
            "application/json;charset=utf-8"
        )));
        assert!(!needs_unsigned_payload(Some("application/bson")));
        assert!(needs_unsigned_payload(Some("application/octet-stream")));
        assert!(needs_unsigned_payload(Some("application/merge-patch+json")));
    }

    #[test]
    fn authorization_headers_parse_with_or_without_spaces() {
        let parsed = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab",
        );
        assert_eq!(
            parsed.map(|p| (p.access_key, p.signed_headers)),
            Ok(("AK".into(), vec!["host".into(), "x-sdk-date".into()]))
        );
        assert!(
            parse_authorization("SDK-HMAC-SHA256 Access=AK,SignedHeaders=host,Signature=ab")
                .is_ok()
        );
        assert_eq!(
            parse_authorization("ACS3-HMAC-SHA256 Credential=x"),
            Err(VerifyError::NotSigned)
        );
        assert_eq!(
            parse_authorization("SDK-HMAC-SHA256 Access=AK"),
            Err(VerifyError::Malformed)
        );
    }
}
