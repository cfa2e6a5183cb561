//! Resource pools (seed-operations.md 6.2): a create that names its flavor and network and
//! states its billing (a subscription says what it commits to), OS networks with private
//! CIDRs, scaling with a workload check on a decrease, a delete refused while workloads run,
//! batch node operations whose plan lists every node, and a created pool followed until it is
//! Running (`modelarts.pool_ready`).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, DeclaredCall, GuardContext, OperationKind, PollContext, Polled};

pub(crate) const GET_POOL: &str = "ma_pool_get";
pub(crate) const LIST_NODES: &str = "ma_pool_list_nodes";
pub(crate) const LIST_WORKLOADS: &str = "ma_pool_list_workloads";
pub(crate) const LIST_FLAVORS: &str = "ma_pool_list_resource_flavors";
pub(crate) const LIST_NETWORKS: &str = "ma_pool_list_os_networks";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// Every problem of an input at once, as one validation failure.
pub(crate) fn problems(errors: Vec<String>) -> Result<(), ToolFailure> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!("{} problem(s): {}", errors.len(), errors.join("; ")),
    )
    .with_details(json!({"errors": errors}))
    .with_hint("show each problem to the user and ask how to fix it; nothing was planned"))
}

/// Whether a name is 2-`max` lowercase letters, digits and '-', starting with a letter.
pub(crate) fn k8s_name(name: &str, max: usize) -> bool {
    (2..=max).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The pool as the provider answers it (raw body).
pub(crate) async fn load_pool(ctx: &mut GuardContext<'_>) -> Result<Value, ToolFailure> {
    let id = ctx.arg_str("pool_id").unwrap_or_default();
    let pool = ctx
        .read(&call(GET_POOL, json!({"pool_id": id})))
        .await?
        .body;
    ctx.checks.push(Check::ok(
        "pool",
        json!({"pool_id": id, "phase": pool.pointer("/status/phase"), "type": pool.pointer("/spec/type"), "resources": pool.pointer("/spec/resources")}),
    ));
    ctx.state
        .push(json!({"pool_id": id, "phase": pool.pointer("/status/phase"), "resources": pool.pointer("/spec/resources")}));
    Ok(pool)
}

/// The workloads running on the pool.
pub(crate) async fn workloads(
    ctx: &GuardContext<'_>,
    pool_id: &str,
) -> Result<Vec<Value>, ToolFailure> {
    let answer = ctx
        .read(&call(LIST_WORKLOADS, json!({"pool_id": pool_id})))
        .await?;
    Ok(answer
        .body
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|w| json!({"type": w["type"], "name": w["name"], "status": w["status"], "host_ips": w["hostIps"]}))
                .collect()
        })
        .unwrap_or_default())
}

/// `ma.pool_idle`: the pool exists and no workload runs on it (ma_pool_delete).
pub(crate) async fn pool_idle(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = load_pool(ctx).await?;
    let id = ctx.arg_str("pool_id").unwrap_or_default();
    let running = workloads(ctx, &id).await?;
    if !running.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!("pool `{id}` still runs {} workload(s); it cannot be deleted", running.len()),
        )
        .with_details(json!({"workloads": running}))
        .with_hint("stop or move these workloads first (ma_pool_list_workloads lists them); nothing was planned"));
    }
    ctx.checks
        .push(Check::ok("no_workloads", json!({"pool_id": id})));
    ctx.diff.insert(
        "phase".into(),
        json!({"current": pool.pointer("/status/phase"), "target": "Deleting, then gone (irreversible)"}),
    );
    Ok(())
}

