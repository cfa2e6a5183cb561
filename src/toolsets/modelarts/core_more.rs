//! ModelArts part 2, core side: the seed's bulk training helpers as real batch tools, and the
//! workspace delete rule. Upstream `stop_pending_training_jobs` / `delete_completed_training_jobs`
//! called stop/delete without the `confirm` their own code requires, so they always failed; here
//! the guard lists the matching jobs when the plan is made, the plan shows every job id and its
//! count (`CONFIRM-BATCH <ACTION> <N>`), the same listing is compared again at confirmation (a
//! job that changed phase meanwhile invalidates the plan), and the executor sends one
//! single-job call per listed id through `ma_train_stop_job` / `ma_train_delete_job`.

use serde_json::{Map, Value, json};

use super::api::{LIST_JOBS, declared, items, text};
use super::training::ENDED;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::{ErrorKind, ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext};

/// Phases a stop batch may target: the job has not ended yet.
const LIVE: &[&str] = &["Creating", "Pending", "Running"];
/// The page size of the job search.
const PAGE: usize = 50;
/// At most this many pages are read (2 500 jobs): a larger batch is refused, not cut short.
const MAX_PAGES: usize = 50;
/// Emulator and cloud code for a training job that does not exist (any more).
const JOB_GONE: &str = "ModelArts.2775";

/// The ids and phases of every job whose phase is one of `phases`, in listing order.
async fn matching_jobs(
    ctx: &mut GuardContext<'_>,
    phases: &[String],
) -> Result<Vec<(String, String, String)>, ToolFailure> {
    let mut found = Vec::new();
    for page in 0..MAX_PAGES {
        let mut filled = Map::new();
        filled.insert(
            "filters".into(),
            json!([{"key": "phase", "operator": "in", "value": phases}]),
        );
        let answer = ctx
            .read_filled(
                &declared(LIST_JOBS, json!({"offset": page, "limit": PAGE})),
                &filled,
            )
            .await?;
        let listed = items(&answer.body, "items");
        for job in &listed {
            let phase = text(job, "/status/phase").to_owned();
            if phases.contains(&phase) {
                found.push((
                    text(job, "/metadata/id").to_owned(),
                    text(job, "/metadata/name").to_owned(),
                    phase,
                ));
            }
        }
        if listed.len() < PAGE {
            return Ok(found);
        }
    }
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "more than {} jobs match; narrow the phases",
            PAGE * MAX_PAGES
        ),
    ))
}

/// Shared body of both batch guards: validates `phases` against `allowed`, lists the jobs,
/// refuses an empty batch, and fills `job_ids`, `job_count` and the search `filters`.
async fn select(
    ctx: &mut GuardContext<'_>,
    allowed: &[&str],
    default: &[&str],
) -> Result<(), ToolFailure> {
    let mut phases = ctx.arg_strings("phases");
    if phases.is_empty() {
        phases = default.iter().map(|p| (*p).to_owned()).collect();
    }
    let wrong: Vec<&String> = phases
        .iter()
        .filter(|p| !allowed.contains(&p.as_str()))
        .collect();
    if !wrong.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "phases {wrong:?} are not allowed here; give some of {}",
                allowed.join(", ")
            ),
        ));
    }
    let jobs = matching_jobs(ctx, &phases).await?;
    if jobs.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("no training job is {}: nothing to do", phases.join(" or ")),
        )
        .with_hint("ma_train_list_jobs shows the jobs and their phases; nothing was planned"));
    }
    let ids: Vec<Value> = jobs.iter().map(|j| json!(j.0)).collect();
    let shown: Vec<Value> = jobs
        .iter()
        .map(|(id, name, phase)| json!({"job_id": id, "name": name, "phase": phase}))
        .collect();
    ctx.checks.push(Check::ok(
        "training_jobs",
        json!({"phases": phases, "count": jobs.len(), "jobs": shown}),
    ));
    ctx.state.push(json!({"jobs": shown}));
    ctx.diff
        .insert("training_jobs".into(), json!({"current": shown}));
    ctx.args.insert("job_count".into(), json!(jobs.len()));
    ctx.args.insert("job_ids".into(), Value::from(ids));
    ctx.args.insert(
        "filters".into(),
        json!([{"key": "phase", "operator": "in", "value": phases}]),
    );
    Ok(())
}

/// `ma.train_batch_stop`: the live jobs in `phases` (Pending by default).
pub(crate) async fn batch_stop(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    select(ctx, LIVE, &["Pending"]).await
}

/// `ma.train_batch_delete`: the ended jobs in `phases` (Completed, Failed, Terminated).
pub(crate) async fn batch_delete(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    select(ctx, ENDED, &["Completed", "Failed", "Terminated"]).await
}

/// `ma.ws_delete`: the default workspace `0` is never deleted.
pub(crate) async fn ws_delete(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("workspace_id").unwrap_or_default();
    if id == "0" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "workspace 0 is the project's default workspace and cannot be deleted",
        ));
    }
    ctx.checks.push(Check::ok(
        "workspace",
        json!({"workspace_id": id, "default": false}),
    ));
    Ok(())
}

/// One single-job call of `tool` per planned id; a job already ended (stop) or gone
/// (delete) is reported as skipped, any other failure stops the batch and names what was done.
async fn run_batch(ctx: &ExecContext<'_>, tool: &str) -> Result<ExecOutcome, ToolFailure> {
    let ids: Vec<String> = ctx
        .arguments
        .get("job_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut done = Vec::new();
    let mut skipped = Vec::new();
    let mut request_id = None;
    for id in &ids {
        let mut args = Map::new();
        args.insert("job_id".into(), json!(id));
        for (key, value) in &ctx.request.scope {
            if key != "project_id" {
                args.insert(key.clone(), json!(value));
            }
        }
        let request = ctx.calls.request(tool, &args)?;
        match ctx.calls.send(&request, RetryMode::Safe).await {
            Ok(response) => {
                request_id = response.request_id.or(request_id);
                done.push(json!(id));
            }
            Err(error)
                if error.kind == ErrorKind::Conflict
                    || error.kind == ErrorKind::NotFound
                    || error.code.as_deref() == Some(JOB_GONE) =>
            {
                skipped.push(json!({"job_id": id, "why": error.message}));
            }
            Err(error) => {
                return Err(ToolFailure::from(error)
                    .with_details(json!({"done": done, "skipped": skipped, "failed": id})));
            }
        }
    }
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: 200,
        request_id,
        body: json!({"done": done, "skipped": skipped}),
    }))
}

/// `ma.train_batch_stop`: one `ma_train_stop_job` per planned id.
async fn stop_each(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    run_batch(ctx, "ma_train_stop_job").await
}

/// `ma.train_batch_delete`: one `ma_train_delete_job` per planned id.
async fn delete_each(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    run_batch(ctx, "ma_train_delete_job").await
}

/// A batch whose answer was lost is not read back: every single call is retried safely
/// (a second terminate answers 409, a second delete "not found"), so `None` sends it again.
async fn batch_read_back(_ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(None)
}

/// Registers the part-2 core guards and the batch executor.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.train_batch_stop", needs: [], provides: [], calls: [LIST_JOBS], batch_stop),
        crate::guard!("ma.train_batch_delete", needs: [], provides: [], calls: [LIST_JOBS], batch_delete),
        crate::guard!("ma.ws_delete", needs: [], provides: [], calls: [], ws_delete),
    ]);
    registry.executors(&[
        crate::executor!("ma.train_batch_stop", stop_each, read_back: batch_read_back),
        crate::executor!("ma.train_batch_delete", delete_each, read_back: batch_read_back),
    ]);
}
