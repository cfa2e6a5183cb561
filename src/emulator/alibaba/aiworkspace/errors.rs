//! AIWorkSpace's error answers, in one place.
//!
//! The not-found codes are our choice: Alibaba publishes no error table for PAI Studio
//! (see the wire notes, section 11). `QuotaNotFound` is what the PAI quota skill itself
//! names for a missing quota, so clients written against the skill recognise it; the
//! other not-found codes follow the same `<Resource>NotFound` pattern, all with HTTP 404.

use crate::emulator::core::wire::ApiError;

/// 404 `WorkspaceNotFound`.
pub fn workspace_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "WorkspaceNotFound",
        format!("The workspace \"{id}\" does not exist."),
    )
}

/// 404 `ResourceNotFound` for a workspace resource id.
pub fn workspace_resource_not_found(workspace_id: &str, id: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceNotFound",
        format!("The resource \"{id}\" does not exist in workspace \"{workspace_id}\"."),
    )
}

/// 400 `ResourceInUse`: a binding with running workloads cannot be detached.
pub fn resource_in_use(id: &str, blockers: &str) -> ApiError {
    ApiError::invalid(
        "ResourceInUse",
        format!("The resource \"{id}\" cannot be detached because {blockers}."),
    )
}
