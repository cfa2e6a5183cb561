//! `cp_pai_cleanup_jobs` (seed-operations.md 3.6 and 3.8): the DLC jobs with one status, every
//! id listed in the plan and confirmed with one phrase per batch (`CONFIRM-BATCH <ACTION> <N>`,
//! as ModelArts' batch tools). Unfinished jobs are stopped; with `delete` every listed job's
//! record is then deleted. The skill cleans up by status, so this does too, but never beyond the
//! ids the human saw: the executor sends only the planned ids, and an empty batch is
//! `nothing_to_do`, never a plan.

use serde_json::{Map, Value, json};

use super::api::declared;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::{ErrorKind, ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext};

/// The reads and the single-job calls the batch sends.
pub(crate) const LIST_JOBS: &str = super::dlc::LIST_JOBS;
const STOP_JOB: &str = "cp_pai_stop_job";
const DELETE_JOB: &str = "cp_pai_delete_job";
/// Statuses whose jobs have ended (nothing to stop).
const ENDED: [&str; 3] = ["Succeeded", "Failed", "Stopped"];
/// Pages read at most (the batch is refused, not cut short, beyond them).
const MAX_PAGES: i64 = 20;

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Every job with `status` (in `workspace_id` when given), all pages.
async fn jobs_with(ctx: &GuardContext<'_>, status: &str) -> Result<Vec<Value>, ToolFailure> {
    let page_size = ctx
        .args
        .get("page_size")
        .and_then(Value::as_i64)
        .unwrap_or(100);
    let mut found = Vec::new();
    for page in 1..=MAX_PAGES {
        let mut args = json!({"status": status, "page_number": page, "page_size": page_size});
        if let Some(ws) = ctx.arg_str("workspace_id").filter(|s| !s.is_empty()) {
            args["workspace_id"] = json!(ws);
        }
        let body = ctx.read(&declared(LIST_JOBS, args)).await?.body;
        let jobs = body
            .get("Jobs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = body.get("TotalCount").and_then(Value::as_i64).unwrap_or(0);
        let last = jobs.len() < usize::try_from(page_size).unwrap_or(100);
        // The listing filters by status; a job that moved on meanwhile is left out.
        found.extend(jobs.into_iter().filter(|j| text(j, "Status") == status));
        if last || i64::try_from(found.len()).unwrap_or(i64::MAX) >= total {
            return Ok(found);
        }
    }
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "more than {} {status} jobs: narrow by workspace_id",
            MAX_PAGES * page_size
        ),
    ))
}

/// Guard `cp.dlc_cleanup`: lists the jobs, decides the action (stop the unfinished, delete when
/// asked) and fills `job_ids`, `stop_ids`, `job_count` and `batch_action`; none leaves the
/// batch step out, so the answer is `nothing_to_do`.
pub async fn cleanup(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let status = ctx.arg_str("status").unwrap_or_else(|| "Failed".into());
    let delete = ctx
        .args
        .get("delete")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let jobs = jobs_with(ctx, &status).await?;
    let ended = ENDED.contains(&status.as_str());
    let shown: Vec<Value> = jobs
        .iter()
        .map(|j| json!({"job_id": text(j, "JobId"), "display_name": text(j, "DisplayName"), "status": text(j, "Status"), "workspace_id": text(j, "WorkspaceId")}))
        .collect();
    let ids: Vec<String> = jobs.iter().map(|j| text(j, "JobId")).collect();
    let stop_ids: Vec<String> = if ended { Vec::new() } else { ids.clone() };
    let (action, planned) = match (stop_ids.is_empty(), delete) {
        (false, true) => ("STOP-AND-DELETE", ids.clone()),
        (false, false) => ("STOP", ids.clone()),
        (true, true) => ("DELETE", ids.clone()),
        (true, false) => ("NONE", Vec::new()),
    };
    let why = match (jobs.is_empty(), action) {
        (true, _) => format!("no DLC job is {status}: nothing to clean up"),
        (false, "NONE") => format!(
            "{} {status} job(s) have already ended, so there is nothing to stop; pass delete=true to delete their records",
            jobs.len()
        ),
        _ => format!("{} {status} job(s): {}", jobs.len(), action.to_lowercase()),
    };
    ctx.checks.push(Check::ok(
        "dlc_jobs",
        json!({"status": status, "count": jobs.len(), "jobs": shown, "action": action, "note": why}),
    ));
    ctx.diff.insert(
        "dlc_jobs".into(),
        json!({"current": shown, "stop": stop_ids, "delete": if delete { json!(ids) } else { json!([]) }}),
    );
    ctx.state.push(json!({"jobs": ids}));
    ctx.args.insert("job_count".into(), json!(planned.len()));
    ctx.args.insert("job_ids".into(), json!(planned));
    ctx.args.insert("stop_ids".into(), json!(stop_ids));
    ctx.args.insert("batch_action".into(), json!(action));
    Ok(())
}

fn strings(args: &Map<String, Value>, name: &str) -> Vec<String> {
    args.get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Sends `tool` for `id` in the plan's region: `Ok(true)` done, `Ok(false)` skipped (already
/// ended or gone, with why), `Err` for any other failure.
async fn one(
    ctx: &ExecContext<'_>,
    tool: &str,
    id: &str,
    skipped: &mut Vec<Value>,
    request_id: &mut Option<String>,
) -> Result<bool, ToolFailure> {
    let mut args = Map::new();
    args.insert("job_id".into(), json!(id));
    for (key, value) in &ctx.request.scope {
        args.insert(key.clone(), json!(value));
    }
    let request = ctx.calls.request(tool, &args)?;
    match ctx.calls.send(&request, RetryMode::Safe).await {
        Ok(response) => {
            *request_id = response.request_id.or(request_id.take());
            Ok(true)
        }
        Err(error)
            if matches!(error.kind, ErrorKind::NotFound | ErrorKind::Conflict)
                || error
                    .code
                    .as_deref()
                    .is_some_and(|c| c.contains("Status") || c.contains("NotFound")) =>
        {
            skipped.push(json!({"job_id": id, "call": tool, "why": error.message}));
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

/// Executor `cp.dlc_cleanup`: StopJob for each planned unfinished id, then DeleteJob for each
/// planned id when asked; a job that ended or vanished meanwhile is reported as skipped, any
/// other failure stops the batch and says what was done.
pub async fn run(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let ids = strings(ctx.arguments, "job_ids");
    let stop_ids = strings(ctx.arguments, "stop_ids");
    let delete = ctx
        .arguments
        .get("delete")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (mut stopped, mut deleted, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    let mut request_id = None;
    for id in &stop_ids {
        match one(ctx, STOP_JOB, id, &mut skipped, &mut request_id).await {
            Ok(true) => stopped.push(json!(id)),
            Ok(false) => {}
            Err(failure) => {
                return Err(failure
                    .with_details(json!({"stopped": stopped, "skipped": skipped, "failed": id})));
            }
        }
    }
    if delete {
        for id in &ids {
            match one(ctx, DELETE_JOB, id, &mut skipped, &mut request_id).await {
                Ok(true) => deleted.push(json!(id)),
                Ok(false) => {}
                Err(failure) => {
                    return Err(failure.with_details(json!({"stopped": stopped, "deleted": deleted, "skipped": skipped, "failed": id})));
                }
            }
        }
    }
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: 200,
        request_id,
        body: json!({"stopped": stopped, "deleted": deleted, "skipped": skipped}),
    }))
}

/// A batch whose answer was lost is not read back: stopping a stopped job is a no-op and a
/// second delete answers "not found" (skipped), so sending the planned ids again is safe.
pub async fn read_back(_ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(None)
}
