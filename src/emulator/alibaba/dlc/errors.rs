//! PAI-DLC's error answers. Alibaba publishes no DLC error table (wire notes section 2.6): the
//! not-found code follows the `EntityNotExist.*` pattern with HTTP 404, and a missing workspace is
//! `OperationForbidden`, the code the compute skill itself reads as "no workspace".

use crate::emulator::core::wire::ApiError;

/// 404 `EntityNotExist.Job`.
pub fn job_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "EntityNotExist.Job",
        format!("The job \"{id}\" does not exist."),
    )
}

/// 404 `EntityNotExist.Pod`.
pub fn pod_not_found(job: &str, pod: &str) -> ApiError {
    ApiError::new(
        404,
        "EntityNotExist.Pod",
        format!("The pod \"{pod}\" does not exist in job \"{job}\"."),
    )
}

/// 403 `OperationForbidden`: the job names no workspace, or one that does not exist.
pub fn no_workspace(id: &str) -> ApiError {
    let which = if id.is_empty() {
        "no workspace was given and the account has none".to_owned()
    } else {
        format!("the workspace \"{id}\" does not exist")
    };
    ApiError::new(
        403,
        "OperationForbidden",
        format!("The job cannot be created: {which}."),
    )
}

/// 400 `JobStatusNotSupported`: the change does not apply to the job's current status.
pub fn wrong_status(id: &str, action: &str, status: &str) -> ApiError {
    ApiError::invalid(
        "JobStatusNotSupported",
        format!("The job \"{id}\" cannot be {action} in status {status}."),
    )
}
