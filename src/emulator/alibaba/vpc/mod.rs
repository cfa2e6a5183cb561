//! VPC 2016-04-28 (RPC, host `vpc.{region}.aliyuncs.com` / `vpc.aliyuncs.com`): VPCs and
//! VSwitches with CIDR checks, `Pending` then `Available` on the clock, ClientToken on
//! creates, and `DependencyViolation` when a VSwitch still has instances or a VPC still
//! has VSwitches or security groups (read from the ECS backend of the same account and
//! region, a sibling).
//!
//! [`routes`], [`handlers`], [`models`] ([`VpcBackend`](models::VpcBackend)), [`rules`]
//! (CIDR blocks), [`errors`] and [`seed`] (one demo VPC and VSwitch per demo region).

pub mod errors;
pub mod handlers;
pub mod models;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::VpcBackend;

/// The API version.
pub const VERSION: &str = "2016-04-28";

/// The service.
pub static SERVICE: ServiceDef<VpcBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "vpc",
    product: "Vpc",
    version: VERSION,
    routes: routes::ROUTES,
};
