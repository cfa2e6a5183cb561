//! Signature V3 (`ACS3-HMAC-SHA256`), as the official SDK's `get_authorization` does it.
//!
//! Each stage is its own function so the test vectors can pin every intermediate
//! value; [`sign`] strings them together. Server-side checking lives in
//! [`verification`] and reuses the same stages, so the client and the emulator can
//! never disagree about canonicalisation.

mod verification;

pub use verification::{
    ParsedAuthorization, VerifyError, WireRequest, parse_authorization, verify,
};

use crate::signing::digest::{hmac_sha256_hex, sha256_hex};
use crate::signing::encoding::percent_encode_rfc3986;

/// The algorithm name: the first line of the string to sign and the first word of
/// the `Authorization` header.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Everything the V3 signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignableRequest<'a> {
    /// HTTP method; upper-cased when canonicalised.
    pub method: &'a str,
    /// The already percent-encoded path, exactly as sent (`/` when empty).
    pub canonical_uri: &'a str,
    /// Decoded query pairs (canonicalisation encodes and sorts them).
    pub query: &'a [(String, String)],
    /// The headers to sign, any case; all of them end up in `SignedHeaders`.
    pub headers: &'a [(String, String)],
    /// The exact body bytes that are sent.
    pub body: &'a [u8],
}

/// Every stage of one V3 signature, so callers can log the non-secret parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acs3Signature {
    /// Step 7: the canonical request.
    pub canonical_request: String,
    /// Step 8: `ACS3-HMAC-SHA256\n<hex sha256 of the canonical request>`.
    pub string_to_sign: String,
    /// Step 5: lower-case header names joined by `;`.
    pub signed_headers: String,
    /// Step 9: lower-case hex HMAC.
    pub signature: String,
    /// Step 10: the `Authorization` header value.
    pub authorization: String,
}

/// Step 6: hex SHA-256 of the body; also the value of `x-acs-content-sha256`.
pub fn hashed_payload(body: &[u8]) -> String {
    sha256_hex(body)
}

/// Step 3: sorted `key=value` pairs with RFC 3986-encoded values, joined by `&`.
///
/// Keys are sorted by code point and emitted as given: the Python SDK does not encode
/// keys (the docs say it does, which is identical for the ASCII keys APIs use).
/// Duplicate keys, which the SDK's dict cannot produce, are ordered by value so that
/// client and verifier agree.
pub fn canonical_query_string(query: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(key, value)| format!("{key}={}", percent_encode_rfc3986(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Steps 4 and 5: `name:value\n` lines and the `;`-joined names.
///
/// Names are lower-cased, values trimmed, lines sorted by name, and repeated names
/// folded into one line with their values joined by `,` in the order given.
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut merged: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, value) in headers {
        let lower = name.trim().to_ascii_lowercase();
        match merged.iter_mut().find(|(existing, _)| *existing == lower) {
            Some((_, values)) => values.push(value.trim()),
            None => merged.push((lower, vec![value.trim()])),
        }
    }
    merged.sort_by(|(left, _), (right, _)| left.cmp(right));
    let canonical = merged
        .iter()
        .map(|(name, values)| format!("{name}:{}\n", values.join(",")))
        .collect::<String>();
    let signed = merged
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (canonical, signed)
}

/// Step 7: `METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nPAYLOAD_HASH`.
///
/// The canonical headers already end in `\n`, hence the blank line before the signed
/// header names.
pub fn canonical_request(req: &SignableRequest) -> String {
    let uri = if req.canonical_uri.is_empty() {
        "/"
    } else {
        req.canonical_uri
    };
    let (headers, signed) = canonical_headers(req.headers);
    format!(
        "{}\n{uri}\n{}\n{headers}\n{signed}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_query_string(req.query),
        hashed_payload(req.body),
    )
}

/// Step 8: the algorithm name and the hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// Step 9: lower-case hex HMAC-SHA256 keyed with the UTF-8 secret.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    hmac_sha256_hex(access_key_secret.as_bytes(), string_to_sign.as_bytes())
}

/// Step 10: the header value; no spaces after the commas, as the SDK writes it.
pub fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
}

/// Signs `req`: all stages at once.
pub fn sign(req: &SignableRequest, access_key_id: &str, access_key_secret: &str) -> Acs3Signature {
    let canonical_request = canonical_request(req);
    let string_to_sign = string_to_sign(&canonical_request);
    let (_, signed_headers) = canonical_headers(req.headers);
    let signature = signature(access_key_secret, &string_to_sign);
    let authorization = authorization(access_key_id, &signed_headers, &signature);
    Acs3Signature {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// Hex text of caller-supplied random bytes, for `x-acs-signature-nonce`.
///
/// Pure, so tests can pin the nonce; the server only needs uniqueness, which 16 random
/// bytes (32 hex characters, the same length as the SDK's md5 nonce) give.
pub fn signature_nonce_from(random_bytes: &[u8]) -> String {
    hex::encode(random_bytes)
}

/// A fresh nonce from the thread-local CSPRNG (not I/O, so it stays in this module).
pub fn signature_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    signature_nonce_from(&bytes)
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
    fn canonical_query_sorts_by_key_and_encodes_values() {
        let query = owned(&[("b", "x y"), ("a", "1*2"), ("c", ""), ("B", "~")]);
        assert_eq!(canonical_query_string(&query), "B=~&a=1%2A2&b=x%20y&c=");
        assert_eq!(canonical_query_string(&[]), "");
    }

    #[test]
    fn canonical_headers_lowercase_trim_sort_and_fold_duplicates() {
        let headers = owned(&[
            ("X-Acs-B", " two "),
            ("host", "h"),
            ("x-acs-b", "three"),
            ("X-ACS-A", "one"),
        ]);
        let (canonical, signed) = canonical_headers(&headers);
        assert_eq!(canonical, "host:h\nx-acs-a:one\nx-acs-b:two,three\n");
        assert_eq!(signed, "host;x-acs-a;x-acs-b");
    }

    #[test]
    fn empty_uri_canonicalises_to_slash_and_method_is_upper_cased() {
        let headers = owned(&[("host", "h")]);
        let req = SignableRequest {
            method: "get",
            canonical_uri: "",
            query: &[],
            headers: &headers,
            body: b"",
        };
        assert!(canonical_request(&req).starts_with("GET\n/\n\nhost:h\n\nhost\n"));
    }

    #[test]
    fn nonces_are_32_hex_characters_and_fresh() {
        assert_eq!(signature_nonce_from(&[0xab; 16]), "ab".repeat(16));
        let first = signature_nonce();
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, signature_nonce());
    }
}
