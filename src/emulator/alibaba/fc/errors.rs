//! FC 3.0's error answers (help.aliyun.com `api-fc-2023-03-30-errorcodes`): the SDK reads
//! `Code` and `Message` of the POP shape. `FunctionAlreadyExists` has no published status; 409
//! follows the REST convention.

use crate::emulator::core::wire::ApiError;

/// 404 `FunctionNotFound`.
pub fn function_not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "FunctionNotFound",
        format!("function '{name}' does not exist."),
    )
}

/// 409 `FunctionAlreadyExists`.
pub fn function_exists(name: &str) -> ApiError {
    ApiError::new(
        409,
        "FunctionAlreadyExists",
        format!("function '{name}' already exists."),
    )
}

/// 400 `InvalidArgument`.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidArgument", message)
}

/// 400 `CodeSizeExceed`: the zipped code is over 50 MB.
pub fn code_too_large(size: usize) -> ApiError {
    ApiError::new(
        400,
        "CodeSizeExceed",
        format!("the size of the code package ({size} bytes) exceeds the limit of 52428800 bytes."),
    )
}

/// 404 `AsyncConfigNotExists`.
pub fn async_config_not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "AsyncConfigNotExists",
        format!("async invoke config of function '{name}' does not exist."),
    )
}

/// 404 `AsyncTaskNotFound`.
pub fn async_task_not_found(name: &str, task_id: &str) -> ApiError {
    ApiError::new(
        404,
        "AsyncTaskNotFound",
        format!("async task '{task_id}' of function '{name}' does not exist."),
    )
}

/// 400 `AsyncTaskFinished`: a finished task cannot be stopped.
pub fn task_finished(task_id: &str, status: &str) -> ApiError {
    ApiError::new(
        400,
        "AsyncTaskFinished",
        format!("async task '{task_id}' has already finished with status {status}."),
    )
}
