//! The compute-provision skill's rules (seed-operations.md section 3), ECS and VPC part: the
//! planning tools answered by the server (product, region, script, quotes), the cost gate in
//! front of every billable create, and the composite plans that create, run and clean up only
//! what this server made.

pub mod ack;
pub mod ack_job;
pub mod ack_nodepool;
pub mod ack_reuse;
mod ack_wait;
mod api;
pub mod commands;
pub mod compare;
pub mod cost;
pub mod dlc;
pub mod dlc_cleanup;
pub mod dlc_train;
mod dlc_wait;
pub mod fc;
pub mod fc_wait;
pub mod find;
pub mod infra;
pub mod product;
pub mod quote;
pub mod region;
pub mod script;
mod waits;

use api::{
    DESCRIBE_AVAILABLE, DESCRIBE_IMAGES, DESCRIBE_INSTANCE_TYPES, DESCRIBE_INSTANCES,
    DESCRIBE_PRICE, DESCRIBE_SECURITY_GROUPS, DESCRIBE_VPCS, DESCRIBE_VSWITCHES,
    INVOCATION_RESULTS, RECOMMEND,
};

use super::ToolsetRegistry;
use crate::{executor, guard, reader};

/// Registers the compute guards and readers.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("cp.product_is_ecs", needs: [], provides: [], calls: [], product::require_ecs),
        guard!("cp.cost_gate", needs: [], provides: [], calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], cost::cost_gate),
        guard!("cp.instances_exist", needs: [], provides: [], calls: [DESCRIBE_INSTANCES], cost::instances_exist),
        guard!("cp.in_stock", needs: [], provides: [], calls: [DESCRIBE_AVAILABLE, DESCRIBE_INSTANCE_TYPES], cost::in_stock),
        guard!("cp.safe_ingress", needs: [], provides: [], calls: [DESCRIBE_SECURITY_GROUPS], infra::safe_ingress),
        guard!("cp.security_rules", needs: [], provides: [], calls: [], infra::security_rules),
        guard!("cp.ensure_network", needs: [], provides: [], calls: [DESCRIBE_VPCS, DESCRIBE_VSWITCHES], infra::ensure_network),
        guard!("cp.image_by_family", needs: [], provides: [], calls: [DESCRIBE_IMAGES], infra::image_by_family),
        guard!("cp.delete_target", needs: [], provides: [], calls: [DESCRIBE_SECURITY_GROUPS, DESCRIBE_VSWITCHES, DESCRIBE_VPCS], infra::delete_target),
        guard!("cp.created_here", needs: [], provides: [], calls: [DESCRIBE_INSTANCES, DESCRIBE_SECURITY_GROUPS, DESCRIBE_VSWITCHES, DESCRIBE_VPCS], infra::created_here),
        guard!("cp.fc_cost_gate", needs: [], provides: [], calls: [], fc::fc_cost_gate),
        guard!("cp.fc_code", needs: [], provides: [], calls: [], fc::fc_code),
        guard!("cp.fc_one_shot", needs: [], provides: [], calls: [], fc::fc_one_shot),
        guard!("cp.command", needs: [], provides: [], calls: [DESCRIBE_INSTANCES], commands::command),
        guard!("cp.dlc_training_spec", needs: [], provides: [], calls: [dlc_train::LIST_IMAGES], dlc_train::training_spec),
        guard!("cp.dlc_workspace", needs: [], provides: [], calls: [dlc_train::LIST_WORKSPACES], dlc_train::workspace),
        guard!("cp.dlc_ensure_workspace", needs: [], provides: [], calls: [dlc_train::LIST_WORKSPACES], dlc_train::ensure_workspace),
        guard!("cp.dlc_cost_gate", needs: [], provides: [], calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], dlc_train::cost_gate),
        guard!("cp.dlc_cleanup", needs: [], provides: [], calls: [dlc_cleanup::LIST_JOBS], dlc_cleanup::cleanup),
        guard!("cp.fc_invoke_mode", needs: [], provides: [], calls: ["cp_fc_get_function"], fc_wait::invoke_mode),
        guard!("cp.product_is_ack", needs: [], provides: [], calls: [], ack::require_ack),
        guard!("cp.ack_cluster_spec", needs: [], provides: [], calls: [], ack::cluster_spec),
        guard!("cp.ack_cost_gate", needs: [], provides: [], calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], ack::cost_gate),
        guard!("cp.ack_ensure", needs: [], provides: [], calls: [ack::DESCRIBE_CLUSTERS, ack::NODE_POOLS, DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], ack_reuse::ensure),
        guard!("cp.ack_reuse", needs: [], provides: [], calls: [ack::DESCRIBE_CLUSTERS, ack::NODE_POOLS], ack_reuse::reuse),
        guard!("cp.ack_created_here", needs: [], provides: [], calls: [ack::CLUSTER_DETAIL, DESCRIBE_SECURITY_GROUPS], ack::created_here),
        guard!("cp.ack_nodepool", needs: [], provides: [], calls: [ack::CLUSTER_DETAIL, ack::NODE_POOLS], ack_nodepool::nodepool),
        guard!("cp.ack_job", needs: [], provides: [], calls: [ack::CLUSTER_DETAIL, ack_job::KUBECONFIG], ack_job::job),
    ]);
    registry.operations(&[
        waits::instance_kind(),
        waits::invocation_kind(),
        waits::cleanup_kind(),
        dlc_wait::job_kind(),
        fc_wait::task_kind(),
        ack_wait::cluster_kind(),
        ack_wait::job_kind(),
    ]);
    registry.executors(&[
        executor!("cp.dlc_create_job", dlc::create_job, read_back: dlc::created),
        executor!("cp.dlc_cleanup", dlc_cleanup::run, read_back: dlc_cleanup::read_back),
        executor!("cp.ack_create_cluster", ack::create_cluster, read_back: ack::cluster_created),
        executor!("cp.ack_create_nodepool", ack_nodepool::create_nodepool, read_back: ack_nodepool::nodepool_created),
        executor!("cp.ack_run_job", ack_job::run_job, read_back: ack_job::job_created),
    ]);
    registry.readers(&[
        reader!("cp.dlc_job_logs", calls: [dlc_wait::GET_JOB, dlc_wait::POD_LOGS], dlc_wait::job_logs),
        reader!("cp.ack_kubeconfig", calls: [ack_job::KUBECONFIG], ack_job::kubeconfig_summary),
        reader!("cp.dlc_resolve_image", calls: [dlc_wait::LIST_IMAGES], dlc_wait::resolve_image),
        reader!("cp.select_product", calls: [], product::select_product),
        reader!("cp.select_region", calls: [], region::select_region),
        reader!("cp.validate_script", calls: [], script::validate_script),
        reader!("cp.estimate_cost", calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], quote::estimate_cost),
        reader!("cp.compare_options", calls: [DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], compare::compare_options),
        reader!("cp.invocation_results", calls: [INVOCATION_RESULTS], commands::invocation_results),
        reader!("cp.find_available_instance_type", calls: [RECOMMEND, DESCRIBE_PRICE, DESCRIBE_INSTANCE_TYPES], find::find_available_instance_type),
    ]);
}
