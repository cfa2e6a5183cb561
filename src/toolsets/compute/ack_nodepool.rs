//! ACK node pools: the guard of a create (a running cluster, no pool of that name yet, the
//! request's nested body) and its executor. CreateClusterNodePool has no ClientToken, so after
//! a lost answer the pool is looked up by name before anything is sent again.

use serde_json::{Value, json};

use super::ack::{CLUSTER_DETAIL, NODE_POOLS};
use super::api::declared;
use crate::failure::{FailureKind, ToolFailure};
use crate::providers::{ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext, string_list};

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn int(ctx: &GuardContext<'_>, name: &str, default: i64) -> i64 {
    ctx.args
        .get(name)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// Guard of a node-pool create: a running cluster, no pool of that name yet (the create has no
/// ClientToken, so a lost answer is settled by name), and the request's nested body.
pub async fn nodepool(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("cluster_id").unwrap_or_default();
    let cluster = ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": id})))
        .await?
        .body;
    if text(&cluster, "state") != "running" {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!(
                "cluster `{id}` is {}: node pools are added to running clusters; nothing was planned",
                text(&cluster, "state")
            ),
        ));
    }
    let name = ctx.arg_str("name").unwrap_or_else(|| "acf-nodepool".into());
    let pools = ctx
        .read(&declared(
            NODE_POOLS,
            json!({"cluster_id": id, "nodepool_name": name}),
        ))
        .await?
        .body;
    if pools
        .get("nodepools")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty())
    {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "cluster `{id}` already has a node pool named `{name}`: pick another name; nothing was planned"
            ),
        ));
    }
    let mut vswitches = ctx.arg_strings("vswitch_ids");
    if vswitches.is_empty() {
        vswitches = string_list(cluster.get("vswitch_ids"));
    }
    let types = ctx.arg_strings("instance_types");
    ctx.args
        .insert("nodepool_info".into(), json!({"name": name}));
    ctx.args.insert(
        "scaling_group".into(),
        json!({"instance_types": types, "vswitch_ids": vswitches, "desired_size": int(ctx, "desired_size", 2),
            "system_disk_category": "cloud_essd", "system_disk_size": int(ctx, "disk_size", 120),
            "instance_charge_type": "PostPaid"}),
    );
    Ok(())
}

fn pool_named<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get("nodepools")?
        .as_array()?
        .iter()
        .find(|p| p.pointer("/nodepool_info/name").and_then(Value::as_str) == Some(name))
}

async fn pool_by_name(
    ctx: &ExecContext<'_>,
) -> Result<Option<(Value, Option<String>)>, ToolFailure> {
    let name = ctx
        .request
        .body
        .as_ref()
        .and_then(|b| b.pointer("/nodepool_info/name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let cluster = ctx
        .arguments
        .get("cluster_id")
        .cloned()
        .unwrap_or(Value::Null);
    let listing = ctx
        .read(&declared(
            NODE_POOLS,
            json!({"cluster_id": cluster, "nodepool_name": name}),
        ))
        .await?;
    Ok(pool_named(&listing.body, &name).map(|p| (p.clone(), listing.request_id.clone())))
}

fn pool_recovered((pool, request_id): &(Value, Option<String>)) -> ExecOutcome {
    ExecOutcome::Recovered {
        response: ProviderResponse {
            status: 200,
            request_id: request_id.clone(),
            body: json!({"nodepool_id": pool.pointer("/nodepool_info/nodepool_id")}),
        },
        how: "the create's answer was lost; reading back found the node pool by its name".into(),
    }
}

/// Executor `cp.ack_create_nodepool`: CreateClusterNodePool has no ClientToken, so after a lost
/// answer the pool is looked up by name (the guard made sure none had it) before any resend.
pub async fn create_nodepool(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    if let Some(found) = pool_by_name(ctx).await? {
        return Ok(pool_recovered(&found));
    }
    match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => Ok(ExecOutcome::Executed(response)),
        Err(second) if second.outcome_unknown() => match pool_by_name(ctx).await? {
            Some(found) => Ok(pool_recovered(&found)),
            None => Err(ToolFailure::from(second).with_hint(format!(
                "the node pool was not created (checked by name after: {error}); nothing changed"
            ))),
        },
        Err(second) => Err(second.into()),
    }
}

/// Read-back of `cp.ack_create_nodepool`.
pub async fn nodepool_created(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(pool_by_name(ctx).await?.map(|found| pool_recovered(&found)))
}
