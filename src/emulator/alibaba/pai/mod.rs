//! PAI Studio 2022-01-12: quotas, resource groups, node types and workloads.
//!
//! [`routes`] (one line per route), [`handlers`] (parse the request, call the rules,
//! render), [`models`] (data and [`PaiBackend`](models::PaiBackend)), [`rules`] (quota
//! capacity across the tree, node-type availability, usage), [`render`] (wire shapes),
//! [`errors`], [`instance_types`] (the ECS/Lingjun instance catalogue) and [`seed`].

pub mod errors;
pub mod handlers;
pub mod instance_types;
pub mod models;
pub mod render;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::PaiBackend;

/// The API version.
pub const VERSION: &str = "2022-01-12";

/// The service.
pub static SERVICE: ServiceDef<PaiBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "paistudio",
    product: "PaiStudio",
    version: VERSION,
    routes: routes::ROUTES,
};
