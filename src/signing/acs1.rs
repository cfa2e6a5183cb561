//! Legacy signature V1 (`SignatureVersion=1.0`, HMAC-SHA1).
//!
//! skillgate's client signs with V3 only; this exists so that every vector in the file
//! is tested and so the emulator can accept SDKs configured with
//! `signature_algorithm='v2'`, which still produce V1 signatures.
//!
//! - RPC: the signature covers the sorted, RFC 3986-encoded query (and form body)
//!   parameters and travels as the `Signature` query parameter; the key is `secret&`.
//! - ROA: the signature covers method, a few standard headers, the sorted `x-acs-*`
//!   headers and the resource, and travels as `Authorization: acs AK:sig`; the key is
//!   the bare secret.

use subtle::ConstantTimeEq;

use crate::signing::acs3::VerifyError;
use crate::signing::digest::hmac_sha1_base64;
use crate::signing::encoding::{parse_raw_query, percent_encode_rfc3986};

/// The only V1 signature method the SDKs use.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// RPC: sorted `key=value` pairs, both RFC 3986-encoded, without `Signature`.
pub fn rpc_canonicalized_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(key, _)| key != "Signature")
        .collect();
    sorted.sort();
    sorted
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

/// RPC: `METHOD&%2F&<percent-encoded canonicalized query>`.
pub fn rpc_string_to_sign(method: &str, canonicalized_query: &str) -> String {
    format!(
        "{}&%2F&{}",
        method.to_ascii_uppercase(),
        percent_encode_rfc3986(canonicalized_query)
    )
}

/// RPC: base64 HMAC-SHA1 keyed with `secret&` (the `&` is part of the key).
pub fn rpc_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    hmac_sha1_base64(
        format!("{access_key_secret}&").as_bytes(),
        string_to_sign.as_bytes(),
    )
}

/// ROA: `METHOD\nAccept\nContent-MD5\nContent-Type\nDate\n` + sorted `x-acs-*` lines +
/// the resource. Header names are matched case-insensitively and emitted lower-case.
pub fn roa_string_to_sign(
    method: &str,
    pathname: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
) -> String {
    let first = |name: &str| {
        headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map_or("", |(_, value)| value.as_str())
    };
    let mut acs: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.as_str()))
        .filter(|(name, _)| name.starts_with("x-acs-"))
        .collect();
    acs.sort();
    let acs_lines: String = acs
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{acs_lines}{}",
        method.to_ascii_uppercase(),
        first("accept"),
        first("content-md5"),
        first("content-type"),
        first("date"),
        roa_canonicalized_resource(pathname, query),
    )
}

/// ROA: the path, then `?` and the sorted raw (unencoded) pairs; an empty value is
/// written as the bare key, as the SDK's `_get_canonicalized_resource` does.
pub fn roa_canonicalized_resource(pathname: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return pathname.to_owned();
    }
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort();
    let pairs = sorted
        .iter()
        .map(|(key, value)| {
            if value.is_empty() {
                key.clone()
            } else {
                format!("{key}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{pathname}?{pairs}")
}

/// ROA: base64 HMAC-SHA1 keyed with the bare secret.
pub fn roa_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    hmac_sha1_base64(access_key_secret.as_bytes(), string_to_sign.as_bytes())
}

/// ROA: the `Authorization` header value.
pub fn roa_authorization(access_key_id: &str, signature: &str) -> String {
    format!("acs {access_key_id}:{signature}")
}

fn constant_time_eq(left: &str, right: &str) -> bool {
    bool::from(left.as_bytes().ct_eq(right.as_bytes()))
}

/// Verifies a V1 RPC request from its raw query and, for form posts, its raw form body.
/// Returns the access key id that signed it.
pub fn verify_rpc(
    method: &str,
    raw_query: &str,
    form_body: Option<&str>,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<String, VerifyError> {
    let mut params = parse_raw_query(raw_query);
    if let Some(body) = form_body {
        params.extend(parse_raw_query(body));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let provided = param("Signature").ok_or(VerifyError::MissingAuthorization)?;
    let access_key_id = param("AccessKeyId").ok_or(VerifyError::IncompleteSignature)?;
    if param("SignatureMethod").as_deref() != Some(SIGNATURE_METHOD) {
        return Err(VerifyError::IncompleteSignature);
    }
    let secret = secret_for(&access_key_id).ok_or(VerifyError::InvalidAccessKeyId)?;
    let server_string_to_sign = rpc_string_to_sign(method, &rpc_canonicalized_query(&params));
    if constant_time_eq(&rpc_signature(&secret, &server_string_to_sign), &provided) {
        Ok(access_key_id)
    } else {
        Err(VerifyError::SignatureDoesNotMatch {
            server_string_to_sign,
        })
    }
}

/// Verifies a V1 ROA request (`Authorization: acs AK:sig`). Returns the access key id.
pub fn verify_roa(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &[(String, String)],
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<String, VerifyError> {
    let authorization = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim())
        .ok_or(VerifyError::MissingAuthorization)?;
    let (access_key_id, provided) = authorization
        .strip_prefix("acs ")
        .and_then(|rest| rest.split_once(':'))
        .ok_or(VerifyError::IncompleteSignature)?;
    if access_key_id.is_empty() || provided.is_empty() {
        return Err(VerifyError::IncompleteSignature);
    }
    let secret = secret_for(access_key_id).ok_or(VerifyError::InvalidAccessKeyId)?;
    let pathname = if raw_path.is_empty() { "/" } else { raw_path };
    let server_string_to_sign =
        roa_string_to_sign(method, pathname, &parse_raw_query(raw_query), headers);
    if constant_time_eq(&roa_signature(&secret, &server_string_to_sign), provided) {
        Ok(access_key_id.to_owned())
    } else {
        Err(VerifyError::SignatureDoesNotMatch {
            server_string_to_sign,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rpc_canonical_form_drops_signature_and_encodes_keys_and_values() {
        let params = owned(&[("b", "x y"), ("Signature", "zzz"), ("a*", "/")]);
        assert_eq!(rpc_canonicalized_query(&params), "a%2A=%2F&b=x%20y");
        assert_eq!(
            rpc_string_to_sign("get", "a=1&b=2"),
            "GET&%2F&a%3D1%26b%3D2"
        );
    }

    #[test]
    fn roa_resource_writes_bare_keys_for_empty_values() {
        let query = owned(&[("b", "2"), ("a", "")]);
        assert_eq!(roa_canonicalized_resource("/p", &query), "/p?a&b=2");
        assert_eq!(roa_canonicalized_resource("/p", &[]), "/p");
    }

    #[test]
    fn roa_round_trip_and_tamper() {
        let mut headers = owned(&[
            ("Accept", "application/json"),
            ("Date", "Sun, 22 Nov 2026 08:00:00 GMT"),
            ("X-Acs-Version", "2020-12-03"),
        ]);
        let sts = roa_string_to_sign("GET", "/p", &[], &headers);
        headers.push((
            "Authorization".to_owned(),
            roa_authorization("AK", &roa_signature("s", &sts)),
        ));
        let secret_for = |ak: &str| (ak == "AK").then(|| "s".to_owned());
        assert_eq!(
            verify_roa("GET", "/p", "", &headers, secret_for),
            Ok("AK".to_owned())
        );
        assert_eq!(
            verify_roa("GET", "/q", "", &headers, secret_for).map_err(|e| e.code()),
            Err("SignatureDoesNotMatch")
        );
        assert_eq!(
            verify_roa("GET", "/p", "", &headers, |_| None),
            Err(VerifyError::InvalidAccessKeyId)
        );
    }
}
