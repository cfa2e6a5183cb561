//! Creating quotas exactly once. PAI's CreateQuota takes no ClientToken, so the plan id travels as
//! a provenance label (`skillgate.plan`): after a lost response (5xx, timeout, broken connection)
//! the executor looks for a quota carrying that label before it would ever send the create again.

use serde_json::{Value, json};

use super::api::{self, items};
use crate::engine::ToolFailure;
use crate::providers::alibaba::{AlibabaClient, ApiRequest, ApiResponse, RetryMode};

/// The label key that records which plan created a quota.
pub const PLAN_LABEL: &str = "skillgate.plan";

/// Adds the provenance label to a CreateQuota body (shown in the dry run, so nothing is hidden).
pub fn add_provenance_label(request: &mut ApiRequest, plan_id: &str) {
    let Some(body) = request.body.as_mut().and_then(Value::as_object_mut) else {
        return;
    };
    let labels = body.entry("Labels").or_insert_with(|| json!([]));
    if let Some(list) = labels.as_array_mut() {
        list.retain(|l| l.get("Key").and_then(Value::as_str) != Some(PLAN_LABEL));
        list.push(json!({"Key": PLAN_LABEL, "Value": plan_id}));
    }
}

/// Finds the quota a plan created, if the create went through.
async fn created_by(
    client: &AlibabaClient,
    request: &ApiRequest,
    plan_id: &str,
) -> Result<Option<Value>, ToolFailure> {
    let name = request
        .body
        .as_ref()
        .and_then(|b| b.get("QuotaName"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let listing = client
        .call(
            &api::list_quotas(&request.region_id)
                .query("QuotaName", name)
                .query("PageSize", "100"),
            RetryMode::Safe,
        )
        .await
        .map_err(ToolFailure::from)?;
    Ok(items(&listing.body, "Quotas")
        .iter()
        .find(|q| {
            items(q, "Labels").iter().any(|l| {
                l.get("Key").and_then(Value::as_str) == Some(PLAN_LABEL)
                    && l.get("Value").and_then(Value::as_str) == Some(plan_id)
            })
        })
        .cloned())
}

/// Executor `pai.create_quota`.
pub async fn create_quota(
    client: &AlibabaClient,
    request: &ApiRequest,
    plan_id: &str,
) -> Result<ApiResponse, ToolFailure> {
    let error = match client.call(request, RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(response),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    tracing::warn!(%error, plan = plan_id, "create answer lost; checking whether the quota exists");
    if let Some(quota) = created_by(client, request, plan_id).await? {
        return Ok(ApiResponse {
            status: 200,
            request_id: error.request_id.clone(),
            body: json!({"QuotaId": quota.get("QuotaId"), "Recovered": true}),
        });
    }
    // Not created: one more attempt is safe, and is checked the same way if it fails again.
    match client.call(request, RetryMode::NotAfterSend).await {
        Ok(response) => Ok(response),
        Err(second) if second.outcome_unknown() => {
            match created_by(client, request, plan_id).await? {
                Some(quota) => Ok(ApiResponse {
                    status: 200,
                    request_id: second.request_id.clone(),
                    body: json!({"QuotaId": quota.get("QuotaId"), "Recovered": true}),
                }),
                None => Err(ToolFailure::from(second).with_hint(
                    "the quota was not created (checked by its plan label); plan again later",
                )),
            }
        }
        Err(second) => Err(second.into()),
    }
}
