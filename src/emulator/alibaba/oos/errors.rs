//! OOS's error answers, in one place.
//!
//! `TemplateNotFound`, `MissingTemplateName`, `ExecutionNotFound`, `EntityNotExists.Instance`
//! and `InvalidParameter` are the codes the ECS extension skill documents for these calls;
//! their HTTP statuses are not published, so they follow ECS (404 for what does not exist,
//! 400 for bad input). `IncorrectExecutionStatus` (cancelling a finished execution) and
//! `IdempotentParameterMismatch` (a ClientToken reused with other parameters) are our
//! choice, modelled on ECS's `IncorrectInstanceStatus` and its idempotency error.

use crate::emulator::core::wire::ApiError;

/// 404 `TemplateNotFound`.
pub fn template_not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "TemplateNotFound",
        format!(
            "The template \"{name}\" does not exist; ListTemplates shows the available templates."
        ),
    )
}

/// 404 `TemplateNotFound` for a version the template does not have.
pub fn template_version_not_found(name: &str, version: &str, versions: &[&str]) -> ApiError {
    ApiError::new(
        404,
        "TemplateNotFound",
        format!(
            "The template \"{name}\" has no version \"{version}\"; its versions are {}.",
            versions.join(", ")
        ),
    )
}

/// 400 `MissingTemplateName`.
pub fn missing_template_name() -> ApiError {
    ApiError::invalid(
        "MissingTemplateName",
        "The input parameter \"TemplateName\" that is mandatory for processing this request is not supplied.",
    )
}

/// 404 `ExecutionNotFound`.
pub fn execution_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ExecutionNotFound",
        format!("The execution \"{id}\" does not exist in this region."),
    )
}

/// 400 `IncorrectExecutionStatus`: only a running execution can be cancelled.
pub fn not_cancellable(id: &str, status: &str) -> ApiError {
    ApiError::invalid(
        "IncorrectExecutionStatus",
        format!(
            "The execution \"{id}\" is already {status}; only a Running execution can be cancelled."
        ),
    )
}

/// 400 `InvalidParameter` with what is wrong and what is allowed.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("InvalidParameter", message)
}

/// 404 `EntityNotExists.Instance`.
pub fn instances_not_found(ids: &[String], region: &str) -> ApiError {
    ApiError::new(
        404,
        "EntityNotExists.Instance",
        format!(
            "The instance {} does not exist in region {region}.",
            ids.join(", ")
        ),
    )
}

/// 400 `IdempotentParameterMismatch`.
pub fn token_reused(token: &str, execution_id: &str) -> ApiError {
    ApiError::invalid(
        "IdempotentParameterMismatch",
        format!(
            "The ClientToken \"{token}\" was already used for execution {execution_id} with different parameters; use a new token for a different request."
        ),
    )
}
