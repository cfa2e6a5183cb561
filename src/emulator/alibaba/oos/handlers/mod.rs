//! OOS's handlers.

pub mod executions;
pub mod package_states;
pub mod tasks;
pub mod templates;

/// What an OOS handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::OosBackend>;
