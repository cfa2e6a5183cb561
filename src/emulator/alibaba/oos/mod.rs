//! OOS 2019-06-01 (RPC): the public extension-package catalog, executions of the package
//! installer `ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL` that progress with the
//! emulated clock, their per-instance tasks, and the packages installed per instance.
//!
//! [`routes`], [`handlers`], [`models`] ([`OosBackend`](models::OosBackend)), [`rules`]
//! (the installer's parameters, package parameters, per-instance outcomes), [`catalog`]
//! (the templates: static data), [`render`], [`errors`] and [`seed`]. StartExecution reads
//! the ECS backend of the same account and region as a sibling: the targets must exist
//! there, and their facts decide each task's outcome. Nothing an execution carries is run.

pub mod catalog;
pub mod errors;
pub mod handlers;
pub mod models;
pub mod render;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::OosBackend;

/// The API version.
pub const VERSION: &str = "2019-06-01";

/// The service.
pub static SERVICE: ServiceDef<OosBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "oos",
    product: "Oos",
    version: VERSION,
    routes: routes::ROUTES,
};
