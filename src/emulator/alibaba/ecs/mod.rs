//! ECS 2014-05-26 (RPC): regions, instances, Cloud Assistant status, and Cloud Assistant
//! commands whose output is synthesised, never run.
//!
//! [`routes`], [`handlers`], [`models`] ([`EcsBackend`](models::EcsBackend)), [`rules`]
//! (command output, call region), [`render`], [`errors`], [`regions`] (the region table)
//! and [`seed`] (the demo instances, documented there). `RunCommand` reads the OOS
//! backend of the same account and region as a sibling, to answer version checks from
//! the installed packages.

pub mod admin;
pub mod catalog;
pub mod errors;
pub mod handlers;
pub mod models;
pub mod regions;
pub mod render;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::EcsBackend;

/// The API version.
pub const VERSION: &str = "2014-05-26";

/// The service.
pub static SERVICE: ServiceDef<EcsBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "ecs",
    product: "Ecs",
    version: VERSION,
    routes: routes::ROUTES,
};
