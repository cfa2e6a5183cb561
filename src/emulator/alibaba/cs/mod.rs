//! ACK through CS (Container Service for Kubernetes, API 2015-12-15, ROA): managed clusters
//! whose `state` moves on the emulated clock (`initial` -> `running`; `deleting` -> `deleted`),
//! node pools, nodes, the user kubeconfig, regions, and the error codes of next-wave-wire 2.5
//! (`ErrorClusterNotFound`, `ErrorClusterState`, `QuotaExceeded.Cluster`, ...).
//!
//! The compute skill's generic Tea client signs CS calls with `x-acs-action: anonymous`, so the
//! front routes them by method and path like FC. Jobs do not go through CS: each cluster has a
//! small Kubernetes API ([`kube`]) served on the emulator's own second loopback port, which the
//! kubeconfig's `server` names (plain HTTP, a bearer token per cluster). Nothing sent to a Job is
//! ever run: pod logs are synthesised from the script's digest.

pub mod admin;
pub mod errors;
pub mod handlers;
pub mod kube;
pub mod models;
pub mod routes;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::CsBackend;

/// The API version.
pub const VERSION: &str = "2015-12-15";

/// The service.
pub static SERVICE: ServiceDef<CsBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "cs",
    product: "CS",
    version: VERSION,
    routes: routes::ROUTES,
};
