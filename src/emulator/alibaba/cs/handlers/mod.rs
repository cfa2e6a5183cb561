//! CS handlers: clusters (with the kubeconfig and nodes) and node pools.

pub mod clusters;
pub mod nodepools;

use super::models::CsBackend;

/// A handler's context over the CS backend.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, CsBackend>;
