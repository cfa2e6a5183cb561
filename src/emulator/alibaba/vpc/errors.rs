//! VPC's error answers, with the codes of the VPC error tables.

use crate::emulator::core::wire::ApiError;

/// 404 `InvalidVpcId.NotFound`.
pub fn vpc_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidVpcId.NotFound",
        format!("The specified VpcId \"{id}\" does not exist in this region."),
    )
}

/// 404 `InvalidVSwitchId.NotFound`.
pub fn vswitch_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "InvalidVSwitchId.NotFound",
        format!("The specified VSwitchId \"{id}\" does not exist in this region."),
    )
}

/// 400 `InvalidCidrBlock.Malformed`.
pub fn cidr_malformed(detail: impl Into<String>) -> ApiError {
    ApiError::invalid("InvalidCidrBlock.Malformed", detail)
}

/// 400 `InvalidCidrBlock.Overlapped`.
pub fn cidr_overlapped(cidr: &str, other: &str, other_cidr: &str) -> ApiError {
    ApiError::invalid(
        "InvalidCidrBlock.Overlapped",
        format!(
            "The CIDR block {cidr} overlaps VSwitch {other} ({other_cidr}) in the same VPC; pick a free block."
        ),
    )
}

/// 400 `IncorrectVpcStatus`: the VPC is not `Available` yet.
pub fn vpc_not_available(id: &str, status: &str) -> ApiError {
    ApiError::invalid(
        "IncorrectVpcStatus",
        format!("The VPC {id} is {status}; wait until it is Available."),
    )
}

/// 400 `IncorrectVSwitchStatus`: the VSwitch is not `Available` yet.
pub fn vswitch_not_available(id: &str, status: &str) -> ApiError {
    ApiError::invalid(
        "IncorrectVSwitchStatus",
        format!("The VSwitch {id} is {status}; wait until it is Available."),
    )
}

/// 400 `DependencyViolation`: something still depends on the resource.
pub fn dependency_violation(what: &str, dependants: &[String]) -> ApiError {
    ApiError::invalid(
        "DependencyViolation",
        format!(
            "The {what} still has dependent resources: {}; delete them first.",
            dependants.join(", ")
        ),
    )
}

/// 400 `QuotaExceeded.Vpc`.
pub fn vpc_quota(max: usize) -> ApiError {
    ApiError::invalid(
        "QuotaExceeded.Vpc",
        format!("The region already has {max} VPCs, the most allowed."),
    )
}

/// 400 `InvalidParameter.<name>`.
pub fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(format!("InvalidParameter.{name}"), message)
}
