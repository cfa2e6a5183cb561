//! Server-side V3 verification, for the emulator.
//!
//! It works from the wire form only, as the recipe in the wire notes says: the raw
//! path bytes as received (never decoded and re-encoded, which would change what was
//! signed), the raw query form-decoded then canonicalised, the headers the client
//! named in `SignedHeaders`, and the raw body bytes (never a re-serialisation). This
//! is what lets requests signed by the official Python SDK verify here.

use subtle::ConstantTimeEq;

use super::{ALGORITHM, SignableRequest, canonical_request, hashed_payload, string_to_sign};
use crate::signing::digest::hmac_sha256;
use crate::signing::encoding::parse_raw_query;

/// A request exactly as it arrived.
#[derive(Clone, Copy, Debug)]
pub struct WireRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The request-target path, still percent-encoded.
    pub raw_path: &'a str,
    /// The raw query string without `?` (empty when there is none).
    pub raw_query: &'a str,
    /// Every received header, names in any case.
    pub headers: &'a [(String, String)],
    /// The raw body bytes.
    pub body: &'a [u8],
}

/// The parts of an `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The first word, e.g. `ACS3-HMAC-SHA256`.
    pub algorithm: String,
    /// The `Credential` value.
    pub access_key_id: String,
    /// The `SignedHeaders` names, trimmed and lower-cased, in the order given.
    pub signed_headers: Vec<String>,
    /// The `Signature` value as sent.
    pub signature: String,
}

/// Why a request was rejected. [`VerifyError::code`], [`VerifyError::http_status`] and
/// [`VerifyError::message`] give the Alibaba-style error body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header at all.
    #[error("{}", self.message())]
    MissingAuthorization,
    /// The header is not a well-formed `ACS3-HMAC-SHA256` authorization.
    #[error("{}", self.message())]
    IncompleteSignature,
    /// The access key id is not known to the server.
    #[error("{}", self.message())]
    InvalidAccessKeyId,
    /// `x-acs-content-sha256` differs from the SHA-256 of the received body.
    #[error("{}", self.message())]
    ContentShaMismatch,
    /// A header that must be present and signed (`host`, `x-acs-*`) is missing or unsigned.
    #[error("{}", self.message())]
    MissingRequiredSignedHeader(String),
    /// The recomputed signature differs; carries the server's string to sign for debugging.
    #[error("{}", self.message())]
    SignatureDoesNotMatch {
        /// What the server signed, echoed like the V1 service does.
        server_string_to_sign: String,
    },
}

impl VerifyError {
    /// The Alibaba error code.
    ///
    /// `ContentSHA256Mismatch` is the code the vector file's negative cases expect; no
    /// public Alibaba table documents one. `MissingSecurityHeader` is likewise our
    /// choice for a request with no `Authorization` at all.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthorization => "MissingSecurityHeader",
            Self::IncompleteSignature | Self::MissingRequiredSignedHeader(_) => {
                "IncompleteSignature"
            }
            Self::InvalidAccessKeyId => "InvalidAccessKeyId.NotFound",
            Self::ContentShaMismatch => "ContentSHA256Mismatch",
            Self::SignatureDoesNotMatch { .. } => "SignatureDoesNotMatch",
        }
    }

    /// The HTTP status: 404 for an unknown key as Alibaba documents, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidAccessKeyId => 404,
            _ => 400,
        }
    }

    /// The error message, using Alibaba's published wording where there is one.
    pub fn message(&self) -> String {
        match self {
            Self::MissingAuthorization => {
                "The request is missing the Authorization header.".to_owned()
            }
            Self::IncompleteSignature => {
                "The request signature does not conform to Aliyun standards.".to_owned()
            }
            Self::InvalidAccessKeyId => "Specified access key is not found.".to_owned(),
            Self::ContentShaMismatch => {
                "The x-acs-content-sha256 header does not match the SHA-256 digest of the request body."
                    .to_owned()
            }
            Self::MissingRequiredSignedHeader(name) => format!(
                "The request signature does not conform to Aliyun standards. The header {name} must be present and signed."
            ),
            Self::SignatureDoesNotMatch {
                server_string_to_sign,
            } => format!(
                "Specified signature is not matched with our calculation. server string to sign is:{server_string_to_sign}"
            ),
        }
    }
}

