//! PAI-DLC's handlers.

pub mod jobs;
pub mod pods;

/// What a PAI-DLC handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::DlcBackend>;
