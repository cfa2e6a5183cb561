//! ACK reuse before create (seed-operations.md 3.8): a same-name cluster (running, or
//! `initial` to wait for), or with `reuse_any` any running `acf-*` cluster with Ready nodes
//! (clusters not named `acf-*` are reused only when named); else a create behind its quote.
//! A one-shot run creates its own cluster only as a shown step, and deletes only that one.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::ack::{DESCRIBE_CLUSTERS, NODE_POOLS, PASSWORD_MASK, cost_gate, created_by};
use super::api::declared;
use crate::catalog::PROVENANCE_KEY;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// Clusters looked at when reusing (the skill's limit).
const MAX_CANDIDATES: usize = 100;

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Every cluster of the region (up to the skill's 100 candidates).
async fn clusters(ctx: &GuardContext<'_>, name: Option<&str>) -> Result<Vec<Value>, ToolFailure> {
    let mut args = json!({"page_size": MAX_CANDIDATES});
    if let (Some(name), Some(map)) = (name, args.as_object_mut()) {
        map.insert("name".into(), json!(name));
    }
    let body = ctx.read(&declared(DESCRIBE_CLUSTERS, args)).await?.body;
    Ok(body
        .get("clusters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Ready nodes of a cluster, from its node pools.
async fn ready_nodes(ctx: &GuardContext<'_>, cluster_id: &str) -> Result<i64, ToolFailure> {
    let body = ctx
        .read(&declared(NODE_POOLS, json!({"cluster_id": cluster_id})))
        .await?
        .body;
    Ok(body
        .get("nodepools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.pointer("/status/healthy_nodes").and_then(Value::as_i64))
        .sum())
}

/// The cluster to reuse: the same-name one (running, or `initial` to wait for), or with
/// `reuse_any` any running `acf-*` one with Ready nodes. Clusters not named `acf-*` are
/// reused only when named exactly.
async fn reusable(ctx: &GuardContext<'_>) -> Result<Option<(Value, i64)>, ToolFailure> {
    let name = ctx
        .arg_str("cluster_name")
        .unwrap_or_else(|| "acf-cluster".into());
    let reuse_any = ctx
        .args
        .get("reuse_any")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let all = clusters(ctx, None).await?;
    let same: Vec<&Value> = all.iter().filter(|c| text(c, "name") == name).collect();
    for state in ["running", "initial"] {
        if let Some(c) = same.iter().find(|c| text(c, "state") == state) {
            let ready = ready_nodes(ctx, text(c, "cluster_id")).await?;
            return Ok(Some(((*c).clone(), ready)));
        }
    }
    if !reuse_any {
        return Ok(None);
    }
    let candidates: Vec<&Value> = all
        .iter()
        .filter(|c| text(c, "name").starts_with("acf-") && text(c, "state") == "running")
        .collect();
    // As the skill does: up to ten probes at once, each given three seconds; a cluster whose
    // probe fails or times out is passed over (the first in listing order with Ready nodes wins).
    for batch in candidates.chunks(PROBES_AT_ONCE) {
        let probes = batch.iter().map(|c| async move {
            tokio::time::timeout(PROBE_TIMEOUT, ready_nodes(ctx, text(c, "cluster_id")))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(0)
        });
        let ready = futures_util::future::join_all(probes).await;
        if let Some((c, n)) = batch.iter().zip(ready).find(|(_, n)| *n > 0) {
            return Ok(Some(((*c).clone(), n)));
        }
    }
    Ok(None)
}

/// Candidate clusters probed for Ready nodes at the same time (the skill's figure).
const PROBES_AT_ONCE: usize = 10;
/// How long one probe may take before its cluster is passed over (the skill's figure).
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

fn reuse_check(cluster: &Value, ready: i64) -> Value {
    json!({"cluster_id": cluster.get("cluster_id"), "name": cluster.get("name"), "state": cluster.get("state"),
        "cluster_spec": cluster.get("cluster_spec"), "ready_nodes": ready,
        "created_by_skillgate": created_by(cluster).is_some(),
        "note": "a reused cluster is never deleted by this workflow"})
}

/// Guard of `cp_ack_ensure_cluster`: reuse (nothing to confirm) or create behind the quote.
pub async fn ensure(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    if let Some((cluster, ready)) = reusable(ctx).await? {
        if text(&cluster, "state") != "running" {
            ctx.checks.push(Check::warning(
                "not_running_yet",
                json!({"cluster_id": cluster.get("cluster_id"), "state": cluster.get("state"),
                    "next": "follow it with cp_ack_wait_cluster until it is running with Ready nodes"}),
            ));
        }
        ctx.args.insert(
            "reused_cluster_id".into(),
            json!(text(&cluster, "cluster_id")),
        );
        ctx.args
            .insert("reused_state".into(), json!(text(&cluster, "state")));
        ctx.checks
            .push(Check::ok("reuse", reuse_check(&cluster, ready)));
        return Ok(());
    }
    let mut missing = Vec::new();
    if ctx.arg_str("vpc_id").is_none() {
        missing.push("`vpc_id`");
    }
    if ctx.arg_strings("vswitch_ids").is_empty() {
        missing.push("`vswitch_ids`");
    }
    if !missing.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "no cluster to reuse (same name, or a running acf-* one with reuse_any), and creating one needs {}: nothing was planned",
                missing.join(" and ")
            ),
        )
        .with_hint("find a VPC and VSwitch with cp_vpc_describe_vpcs / cp_vpc_ensure_vpc_and_vswitch, or pass reuse_any=true"));
    }
    let worker = ctx
        .arg_str("worker_instance_type")
        .unwrap_or_else(|| "ecs.g7.xlarge".into());
    ctx.args
        .insert("worker_instance_types".into(), json!([worker]));
    ctx.args.insert("create_cluster".into(), json!(true));
    // Worker nodes need a login: a password generated when the step is sent
    // (`cp.ack_create_cluster`), shown masked and never returned.
    ctx.args
        .insert("login_password".into(), json!(PASSWORD_MASK));
    ctx.args.insert("until".into(), json!("running"));
    cost_gate(ctx).await
}

/// The CreateCluster request a one-shot run sends when it has no cluster to reuse, built from
/// `cp_ack_create_cluster`'s declaration (the password masked; the ClientToken and the
/// provenance tag are added from the plan id when it is sent).
pub(crate) fn one_shot_cluster_request(
    calls: crate::toolsets::Calls<'_>,
    args: &serde_json::Map<String, Value>,
) -> Result<crate::providers::ProviderRequest, ToolFailure> {
    let pick = |key: &str| args.get(key).cloned().unwrap_or(Value::Null);
    let mut given = serde_json::Map::new();
    for (to, from) in [
        ("region_id", "region_id"),
        ("name", "cluster_name"),
        ("vpc_id", "vpc_id"),
        ("vswitch_ids", "vswitch_ids"),
        ("cluster_spec", "cluster_spec"),
        ("num_of_nodes", "num_of_nodes"),
        ("disk_size", "disk_size"),
        ("worker_instance_type", "worker_instance_type"),
        ("endpoint_public_access", "endpoint_public_access"),
    ] {
        if !pick(from).is_null() {
            given.insert(to.into(), pick(from));
        }
    }
    let mut filled = serde_json::Map::new();
    filled.insert(
        "worker_instance_types".into(),
        pick("worker_instance_types"),
    );
    filled.insert("login_password".into(), json!(PASSWORD_MASK));
    calls.request_filled(CREATE_CLUSTER, &given, &filled)
}

/// The declared create a one-shot run reuses.
pub(crate) const CREATE_CLUSTER: &str = "cp_ack_create_cluster";
/// The declared delete a one-shot run sends for the cluster it made.
pub(crate) const DELETE_CLUSTER: &str = "cp_ack_delete_cluster";

/// The ClientToken of a one-shot run's cluster create: derived from the plan id, so a resend
/// after a lost answer returns the first cluster.
pub(crate) fn one_shot_token(plan_id: &str) -> String {
    let digest = Sha256::digest(format!("{plan_id}/create_cluster").as_bytes());
    format!("sg{}", &hex::encode(digest)[..30])
}

/// A zero quote for a run on a reused cluster: the cluster is billed as it already is and the
/// Job adds no charge, which the user still confirms (the cost phrase names this quote).
fn reuse_quote(ctx: &mut GuardContext<'_>, cluster: &Value) -> Result<(), ToolFailure> {
    let identity = json!({"product": "ack", "reuse": cluster.get("cluster_id"), "job": ctx.arg_str("job_name"),
        "script": ctx.arg_str("script_content").map(|s| hex::encode(Sha256::digest(s.as_bytes())))});
    let id = format!(
        "q-{}",
        &hex::encode(Sha256::digest(identity.to_string().as_bytes()))[..12]
    );
    let view = json!({
        "quote_id": id,
        "product": "ack",
        "reused_cluster": cluster.get("cluster_id"),
        "cluster_spec": cluster.get("cluster_spec"),
        "formula": "0 (the Job runs on the reused cluster's nodes, billed as they already are)",
        "estimated_total": 0.0,
        "currency": "CNY",
        "template": format!("Spec: a Kubernetes Job on the running cluster {} ({})\nUnit price: no new charge (its nodes are already billed)\nEstimated total: CNY 0\nProceed?", text(cluster, "cluster_id"), text(cluster, "cluster_spec")),
    });
    if let Some(given) = ctx.arg_str("quote_id")
        && given != id
    {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!("quote `{given}` is not the live quote of this run: the live quote is `{id}`"),
        )
        .with_details(view));
    }
    ctx.args.insert("quote_id".into(), json!(id));
    ctx.diff.insert("cost".into(), view.clone());
    ctx.checks.push(Check::ok("cost_quote", view));
    ctx.state.push(json!({"quote_id": id}));
    super::cost::accept_waiver(ctx)
}

