//! AIWorkSpace's handlers.

pub mod attach;
pub mod create_workspace;
pub mod resources;
pub mod workspaces;

/// What an AIWorkSpace handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::WorkspaceBackend>;
