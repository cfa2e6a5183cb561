//! AutoDL elastic deployments (ESD), the private cloud's API under `/api/v1/dev/`.
//!
//! - [`routes`]: one line per endpoint; [`handlers`]: images, deployments, containers and
//!   events, GPU stock, the blacklist.
//! - [`models`]: hosts with their scheduling units, deployments, containers on the emulator
//!   clock ([`models::CONTAINER_START`], [`models::JOB_RUN`], [`models::CONTAINER_STOP`]),
//!   other tenants' load, the blacklist, and the reconcile that keeps ReplicaSets at their
//!   replica count and runs Jobs to completion.
//! - [`rules`]: the template check and which hosts can take a container.
//! - [`seed`]: the demo account.

pub mod handlers;
pub mod models;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::autodl::PROVIDER;
use crate::emulator::core::service::ServiceDef;
use models::EsdBackend;

/// The API version (the paths' `/api/v1`).
pub const VERSION: &str = "v1";

/// The elastic deployment service.
pub static SERVICE: ServiceDef<EsdBackend> = ServiceDef {
    provider: PROVIDER,
    code: "esd",
    product: "ElasticDeployment",
    version: VERSION,
    routes: routes::ROUTES,
};
