//! Async invoke configs and async tasks: Put/Get/DeleteAsyncInvokeConfig, GetAsyncTask,
//! ListAsyncTasks and StopAsyncTask. A task's status comes from the emulated clock.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Ctx;
use crate::emulator::alibaba::fc::errors;
use crate::emulator::alibaba::fc::models::{AsyncConfig, AsyncTask, unix_ms};
use crate::emulator::alibaba::seed::ACCOUNT_ID;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest};

fn render_config(c: &AsyncConfig, region: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("asyncTask".into(), json!(c.async_task));
    out.insert("maxAsyncRetryAttempts".into(), json!(c.max_retry));
    out.insert("maxAsyncEventAgeInSeconds".into(), json!(c.max_event_age));
    if let Some(d) = &c.destination {
        out.insert("destinationConfig".into(), d.clone());
    }
    out.insert(
        "functionArn".into(),
        json!(format!(
            "acs:fc:{region}:{ACCOUNT_ID}:functions/{}",
            c.function
        )),
    );
    out.insert("createdTime".into(), json!(format_time(c.created)));
    out.insert("lastModifiedTime".into(), json!(format_time(c.modified)));
    out
}

fn render_task(t: &AsyncTask, region: &str, now: OffsetDateTime) -> Map<String, Value> {
    let status = t.status(now);
    let mut out = Map::new();
    out.insert("taskId".into(), json!(t.id));
    out.insert("requestId".into(), json!(t.request_id));
    out.insert("status".into(), json!(status));
    out.insert(
        "functionArn".into(),
        json!(format!(
            "acs:fc:{region}:{ACCOUNT_ID}:functions/{}",
            t.function
        )),
    );
    out.insert("qualifier".into(), json!("LATEST"));
    out.insert("taskPayload".into(), json!(t.payload));
    out.insert("startedTime".into(), json!(t.started_ms()));
    out.insert("alreadyRetriedTimes".into(), json!(0));
    let ended = t.ended(now);
    if let Some(end) = ended {
        out.insert("endTime".into(), json!(unix_ms(end)));
        out.insert("durationMs".into(), json!(unix_ms(end) - t.started_ms()));
    }
    if matches!(status, "Succeeded" | "Failed") {
        out.insert(
            "returnPayload".into(),
            json!(Value::Object(t.outcome.body.clone()).to_string()),
        );
    }
    if status == "Failed" {
        out.insert("taskErrorMessage".into(), json!(t.outcome.error));
    }
    let mut events = vec![
        json!({"eventId": 1, "status": "Enqueued", "timestamp": t.started_ms(), "eventDetail": ""}),
    ];
    if status != "Enqueued" {
        events.push(json!({"eventId": 2, "status": "Dequeued", "timestamp": t.started_ms() + 1000, "eventDetail": ""}));
    }
    if let Some(end) = ended {
        events.push(json!({"eventId": 3, "status": status, "timestamp": unix_ms(end), "eventDetail": t.outcome.error}));
    }
    out.insert("events".into(), Value::Array(events));
    out
}

fn ensure_function(ctx: &Ctx<'_>, name: &str) -> Result<(), ApiError> {
    ctx.state
        .function(name)
        .map(|_| ())
        .ok_or_else(|| errors::function_not_found(name))
}

/// `PUT .../async-invoke-config` with `{asyncTask, maxAsyncRetryAttempts,
/// maxAsyncEventAgeInSeconds, destinationConfig}`; creates or replaces.
pub fn put_async_invoke_config(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?.to_owned();
    ensure_function(ctx, &name)?;
    let body = req.json_body()?;
    let flag = |field: &str| -> Result<Option<bool>, ApiError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(errors::invalid(format!("{field} must be true or false."))),
        }
    };
    let int = |field: &str, max: i64| -> Result<Option<i64>, ApiError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if (0..=max).contains(&n) => Ok(Some(n)),
                _ => Err(errors::invalid(format!(
                    "{field} must be an integer between 0 and {max}."
                ))),
            },
        }
    };
    let created = ctx.state.config(&name).map_or(ctx.now, |c| c.created);
    let config = AsyncConfig {
        function: name.clone(),
        async_task: flag("asyncTask")?.unwrap_or(false),
        max_retry: int("maxAsyncRetryAttempts", 8)?.unwrap_or(3),
        max_event_age: int("maxAsyncEventAgeInSeconds", 86_400)?.unwrap_or(86_400),
        destination: body
            .get("destinationConfig")
            .filter(|v| !v.is_null())
            .cloned(),
        created,
        modified: ctx.now,
    };
    let out = render_config(&config, &req.region);
    ctx.state.configs.retain(|c| c.function != name);
    ctx.state.configs.push(config);
    Ok(out)
}

