//! Every ECS route used by the ECS extension workflow. RPC style: `POST /` with the
//! parameters in the query (GET and a form body are accepted too, see the front).

use super::handlers::{cloud_assistant, commands, instances, invocations, regions};
use super::models::EcsBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<EcsBackend>] = &[
    route!(DescribeRegions, POST, "/", false, regions::describe_regions),
    route!(DescribeInstances, POST, "/", false, instances::describe_instances),
    route!(DescribeCloudAssistantStatus, POST, "/", false, cloud_assistant::describe_cloud_assistant_status),
    route!(RunCommand, POST, "/", true, commands::run_command),
    route!(DescribeInvocations, POST, "/", false, invocations::describe_invocations),
    route!(DescribeInvocationResults, POST, "/", false, invocations::describe_invocation_results),
];
