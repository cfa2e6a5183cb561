//! ACK's cluster rules (seed-operations.md 3.5, 3.6 and 3.8): the quote in front of every
//! cluster and node-pool create (the edition from `cluster_spec`, `ack.standard` free and
//! `ack.pro.*` at CNY 0.64/h, plus the nodes at their ECS DescribePrice; the skill's use of
//! `profile` would price Pro as free), a generated login password that never reaches the model,
//! and deletes only of clusters this server created. Reuse before create is in `ack_reuse`,
//! node pools in `ack_nodepool`, Jobs in `ack_job`, the waits in `ack_wait`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::api::declared;
use super::infra::{overlaps, parse_cidr};
use super::quote::{Quote, Spec, price};
use crate::catalog::PROVENANCE_KEY;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::{ProviderError, ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext, string_list};

pub(crate) const DESCRIBE_CLUSTERS: &str = "cp_ack_describe_clusters";
pub(crate) const CLUSTER_DETAIL: &str = "cp_ack_describe_cluster_detail";
pub(crate) const NODE_POOLS: &str = "cp_ack_describe_cluster_node_pools";

/// CNY per hour of an ACK Pro cluster's management fee (basic `ack.standard` is free).
pub const PRO_CNY_PER_HOUR: f64 = 0.64;
/// What the plan shows in place of a generated login password.
pub const PASSWORD_MASK: &str = "***";

/// The management fee per hour of an edition.
pub fn edition_fee(cluster_spec: &str) -> f64 {
    if cluster_spec.starts_with("ack.pro.") {
        PRO_CNY_PER_HOUR
    } else {
        0.0
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn int_in(args: &Map<String, Value>, name: &str, default: i64) -> i64 {
    args.get(name).and_then(Value::as_i64).unwrap_or(default)
}

/// Guard of every ACK change that runs or bills something: refuses when the session is locked
/// to another product (the user named it; seed-operations 3.3).
pub async fn require_ack(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    match super::product::locked(ctx.memory.as_ref()) {
        Some(locked) if locked != "ack" => Err(ToolFailure::new(
            FailureKind::ProductLocked,
            format!("this session is locked to {locked} because the user named it; ack is not used without the user's word"),
        )
        .with_details(json!({"locked_product": locked, "asked": "ack"}))
        .with_hint(format!("stay on {locked}, or ask the user; a new session starts without a lock"))),
        _ => Ok(()),
    }
}

/// Guard: the create's worker list, CIDRs that do not overlap, and the login: a key pair, or
/// a password generated at send time (the plan shows `***`).
pub async fn cluster_spec(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let worker = ctx
        .arg_str("worker_instance_type")
        .unwrap_or_else(|| "ecs.g7.xlarge".into());
    ctx.args
        .insert("worker_instance_types".into(), json!([worker]));
    ctx.args.insert("until".into(), json!("running"));
    let cidrs = [
        ctx.arg_str("container_cidr").unwrap_or_default(),
        ctx.arg_str("service_cidr").unwrap_or_default(),
    ];
    if let [Some(a), Some(b)] = cidrs.clone().map(|c| parse_cidr(&c))
        && overlaps(a, b)
    {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "container_cidr {} overlaps service_cidr {}: pick blocks that do not overlap each other or the VPC (defaults 172.20.0.0/16 and 172.21.0.0/20); nothing was planned",
                cidrs[0], cidrs[1]
            ),
        ));
    }
    let login = if ctx.arg_str("key_pair").is_some() {
        "key pair"
    } else {
        ctx.args
            .insert("login_password".into(), json!(PASSWORD_MASK));
        "a random 16-character password generated when the plan is sent; it is never shown or returned"
    };
    ctx.checks.push(Check::ok(
        "node_login",
        json!({"login": login, "security_group": ctx.arg_str("security_group_id").unwrap_or_else(|| "an enterprise security group made and released with the cluster".into())}),
    ));
    Ok(())
}

