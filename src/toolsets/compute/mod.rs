//! The compute-provision skill's rules (seed-operations.md section 3), ECS and VPC part: the
//! planning tools answered by the server (product, region, script, quotes), the cost gate in
//! front of every billable create, and the composite plans that create, run and clean up only
//! what this server made.

pub mod product;
pub mod region;
pub mod script;

use super::ToolsetRegistry;
use crate::{guard, reader};

/// Registers the compute guards and readers.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("cp.product_is_ecs", needs: [], provides: [], calls: [], product::require_ecs),
    ]);
    registry.readers(&[
        reader!("cp.select_product", calls: [], product::select_product),
        reader!("cp.select_region", calls: [], region::select_region),
        reader!("cp.validate_script", calls: [], script::validate_script),
    ]);
}
