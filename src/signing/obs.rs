//! Huawei OBS request signing, the V2-style scheme of the OBS SDKs:
//! `Authorization: OBS <AK>:<base64(HMAC-SHA1(SK, StringToSign))>` with
//!
//! ```text
//! StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//!                CanonicalizedHeaders CanonicalizedResource
//! ```
//!
//! `CanonicalizedHeaders` are the `x-obs-*` headers, names in lower case, sorted, one
//! `name:value\n` each (`x-obs-meta-*` values trimmed); when `x-obs-date` is sent the Date line
//! is empty. `CanonicalizedResource` is `/<bucket>/<key>` (virtual-host style: `/<bucket>/` for a
//! bucket call; path style: `/<bucket>`), `/` for the service, then the sub-resources the SDK
//! signs (`?acl`, `?location`, ...) sorted by name. The same algorithm with `x-amz-` headers and
//! the `AWS` prefix ([`Flavor::V2`]) is what the official SDK sends in path style, e.g. when
//! pointed at an IP address; OBS accepts both. Pure: dates, keys and headers are parameters
//! (vectors from `esdk-obs-python` in `tests/vectors/obs-signature.json`).

use subtle::ConstantTimeEq;

use super::digest::hmac_sha1_base64;

/// The two header families of the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `x-obs-*` headers, `OBS` prefix (the OBS SDKs in virtual-host style, and skillgate).
    Obs,
    /// `x-amz-*` headers, `AWS` prefix (the OBS SDKs in path style, S3 clients).
    V2,
}

impl Flavor {
    /// The prefix of the headers that are signed.
    pub fn header_prefix(self) -> &'static str {
        match self {
            Flavor::Obs => "x-obs-",
            Flavor::V2 => "x-amz-",
        }
    }

    /// The `Authorization` prefix.
    pub fn auth_prefix(self) -> &'static str {
        match self {
            Flavor::Obs => "OBS",
            Flavor::V2 => "AWS",
        }
    }

    /// The date header that replaces `Date`.
    pub fn date_header(self) -> String {
        format!("{}date", self.header_prefix())
    }
}

/// Query names the SDK signs as sub-resources (`const.ALLOWED_RESOURCE_PARAMTER_NAMES`).
pub const SUB_RESOURCES: &[&str] = &[
    "acl",
    "backtosource",
    "policy",
    "torrent",
    "logging",
    "location",
    "storageinfo",
    "quota",
    "storageclass",
    "storagepolicy",
    "requestpayment",
    "versions",
    "versioning",
    "versionid",
    "uploads",
    "uploadid",
    "partnumber",
    "website",
    "notification",
    "dispolicy",
    "lifecycle",
    "deletebucket",
    "delete",
    "cors",
    "restore",
    "tagging",
    "replication",
    "metadata",
    "encryption",
    "publicaccessblock",
    "bucketstatus",
    "policystatus",
    "x-obs-accesslabel",
    "inventory",
    "obscompresspolicy",
    "object-lock",
    "retention",
    "directcoldaccess",
    "append",
    "position",
    "truncate",
    "modify",
    "rename",
    "length",
    "name",
    "fileinterface",
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "x-image-save-bucket",
    "x-image-save-object",
    "x-image-process",
    "x-oss-process",
    "x-workflow-prefix",
    "x-workflow-start",
    "x-workflow-limit",
    "x-workflow-template-name",
    "x-workflow-graph-name",
    "x-workflow-execution-state",
    "x-workflow-execution-type",
    "x-workflow-next-marker",
    "obsworkflowtriggerpolicy",
    "obsbucketalias",
    "obsalias",
];

/// An object key as the SDK puts it in the path and the resource: every byte but
/// `A-Z a-z 0-9 - _ . ~ /` percent-encoded (upper-case hex).
pub fn encode_object_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `CanonicalizedResource`: the bucket and encoded key in the request's style, then the signed
/// sub-resources sorted by name (`?acl`, `?versionId=v1&acl`...). `query` values are unencoded;
/// `None` is a bare name.
pub fn canonical_resource(
    bucket: Option<&str>,
    key: Option<&str>,
    query: &[(String, Option<String>)],
    path_style: bool,
    flavor: Flavor,
) -> String {
    let mut uri = String::new();
    if let Some(bucket) = bucket.filter(|b| !b.is_empty()) {
        uri.push('/');
        uri.push_str(bucket);
        if !path_style {
            uri.push('/');
        }
    }
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri.push_str(&encode_object_key(key));
    }
    if uri.is_empty() {
        uri.push('/');
    }
    let mut signed: Vec<&(String, Option<String>)> = query
        .iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            SUB_RESOURCES.contains(&lower.as_str()) || lower.starts_with(flavor.header_prefix())
        })
        .collect();
    signed.sort_by(|a, b| a.0.cmp(&b.0));
    if !signed.is_empty() {
        let parts: Vec<String> = signed
            .iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}={value}"),
                None => name.clone(),
            })
            .collect();
        uri.push('?');
        uri.push_str(&parts.join("&"));
    }
    uri
}

