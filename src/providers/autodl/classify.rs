//! AutoDL codes and HTTP statuses mapped to the common [`ErrorKind`]s. Business errors come with
//! HTTP 200 and `code != "Success"`; authentication failures and faults with 4xx/5xx.

use crate::providers::error::ErrorKind;

/// Maps an HTTP status and an AutoDL `code` to an [`ErrorKind`]; the code wins when it says
/// something, because the status of a business error is 200.
pub fn classify(http_status: Option<u16>, code: Option<&str>) -> ErrorKind {
    let code = code.unwrap_or("");
    match code {
        "Unauthorized" | "AuthorizeFailed" | "TokenInvalid" => return ErrorKind::Auth,
        "PermissionDenied" | "Forbidden" => return ErrorKind::PermissionDenied,
        "TooManyRequests" | "Throttled" => return ErrorKind::Throttled,
        "InternalError" | "ServiceUnavailable" => return ErrorKind::Upstream,
        _ => {}
    }
    if code.ends_with("NotFound") || code.ends_with("NotExist") {
        return ErrorKind::NotFound;
    }
    if code.contains("Conflict") || code.ends_with("StatusWrong") {
        return ErrorKind::Conflict;
    }
    match http_status {
        Some(status) if status >= 500 => ErrorKind::Upstream,
        Some(401) => ErrorKind::Auth,
        Some(403) => ErrorKind::PermissionDenied,
        Some(404) => ErrorKind::NotFound,
        Some(429) => ErrorKind::Throttled,
        _ => ErrorKind::InvalidRequest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_win_over_the_200_of_a_business_error() {
        assert_eq!(
            classify(Some(200), Some("DeploymentNotFound")),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some(200), Some("PermissionDenied")),
            ErrorKind::PermissionDenied
        );
        assert_eq!(
            classify(Some(200), Some("RequestParameterIsWrong")),
            ErrorKind::InvalidRequest
        );
        assert_eq!(classify(Some(401), Some("Unauthorized")), ErrorKind::Auth);
        assert_eq!(classify(Some(429), None), ErrorKind::Throttled);
        assert_eq!(classify(Some(502), None), ErrorKind::Upstream);
    }
}
