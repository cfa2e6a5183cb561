//! Every FC 3.0 route, with the SDK's exact method and path:
//! `(action, method, path, mutating, handler)`.

use super::handlers::{async_tasks, functions, invoke};
use super::models::FcBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<FcBackend>] = &[
    route!(CreateFunction, POST, "/2023-03-30/functions", true, functions::create_function),
    route!(ListFunctions, GET, "/2023-03-30/functions", false, functions::list_functions),
    route!(GetFunction, GET, "/2023-03-30/functions/{FunctionName}", false, functions::get_function),
    route!(UpdateFunction, PUT, "/2023-03-30/functions/{FunctionName}", true, functions::update_function),
    route!(DeleteFunction, DELETE, "/2023-03-30/functions/{FunctionName}", true, functions::delete_function),
    route!(InvokeFunction, POST, "/2023-03-30/functions/{FunctionName}/invocations", true, invoke::invoke_function),
    route!(PutAsyncInvokeConfig, PUT, "/2023-03-30/functions/{FunctionName}/async-invoke-config", true, async_tasks::put_async_invoke_config),
    route!(GetAsyncInvokeConfig, GET, "/2023-03-30/functions/{FunctionName}/async-invoke-config", false, async_tasks::get_async_invoke_config),
    route!(DeleteAsyncInvokeConfig, DELETE, "/2023-03-30/functions/{FunctionName}/async-invoke-config", true, async_tasks::delete_async_invoke_config),
    route!(GetAsyncTask, GET, "/2023-03-30/functions/{FunctionName}/async-tasks/{TaskId}", false, async_tasks::get_async_task),
    route!(ListAsyncTasks, GET, "/2023-03-30/functions/{FunctionName}/async-tasks", false, async_tasks::list_async_tasks),
    route!(StopAsyncTask, PUT, "/2023-03-30/functions/{FunctionName}/async-tasks/{TaskId}/stop", true, async_tasks::stop_async_task),
    route!(DescribeRegions, GET, "/2023-03-30/regions", false, functions::describe_regions),
];
