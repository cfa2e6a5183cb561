//! AIWorkSpace 2021-02-04: workspaces and workspace resources (quota bindings).
//!
//! It reads the same account's and region's PAI Studio backend as a sibling: binding a
//! quota checks that the quota exists, detaching checks its running workloads.

pub mod errors;
pub mod handlers;
pub mod images;
pub mod models;
pub mod render;
pub mod routes;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::WorkspaceBackend;

/// The API version.
pub const VERSION: &str = "2021-02-04";

/// The service.
pub static SERVICE: ServiceDef<WorkspaceBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "aiworkspace",
    product: "AIWorkSpace",
    version: VERSION,
    routes: routes::ROUTES,
};
