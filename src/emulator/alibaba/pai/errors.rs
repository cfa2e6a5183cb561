//! PAI Studio's error answers, in one place.
//!
//! The not-found codes are our choice: Alibaba publishes no error table for PAI Studio
//! (see the wire notes, section 11). `QuotaNotFound` is what the PAI quota skill itself
//! names for a missing quota, so clients written against the skill recognise it; the
//! other not-found codes follow the same `<Resource>NotFound` pattern, all with HTTP 404.

use crate::emulator::core::wire::ApiError;

/// 404 `QuotaNotFound`.
pub fn quota_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "QuotaNotFound",
        format!("The quota \"{id}\" does not exist."),
    )
}

/// 404 `ResourceGroupNotFound`.
pub fn resource_group_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceGroupNotFound",
        format!("The resource group \"{id}\" does not exist."),
    )
}

/// 400 `QuotaCapacityExceeded`, saying requested vs available per node type.
pub fn capacity_exceeded(detail: &str) -> ApiError {
    ApiError::invalid(
        "QuotaCapacityExceeded",
        format!("The requested quota exceeds the available capacity: {detail}."),
    )
}

/// 400 `QuotaInUse`, saying what blocks the delete.
pub fn quota_in_use(id: &str, blockers: &str) -> ApiError {
    ApiError::invalid(
        "QuotaInUse",
        format!("The quota \"{id}\" cannot be deleted because {blockers}."),
    )
}

/// 400 `InvalidParameter.QueueStrategy`, listing the four exact values.
pub fn invalid_queue_strategy(value: &str) -> ApiError {
    ApiError::invalid(
        "InvalidParameter.QueueStrategy",
        format!(
            "QueueStrategy \"{value}\" is not valid; valid values (case-sensitive): PaiStrategyIntelligent, PaiStrategyStrictFIFO, PaiStrategyBalance, PaiStrategyRoundRobin."
        ),
    )
}

/// 400 `InvalidParameter.UserVpc`.
pub fn immutable_vpc(message: impl Into<String>) -> ApiError {
    ApiError::invalid("InvalidParameter.UserVpc", message)
}
