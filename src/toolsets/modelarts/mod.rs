//! The ModelArts skill's rules (seed-operations.md section 6): billable creates that name their
//! flavor and image explicitly (nothing is auto-selected), every input problem reported at once,
//! notebooks and training jobs followed as long operations, and authorizations limited to
//! agencies (raw access keys are refused).

mod lite;
mod node_pools;
mod pools;
mod services;

use super::ToolsetRegistry;

/// Registers the ModelArts guards, readers, executors and long-operation kinds.
pub fn register(registry: &mut ToolsetRegistry) {
    pools::register(registry);
    node_pools::register(registry);
    services::register(registry);
    lite::register(registry);
}