/// Guard of `cp_ack_create_and_run`: the running cluster to reuse (never deleted afterwards),
/// or, with a VPC and VSwitches, a new one behind its quote, created first and deleted after
/// the run when `auto_cleanup` (only because this plan made it).
pub async fn reuse(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let cleanup = ctx
        .args
        .get("auto_cleanup")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    ctx.args.insert("cleanup_job".into(), json!(cleanup));
    let name = ctx
        .arg_str("cluster_name")
        .unwrap_or_else(|| "acf-cluster".into());
    if let Some((cluster, ready)) = reusable(ctx).await? {
        if text(&cluster, "state") != "running" {
            return Err(ToolFailure::new(
                FailureKind::StalePlan,
                format!(
                    "cluster `{}` is {}, not running yet: nothing was planned",
                    text(&cluster, "cluster_id"),
                    text(&cluster, "state")
                ),
            )
            .with_hint("wait with cp_ack_wait_cluster, then run again"));
        }
        ctx.args
            .insert("cluster_id".into(), json!(text(&cluster, "cluster_id")));
        ctx.args.insert(
            "cluster_label".into(),
            json!(format!(
                "the reused cluster `{}` ({})",
                text(&cluster, "name"),
                text(&cluster, "cluster_id")
            )),
        );
        ctx.args.insert("create_cluster".into(), json!(false));
        ctx.args.insert("delete_cluster".into(), json!(false));
        ctx.checks
            .push(Check::ok("reuse", reuse_check(&cluster, ready)));
        ctx.diff.insert(
            "after_the_script".into(),
            json!({"delete_job": cleanup, "cluster": "kept: skillgate only deletes clusters it created, and this run reuses one"}),
        );
        return reuse_quote(ctx, &cluster);
    }
    if ctx.arg_str("vpc_id").is_none() || ctx.arg_strings("vswitch_ids").is_empty() {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!(
                "no running cluster named `{name}`{} to run the script on, and creating one needs `vpc_id` and `vswitch_ids`: nothing was planned",
                if ctx.args.get("reuse_any").and_then(Value::as_bool).unwrap_or(false) { " and no running acf-* cluster with Ready nodes" } else { "" }
            ),
        )
        .with_hint("pass a VPC and VSwitch (cp_vpc_ensure_vpc_and_vswitch makes them), or reuse_any=true to reuse a running acf-* cluster"));
    }
    let worker = ctx
        .arg_str("worker_instance_type")
        .unwrap_or_else(|| "ecs.g7.xlarge".into());
    ctx.args
        .insert("worker_instance_types".into(), json!([worker]));
    ctx.args.insert("create_cluster".into(), json!(true));
    ctx.args.insert(
        "cluster_label".into(),
        json!(format!(
            "a new cluster `{name}`{}",
            if cleanup {
                " deleted after the run"
            } else {
                ""
            }
        )),
    );
    ctx.args.insert("delete_cluster".into(), json!(cleanup));
    ctx.args.insert("cluster_id".into(), json!(""));
    cost_gate(ctx).await?;
    let request = one_shot_cluster_request(ctx.calls, &ctx.args)?;
    let preview = ctx.calls.preview(&request)?;
    ctx.checks.push(Check::ok(
        "create_cluster",
        json!({"sent_first": preview, "client_token": "derived from this plan's id (a resend returns the first cluster)",
            "tag": format!("{PROVENANCE_KEY}=<this plan's id>"), "login_password": "generated when sent, never shown",
            "then": "the Job once the cluster runs with Ready nodes (cluster 30 s looks up to 900 s, nodes up to 300 s)"}),
    ));
    ctx.diff.insert(
        "after_the_script".into(),
        json!({"delete_job": cleanup, "delete_cluster": cleanup, "cluster": if cleanup { "deleted after the run: this plan creates it" } else { "kept (auto_cleanup=false): billed per hour until deleted" }}),
    );
    Ok(())
}
