//! Every OOS route used by the ECS extension workflow. RPC style: `POST /` with the
//! parameters in the query (GET and a form body are accepted too, see the front).

use super::handlers::{executions, package_states, tasks, templates};
use super::models::OosBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<OosBackend>] = &[
    route!(ListTemplates, POST, "/", false, templates::list_templates),
    route!(GetTemplate, POST, "/", false, templates::get_template),
    route!(StartExecution, POST, "/", true, executions::start_execution),
    route!(ListExecutions, POST, "/", false, executions::list_executions),
    route!(ListTaskExecutions, POST, "/", false, tasks::list_task_executions),
    route!(CancelExecution, POST, "/", true, executions::cancel_execution),
    route!(ListInstancePackageStates, POST, "/", false, package_states::list_instance_package_states),
];