/// `ma.pool_scale`: the new count of one flavor; a decrease lists the workloads it may hit.
/// Fills `spec` with the pool's full resource list, that flavor's count changed.
pub(crate) async fn pool_scale(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = load_pool(ctx).await?;
    let id = ctx.arg_str("pool_id").unwrap_or_default();
    let flavor = ctx.arg_str("flavor").unwrap_or_default();
    let count = ctx.args.get("count").and_then(Value::as_u64).unwrap_or(0);
    let mut resources = pool
        .pointer("/spec/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let flavors: Vec<String> = resources
        .iter()
        .filter_map(|r| r["flavor"].as_str().map(str::to_owned))
        .collect();
    let Some(entry) = resources
        .iter_mut()
        .find(|r| r["flavor"] == flavor.as_str())
    else {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "pool `{id}` has no `{flavor}` nodes; its flavors: {}",
                flavors.join(", ")
            ),
        )
        .with_hint("ma_np_create adds a node pool of another flavor; nothing was planned"));
    };
    let current = entry["count"].as_u64().unwrap_or(0);
    if current == count {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("pool `{id}` already has {count} `{flavor}` node(s)"),
        ));
    }
    entry["count"] = json!(count);
    entry["maxCount"] = json!(count);
    if count < current {
        let running = workloads(ctx, &id).await?;
        let detail = json!({"remove": current - count, "workloads": running, "note": "a decrease removes nodes the service picks; ma_pool_batch_delete_nodes chooses them"});
        ctx.checks.push(if running.is_empty() {
            Check::ok("workloads", detail)
        } else {
            Check::warning("workloads", detail)
        });
    } else {
        ctx.checks.push(Check::ok(
            "cost",
            json!({"note": format!("{} more `{flavor}` node(s), billed as the pool is (billing mode {})", count - current, pool.pointer("/metadata/annotations/os.modelarts~1billing.mode").and_then(Value::as_str).unwrap_or("0"))}),
        ));
    }
    ctx.diff.insert(
        format!("{flavor}.count"),
        json!({"current": current, "target": count}),
    );
    ctx.args
        .insert("spec".into(), json!({"resources": resources}));
    Ok(())
}

