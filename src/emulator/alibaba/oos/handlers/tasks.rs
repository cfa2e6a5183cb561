//! `ListTaskExecutions`: the installer's per-instance tasks.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::oos::catalog::Template;
use crate::emulator::alibaba::oos::errors;
use crate::emulator::alibaba::oos::models::{Execution, TaskPlan};
use crate::emulator::alibaba::oos::render::{TASK_NAME, task_item};
use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The tasks of `ExecutionId` (which must exist) or of every execution, filtered by
/// `Status`, `TaskName`, `TaskExecutionId`; paged by `MaxResults` (1-100, default 50).
pub fn list_task_executions(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let page = TokenPage::from_request(req, 1, 100, 50)?;
    let now = ctx.now;
    let executions: Vec<&Execution> = match req.query_nonempty("ExecutionId") {
        Some(id) => vec![
            ctx.state
                .execution(id)
                .ok_or_else(|| errors::execution_not_found(id))?,
        ],
        None => ctx.state.executions.iter().collect(),
    };
    let status = req.query_nonempty("Status");
    let task_name = req.query_nonempty("TaskName");
    let task_id = req.query_nonempty("TaskExecutionId");
    let tasks: Vec<(&Execution, &TaskPlan)> = executions
        .into_iter()
        .flat_map(|e| e.tasks.iter().map(move |t| (e, t)))
        .filter(|_| task_name.is_none_or(|n| n == TASK_NAME))
        .filter(|(_, t)| task_id.is_none_or(|id| t.id == id))
        .filter(|(e, t)| {
            status.is_none_or(|s| Execution::task_status(t, e.state(now)).as_str() == s)
        })
        .collect();
    let (items, next) = page.slice(&tasks);
    let items: Vec<Value> = items
        .iter()
        .map(|(e, t)| {
            let template = Template::find(&e.template_name).unwrap_or(Template::Bulky);
            task_item(e, t, &template, now)
        })
        .collect();
    let mut out = Map::new();
    out.insert("TaskExecutions".into(), Value::Array(items));
    out.insert("MaxResults".into(), json!(page.size));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(out)
}