/// The quote of a cluster or node-pool create: the edition fee plus the nodes at their ECS
/// DescribePrice. The same arguments give the same quote id here, in `cp_estimate_cost`, in
/// `cp_compare_options` and in the create's plan.
pub async fn quote(
    calls: crate::toolsets::Calls<'_>,
    args: &Map<String, Value>,
    region: &str,
) -> Result<Quote, ToolFailure> {
    let text = |name: &str| args.get(name).and_then(Value::as_str).map(str::to_string);
    let nodepool = args.contains_key("scaling_group");
    let spec_name = if nodepool {
        String::new()
    } else {
        text("cluster_spec").unwrap_or_else(|| "ack.standard".into())
    };
    let (instance_type, nodes) = if nodepool {
        let types = string_list(args.get("instance_types"));
        (
            types.first().cloned().unwrap_or_default(),
            int_in(args, "desired_size", 2),
        )
    } else {
        (
            text("worker_instance_type").unwrap_or_else(|| "ecs.g7.xlarge".into()),
            int_in(args, "num_of_nodes", 2),
        )
    };
    let runtime = int_in(args, "runtime_s", 3600).max(1);
    let disk = int_in(args, "disk_size", 120);
    let hours = runtime as f64 / 3600.0;
    let fee = edition_fee(&spec_name);
    let nodes_quote = if nodes > 0 {
        let spec = Spec {
            product: "ecs".into(),
            region: region.to_string(),
            zone: None,
            instance_type: instance_type.clone(),
            count: nodes,
            runtime_s: runtime,
            disk_category: "cloud_essd".into(),
            disk_size: disk,
            bandwidth_out: 0,
            long_running: true,
        };
        Some(price(calls, &spec).await?)
    } else {
        None
    };
    let node_price = nodes_quote.as_ref().map_or(0.0, |q| q.unit_price);
    let per_hour = round4(fee + node_price * nodes as f64);
    let total = round4(fee * hours + node_price * nodes as f64 * hours);
    let identity = json!({"product": "ack", "region": region, "spec": spec_name, "nodes": nodes,
        "type": instance_type, "disk": disk, "runtime_s": runtime, "node_quote": nodes_quote.as_ref().map(|q| q.id.clone())});
    let id = format!(
        "q-{}",
        &hex::encode(Sha256::digest(identity.to_string().as_bytes()))[..12]
    );
    let edition = if nodepool {
        "node pool (no management fee)".to_string()
    } else if fee > 0.0 {
        format!("{spec_name} (Pro): CNY {PRO_CNY_PER_HOUR}/h management fee")
    } else {
        format!("{spec_name} (basic): no management fee")
    };
    let formula =
        format!("{fee} CNY/h x {hours:.2} h + {nodes} node(s) x {node_price} CNY/h x {hours:.2} h");
    let template = format!(
        "Spec: ACK {edition}; {nodes} x {instance_type} nodes, cloud_essd {disk} GiB\nUnit price: CNY {fee}/h (edition) + CNY {node_price}/h per node (trade price, ECS DescribePrice)\nEstimated runtime: {hours:.2} h\nEstimated total: CNY {total} = {formula}\nBilling: PostPaid (pay-as-you-go, per hour) until the cluster is deleted\nProceed with creation?"
    );
    let view = json!({
        "quote_id": id,
        "product": "ack",
        "region_id": region,
        "edition": {"cluster_spec": spec_name, "fee_cny_per_hour": fee},
        "nodes": {"count": nodes, "instance_type": instance_type, "disk": {"category": "cloud_essd", "size_gib": disk},
            "unit_price_per_hour": node_price, "quote": nodes_quote.as_ref().map(|q| q.view.clone())},
        "runtime_s": runtime,
        "unit_price_per_hour": per_hour,
        "formula": formula,
        "estimated_total": total,
        "currency": "CNY",
        "billing": "PostPaid (pay-as-you-go, per hour)",
        "price_source": "edition fee from cluster_spec (ack.standard free, ack.pro.* CNY 0.64/h); nodes from ECS DescribePrice",
        "template": template,
    });
    Ok(Quote {
        id,
        unit_price: per_hour,
        total,
        view,
    })
}

