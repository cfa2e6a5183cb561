//! Alibaba Cloud error codes mapped to the common [`ErrorKind`]s.

use crate::providers::error::ErrorKind;

fn has_prefix(code: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| code.starts_with(prefix))
}

/// Maps an HTTP status and provider code to an [`ErrorKind`].
///
/// Codes win over statuses because Alibaba reuses 400/403/404 for unrelated things
/// (throttling is a 400, `InvalidAccessKeyId.NotFound` a 404 that is really an auth
/// failure). Auth is tested first for that reason, then permissions, throttling,
/// missing resources and state conflicts; the status decides only when the code says
/// nothing.
pub fn classify(
    http_status: Option<u16>,
    code: Option<&str>,
    retry_after_ms: Option<u64>,
) -> ErrorKind {
    let code = code.unwrap_or("");
    if code == "SignatureDoesNotMatch"
        || code == "IncompleteSignature"
        || has_prefix(code, &["InvalidAccessKeyId", "InvalidSecurityToken"])
    {
        return ErrorKind::Auth;
    }
    if has_prefix(code, &["Forbidden", "NoPermission"]) {
        return ErrorKind::PermissionDenied;
    }
    if code.starts_with("Throttling")
        || code == "ServiceUnavailable"
        || retry_after_ms.is_some_and(|ms| ms > 0)
    {
        return ErrorKind::Throttled;
    }
    if code.ends_with("NotFound")
        || code.ends_with("NotExist")
        || code.starts_with("EntityNotExist")
        || http_status == Some(404)
    {
        return ErrorKind::NotFound;
    }
    if code.contains("AlreadyExist")
        || code.contains("Conflict")
        || has_prefix(code, &["IncorrectInstanceStatus", "OperationDenied"])
        || http_status == Some(409)
    {
        return ErrorKind::Conflict;
    }
    match http_status {
        Some(status) if status >= 500 => ErrorKind::Upstream,
        Some(401) => ErrorKind::Auth,
        Some(403) => ErrorKind::PermissionDenied,
        Some(429) => ErrorKind::Throttled,
        _ => ErrorKind::InvalidRequest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        let cases: &[(u16, &str, ErrorKind)] = &[
            (403, "Forbidden.RAM", ErrorKind::PermissionDenied),
            (403, "NoPermission.Quota", ErrorKind::PermissionDenied),
            (403, "Forbidden", ErrorKind::PermissionDenied),
            (400, "Throttling.User", ErrorKind::Throttled),
            (400, "Throttling", ErrorKind::Throttled),
            (503, "ServiceUnavailable", ErrorKind::Throttled),
            (500, "InternalError", ErrorKind::Upstream),
            (404, "InvalidAccessKeyId.NotFound", ErrorKind::Auth),
            (400, "SignatureDoesNotMatch", ErrorKind::Auth),
            (400, "IncompleteSignature", ErrorKind::Auth),
            (400, "QuotaNotFound", ErrorKind::NotFound),
            (400, "EntityNotExist.Quota", ErrorKind::NotFound),
            (400, "ResourceNotExist", ErrorKind::NotFound),
            (404, "SomethingElse", ErrorKind::NotFound),
            (403, "IncorrectInstanceStatus", ErrorKind::Conflict),
            (409, "", ErrorKind::Conflict),
            (400, "InvalidParameter", ErrorKind::InvalidRequest),
            (400, "MissingParameter.QuotaId", ErrorKind::InvalidRequest),
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
    fn a_positive_retry_after_means_throttled() {
        assert_eq!(
            classify(Some(400), Some("Custom"), Some(500)),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify(Some(400), Some("Custom"), Some(0)),
            ErrorKind::InvalidRequest
        );
    }
}
