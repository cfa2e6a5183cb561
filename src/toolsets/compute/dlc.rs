//! PAI-DLC: CreateJob takes no ClientToken and a repeat makes a second job (and a second bill).
//! The plan id travels in the job's `Settings.Tags` (the engine's provenance tag, shown in the dry
//! run), so after a lost answer the executor looks the job up by display name and that tag before
//! it would ever send again.

use serde_json::{Value, json};

use crate::catalog::PROVENANCE_KEY;
use crate::failure::ToolFailure;
use crate::providers::{ProviderError, ProviderResponse, RetryMode};
use crate::toolsets::{DeclaredCall, ExecContext, ExecOutcome};

/// The read the executor sends.
pub(crate) const LIST_JOBS: &str = "cp_pai_list_jobs";

fn display_name(ctx: &ExecContext<'_>) -> String {
    ctx.request
        .body
        .as_ref()
        .and_then(|b| b.get("DisplayName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The job this plan created, if the create went through, with the read-back's request id.
async fn created_by_plan(
    ctx: &ExecContext<'_>,
) -> Result<(Option<Value>, Option<String>), ToolFailure> {
    let tags = json!({ PROVENANCE_KEY: ctx.plan_id }).to_string();
    let call = DeclaredCall {
        tool: LIST_JOBS,
        args: json!({
            "display_name": display_name(ctx),
            "display_name_search_mode": "exact",
            "tags": tags,
            "page_size": 100,
        }),
    };
    let listing = ctx.read(&call).await?;
    let found = listing
        .body
        .get("Jobs")
        .and_then(Value::as_array)
        .and_then(|jobs| {
            jobs.iter()
                .find(|j| {
                    j.pointer("/Settings/Tags")
                        .and_then(|t| t.get(PROVENANCE_KEY))
                        .and_then(Value::as_str)
                        == Some(ctx.plan_id)
                })
                .cloned()
        });
    Ok((found, listing.request_id))
}

fn recovered(job: &Value, request_id: Option<String>) -> ExecOutcome {
    ExecOutcome::Recovered {
        response: ProviderResponse {
            status: 200,
            request_id,
            body: json!({"JobId": job.get("JobId")}),
        },
        how: "the create's answer was lost; reading back found the job carrying this plan's tag"
            .into(),
    }
}

fn lost(error: ProviderError) -> ToolFailure {
    ToolFailure::from(error)
        .with_hint("the job was not created (checked by its plan tag); nothing changed")
}

/// Executor `cp.dlc_create_job`: never creates twice.
pub async fn create_job(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    tracing::warn!(%error, plan = ctx.plan_id, "CreateJob answer lost; looking the job up");
    if let (Some(job), id) = created_by_plan(ctx).await? {
        return Ok(recovered(&job, id.or(error.request_id.clone())));
    }
    // Not created: one more attempt is safe, and is checked the same way if it fails again.
    match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => Ok(ExecOutcome::Executed(response)),
        Err(second) if second.outcome_unknown() => match created_by_plan(ctx).await? {
            (Some(job), id) => Ok(recovered(&job, id.or(second.request_id.clone()))),
            (None, _) => Err(lost(second)),
        },
        Err(second) => Err(second.into()),
    }
}

/// Read-back of `cp.dlc_create_job` (used when a plan is resumed after a crash): the job
/// carrying this plan's tag.
pub async fn created(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let (found, id) = created_by_plan(ctx).await?;
    Ok(found.map(|job| recovered(&job, id)))
}
