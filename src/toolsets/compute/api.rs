//! The reads the compute rules send, each through a catalog tool's declared call.

use serde_json::Value;

use crate::toolsets::DeclaredCall;

pub(crate) const DESCRIBE_PRICE: &str = "cp_ecs_describe_price";
pub(crate) const DESCRIBE_INSTANCE_TYPES: &str = "cp_ecs_describe_instance_types";

pub(crate) const RECOMMEND: &str = "cp_ecs_recommend_instance_type";

pub(crate) fn declared(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}
pub(crate) const DESCRIBE_AVAILABLE: &str = "cp_ecs_describe_available_resource";
pub(crate) const DESCRIBE_INSTANCES: &str = "cp_ecs_describe_instances";
