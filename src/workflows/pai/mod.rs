//! The PAI quota skill's rules (seed-operations.md section 2): resolution, homogeneity, capacity,
//! usage, update mutability, delete order and workspace binding.

pub mod capacity;
pub mod create;
pub mod groups;
pub mod quotas;
pub mod update;
pub mod usage;
pub mod workspaces;

mod api;

pub use api::is_root;
