//! The AutoDL elastic-deployment skill's rules (seed-operations.md section 5): the deployment
//! config checked with every problem at once (both schemas, the CUDA mapping, the cmd linter,
//! images, GPU types, scheduling units), creates that never submit twice (a plan-derived name
//! looked up before any re-submit), the queued submit and readiness as long operations,
//! ReplicaSet-only replica changes, and passwords that only a confirmed reveal shows.

mod api;
pub mod config;
mod guards;
mod queue;
mod reads;
mod ready;
mod reveal;

use api::{GPU_STOCK, LIST_CONTAINERS, LIST_DEPLOYMENTS, LIST_IMAGES};

use super::ToolsetRegistry;
use crate::{executor, guard, reader};

/// Registers the AutoDL guards, readers, executors and long-operation kinds.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("autodl.check_config", needs: [], provides: ["stock", "checked"], calls: [LIST_IMAGES, GPU_STOCK], guards::check_config),
        guard!("autodl.stock_now", needs: ["stock", "checked"], provides: [], calls: [], guards::stock_now),
        guard!("autodl.load_deployment", needs: [], provides: [], calls: [LIST_DEPLOYMENTS], guards::load_deployment),
        guard!("autodl.check_replicas", needs: [], provides: [], calls: [LIST_DEPLOYMENTS], guards::check_replicas),
        guard!("autodl.load_container", needs: [], provides: [], calls: [LIST_DEPLOYMENTS, LIST_CONTAINERS], guards::load_container),
    ]);
    registry.readers(&[
        reader!("autodl.gpu_stock", calls: [GPU_STOCK], reads::gpu_stock),
        reader!("autodl.list_containers", calls: [LIST_CONTAINERS], reads::list_containers),
    ]);
    registry.executors(&[
        executor!("autodl.create", queue::create, read_back: queue::create_read_back),
        executor!("autodl.queue_submit", queue::queue_submit, read_back: queue::create_read_back),
        executor!("autodl.reveal_password", reveal::reveal, read_back: reveal::reveal_read_back),
    ]);
    registry.operations(&[queue::kind(), ready::kind()]);
}
