//! CS's error answers (next-wave-wire 2.5; the SDK reads `code`/`Code` either way, so the
//! front's POP shape serves).

use crate::emulator::core::wire::ApiError;

/// 404 `ErrorClusterNotFound`.
pub fn cluster_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ErrorClusterNotFound",
        format!("cluster {id} not found"),
    )
}

/// 404 `ErrorNodePoolNotFound`.
pub fn nodepool_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ErrorNodePoolNotFound",
        format!("node pool {id} not found"),
    )
}

/// 400 `ErrorClusterState`: the cluster's state does not allow the change.
pub fn cluster_state(id: &str, state: &str, wanted: &str) -> ApiError {
    ApiError::new(
        400,
        "ErrorClusterState",
        format!("cluster {id} is {state}; {wanted}"),
    )
}

/// 400 `QuotaExceeded.Cluster`.
pub fn cluster_quota(limit: usize) -> ApiError {
    ApiError::new(
        400,
        "QuotaExceeded.Cluster",
        format!("the account already has {limit} clusters, the most it may have"),
    )
}

/// 400 `QuotaExceeded.Node`.
pub fn node_quota(limit: i64) -> ApiError {
    ApiError::new(
        400,
        "QuotaExceeded.Node",
        format!("a cluster may have at most {limit} nodes"),
    )
}

/// 400 `DependencyResourceExist`: node pools other than the default block a delete.
pub fn dependency(id: &str, what: &str) -> ApiError {
    ApiError::new(
        400,
        "DependencyResourceExist",
        format!("cluster {id} still has {what}"),
    )
}

/// 400 `ErrorParameter` (CS's invalid-parameter code).
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ErrorParameter", message)
}
