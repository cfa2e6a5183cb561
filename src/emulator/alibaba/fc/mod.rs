//! FC 3.0 (Function Compute, API 2023-03-30, ROA under `/2023-03-30/...`; hosts
//! `{account_id}.{region}.fc.aliyuncs.com` as the skill builds it and `fcv3.{region}.aliyuncs.com`
//! as the SDK maps it): functions, sync and async invokes, async invoke configs and async tasks
//! whose status moves on the emulated clock (`Enqueued` -> `Running` -> `Succeeded` / `Failed`,
//! or `Stopped`).
//!
//! The generic Tea client signs FC calls with `x-acs-action: anonymous`, so the front routes them
//! by method and path. No user code is ever executed: an invoke's answer is synthesised from the
//! payload ([`rules`]: literal `echo` / `print` lines and `exit N` of a script sent as
//! `script` / `script_b64`, else the payload echoed back).

pub mod errors;
pub mod handlers;
pub mod models;
pub mod routes;
pub mod rules;
pub mod seed;

use crate::emulator::core::service::ServiceDef;
use models::FcBackend;

/// The API version.
pub const VERSION: &str = "2023-03-30";

/// The service.
pub static SERVICE: ServiceDef<FcBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "fc",
    product: "FC",
    version: VERSION,
    routes: routes::ROUTES,
};