/// Splits an `Authorization` value into its parts.
///
/// Any algorithm word is accepted here (so callers can tell V1 `acs AK:sig` and other
/// V3 variants apart); [`verify`] insists on `ACS3-HMAC-SHA256`. Spaces after the commas
/// are tolerated although the SDK writes none.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let (algorithm, rest) = value
        .trim()
        .split_once(' ')
        .ok_or(VerifyError::IncompleteSignature)?;
    let mut access_key_id = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(VerifyError::IncompleteSignature);
        };
        let value = value.trim();
        match key.trim() {
            "Credential" => access_key_id = Some(value.to_owned()),
            "SignedHeaders" => {
                signed_headers = Some(
                    value
                        .split(';')
                        .map(|name| name.trim().to_ascii_lowercase())
                        .filter(|name| !name.is_empty())
                        .collect::<Vec<_>>(),
                );
            }
            "Signature" => signature = Some(value.to_owned()),
            _ => return Err(VerifyError::IncompleteSignature),
        }
    }
    match (access_key_id, signed_headers, signature) {
        (Some(access_key_id), Some(signed_headers), Some(signature))
            if !access_key_id.is_empty() && !signed_headers.is_empty() && !signature.is_empty() =>
        {
            Ok(ParsedAuthorization {
                algorithm: algorithm.to_owned(),
                access_key_id,
                signed_headers,
                signature,
            })
        }
        _ => Err(VerifyError::IncompleteSignature),
    }
}

/// All values of header `name` (case-insensitive), in arrival order.
fn header_values<'h>(headers: &'h [(String, String)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(candidate, _)| candidate.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
        .collect()
}