/// `StringToSign` of a request: `headers` are every header sent (any case); those that count
/// are Content-MD5, Content-Type, Date and the flavor's prefixed headers.
pub fn string_to_sign(
    method: &str,
    headers: &[(String, String)],
    resource: &str,
    flavor: Flavor,
) -> String {
    let mut interesting: std::collections::BTreeMap<String, String> =
        std::collections::BTreeMap::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if ["content-md5", "content-type", "date"].contains(&lower.as_str())
            || lower.starts_with(flavor.header_prefix())
        {
            interesting.insert(lower, value.clone());
        }
    }
    if interesting.contains_key(&flavor.date_header()) {
        interesting.insert("date".into(), String::new());
    }
    interesting.entry("content-type".into()).or_default();
    interesting.entry("content-md5".into()).or_default();
    let meta = format!("{}meta-", flavor.header_prefix());
    let mut out = format!("{method}\n");
    for (name, value) in &interesting {
        if name.starts_with(&meta) {
            out.push_str(&format!("{name}:{}", value.trim()));
        } else if name.starts_with(flavor.header_prefix()) {
            out.push_str(&format!("{name}:{value}"));
        } else {
            out.push_str(value);
        }
        out.push('\n');
    }
    out.push_str(resource);
    out
}

/// `base64(HMAC-SHA1(secret_key, string_to_sign))`.
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    hmac_sha1_base64(secret_key.as_bytes(), string_to_sign.as_bytes())
}

/// `OBS <AK>:<signature>` (or `AWS ...`).
pub fn authorization(flavor: Flavor, access_key: &str, signature: &str) -> String {
    format!("{} {access_key}:{signature}", flavor.auth_prefix())
}

/// A signed request: what was signed and the header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObsSignature {
    /// The exact `StringToSign`.
    pub string_to_sign: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Signs a request whose resource is already canonical.
pub fn sign(
    method: &str,
    headers: &[(String, String)],
    resource: &str,
    flavor: Flavor,
    access_key: &str,
    secret_key: &str,
) -> ObsSignature {
    let string_to_sign = string_to_sign(method, headers, resource, flavor);
    let authorization = authorization(flavor, access_key, &signature(secret_key, &string_to_sign));
    ObsSignature {
        string_to_sign,
        authorization,
    }
}

/// `(flavor, access key, signature)` of an `Authorization` header, when it is this scheme.
pub fn parse_authorization(value: &str) -> Option<(Flavor, &str, &str)> {
    let value = value.trim();
    let (prefix, rest) = value.split_once(' ')?;
    let flavor = match prefix {
        "OBS" => Flavor::Obs,
        "AWS" => Flavor::V2,
        _ => return None,
    };
    let (access_key, signature) = rest.trim().rsplit_once(':')?;
    (!access_key.is_empty() && !signature.is_empty()).then_some((flavor, access_key, signature))
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObsVerifyError {
    /// The header is not `OBS AK:SIG` / `AWS AK:SIG`.
    #[error("the Authorization header is not `OBS <AK>:<signature>`")]
    Malformed,
    /// The signature differs; the server's `StringToSign` is given back, as OBS does.
    #[error("the signature does not match; the server signed {string_to_sign:?}")]
    Mismatch {
        /// What the server signed.
        string_to_sign: String,
    },
}

/// Verifies `authorization` against the request the server sees, with `secret_key`.
pub fn verify(
    authorization: &str,
    method: &str,
    headers: &[(String, String)],
    resource: &str,
    secret_key: &str,
) -> Result<(), ObsVerifyError> {
    let (flavor, _, given) = parse_authorization(authorization).ok_or(ObsVerifyError::Malformed)?;
    let string_to_sign = string_to_sign(method, headers, resource, flavor);
    let expected = signature(secret_key, &string_to_sign);
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(ObsVerifyError::Mismatch { string_to_sign })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_slashes_and_encode_the_rest() {
        assert_eq!(encode_object_key("a b/c+d~e.f"), "a%20b/c%2Bd~e.f");
        assert_eq!(encode_object_key("数"), "%E6%95%B0");
    }

    #[test]
    fn the_resource_follows_the_style() {
        let none: &[(String, Option<String>)] = &[];
        assert_eq!(
            canonical_resource(None, None, none, false, Flavor::Obs),
            "/"
        );
        assert_eq!(
            canonical_resource(Some("b"), None, none, false, Flavor::Obs),
            "/b/"
        );
        assert_eq!(
            canonical_resource(Some("b"), None, none, true, Flavor::Obs),
            "/b"
        );
        assert_eq!(
            canonical_resource(Some("b"), Some("k/x"), none, true, Flavor::Obs),
            "/b/k/x"
        );
        let query = vec![
            ("max-keys".to_owned(), Some("1".to_owned())),
            ("acl".to_owned(), None),
        ];
        assert_eq!(
            canonical_resource(Some("b"), None, &query, false, Flavor::Obs),
            "/b/?acl"
        );
    }

    #[test]
    fn a_wrong_secret_is_a_mismatch() {
        let headers = vec![(
            "Date".to_owned(),
            "Thu, 03 Dec 2026 10:00:00 GMT".to_owned(),
        )];
        let signed = sign("GET", &headers, "/", Flavor::Obs, "AK", "SK");
        assert!(verify(&signed.authorization, "GET", &headers, "/", "SK").is_ok());
        assert!(matches!(
            verify(&signed.authorization, "GET", &headers, "/", "other"),
            Err(ObsVerifyError::Mismatch { .. })
        ));
        assert_eq!(
            verify("SDK-HMAC-SHA256 x", "GET", &headers, "/", "SK"),
            Err(ObsVerifyError::Malformed)
        );
    }
}
