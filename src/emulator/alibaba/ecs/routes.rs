//! Every ECS route: the ECS extension workflow (regions, instances, Cloud Assistant) and
//! compute provisioning (catalog, stock, prices, images, security groups, instance
//! create and release). RPC style: `POST /` with the parameters in the query (GET and a
//! form body are accepted too, see the front). Every handler that reads instances
//! first brings booting ones to their current status (`EcsBackend::settle`).

use super::handlers::{
    availability, catalog, cloud_assistant, commands, images, instances, invocations, price,
    provisioning, regions, security_groups,
};
use super::models::EcsBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<EcsBackend>] = &[
    route!(DescribeRegions, POST, "/", false, regions::describe_regions),
    route!(DescribeZones, POST, "/", false, catalog::describe_zones),
    route!(DescribeInstanceTypes, POST, "/", false, catalog::describe_instance_types),
    route!(DescribeInstanceTypeFamilies, POST, "/", false, catalog::describe_instance_type_families),
    route!(DescribeAvailableResource, POST, "/", false, availability::describe_available_resource),
    route!(DescribeRecommendInstanceType, POST, "/", false, availability::describe_recommend_instance_type),
    route!(DescribePrice, POST, "/", false, price::describe_price),
    route!(DescribeImages, POST, "/", false, images::describe_images),
    route!(CreateSecurityGroup, POST, "/", true, security_groups::create_security_group),
    route!(AuthorizeSecurityGroup, POST, "/", true, security_groups::authorize_security_group),
    route!(AuthorizeSecurityGroupEgress, POST, "/", true, security_groups::authorize_security_group_egress),
    route!(DescribeSecurityGroups, POST, "/", false, security_groups::describe_security_groups),
    route!(DescribeSecurityGroupAttribute, POST, "/", false, security_groups::describe_security_group_attribute),
    route!(DeleteSecurityGroup, POST, "/", true, security_groups::delete_security_group),
    route!(RunInstances, POST, "/", true, provisioning::run_instances),
    route!(DeleteInstances, POST, "/", true, provisioning::delete_instances),
    route!(DescribeInstances, POST, "/", false, instances::describe_instances),
    route!(DescribeCloudAssistantStatus, POST, "/", false, cloud_assistant::describe_cloud_assistant_status),
    route!(RunCommand, POST, "/", true, commands::run_command),
    route!(DescribeInvocations, POST, "/", false, invocations::describe_invocations),
    route!(DescribeInvocationResults, POST, "/", false, invocations::describe_invocation_results),
];
