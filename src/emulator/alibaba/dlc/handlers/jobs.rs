//! DLC jobs on the wire: CreateJob, ListJobs, GetJob, StopJob, DeleteJob.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::body::opt_string;
use crate::emulator::alibaba::dlc::errors;
use crate::emulator::alibaba::dlc::models::{JOB_RUN, Job, TERMINAL};
use crate::emulator::alibaba::dlc::render::{job_detail, job_item};
use crate::emulator::alibaba::dlc::specs::SPECS;
use crate::emulator::alibaba::seed::USER_ALICE;
use crate::emulator::core::paging::{Order, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

/// The job types DLC runs.
const JOB_TYPES: &[&str] = &[
    "TFJob",
    "PyTorchJob",
    "MPIJob",
    "XGBoostJob",
    "OneFlowJob",
    "ElasticBatchJob",
    "RayJob",
    "SlurmJob",
];

fn required(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    opt_string(body, field)?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::missing(field))
}

/// Checks one `JobSpecs` item: a `Type`, an `Image`, and either a public-pool `EcsSpec` the
/// pool has in stock or a `ResourceConfig` (quota jobs).
fn check_spec(spec: &Value, quota: bool) -> Result<(), ApiError> {
    let field = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
    if field("Type").is_empty() {
        return Err(ApiError::missing("JobSpecs.Type"));
    }
    if field("Image").is_empty() {
        return Err(ApiError::missing("JobSpecs.Image"));
    }
    let ecs = field("EcsSpec");
    if ecs.is_empty() {
        if quota && spec.get("ResourceConfig").is_some_and(Value::is_object) {
            return Ok(());
        }
        return Err(ApiError::invalid(
            "InvalidParameter.JobSpecs",
            "Each job spec needs an EcsSpec (public pool) or a ResourceConfig (quota).",
        ));
    }
    match SPECS.iter().find(|s| s.instance_type == ecs) {
        None => Err(ApiError::invalid(
            "InvalidParameter.EcsSpec",
            format!("The ECS spec \"{ecs}\" is not supported by DLC; see ListEcsSpecs."),
        )),
        Some(s) if !s.available => Err(ApiError::invalid(
            "EcsSpecNoStock",
            format!("The ECS spec \"{ecs}\" has no stock in the public resource pool."),
        )),
        Some(_) => Ok(()),
    }
}

/// `POST /api/v1/jobs`. No ClientToken: every accepted call is a new job.
pub fn create_job(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let display_name = required(&body, "DisplayName")?;
    let job_type = required(&body, "JobType")?;
    let user_command = required(&body, "UserCommand")?;
    if !JOB_TYPES.contains(&job_type.as_str()) {
        return Err(ApiError::invalid(
            "InvalidParameter.JobType",
            format!(
                "JobType \"{job_type}\" is not valid; valid values: {}.",
                JOB_TYPES.join(", ")
            ),
        ));
    }
    let resource_id = opt_string(&body, "ResourceId")?.unwrap_or_default();
    let specs = match body.get("JobSpecs") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => return Err(ApiError::missing("JobSpecs")),
    };
    for spec in &specs {
        check_spec(spec, !resource_id.is_empty())?;
    }
    let workspace_id = opt_string(&body, "WorkspaceId")?.unwrap_or_default();
    let workspaces = ctx.siblings.read::<WorkspaceBackend>();
    let workspace = if workspace_id.is_empty() {
        workspaces
            .workspaces
            .iter()
            .find(|w| w.is_default)
            .or_else(|| workspaces.workspaces.first())
    } else {
        workspaces.workspace(&workspace_id)
    }
    .map(|w| (w.id.clone(), w.name.clone()))
    .ok_or_else(|| errors::no_workspace(&workspace_id))?;
    drop(workspaces);
    let object = |k: &str| match body.get(k) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let job = Job {
        id: random_id("dlc", 14),
        display_name,
        job_type,
        workspace_id: workspace.0,
        workspace_name: workspace.1,
        user_command,
        job_specs: specs,
        settings: object("Settings"),
        resource_id,
        envs: object("Envs"),
        progress: ctx.progress(&JOB_RUN),
        stopped_at: None,
        gmt_create: ctx.now,
        user_id: USER_ALICE.0.into(),
    };
    let id = job.id.clone();
    ctx.state.jobs.push(job);
    ctx.state.creates += 1;
    let mut out = Map::new();
    out.insert("JobId".into(), json!(id));
    Ok(out)
}

