//! The PAI executors: each sends its step and, when the answer is lost (5xx, timeout, broken
//! connection), reads back before it would ever report failure or send again. PAI's CreateQuota
//! takes no ClientToken, so a create is recognised by its provenance label (`skillgate.plan`,
//! added by the engine from the catalog's `provenance` declaration and shown in the dry run).

use serde_json::{Value, json};

use super::api::{self, items, node_specs};
use crate::catalog::PROVENANCE_KEY;
use crate::failure::{FailureKind, ToolFailure};
use crate::providers::{ErrorKind, ProviderError, ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome};

fn answer(request_id: Option<String>, body: Value) -> ProviderResponse {
    ProviderResponse {
        status: 200,
        request_id,
        body,
    }
}

fn argument(ctx: &ExecContext<'_>, name: &str) -> String {
    ctx.arguments
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The quota this plan created, if the create went through: found by name, recognised by the
/// plan's provenance label.
async fn created_by_plan(ctx: &ExecContext<'_>) -> Result<Option<Value>, ToolFailure> {
    Ok(created_by_plan_with_id(ctx).await?.0)
}

/// [`created_by_plan`] with the read-back's request id.
async fn created_by_plan_with_id(
    ctx: &ExecContext<'_>,
) -> Result<(Option<Value>, Option<String>), ToolFailure> {
    let name = argument(ctx, "quota_name");
    let listing = ctx.read(&api::quotas_named(&name)).await?;
    let found = items(&listing.body, "Quotas")
        .iter()
        .find(|q| {
            items(q, "Labels").iter().any(|l| {
                l.get("Key").and_then(Value::as_str) == Some(PROVENANCE_KEY)
                    && l.get("Value").and_then(Value::as_str) == Some(ctx.plan_id)
            })
        })
        .cloned();
    Ok((found, listing.request_id))
}

/// Names the lost answer's request id when the read-back outcome has none of its own.
fn naming(outcome: ExecOutcome, error: &ProviderError) -> ExecOutcome {
    match outcome {
        ExecOutcome::Recovered { mut response, how } => {
            if response.request_id.is_none() {
                response.request_id = error.request_id.clone();
            }
            ExecOutcome::Recovered { response, how }
        }
        other => other,
    }
}

fn recovered_create(quota: &Value, error: &ProviderError) -> ExecOutcome {
    ExecOutcome::Recovered {
        response: answer(
            error.request_id.clone(),
            json!({"QuotaId": quota.get("QuotaId")}),
        ),
        how: "the create's answer was lost; reading back found the quota carrying this plan's provenance label".into(),
    }
}

/// Executor `pai.create_quota`: never creates twice.
pub async fn create_quota(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    tracing::warn!(%error, plan = ctx.plan_id, "create answer lost; checking whether the quota exists");
    if let Some(quota) = created_by_plan(ctx).await? {
        return Ok(recovered_create(&quota, &error));
    }
    // Not created: one more attempt is safe, and is checked the same way if it fails again.
    match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => Ok(ExecOutcome::Executed(response)),
        Err(second) if second.outcome_unknown() => match created_by_plan(ctx).await? {
            Some(quota) => Ok(recovered_create(&quota, &second)),
            None => Err(ToolFailure::from(second).with_hint(
                "the quota was not created (checked by its provenance label); nothing changed",
            )),
        },
        Err(second) => Err(second.into()),
    }
}

/// Reads the quota back (`None` when it is gone), with the read-back's request id.
async fn read_quota_with_id(
    ctx: &ExecContext<'_>,
) -> Result<(Option<Value>, Option<String>), ToolFailure> {
    match ctx.read(&api::get_quota(&argument(ctx, "quota_id"))).await {
        Ok(response) => Ok((Some(response.body), response.request_id)),
        Err(failure) if failure.kind == FailureKind::NotFound => {
            let id = failure.details["request_id"].as_str().map(str::to_string);
            Ok((None, id))
        }
        Err(failure) => Err(failure),
    }
}