/// Checks the request's V3 signature and returns the access key id that signed it.
///
/// Order: authorization syntax, algorithm, key lookup, body hash, required signed
/// headers, then the constant-time signature comparison. Clock skew and nonce reuse are
/// left to the caller, because this module has no clock and no memory.
pub fn verify(
    req: &WireRequest,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<String, VerifyError> {
    let raw_authorization = header_values(req.headers, "authorization");
    let first = raw_authorization
        .first()
        .ok_or(VerifyError::MissingAuthorization)?;
    let parsed = parse_authorization(first)?;
    if parsed.algorithm != ALGORITHM {
        return Err(VerifyError::IncompleteSignature);
    }
    let secret = secret_for(&parsed.access_key_id).ok_or(VerifyError::InvalidAccessKeyId)?;

    let content_sha = header_values(req.headers, "x-acs-content-sha256");
    let claimed = content_sha.first().ok_or_else(|| {
        VerifyError::MissingRequiredSignedHeader("x-acs-content-sha256".to_owned())
    })?;
    if !claimed
        .trim()
        .eq_ignore_ascii_case(&hashed_payload(req.body))
    {
        return Err(VerifyError::ContentShaMismatch);
    }

    let mut signed_names: Vec<&str> = Vec::new();
    for name in &parsed.signed_headers {
        if !signed_names.contains(&name.as_str()) {
            signed_names.push(name);
        }
    }
    check_required_headers_signed(req.headers, &signed_names)?;

    let mut signed_headers = Vec::new();
    for name in &signed_names {
        let values = header_values(req.headers, name);
        if values.is_empty() {
            return Err(VerifyError::MissingRequiredSignedHeader((*name).to_owned()));
        }
        signed_headers.extend(
            values
                .into_iter()
                .map(|value| ((*name).to_owned(), value.to_owned())),
        );
    }

    let query = parse_raw_query(req.raw_query);
    let canonical = canonical_request(&SignableRequest {
        method: req.method,
        canonical_uri: req.raw_path,
        query: &query,
        headers: &signed_headers,
        body: req.body,
    });
    let server_string_to_sign = string_to_sign(&canonical);
    let expected = hmac_sha256(secret.as_bytes(), server_string_to_sign.as_bytes());
    let provided = hex::decode(parsed.signature.to_ascii_lowercase()).unwrap_or_default();
    if bool::from(expected.as_slice().ct_eq(provided.as_slice())) {
        Ok(parsed.access_key_id)
    } else {
        Err(VerifyError::SignatureDoesNotMatch {
            server_string_to_sign,
        })
    }
}

/// The docs require `host` and every present `x-acs-*` header to be signed; without
/// this, a proxy could change e.g. `x-acs-action` without breaking the signature.
fn check_required_headers_signed(
    headers: &[(String, String)],
    signed_names: &[&str],
) -> Result<(), VerifyError> {
    if !signed_names.contains(&"host") {
        return Err(VerifyError::MissingRequiredSignedHeader("host".to_owned()));
    }
    for (name, _) in headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower.starts_with("x-acs-") && !signed_names.contains(&lower.as_str()) {
            return Err(VerifyError::MissingRequiredSignedHeader(lower));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::acs3::sign;

    const AK: &str = "LTAI5tUnitTest";
    const SECRET: &str = "unit-test-secret";

    fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn secret_for(ak: &str) -> Option<String> {
        (ak == AK).then(|| SECRET.to_owned())
    }

    /// A signed GET plus its wire headers (signed headers + Authorization + unsigned UA).
    fn signed_get(extra_unsigned: &[(&str, &str)]) -> Vec<(String, String)> {
        let signed = owned(&[
            ("host", "pai.cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", "ListQuotas"),
            ("x-acs-version", "2022-01-12"),
            ("x-acs-date", "2026-11-22T08:00:00Z"),
            ("x-acs-signature-nonce", "n1"),
            ("x-acs-content-sha256", &hashed_payload(b"")),
        ]);
        let query = owned(&[("QuotaName", "a b")]);
        let sig = sign(
            &SignableRequest {
                method: "GET",
                canonical_uri: "/api/v1/quotas/",
                query: &query,
                headers: &signed,
                body: b"",
            },
            AK,
            SECRET,
        );
        let mut wire = signed;
        wire.push(("Authorization".to_owned(), sig.authorization));
        wire.extend(owned(extra_unsigned));
        wire
    }

    fn wire<'a>(headers: &'a [(String, String)], raw_query: &'a str) -> WireRequest<'a> {
        WireRequest {
            method: "GET",
            raw_path: "/api/v1/quotas/",
            raw_query,
            headers,
            body: b"",
        }
    }

    #[test]
    fn accepts_a_fresh_signature_and_ignores_unsigned_user_agent() {
        let headers = signed_get(&[("User-Agent", "x")]);
        assert_eq!(
            verify(&wire(&headers, "QuotaName=a+b"), secret_for),
            Ok(AK.to_owned())
        );
        // `%20` and `+` decode to the same space, so both wire forms verify.
        assert_eq!(
            verify(&wire(&headers, "QuotaName=a%20b"), secret_for),
            Ok(AK.to_owned())
        );
    }

    #[test]
    fn rejects_missing_and_malformed_authorization() {
        let headers = owned(&[("host", "h")]);
        assert_eq!(
            verify(&wire(&headers, ""), secret_for),
            Err(VerifyError::MissingAuthorization)
        );
        for bad in [
            "ACS3-HMAC-SHA256",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=00",
            "ACS3-HMAC-SHA256 Credential=a,Signature=00",
            "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00,Extra=1",
            "acs LTAI:abc=",
        ] {
            assert_eq!(
                parse_authorization(bad),
                Err(VerifyError::IncompleteSignature),
                "{bad}"
            );
        }
        let mut sm3 = signed_get(&[]);
        if let Some(auth) = sm3.iter_mut().find(|(n, _)| n == "Authorization") {
            auth.1 = auth.1.replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3");
        }
        assert_eq!(
            verify(&wire(&sm3, "QuotaName=a+b"), secret_for),
            Err(VerifyError::IncompleteSignature)
        );
    }

    #[test]
    fn parses_spaces_after_commas_and_lowercases_names() {
        let parsed = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=AK, SignedHeaders=Host;X-Acs-Date, Signature=ab",
        )
        .expect("valid header");
        assert_eq!(parsed.signed_headers, vec!["host", "x-acs-date"]);
        assert_eq!(parsed.access_key_id, "AK");
    }

    #[test]
    fn an_unsigned_x_acs_header_is_rejected() {
        let headers = signed_get(&[("x-acs-action-extra", "sneaky")]);
        let err = verify(&wire(&headers, "QuotaName=a+b"), secret_for).expect_err("must fail");
        assert_eq!(
            err,
            VerifyError::MissingRequiredSignedHeader("x-acs-action-extra".to_owned())
        );
        assert_eq!(err.code(), "IncompleteSignature");
    }

    #[test]
    fn a_changed_path_or_query_does_not_match_and_echoes_string_to_sign() {
        let headers = signed_get(&[]);
        let mut changed = wire(&headers, "QuotaName=a+c");
        let err = verify(&changed, secret_for).expect_err("query changed");
        assert_eq!(err.code(), "SignatureDoesNotMatch");
        assert!(err.message().starts_with(
            "Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n"
        ));
        changed.raw_query = "QuotaName=a+b";
        changed.raw_path = "/api/v1/quotas";
        assert_eq!(
            verify(&changed, secret_for).map_err(|e| e.code()),
            Err("SignatureDoesNotMatch")
        );
    }

    #[test]
    fn error_codes_and_statuses() {
        assert_eq!(VerifyError::InvalidAccessKeyId.http_status(), 404);
        assert_eq!(
            VerifyError::InvalidAccessKeyId.code(),
            "InvalidAccessKeyId.NotFound"
        );
        assert_eq!(
            VerifyError::ContentShaMismatch.code(),
            "ContentSHA256Mismatch"
        );
        assert_eq!(VerifyError::IncompleteSignature.http_status(), 400);
        assert_eq!(
            VerifyError::IncompleteSignature.to_string(),
            "The request signature does not conform to Aliyun standards."
        );
    }
}