/// Guard: the quote of a cluster or node-pool create (edition fee + nodes x DescribePrice).
pub async fn cost_gate(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let Quote {
        id, total, view, ..
    } = quote(ctx.calls, &ctx.args, &ctx.region()).await?;
    if let Some(given) = ctx.arg_str("quote_id")
        && given != id
    {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!("quote `{given}` is not the live quote of this create: the live quote is `{id}` (CNY {total})"),
        )
        .with_details(view)
        .with_hint("show the new quote to the user and ask again; nothing was planned"));
    }
    ctx.args.insert("quote_id".into(), json!(id));
    ctx.diff.insert("cost".into(), view.clone());
    ctx.checks.push(Check::ok("cost_quote", view));
    ctx.state.push(json!({"quote_id": id}));
    super::cost::accept_waiver(ctx)
}

/// Whether a cluster carries this server's provenance tag (the plan id that created it).
pub fn created_by(cluster: &Value) -> Option<String> {
    cluster
        .get("tags")
        .and_then(Value::as_array)?
        .iter()
        .find(|t| {
            t.get("key")
                .or_else(|| t.get("Key"))
                .and_then(Value::as_str)
                == Some(PROVENANCE_KEY)
        })
        .and_then(|t| t.get("value").or_else(|| t.get("Value")))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Guard: the cluster to delete exists and carries this server's provenance tag.
pub async fn created_here(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("cluster_id").unwrap_or_default();
    let cluster = ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": id})))
        .await
        .map_err(|e| {
            if e.message.contains("ErrorClusterNotFound") || e.kind == FailureKind::NotFound {
                ToolFailure::new(
                    FailureKind::NotFound,
                    format!("cluster `{id}` does not exist in {}", ctx.region()),
                )
            } else {
                e
            }
        })?
        .body;
    let Some(plan) = created_by(&cluster) else {
        return Err(ToolFailure::new(
            FailureKind::NotCreatedBySkillgate,
            format!(
                "skillgate did not create cluster `{id}` (`{}`; no `{PROVENANCE_KEY}` tag), so it will not delete it; nothing was planned",
                text(&cluster, "name")
            ),
        )
        .with_hint("delete it in the ACK console if it really should go"));
    };
    let state = text(&cluster, "state");
    if ["deleting", "deleted"].contains(&state) {
        return Err(ToolFailure::new(
            FailureKind::PlanNotPending,
            format!("cluster `{id}` is already {state}: nothing to delete"),
        ));
    }
    ctx.args.insert("until".into(), json!("deleted"));
    if let Some(group) = ctx.arg_str("security_group_id") {
        external_group(ctx, &group).await?;
    }
    ctx.checks.push(Check::ok(
        "created_by_skillgate",
        json!({"cluster_id": id, "name": cluster.get("name"), "state": state, "created_by_plan": plan}),
    ));
    ctx.diff.insert(
        "cluster".into(),
        json!({"current": state, "target": "deleted", "released_with_it": "its nodes, node pools and enterprise security group"}),
    );
    ctx.state.push(json!({"cluster_id": id, "plan": plan}));
    Ok(())
}

/// The external security group a cleanup deletes after the cluster: it must exist and carry
/// this server's tag (an enterprise group made with the cluster goes with it anyway).
async fn external_group(ctx: &mut GuardContext<'_>, group: &str) -> Result<(), ToolFailure> {
    let body = ctx
        .read(&declared(
            super::api::DESCRIBE_SECURITY_GROUPS,
            json!({"security_group_id": group}),
        ))
        .await?
        .body;
    let found = body
        .pointer("/SecurityGroups/SecurityGroup")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|g| g.get("SecurityGroupId").and_then(Value::as_str) == Some(group))
        })
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!(
                    "security group `{group}` does not exist in {}; nothing was planned",
                    ctx.region()
                ),
            )
        })?;
    let plan = found
        .pointer("/Tags/Tag")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| {
            t.get("Key").or_else(|| t.get("TagKey")).and_then(Value::as_str)
                == Some(PROVENANCE_KEY)
        })
        .and_then(|t| t.get("Value").or_else(|| t.get("TagValue")).and_then(Value::as_str))
        .map(str::to_string)
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotCreatedBySkillgate,
                format!("skillgate did not create security group `{group}` (no `{PROVENANCE_KEY}` tag), so the cleanup will not delete it; nothing was planned"),
            )
            .with_hint("leave out security_group_id to keep it")
        })?;
    ctx.checks.push(Check::ok(
        "security_group",
        json!({"security_group_id": group, "created_by_plan": plan,
            "after": "deleted once the cluster is deleted (DependencyViolation retried up to 5 times)"}),
    ));
    Ok(())
}

