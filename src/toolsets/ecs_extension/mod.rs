//! The ECS-extension skill's rules (seed-operations.md section 4): the package catalog read from
//! OOS public templates, every install check before a plan (region, ids, instances, Cloud
//! Assistant, package, parameters), the StartExecution document built in code, and OOS executions
//! followed as long operations with the skill's report.

mod api;
mod catalog_reads;
mod execution;
mod install;
mod invocations;
pub mod packages;

use api::{
    ASSISTANT_STATUS, DESCRIBE_INSTANCES, DESCRIBE_REGIONS, GET_EXECUTION, GET_EXTENSION,
    INVOCATION_RESULTS, LIST_EXTENSIONS, LIST_RUNNING, LIST_TASKS,
};

use super::ToolsetRegistry;
use crate::{executor, guard, reader};

/// Registers the ECS-extension guards, readers, executor and long-operation kind.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("ecsext.check_install", needs: [], provides: [], calls: [DESCRIBE_REGIONS, DESCRIBE_INSTANCES, ASSISTANT_STATUS, LIST_EXTENSIONS, GET_EXTENSION, LIST_RUNNING], install::check_install),
        guard!("ecsext.check_cancellable", needs: [], provides: [], calls: [GET_EXECUTION], execution::check_cancellable),
        guard!("ecsext.version_command", needs: [], provides: [], calls: [], invocations::choose_version_command),
    ]);
    registry.readers(&[
        reader!("ecsext.list_extensions", calls: [LIST_EXTENSIONS], catalog_reads::list_extensions),
        reader!("ecsext.search_extensions", calls: [LIST_EXTENSIONS], catalog_reads::search_extensions),
        reader!("ecsext.get_extension", calls: [GET_EXTENSION, LIST_EXTENSIONS], catalog_reads::get_extension),
        reader!("ecsext.get_execution", calls: [GET_EXECUTION, LIST_TASKS], execution::get_execution),
        reader!("ecsext.list_running_executions", calls: [LIST_RUNNING], execution::list_running_executions),
        reader!("ecsext.invocation_results", calls: [INVOCATION_RESULTS], invocations::invocation_results),
    ]);
    registry.executors(&[executor!(
        "ecsext.verify_version",
        invocations::verify_version,
        read_back: invocations::verify_version_read_back
    )]);
    registry.operations(&[execution::kind()]);
}
