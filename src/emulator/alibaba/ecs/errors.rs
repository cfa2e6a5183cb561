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

/// 404 `InvalidInstanceType.NotFound`: the type does not exist at all.
pub fn instance_type_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidInstanceType.NotFound",
        format!(
            "The specified InstanceType \"{id}\" does not exist; DescribeInstanceTypes lists the types."
        ),
    )
}

/// 400 `InvalidInstanceType.NotSupported`: the zone does not offer the type.
pub fn instance_type_not_supported(id: &str, zone: &str) -> ApiError {
    ApiError::invalid(
        "InvalidInstanceType.NotSupported",
        format!(
            "The specified InstanceType \"{id}\" is not supported in zone {zone}; DescribeAvailableResource lists the types each zone offers."
        ),
    )
}

/// 400 `InvalidSystemDiskCategory`: the category does not exist or the type's family does
/// not take it.
pub fn invalid_disk_category(
    category: &str,
    instance_type: Option<&crate::emulator::alibaba::ecs::catalog::instance_types::InstanceType>,
) -> ApiError {
    let allowed = match instance_type {
        Some(t) => format!(
            "{} takes {}",
            t.id,
            crate::emulator::alibaba::ecs::rules::pricing::disk_categories(t.family).join(", ")
        ),
        None => {
            "valid values: cloud_essd, cloud_auto, cloud_essd_entry, cloud_ssd, cloud_efficiency"
                .to_owned()
        }
    };
    ApiError::invalid(
        "InvalidSystemDiskCategory",
        format!("The disk category \"{category}\" is not supported here; {allowed}."),
    )
}

/// 404 `InvalidZoneId.NotFound`.
pub fn zone_not_found(zone: &str, region: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidZoneId.NotFound",
        format!(
            "The specified ZoneId \"{zone}\" does not exist in region {region}; DescribeZones lists the zones."
        ),
    )
}

/// 404 `InvalidSecurityGroupId.NotFound`.
pub fn security_group_not_found(id: &str, region: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidSecurityGroupId.NotFound",
        format!("The specified SecurityGroupId \"{id}\" does not exist in region {region}."),
    )
}

/// 403 `DependencyViolation`: something still uses the resource.
pub fn dependency_violation(what: &str, users: &[String]) -> ApiError {
    ApiError::new(
        403,
        "DependencyViolation",
        format!(
            "The {what} is still in use by {}; release those first.",
            users.join(", ")
        ),
    )
}

/// 403 `IncorrectInstanceStatus`.
pub fn incorrect_instance_status(details: &[String]) -> ApiError {
    ApiError::new(
        403,
        "IncorrectInstanceStatus",
        format!(
            "The current status of the resource does not support this operation: {}.",
            details.join(", ")
        ),
    )
}
