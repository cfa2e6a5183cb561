//! Huawei error codes mapped to the common [`ErrorKind`]s, and what the gateway's codes mean.
//!
//! Codes decide first (ModelArts answers a missing notebook with a 400), then the status.
//! `APIG.`/`APIGW.` are the API gateway's (the same code appears with both prefixes).

use crate::providers::error::ErrorKind;

/// The gateway code without its `APIG.` / `APIGW.` prefix, if it is one.
fn gateway_code(code: &str) -> Option<&str> {
    code.strip_prefix("APIGW.")
        .or_else(|| code.strip_prefix("APIG."))
}

/// The ModelArts number of a `ModelArts.<n>` code.
fn modelarts_code(code: &str) -> Option<&str> {
    code.strip_prefix("ModelArts.")
}

/// Maps an HTTP status and a Huawei error code to an [`ErrorKind`].
pub fn classify(
    http_status: Option<u16>,
    code: Option<&str>,
    retry_after_ms: Option<u64>,
) -> ErrorKind {
    let code = code.unwrap_or_default();
    if let Some(gateway) = gateway_code(code) {
        return match gateway {
            "0301" | "0303" | "0302" | "0305" | "0306" | "0307" | "0308" => ErrorKind::Auth,
            "0101" | "0103" | "0104" => ErrorKind::NotFound,
            _ if http_status == Some(429) => ErrorKind::Throttled,
            _ => by_status(http_status),
        };
    }
    if let Some(number) = modelarts_code(code) {
        match number {
            "0108" | "0210" | "0113" => return ErrorKind::PermissionDenied,
            n if n.starts_with("020") || n == "0211" || n == "0212" => return ErrorKind::Auth,
            "2799" | "4206" | "6101" => return ErrorKind::Throttled,
            "4302" | "4700" => return ErrorKind::Upstream,
            "6309" | "2775" | "3502" | "50015001" | "2890" | "2780" | "2781" => {
                return ErrorKind::NotFound;
            }
            "6301" | "2751" | "3503" | "6304" | "6305" | "6306" | "6307" | "6308" | "6326"
            | "6357" | "2796" | "2878" | "3519" | "2887" => return ErrorKind::Conflict,
            _ => {}
        }
    }
    // OBS's own codes (its `<Error>` documents, read by `obs.rs`).
    match code {
        "SignatureDoesNotMatch" | "InvalidAccessKeyId" | "RequestTimeTooSkewed" => {
            return ErrorKind::Auth;
        }
        "NoSuchBucket" => return ErrorKind::NotFound,
        "BucketNotEmpty" | "BucketAlreadyExists" | "BucketAlreadyOwnedByYou" => {
            return ErrorKind::Conflict;
        }
        _ => {}
    }
    if retry_after_ms.is_some_and(|ms| ms > 0) {
        return ErrorKind::Throttled;
    }
    by_status(http_status)
}

fn by_status(http_status: Option<u16>) -> ErrorKind {
    match http_status {
        Some(401) => ErrorKind::Auth,
        Some(403) => ErrorKind::PermissionDenied,
        Some(404) => ErrorKind::NotFound,
        Some(409) => ErrorKind::Conflict,
        Some(429) => ErrorKind::Throttled,
        Some(status) if status >= 500 => ErrorKind::Upstream,
        _ => ErrorKind::InvalidRequest,
    }
}

/// What a gateway code means for the caller, added to its message (the gateway's own
/// wording says little).
pub fn explain(code: &str) -> Option<&'static str> {
    match code {
        "BucketNotEmpty" => {
            return Some(
                "the bucket still holds objects and OBS refuses to delete it: empty it first; nothing was deleted",
            );
        }
        "SignatureDoesNotMatch" => {
            return Some(
                "OBS rejected the signature: check the access key and secret key (HUAWEICLOUD_SDK_AK/SK)",
            );
        }
        _ => {}
    }
    match gateway_code(code)? {
        "0301" => Some(
            "the AK/SK signature was rejected: check the access key and secret key (HUAWEICLOUD_SDK_AK/SK), and the security token of temporary credentials",
        ),
        "0303" => Some("the request date is more than 15 minutes off: check this machine's clock"),
        "0101" => Some(
            "the API does not exist at this endpoint: check the region, the service endpoint and the path",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        let cases: &[(u16, &str, ErrorKind)] = &[
            (401, "APIG.0301", ErrorKind::Auth),
            (401, "APIGW.0301", ErrorKind::Auth),
            (401, "APIGW.0303", ErrorKind::Auth),
            (404, "APIG.0101", ErrorKind::NotFound),
            (403, "ModelArts.0108", ErrorKind::PermissionDenied),
            (403, "ModelArts.0206", ErrorKind::Auth),
            (403, "ModelArts.0210", ErrorKind::PermissionDenied),
            (429, "ModelArts.2799", ErrorKind::Throttled),
            (429, "ModelArts.6101", ErrorKind::Throttled),
            (503, "ModelArts.4302", ErrorKind::Upstream),
            (400, "ModelArts.6309", ErrorKind::NotFound),
            (404, "ModelArts.50015001", ErrorKind::NotFound),
            (400, "ModelArts.6304", ErrorKind::Conflict),
            (409, "ModelArts.2796", ErrorKind::Conflict),
            (400, "ModelArts.6323", ErrorKind::InvalidRequest),
            (500, "ModelArts.0001", ErrorKind::Upstream),
            (429, "", ErrorKind::Throttled),
            (409, "", ErrorKind::Conflict),
        ];
        for (status, code, kind) in cases {
            assert_eq!(
                classify(Some(*status), Some(code), None),
                *kind,
                "{status} {code}"
            );
        }
    }

    #[test]
    fn gateway_codes_are_explained() {
        assert!(explain("APIG.0301").is_some_and(|t| t.contains("signature")));
        assert!(explain("APIGW.0101").is_some());
        assert!(explain("ModelArts.6309").is_none());
    }
}