/// `ma.pool_create`: every problem at once; the flavor and (for Dedicate) the network must
/// exist and be usable; fills `metadata` and `spec`; the cost note states the billing mode and,
/// for a subscription, what it commits to.
pub(crate) async fn pool_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let text = |k: &str| ctx.arg_str(k).unwrap_or_default();
    let (name, pool_type, flavor) = (text("name"), text("pool_type"), text("flavor"));
    let network = ctx.arg_str("network_id");
    let count = ctx.args.get("count").and_then(Value::as_u64).unwrap_or(0);
    let billing = text("billing_mode");
    let scope = ctx.arg_strings("scope");
    let mut errors = Vec::new();
    if !k8s_name(&name, 64) {
        errors.push(format!(
            "name `{name}` must be 2-64 lowercase letters, digits or '-', starting with a letter"
        ));
    }
    if pool_type == "Dedicate" && network.is_none() {
        errors.push("a Dedicate pool needs network_id (ma_pool_list_os_networks; ma_pool_create_os_network makes one)".into());
    }
    let period_type = ctx.arg_str("period_type");
    let period_num = ctx.args.get("period_num").and_then(Value::as_u64);
    if billing == "subscription" && (period_type.is_none() || period_num.is_none()) {
        errors.push("a subscription needs period_type and period_num".into());
    }
    if billing == "on_demand" && (period_type.is_some() || period_num.is_some()) {
        errors.push("period_type and period_num apply to a subscription only".into());
    }
    let flavors = ctx.read(&call(LIST_FLAVORS, json!({}))).await?.body;
    let known: Vec<String> = flavors["items"]
        .as_array()
        .map(|i| {
            i.iter()
                .filter_map(|f| {
                    f.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    if !known.contains(&flavor) {
        errors.push(format!(
            "flavor `{flavor}` is not offered; the flavors: {}",
            known.join(", ")
        ));
    }
    if let Some(id) = &network {
        let networks = ctx.read(&call(LIST_NETWORKS, json!({}))).await?.body;
        match networks["items"].as_array().and_then(|l| {
            l.iter()
                .find(|n| n.pointer("/metadata/name").and_then(Value::as_str) == Some(id))
        }) {
            None => errors.push(format!(
                "network `{id}` does not exist (ma_pool_list_os_networks)"
            )),
            Some(n) if n.pointer("/status/phase").and_then(Value::as_str) != Some("Active") => {
                errors.push(format!("network `{id}` is not Active yet"));
            }
            Some(_) => {}
        }
    }
    problems(errors)?;
    let mut annotations = Map::new();
    annotations.insert(
        "os.modelarts/billing.mode".into(),
        json!(if billing == "subscription" { "1" } else { "0" }),
    );
    if let Some(description) = ctx.arg_str("description") {
        annotations.insert("os.modelarts/description".into(), json!(description));
    }
    let cost = if billing == "subscription" {
        let unit = period_type.as_deref().unwrap_or("month");
        let num = period_num.unwrap_or(1);
        annotations.insert(
            "os.modelarts/period.type".into(),
            json!(if unit == "year" { "3" } else { "2" }),
        );
        annotations.insert("os.modelarts/period.num".into(), json!(num.to_string()));
        annotations.insert(
            "os.modelarts/auto.renew".into(),
            json!(
                if ctx.args.get("auto_renew").and_then(Value::as_bool) == Some(true) {
                    "1"
                } else {
                    "0"
                }
            ),
        );
        Check::warning(
            "cost",
            json!({"billing_mode": "subscription", "commitment": format!("{count} x {flavor} for {num} {unit}(s), paid in full for the whole period when the order is paid, whether used or not"), "auto_renew": annotations["os.modelarts/auto.renew"]}),
        )
    } else {
        Check::ok(
            "cost",
            json!({"billing_mode": "on demand", "note": format!("{count} x {flavor}, billed per hour from when the nodes are created until they are deleted")}),
        )
    };
    ctx.checks.push(cost);
    let mut labels = Map::new();
    labels.insert("os.modelarts/name".into(), json!(name));
    labels.insert(
        "os.modelarts/workspace.id".into(),
        json!(ctx.arg_str("workspace_id").unwrap_or_else(|| "0".into())),
    );
    ctx.args.insert(
        "metadata".into(),
        json!({"labels": labels, "annotations": annotations}),
    );
    let mut spec = json!({"type": pool_type, "scope": scope, "resources": [{"flavor": flavor, "count": count, "maxCount": count}]});
    if let Some(id) = network {
        spec["network"] = json!({"name": id});
    }
    ctx.args.insert("spec".into(), spec);
    Ok(())
}

/// Whether `cidr` is a private IPv4 block (10/8, 172.16/12, 192.168/16) with a prefix of at
/// most 28 inside it.
pub(crate) fn private_cidr(cidr: &str) -> bool {
    let Some((address, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(address), Ok(prefix)) = (address.parse::<std::net::Ipv4Addr>(), prefix.parse::<u8>())
    else {
        return false;
    };
    let floor = match address.octets() {
        [10, ..] => 8,
        [172, 16..=31, ..] => 12,
        [192, 168, ..] => 16,
        _ => return false,
    };
    (floor..=28).contains(&prefix)
}

/// `ma.network_create`: a k8s-style name and a private CIDR; fills `metadata` and `spec`.
pub(crate) async fn network_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("name").unwrap_or_default();
    let cidr = ctx.arg_str("cidr").unwrap_or_default();
    let mut errors = Vec::new();
    if !k8s_name(&name, 64) {
        errors.push(format!(
            "name `{name}` must be 2-64 lowercase letters, digits or '-', starting with a letter"
        ));
    }
    if !private_cidr(&cidr) {
        errors.push(format!("cidr `{cidr}` must be a private IPv4 block (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) with a prefix of at most /28"));
    }
    problems(errors)?;
    let mut labels = Map::new();
    labels.insert("os.modelarts/name".into(), json!(name));
    labels.insert(
        "os.modelarts/workspace.id".into(),
        json!(ctx.arg_str("workspace_id").unwrap_or_else(|| "0".into())),
    );
    ctx.args
        .insert("metadata".into(), json!({"labels": labels}));
    ctx.args.insert("spec".into(), json!({"cidr": cidr}));
    ctx.checks.push(Check::ok(
        "network",
        json!({"name": name, "cidr": cidr, "note": "Active a few seconds after create"}),
    ));
    Ok(())
}

/// `ma.batch_nodes`: every named node is in the pool and Available; the plan lists them, and
/// `node_count` (the phrase's N) is filled; a delete also lists the pool's workloads.
pub(crate) async fn batch_nodes(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("pool_id").unwrap_or_default();
    let wanted = ctx.arg_strings("node_names");
    let answer = ctx
        .read(&call(LIST_NODES, json!({"pool_id": id, "limit": 500})))
        .await?
        .body;
    let nodes = answer["items"].as_array().cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let mut listed = Vec::new();
    let mut seen = Vec::new();
    for name in &wanted {
        if seen.contains(name) {
            errors.push(format!("node `{name}` is named twice"));
            continue;
        }
        seen.push(name.clone());
        match nodes
            .iter()
            .find(|n| n.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
        {
            None => errors.push(format!("node `{name}` is not in pool `{id}`")),
            Some(n) => {
                let phase = n
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if phase != "Available" {
                    errors.push(format!("node `{name}` is {phase}, not Available"));
                }
                listed.push(json!({"name": name, "flavor": n.pointer("/spec/flavor"), "private_ip": n.pointer("/status/privateIp"), "az": n.pointer("/status/az"), "phase": phase}));
            }
        }
    }
    problems(errors)?;
    ctx.state.push(json!({"pool_id": id, "nodes": listed}));
    ctx.checks.push(Check::ok(
        "nodes",
        json!({"pool_id": id, "count": listed.len(), "nodes": listed}),
    ));
    if ctx.tool.name.contains("delete") {
        let running = workloads(ctx, &id).await?;
        if !running.is_empty() {
            ctx.checks.push(Check::warning(
                "workloads",
                json!({"note": "workloads on deleted nodes are evicted", "workloads": running}),
            ));
        }
        if listed.len() >= nodes.len() {
            return Err(ToolFailure::new(
                FailureKind::ValidationError,
                format!(
                    "these are all {} nodes of pool `{id}`; a pool keeps at least one",
                    nodes.len()
                ),
            )
            .with_hint("ma_pool_delete removes the whole pool; nothing was planned"));
        }
    }
    ctx.args.insert("node_count".into(), json!(listed.len()));
    Ok(())
}

/// Pool readiness: every 30 s, up to 30 minutes (a pool takes 5-10 minutes).
const INTERVAL: Duration = Duration::from_secs(30);
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

fn subject(args: &Map<String, Value>, pool_id: &str) -> Value {
    let mut subject = json!({"pool_id": pool_id});
    if let Some(region) = args.get("region_id") {
        subject["region_id"] = region.clone();
    }
    subject
}

fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "the pool create answered without metadata.name",
            )
        })?;
    Ok(Begun {
        key: id.to_owned(),
        subject: subject(args, id),
    })
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let id = args
        .get("pool_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Begun {
        key: id.to_owned(),
        subject: subject(args, id),
    })
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = ctx.operation.subject["pool_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pool = ctx
        .read(&call(GET_POOL, json!({"pool_id": id})))
        .await?
        .body;
    let phase = pool
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let count = |state: &str| {
        pool.pointer(&format!("/status/resources/{state}/count"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let (available, creating) = (count("available"), count("creating"));
    let status = match phase.as_str() {
        "Running" => OpStatus::Succeeded,
        "Error" | "Abnormal" | "Deleting" => OpStatus::Failed,
        _ => OpStatus::Running,
    };
    Ok(Polled {
        status,
        message: format!("{phase}: {available} node(s) available, {creating} creating"),
        snapshot: json!({"pool_id": id, "phase": phase, "available": available, "creating": creating, "message": pool.pointer("/status/message")}),
    })
}

fn report(op: &Operation) -> Value {
    json!({"report": {
        "ready": op.status == OpStatus::Succeeded,
        "message": op.message,
        "pool": op.snapshot,
        "next": ["ma_pool_get shows the pool; ma_pool_list_nodes its nodes"],
    }})
}

/// `modelarts.pool_ready`: a created pool followed until it is Running.
pub(crate) fn ready_kind() -> OperationKind {
    OperationKind {
        name: "modelarts.pool_ready",
        calls: &[GET_POOL],
        interval: INTERVAL,
        max_duration: MAX_WAIT,
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}

/// Registers the pool guards and the pool wait.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.pool_create", needs: [], provides: [], calls: [LIST_FLAVORS, LIST_NETWORKS], pool_create),
        crate::guard!("ma.network_create", needs: [], provides: [], calls: [], network_create),
        crate::guard!("ma.pool_scale", needs: [], provides: [], calls: [GET_POOL, LIST_WORKLOADS], pool_scale),
        crate::guard!("ma.pool_idle", needs: [], provides: [], calls: [GET_POOL, LIST_WORKLOADS], pool_idle),
        crate::guard!("ma.batch_nodes", needs: [], provides: [], calls: [LIST_NODES, LIST_WORKLOADS], batch_nodes),
    ]);
    registry.operations(&[ready_kind()]);
}
