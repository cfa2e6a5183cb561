//! FC 3.0 handlers: functions, invokes, async configs and tasks.

pub mod async_tasks;
pub mod functions;
pub mod invoke;

use super::models::FcBackend;

/// A handler's context over the FC backend.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, FcBackend>;
