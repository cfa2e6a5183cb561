//! Every VPC route used by compute provisioning. RPC style: `POST /` with the parameters
//! in the query.

use super::handlers::{vpcs, vswitches};
use super::models::VpcBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<VpcBackend>] = &[
    route!(CreateVpc, POST, "/", true, vpcs::create_vpc),
    route!(DescribeVpcs, POST, "/", false, vpcs::describe_vpcs),
    route!(DeleteVpc, POST, "/", true, vpcs::delete_vpc),
    route!(CreateVSwitch, POST, "/", true, vswitches::create_vswitch),
    route!(DescribeVSwitches, POST, "/", false, vswitches::describe_vswitches),
    route!(DeleteVSwitch, POST, "/", true, vswitches::delete_vswitch),
];
