//! Training jobs v2: create, search, show, terminate, delete, and their flavors, engines and
//! logs. A job goes Creating -> Pending -> Running -> Completed on the emulator clock; a
//! terminate moves a live job through Terminating to Terminated and is refused (2796)
//! once the job has ended. Logs are synthesised from the phases reached: nothing runs.

use serde_json::{Map, Value, json};

use super::required_text;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::{
    ENGINES, TRAINING_FLAVORS, engine, engine_exists, training_flavor, training_flavor_exists,
};
use crate::emulator::huawei::modelarts::models::{
    ModelArtsBackend, Phase, TRAINING_RUN, TRAINING_STOP, TrainingJob, millis,
};

fn not_found(id: &str) -> ApiError {
    ApiError::invalid(
        "ModelArts.2775",
        format!("Training job {id} does not exist."),
    )
}

/// Whether a phase is final.
fn ended(phase: &str) -> bool {
    matches!(phase, "Completed" | "Failed" | "Terminated" | "Abnormal")
}

/// A job in the SDK's response shape at `now`.
pub fn render(job: &TrainingJob, now: time::OffsetDateTime) -> Value {
    let phase = job.phase.status(now);
    let started = millis(job.phase.progress.since);
    let duration = if phase == "Creating" || phase == "Pending" {
        0
    } else {
        millis(now) - started
    };
    json!({
        "kind": job.kind,
        "metadata": {
            "id": job.id, "name": job.name, "description": job.description,
            "workspace_id": job.workspace_id, "create_time": job.create_time, "user_name": "skillgate-demo",
            "annotations": {},
        },
        "status": {
            "phase": phase, "secondary_phase": phase, "duration": duration.max(0),
            "start_time": started, "tasks": ["worker-0"], "node_count_metrics": [],
        },
        "algorithm": job.algorithm,
        "spec": job.spec,
    })
}

/// `POST /v2/{project_id}/training-jobs`.
pub fn create_training_job(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let kind = required_text(&body, "kind", "ModelArts.2788")?.to_owned();
    let metadata = body
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ApiError::invalid("ModelArts.2788", "The parameter metadata is required.")
        })?;
    let name = required_text(metadata, "name", "ModelArts.2788")?.to_owned();
    let algorithm = body.get("algorithm").cloned().unwrap_or_else(|| json!({}));
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    if let Some(engine) = algorithm.get("engine")
        && !engine_exists(engine)
    {
        return Err(ApiError::invalid(
            "ModelArts.2780",
            "The engine does not exist: see the training engines.",
        ));
    }
    let resource = spec.get("resource");
    let flavor = resource
        .and_then(|r| r.get("flavor_id"))
        .and_then(Value::as_str);
    match flavor {
        Some(id) if !training_flavor_exists(id) => {
            return Err(ApiError::invalid(
                "ModelArts.2781",
                format!("The flavor {id} does not exist."),
            ));
        }
        None if resource.and_then(|r| r.get("pool_id")).is_none() => {
            return Err(ApiError::invalid(
                "ModelArts.2788",
                "spec.resource needs a flavor_id or a pool_id.",
            ));
        }
        _ => {}
    }
    if ctx.state.jobs.iter().any(|j| j.name == name) {
        return Err(ApiError::invalid(
            "ModelArts.2751",
            format!("Training job name {name} is duplicated."),
        ));
    }
    let job = TrainingJob {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: metadata
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        workspace_id: metadata
            .get("workspace_id")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        kind,
        algorithm,
        spec,
        create_time: millis(ctx.now),
        phase: Phase::enter(&TRAINING_RUN, ctx.now, ctx.lifecycles.mode(&TRAINING_RUN)),
    };
    let rendered = render(&job, ctx.now);
    ctx.state.jobs.push(job);
    Ok(object(rendered))
}

