//! PAI Studio's handlers: parse the request, call the rules, render the answer.

pub mod node_types;
pub mod quotas;
pub mod resource_groups;
pub mod workloads;

/// What a PAI Studio handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::PaiBackend>;