/// True when `actual` holds everything `expected` sets: objects key by key, lists item for
/// item in any order (node specs compare by type and count, labels ignore the provenance label).
fn holds(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => {
            expected.iter().all(|(key, want)| match key.as_str() {
                "NodeSpecs" => {
                    let mut have = node_specs(Some(&Value::Object(actual.clone())));
                    let mut want = node_specs(Some(&json!({"NodeSpecs": want})));
                    have.sort();
                    want.sort();
                    have == want
                }
                "Labels" => {
                    let labels = actual.get("Labels").cloned().unwrap_or_else(|| json!([]));
                    let have: Vec<&Value> = labels
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                        .iter()
                        .filter(|l| l.get("Key").and_then(Value::as_str) != Some(PROVENANCE_KEY))
                        .collect();
                    let want = want.as_array().map(Vec::as_slice).unwrap_or(&[]);
                    have.len() == want.len()
                        && want.iter().all(|w| have.iter().any(|h| holds(h, w)))
                }
                _ => actual.get(key).is_some_and(|have| holds(have, want)),
            })
        }
        (Value::Array(actual), Value::Array(expected)) => {
            actual.len() == expected.len()
                && expected.iter().all(|w| actual.iter().any(|h| holds(h, w)))
        }
        (actual, expected) => actual == expected,
    }
}

/// Executor `pai.apply_quota` (scale, update): a change to a target state is idempotent, so it
/// is retried; when the outcome stays unknown, the quota is read back: already in the target
/// state means it was applied, untouched means the fault is reported and the plan stays pending.
pub async fn apply_quota(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::Safe).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    match applied(ctx).await {
        Ok(Some(outcome)) => Ok(naming(outcome, &error)),
        Ok(None) => Err(ToolFailure::from(error)
            .with_hint("reading back found the quota unchanged: the change was not applied")),
        Err(_) => Err(ToolFailure::from(error).with_hint(
            "the outcome is unknown and the quota could not be read back; check it with `pai_quota_get` before confirming again",
        )),
    }
}

/// Executor `pai.delete_quota`: a delete whose answer was lost is checked by reading back; a
/// quota already gone (or being deleted) means the delete took effect.
pub async fn delete_quota(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let quota_id = argument(ctx, "quota_id");
    let error = match ctx.send(RetryMode::Safe).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.kind == ErrorKind::NotFound => {
            return Ok(ExecOutcome::AlreadyDone {
                response: answer(error.request_id.clone(), json!({"QuotaId": quota_id})),
                how: "the quota was gone when the delete was retried: an earlier attempt's answer was lost".into(),
            });
        }
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    match deleted(ctx).await {
        Ok(Some(outcome)) => Ok(naming(outcome, &error)),
        Ok(None) => Err(ToolFailure::from(error)
            .with_hint("reading back found the quota still there: it was not deleted")),
        Err(_) => Err(ToolFailure::from(error).with_hint(
            "the outcome is unknown and the quota could not be read back; check it with `pai_quota_get` before confirming again",
        )),
    }
}

/// The bindings of the plan's workspace that carry `quota_id`.
async fn bindings_of_quota(
    ctx: &ExecContext<'_>,
) -> Result<(Vec<Value>, Option<String>), ToolFailure> {
    let quota_id = argument(ctx, "quota_id");
    let listing = ctx
        .read(&api::workspace_resources(&argument(ctx, "workspace_id")))
        .await?;
    let found = items(&listing.body, "Resources")
        .iter()
        .filter(|r| {
            items(r, "Quotas")
                .iter()
                .any(|q| q.get("Id").and_then(Value::as_str) == Some(quota_id.as_str()))
        })
        .cloned()
        .collect();
    Ok((found, listing.request_id))
}

/// Executor `pai.attach_workspace`: CreateWorkspaceResource is not idempotent, so a 5xx or a
/// timeout is followed by a look at the workspace, never by a blind second POST.
pub async fn attach_workspace(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    let (found, request_id) = bindings_of_quota(ctx).await?;
    if found.is_empty() {
        // The POST did not take effect: sending it again cannot double-bind.
        return ctx
            .send(RetryMode::NotAfterSend)
            .await
            .map(ExecOutcome::Executed)
            .map_err(|_| ToolFailure::from(error));
    }
    let ids: Vec<Value> = found.iter().map(|r| json!({"Id": r.get("Id")})).collect();
    Ok(ExecOutcome::Recovered {
        response: answer(request_id, json!({"Resources": ids})),
        how: "the attach's answer was lost; reading back found the quota bound to the workspace"
            .into(),
    })
}