/// Whether a job passes one search filter `{key, operator, value[]}` (`phase`/`name`
/// with `in`, `like` or `not`).
fn passes(job: &Value, filter: &Value) -> bool {
    let key = filter
        .get("key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let operator = filter
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or("in");
    let values: Vec<&str> = filter
        .get("value")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let field = match key {
        "phase" => job["status"]["phase"].as_str(),
        "name" => job["metadata"]["name"].as_str(),
        _ => return true,
    }
    .unwrap_or_default();
    match operator {
        "like" => values.iter().any(|v| field.contains(v)),
        "not" => !values.contains(&field),
        _ => values.contains(&field),
    }
}

/// `POST /v2/{project_id}/training-job-searches`: `offset` is the page number, `limit` 1-50.
pub fn list_training_jobs(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let offset = body.get("offset").and_then(Value::as_u64).unwrap_or(0);
    let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid(
            "ModelArts.2788",
            format!("limit must be between 1 and 50, got {limit}."),
        ));
    }
    let filters: Vec<Value> = body
        .get("filters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let now = ctx.now;
    let matching: Vec<Value> = ctx
        .state
        .jobs
        .iter()
        .rev()
        .map(|j| render(j, now))
        .filter(|j| filters.iter().all(|f| passes(j, f)))
        .collect();
    let total = matching.len();
    let skip = usize::try_from(offset.saturating_mul(limit)).unwrap_or(usize::MAX);
    let items: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(50))
        .collect();
    Ok(object(json!({
        "total": total, "count": items.len(), "limit": limit, "offset": offset,
        "sort_by": "create_time", "order": "desc", "group_by": "", "workspace_id": "", "ai_project": "",
        "train_type": "", "items": items,
    })))
}

fn find<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut TrainingJob, ApiError> {
    ctx.state
        .jobs
        .iter_mut()
        .find(|j| j.id == id)
        .ok_or_else(|| not_found(id))
}

/// `GET /v2/{project_id}/training-jobs/{training_job_id}`.
pub fn show_training_job(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let job = find(ctx, req.path("training_job_id")?)?;
    Ok(object(render(job, now)))
}

/// `POST /v2/{project_id}/training-jobs/{training_job_id}/actions` with `{"action_type": "terminate"}`.
pub fn stop_training_job(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    if body.get("action_type").and_then(Value::as_str) != Some("terminate") {
        return Err(ApiError::invalid(
            "ModelArts.2788",
            "action_type must be terminate.",
        ));
    }
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&TRAINING_STOP));
    let job = find(ctx, req.path("training_job_id")?)?;
    let phase = job.phase.status(now);
    if ended(phase) || phase == "Terminating" {
        return Err(ApiError::new(
            409,
            "ModelArts.2796",
            format!("The training job is {phase} and cannot be terminated."),
        ));
    }
    job.phase = Phase::enter(&TRAINING_STOP, now, mode);
    Ok(object(render(job, now)))
}

/// `DELETE /v2/{project_id}/training-jobs/{training_job_id}` (an empty answer).
pub fn delete_training_job(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("training_job_id")?.to_owned();
    find(ctx, &id)?;
    ctx.state.jobs.retain(|j| j.id != id);
    Ok(Map::new())
}

/// `GET /v2/{project_id}/training-job-flavors?flavor_type=CPU|GPU|Ascend`.
pub fn list_training_flavors(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let flavors: Vec<Value> = TRAINING_FLAVORS
        .iter()
        .filter(|f| {
            req.query_nonempty("flavor_type")
                .is_none_or(|t| f.1.eq_ignore_ascii_case(t))
        })
        .map(training_flavor)
        .collect();
    Ok(object(
        json!({"total_count": flavors.len(), "flavors": flavors}),
    ))
}

/// `GET /v2/{project_id}/training-job-engines`.
pub fn list_training_engines(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let items: Vec<Value> = ENGINES.iter().map(engine).collect();
    Ok(object(json!({"total": items.len(), "items": items})))
}

/// `GET .../tasks/{task_id}/logs/preview`: lines for the phases the job has reached.
pub fn preview_logs(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let task = req.path("task_id")?.to_owned();
    let now = ctx.now;
    let job = find(ctx, req.path("training_job_id")?)?;
    if task != "worker-0" {
        return Err(ApiError::invalid(
            "ModelArts.2788",
            format!("The job has no task {task}; its task is worker-0."),
        ));
    }
    let phase = job.phase.status(now);
    let mut lines = vec![format!("[ModelArts Service Log] job {} created", job.name)];
    if phase != "Creating" {
        lines.push("[ModelArts Service Log] waiting for resources".to_owned());
    }
    if !matches!(phase, "Creating" | "Pending") {
        lines.push("[ModelArts Service Log] training started on worker-0".to_owned());
    }
    match phase {
        "Completed" => {
            lines.push("[ModelArts Service Log] training end with return code: 0".to_owned())
        }
        "Failed" => {
            lines.push("[ModelArts Service Log] training end with return code: 1".to_owned())
        }
        "Terminating" | "Terminated" => {
            lines.push("[ModelArts Service Log] the job was terminated".to_owned())
        }
        _ => {}
    }
    let content = lines.join("\n") + "\n";
    let size = content.len();
    Ok(object(
        json!({"content": content, "current_size": size, "full_size": size}),
    ))
}