/// A random 16-character login password with upper, lower, digit and symbol, as the skill makes
/// one: it goes on the wire only, never into a plan, result, log or audit record.
pub(crate) fn generated_password() -> String {
    use rand::Rng;
    const SETS: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!@#%^*_+-=",
    ];
    let mut rng = rand::rng();
    let mut out: Vec<u8> = SETS
        .iter()
        .map(|set| set[rng.random_range(0..set.len())])
        .collect();
    let all: Vec<u8> = SETS.concat();
    while out.len() < 16 {
        out.push(all[rng.random_range(0..all.len())]);
    }
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Executor `cp.ack_create_cluster`: sends the previewed create with the masked password
/// replaced by a generated one (the ClientToken makes a resend return the first answer).
pub async fn create_cluster(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let mut request = ctx.request.clone();
    if let Some(body) = request.body.as_mut().and_then(Value::as_object_mut)
        && body.get("login_password").and_then(Value::as_str) == Some(PASSWORD_MASK)
    {
        body.insert("login_password".into(), json!(generated_password()));
    }
    ctx.calls
        .send(&request, RetryMode::Safe)
        .await
        .map(ExecOutcome::Executed)
        .map_err(|e: ProviderError| ToolFailure::from(e))
}

/// Read-back of `cp.ack_create_cluster`: the cluster carrying this plan's tag.
pub async fn cluster_created(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let name = ctx
        .request
        .body
        .as_ref()
        .and_then(|b| b.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let listing = ctx
        .read(&declared(
            DESCRIBE_CLUSTERS,
            json!({"name": name, "page_size": 100}),
        ))
        .await?;
    let found = listing
        .body
        .get("clusters")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|c| created_by(c).as_deref() == Some(ctx.plan_id))
                .cloned()
        });
    Ok(found.map(|c| ExecOutcome::Recovered {
        response: ProviderResponse {
            status: 200,
            request_id: listing.request_id.clone(),
            body: json!({"cluster_id": c.get("cluster_id")}),
        },
        how: "reading back found the cluster carrying this plan's tag".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edition_comes_from_cluster_spec() {
        assert_eq!(edition_fee("ack.standard"), 0.0);
        assert_eq!(edition_fee("ack.pro.small"), PRO_CNY_PER_HOUR);
        assert_eq!(edition_fee(""), 0.0);
    }

    #[test]
    fn generated_passwords_mix_every_class() {
        let p = generated_password();
        assert_eq!(p.len(), 16);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert_ne!(p, generated_password());
    }

    #[test]
    fn cidrs_overlap_by_prefix() {
        let a = parse_cidr("172.20.0.0/16").unwrap();
        assert!(!overlaps(a, parse_cidr("172.21.0.0/20").unwrap()));
        assert!(overlaps(a, parse_cidr("172.20.16.0/20").unwrap()));
    }
}
