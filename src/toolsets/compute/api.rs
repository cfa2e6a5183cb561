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
pub(crate) const DESCRIBE_IMAGES: &str = "cp_ecs_describe_images";
pub(crate) const DESCRIBE_SECURITY_GROUPS: &str = "cp_ecs_describe_security_groups";
pub(crate) const DESCRIBE_VPCS: &str = "cp_vpc_describe_vpcs";
pub(crate) const DESCRIBE_VSWITCHES: &str = "cp_vpc_describe_vswitches";
pub(crate) const INVOCATION_RESULTS: &str = "cp_ecs_describe_invocation_results";
pub(crate) const DELETE_INSTANCES: &str = "cp_ecs_delete_instances";
pub(crate) const DELETE_SECURITY_GROUP: &str = "cp_ecs_delete_security_group";
pub(crate) const DELETE_VSWITCH: &str = "cp_vpc_delete_vswitch";
pub(crate) const DELETE_VPC: &str = "cp_vpc_delete_vpc";
