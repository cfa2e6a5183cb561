//! ECS's error answers, in one place. Codes and statuses follow the ECS error tables
//! (`InvalidInstanceId.NotFound` 404, `IncorrectInstanceStatus`-style 403 for an instance
//! in the wrong state); `InvalidInstance.NotRunning` is the code the ECS extension skill
//! documents for a stopped target.

use crate::emulator::core::wire::ApiError;

/// 400 `MissingRegionId`: RPC calls of ECS must name their region.
pub fn missing_region_id() -> ApiError {
    ApiError::invalid("MissingRegionId", "RegionId is mandatory for this action.")
}

/// 404 `InvalidRegionId.NotFound`.
pub fn unknown_region(region: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidRegionId.NotFound",
        format!(
            "The specified RegionId \"{region}\" does not exist; DescribeRegions lists the regions."
        ),
    )
}

/// 404 `InvalidInstanceId.NotFound`.
pub fn instances_not_found(ids: &[String], region: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidInstanceId.NotFound",
        format!(
            "The specified InstanceId does not exist in region {region}: {}.",
            ids.join(", ")
        ),
    )
}

/// 403 `InvalidInstance.NotRunning`.
pub fn instances_not_running(details: &[String]) -> ApiError {
    ApiError::new(
        403,
        "InvalidInstance.NotRunning",
        format!(
            "The instance is not running: {}; start it and wait for Running first.",
            details.join(", ")
        ),
    )
}

/// 400 `InvalidInstanceIds.Malformed`.
pub fn instance_ids_malformed(detail: &str) -> ApiError {
    ApiError::invalid(
        "InvalidInstanceIds.Malformed",
        format!(
            "The specified parameter InstanceIds is not valid: {detail}. Send a JSON array of instance ids, e.g. [\"i-bp1...\"]."
        ),
    )
}

/// 400 `InvalidParameter.<name>` with what is allowed.
pub fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(format!("InvalidParameter.{name}"), message)
}
