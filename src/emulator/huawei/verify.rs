//! Request authentication as the API gateway does it: the `SDK-HMAC-SHA256` signature
//! (the same code as the client, `crate::signing::huawei`), the `X-Sdk-Date` window against
//! the REAL clock, the security token of a temporary pair, then the project in the path
//! against the account's projects and the signed `X-Project-Id`.

use std::time::Duration;

use time::OffsetDateTime;

use crate::emulator::core::wire::{ApiError, RawRequest};
use crate::emulator::huawei::account::DemoAccount;
use crate::emulator::huawei::errors;
use crate::signing::huawei::{self as signer, VerifyError, WireRequest};

/// How far `X-Sdk-Date` may be from real time.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Second segments of versioned paths that are not a project: ModelArts' `/v1/auth-mode`,
/// SWR's `/v2/manage/...`, IAM's `/v3/projects/...` and `/v3/auth/...`.
const NOT_PROJECTS: &[&str] = &["auth-mode", "manage", "projects", "auth"];

/// The project a path names: `/v1|v2|v3/{project_id}/...` (ModelArts, VPC, KPS), none for
/// the paths of [`NOT_PROJECTS`].
pub fn path_project(raw_path: &str) -> Option<&str> {
    let mut segments = raw_path.trim_start_matches('/').split('/');
    let version = segments.next()?;
    let project = segments.next()?;
    let has_rest = segments.next().is_some();
    (matches!(version, "v1" | "v2" | "v3") && has_rest && !NOT_PROJECTS.contains(&project))
        .then_some(project)
}

fn gateway_error(error: &VerifyError) -> ApiError {
    match error {
        VerifyError::UnknownAccessKey(ak) => {
            errors::bad_signature(&format!("Get secretKey failed,ak:{ak},err:ak not exist"))
        }
        VerifyError::SignatureMismatch => errors::bad_signature("verify aksk signature fail"),
        other => errors::bad_signature(&other.to_string()),
    }
}

/// Authenticates `raw` and returns the domain id whose state it works on.
pub fn authenticate(raw: &RawRequest, account: &DemoAccount) -> Result<String, ApiError> {
    let wire = WireRequest {
        method: &raw.method,
        raw_path: &raw.raw_path,
        raw_query: &raw.raw_query,
        headers: &raw.headers,
        body: &raw.body,
    };
    let verified = signer::verify(&wire, |ak| {
        account
            .key(ak)
            .map(|pair| pair.secret_key.expose().to_owned())
    })
    .map_err(|error| gateway_error(&error))?;
    let skew = (OffsetDateTime::now_utc() - verified.date).unsigned_abs();
    if skew > WINDOW {
        return Err(errors::expired());
    }
    if let Some(token) = account
        .key(&verified.access_key)
        .and_then(|pair| pair.security_token.as_ref())
    {
        let signed = raw
            .header("authorization")
            .and_then(|a| signer::parse_authorization(a).ok())
            .is_some_and(|a| a.signed_headers.iter().any(|n| n == "x-security-token"));
        if !signed || raw.header("x-security-token") != Some(token.expose()) {
            return Err(errors::bad_signature(
                "the security token of temporary credentials is missing, unsigned or wrong",
            ));
        }
    }
    if let Some(project) = path_project(&raw.raw_path) {
        if account.region_of(project).is_none() {
            return Err(errors::project_mismatch(&format!(
                "project {project} is not a project of this account"
            )));
        }
        if let Some(signed) = raw.header("x-project-id")
            && signed.trim() != project
        {
            return Err(errors::project_mismatch(
                "X-Project-Id differs from the project in the path",
            ));
        }
    }
    Ok(account.domain_id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_is_the_second_segment_of_v1_and_v2_paths() {
        assert_eq!(path_project("/v1/abc/notebooks"), Some("abc"));
        assert_eq!(path_project("/v2/abc/training-jobs/x"), Some("abc"));
        assert_eq!(path_project("/v3/projects"), None);
        assert_eq!(path_project("/v1/auth-mode"), None);
        assert_eq!(path_project("/v1/abc"), None);
        assert_eq!(path_project("/v2/manage/repos"), None);
        assert_eq!(path_project("/v3/abc/keypairs"), Some("abc"));
        assert_eq!(path_project("/v3/projects/abc"), None);
    }
}
