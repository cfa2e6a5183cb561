//! The compute-provision skill's rules (seed-operations.md section 3), ECS and VPC part: the
//! planning tools answered by the server (product, region, script, quotes), the cost gate in
//! front of every billable create, and the composite plans that create, run and clean up only
//! what this server made.

mod api;
pub mod compare;
pub mod cost;
pub mod find;
pub mod product;
pub mod quote;
pub mod region;
pub mod script;

use api::{
    DESCRIBE_AVAILABLE, DESCRIBE_INSTANCE_TYPES, DESCRIBE_INSTANCES, DESCRIBE_PRICE, RECOMMEND,
};

use super::ToolsetRegistry;
use crate::{guard, reader};

/// Registers the compute guards and readers.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("cp.product_is_ecs", needs: [], provides: [], calls: [], product::require_ecs),
        guard!("cp.cost_gate", needs: [], provides: [], calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], cost::cost_gate),
        guard!("cp.instances_exist", needs: [], provides: [], calls: [DESCRIBE_INSTANCES], cost::instances_exist),
        guard!("cp.in_stock", needs: [], provides: [], calls: [DESCRIBE_AVAILABLE, DESCRIBE_INSTANCE_TYPES], cost::in_stock),
    ]);
    registry.readers(&[
        reader!("cp.select_product", calls: [], product::select_product),
        reader!("cp.select_region", calls: [], region::select_region),
        reader!("cp.validate_script", calls: [], script::validate_script),
        reader!("cp.estimate_cost", calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], quote::estimate_cost),
        reader!("cp.compare_options", calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], compare::compare_options),
        reader!("cp.find_available_instance_type", calls: [RECOMMEND, DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], find::find_available_instance_type),
    ]);
}