/// Whether the job's `Settings.Tags` hold every pair of the `Tags` filter (a JSON map).
fn tags_match(job: &Job, filter: &Map<String, Value>) -> bool {
    let tags = job.settings.get("Tags").and_then(Value::as_object);
    filter
        .iter()
        .all(|(k, v)| tags.and_then(|t| t.get(k)) == Some(v))
}

/// `GET /api/v1/jobs`: `DisplayName` (substring, or exact with `DisplayNameSearchMode=exact`),
/// `Status`, `JobId`, `JobType`, `WorkspaceId`, `ResourceId`, `Tags`; newest first unless
/// `Order=asc`; 50 per page by default.
pub fn list_jobs(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(50)?;
    let now = ctx.now;
    let name = req.query_nonempty("DisplayName").map(str::to_lowercase);
    let exact = req
        .query_nonempty("DisplayNameSearchMode")
        .is_some_and(|m| m.eq_ignore_ascii_case("exact"));
    let statuses = req.query_csv("Status");
    let job_id = req.query_nonempty("JobId");
    let job_type = req.query_nonempty("JobType");
    let workspace = req.query_nonempty("WorkspaceId");
    let resource = req.query_nonempty("ResourceId");
    let tags = match req.query_nonempty("Tags") {
        None => Map::new(),
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(ApiError::invalid(
                    "InvalidParameter.Tags",
                    "Tags must be a JSON object of tag keys and values.",
                ));
            }
        },
    };
    let mut selected: Vec<&Job> = ctx
        .state
        .jobs
        .iter()
        .filter(|j| {
            name.as_ref().is_none_or(|n| {
                let have = j.display_name.to_lowercase();
                if exact {
                    &have == n
                } else {
                    have.contains(n.as_str())
                }
            })
        })
        .filter(|j| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s.eq_ignore_ascii_case(j.status(now))))
        })
        .filter(|j| job_id.is_none_or(|id| j.id == id))
        .filter(|j| job_type.is_none_or(|t| j.job_type.eq_ignore_ascii_case(t)))
        .filter(|j| workspace.is_none_or(|w| j.workspace_id == w))
        .filter(|j| resource.is_none_or(|r| j.resource_id == r))
        .filter(|j| tags_match(j, &tags))
        .collect();
    selected.sort_by_key(|j| j.gmt_create);
    if req.query_nonempty("Order").is_none() {
        selected.reverse();
    } else {
        Order::from_request(req).apply(&mut selected);
    }
    Ok(list_response("Jobs", &selected, paging, |j| {
        Value::Object(job_item(j, now))
    }))
}

/// `GET /api/v1/jobs/{JobId}`.
pub fn get_job(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("JobId")?;
    req.query_bool("NeedDetail")?;
    let job = ctx.state.job(id).ok_or_else(|| errors::job_not_found(id))?;
    Ok(job_detail(job, ctx.now))
}

/// `POST /api/v1/jobs/{JobId}/stop`: a job still on its way stops now; stopping a stopped job
/// again is accepted (the first answer may have been lost); a finished one cannot be stopped.
pub fn stop_job(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("JobId")?;
    let now = ctx.now;
    let job = ctx
        .state
        .job_mut(id)
        .ok_or_else(|| errors::job_not_found(id))?;
    match job.status(now) {
        "Stopped" => {}
        s @ ("Succeeded" | "Failed") => return Err(errors::wrong_status(id, "stopped", s)),
        _ => job.stopped_at = Some(now),
    }
    let mut out = Map::new();
    out.insert("JobId".into(), json!(id));
    Ok(out)
}

/// `DELETE /api/v1/jobs/{JobId}`: only finished jobs (stop a running one first).
pub fn delete_job(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("JobId")?;
    let now = ctx.now;
    let job = ctx.state.job(id).ok_or_else(|| errors::job_not_found(id))?;
    let status = job.status(now);
    if !TERMINAL.contains(&status) {
        return Err(errors::wrong_status(id, "deleted", status));
    }
    ctx.state.jobs.retain(|j| j.id != id);
    let mut out = Map::new();
    out.insert("JobId".into(), json!(id));
    Ok(out)
}