/// Executor `pai.detach_workspace`: a detach whose answer was lost, or whose retry finds the
/// binding gone, is checked against the workspace's bindings and reported truthfully.
pub async fn detach_workspace(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::Safe).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.kind == ErrorKind::NotFound || error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    match detached(ctx).await? {
        Some(ExecOutcome::Recovered { response, how }) if error.kind == ErrorKind::NotFound => {
            Ok(ExecOutcome::AlreadyDone { response, how })
        }
        Some(outcome) => Ok(outcome),
        None => Err(ToolFailure::from(error)
            .with_hint("reading back found the binding still there: it was not detached")),
    }
}

/// Read-back of `pai.create_quota`: the quota carrying this plan's provenance label.
pub async fn created(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let (found, request_id) = created_by_plan_with_id(ctx).await?;
    Ok(found.map(|quota| ExecOutcome::Recovered {
        response: answer(request_id, json!({"QuotaId": quota.get("QuotaId")})),
        how: "an earlier attempt's answer was lost; reading back found the quota carrying this plan's provenance label".into(),
    }))
}

/// Read-back of `pai.apply_quota`: the quota is in the plan's target state.
pub async fn applied(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let target = ctx.request.body.clone().unwrap_or_else(|| json!({}));
    let (quota, request_id) = read_quota_with_id(ctx).await?;
    Ok(quota
        .filter(|quota| holds(quota, &target))
        .map(|quota| ExecOutcome::Recovered {
            response: answer(request_id, json!({"QuotaId": quota.get("QuotaId")})),
            how: "the answer was lost; reading back found the quota in the plan's target state"
                .into(),
        }))
}

/// Read-back of `pai.delete_quota`: the quota is gone or being deleted.
pub async fn deleted(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let (quota, request_id) = read_quota_with_id(ctx).await?;
    let gone = match quota {
        None => true,
        Some(quota) => quota.get("Status").and_then(Value::as_str) == Some("Deleting"),
    };
    Ok(gone.then(|| ExecOutcome::Recovered {
        response: answer(request_id, json!({"QuotaId": argument(ctx, "quota_id")})),
        how: "the answer was lost; reading back found the quota deleted (or being deleted)".into(),
    }))
}

/// Read-back of `pai.attach_workspace`: the quota is bound to the workspace.
pub async fn attached(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let (found, request_id) = bindings_of_quota(ctx).await?;
    Ok((!found.is_empty()).then(|| {
        let ids: Vec<Value> = found.iter().map(|r| json!({"Id": r.get("Id")})).collect();
        ExecOutcome::Recovered {
            response: answer(request_id, json!({"Resources": ids})),
            how: "an earlier attempt's answer was lost; reading back found the quota bound to the workspace".into(),
        }
    }))
}

/// Read-back of `pai.detach_workspace`: none of the plan's bindings is left.
pub async fn detached(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let ids: Vec<String> = crate::toolsets::string_list(ctx.arguments.get("binding_ids"));
    let (found, request_id) = bindings_of_quota(ctx).await?;
    let still_bound = found.iter().any(|r| {
        r.get("Id")
            .and_then(Value::as_str)
            .is_some_and(|id| ids.iter().any(|i| i == id))
    });
    Ok((!still_bound).then(|| ExecOutcome::Recovered {
        response: answer(request_id, json!({"ResourceIds": ids})),
        how: "an earlier attempt's answer was lost; reading back found the binding gone".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_back_compares_targets_not_subsets() {
        let quota = json!({"QuotaId": "q", "Min": {"NodeSpecs": [{"Type": "a", "Count": 2}, {"Type": "b", "Count": 1}]}, "Labels": [{"Key": PROVENANCE_KEY, "Value": "plan-1"}, {"Key": "team", "Value": "x"}], "Description": "d"});
        assert!(holds(
            &quota,
            &json!({"Min": {"NodeSpecs": [{"Type": "b", "Count": 1}, {"Type": "a", "Count": 2}]}})
        ));
        assert!(
            !holds(
                &quota,
                &json!({"Min": {"NodeSpecs": [{"Type": "a", "Count": 2}]}})
            ),
            "a scale-down is not applied while b remains"
        );
        assert!(holds(
            &quota,
            &json!({"Labels": [{"Key": "team", "Value": "x"}], "Description": "d"})
        ));
        assert!(!holds(&quota, &json!({"Description": "new"})));
    }
}