/// `GET .../async-invoke-config`.
pub fn get_async_invoke_config(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    ensure_function(ctx, name)?;
    ctx.state
        .config(name)
        .map(|c| render_config(c, &req.region))
        .ok_or_else(|| errors::async_config_not_found(name))
}

/// `DELETE .../async-invoke-config`.
pub fn delete_async_invoke_config(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    ensure_function(ctx, name)?;
    if ctx.state.config(name).is_none() {
        return Err(errors::async_config_not_found(name));
    }
    ctx.state.configs.retain(|c| c.function != name);
    Ok(Map::new())
}

/// `GET .../async-tasks/{TaskId}`; a task's first read after its invoke misses it.
pub fn get_async_task(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    let id = req.path("TaskId")?;
    ensure_function(ctx, name)?;
    let now = ctx.now;
    let task = ctx
        .state
        .tasks
        .iter_mut()
        .find(|t| t.function == name && t.id == id)
        .ok_or_else(|| errors::async_task_not_found(name, id))?;
    if task.unseen_reads > 0 {
        // Not recorded yet, as on the real service right after the invoke.
        task.unseen_reads -= 1;
        return Err(errors::async_task_not_found(name, id));
    }
    Ok(render_task(task, &req.region, now))
}

/// `GET .../async-tasks`: `status`, `prefix` (of the task id), `limit` (default 20) and
/// `nextToken`; newest first unless `sortOrderByTime=asc`.
pub fn list_async_tasks(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    ensure_function(ctx, name)?;
    let limit = usize::try_from(req.query_u64("limit")?.unwrap_or(20).clamp(1, 100)).unwrap_or(20);
    let status = req.query_nonempty("status");
    let prefix = req.query_nonempty("prefix").unwrap_or_default();
    let skip: usize = req
        .query_nonempty("nextToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let now = ctx.now;
    let mut selected: Vec<&AsyncTask> = ctx
        .state
        .tasks
        .iter()
        .filter(|t| t.function == name && t.id.starts_with(prefix))
        .filter(|t| status.is_none_or(|s| t.status(now).eq_ignore_ascii_case(s)))
        .collect();
    if !req
        .query_nonempty("sortOrderByTime")
        .is_some_and(|o| o.eq_ignore_ascii_case("asc"))
    {
        selected.reverse();
    }
    let total = selected.len();
    let page: Vec<Value> = selected
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|t| Value::Object(render_task(t, &req.region, now)))
        .collect();
    let mut out = Map::new();
    out.insert("tasks".into(), Value::Array(page));
    if skip + limit < total {
        out.insert("nextToken".into(), json!((skip + limit).to_string()));
    }
    Ok(out)
}

/// `PUT .../async-tasks/{TaskId}/stop`: a task not yet finished becomes `Stopped`.
pub fn stop_async_task(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    let id = req.path("TaskId")?;
    ensure_function(ctx, name)?;
    let now = ctx.now;
    let task = ctx
        .state
        .tasks
        .iter_mut()
        .find(|t| t.function == name && t.id == id)
        .ok_or_else(|| errors::async_task_not_found(name, id))?;
    let status = task.status(now);
    if matches!(status, "Succeeded" | "Failed" | "Stopped") {
        return Err(errors::task_finished(id, status));
    }
    task.stopped = Some(now);
    Ok(Map::new())
}
