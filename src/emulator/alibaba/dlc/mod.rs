//! PAI-DLC 2020-12-03 (ROA): the ECS specs DLC can run on, training jobs whose status moves on
//! the emulated clock (Creating -> Queuing -> EnvPreparing -> Running -> Succeeded / Failed, or
//! Stopped when stopped), their pods, pod logs and pod events.
//!
//! Nothing a job names is executed: the logs are synthesised from the job's command and image,
//! and a job fails when its command ends in a non-zero `exit N` or its image cannot be pulled
//! (an image URI containing `does-not-exist`), so tests can reach every outcome.

pub mod errors;
pub mod handlers;
pub mod models;
pub mod render;
pub mod routes;
pub mod seed;
pub mod specs;

use crate::emulator::core::service::ServiceDef;
use models::DlcBackend;

/// The API version.
pub const VERSION: &str = "2020-12-03";

/// The service.
pub static SERVICE: ServiceDef<DlcBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "pai-dlc",
    product: "PAI-DLC",
    version: VERSION,
    routes: routes::ROUTES,
};
