//! The checks before an AutoDL plan: the config (schema, CUDA, cmd), the image, the GPU types,
//! the scheduling units and the price against the stock now; a deployment or container exists;
//! replicas change only on a ReplicaSet.

use serde_json::{Value, json};

use super::api::{
    GPU_STOCK, LIST_IMAGES, MAX_PAGES, Reads, all_deployments, declared, find_container,
    more_pages, no_deployment, page_items, stock, stock_json,
};
use super::config::{self, Checked};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{GuardContext, Phase};

/// Scheduling units of the private cloud's host types (vCPU and GB per GPU), from AutoDL's
/// host specs: a container of N GPUs gets N units of the host it lands on.
pub const HOST_UNITS: &[(&str, u64, u64)] = &[
    ("RTX 4090", 16, 64),
    ("RTX 3090", 16, 90),
    ("RTX 3080 Ti", 12, 45),
    ("A100", 32, 128),
    ("A800", 32, 128),
    ("H800", 24, 256),
    ("H20", 24, 240),
];

/// The plan-derived deployment name: `<name>-sg<6 hex>`, unique per plan, so the deployment can
/// be looked up by name before any re-submit (AutoDL's create takes no idempotency key).
fn plan_name(name: &str) -> String {
    format!("{name}-sg{:06x}", rand::random::<u32>() & 0xff_ffff)
}

/// `autodl.check_config`: everything about a create before a plan, all problems at once.
pub(crate) async fn check_config(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let config = ctx
        .args
        .get("config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let checked = config::check(&config).map_err(|errors| {
        ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "the deployment config has {} problem(s): {}",
                errors.len(),
                errors.join("; ")
            ),
        )
        .with_details(json!({"errors": errors}))
        .with_hint("show each problem to the user and ask how to fix it; nothing was planned")
    })?;
    let images = all_images(ctx).await?;
    let image = checked.template()["image_uuid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !images
        .iter()
        .any(|i| i["image_uuid"].as_str() == Some(image.as_str()))
    {
        let available: Vec<Value> = images
            .iter()
            .map(
                |i| json!({"uuid": i["image_uuid"], "name": i.get("image_name").or(i.get("name"))}),
            )
            .collect();
        return Err(ToolFailure::new(FailureKind::NotFound, format!("image_not_found: the private image `{image}` does not exist"))
            .with_details(json!({"error_type": "image_not_found", "requested": image, "available_images": available}))
            .with_hint("let the user pick one of available_images; nothing was planned"));
    }
    let stock_answer = ctx.read(&declared(GPU_STOCK, json!({}))).await?;
    let stock = stock(&stock_answer);
    let wanted = checked.gpu_names();
    let known: Vec<&(String, u64, u64)> = stock
        .iter()
        .filter(|(n, _, _)| wanted.contains(n))
        .collect();
    if known.is_empty() {
        let available: Vec<&str> = stock.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(ToolFailure::new(FailureKind::NotFound, format!("gpu_type_not_found: none of the GPU models {wanted:?} exists")).with_details(json!({"error_type": "gpu_type_not_found", "requested": wanted, "available_gpus": available}))
            .with_hint("let the user pick from available_gpus; nothing was planned"));
    }
    let mut warnings = checked.warnings.clone();
    for missing in wanted
        .iter()
        .filter(|n| !stock.iter().any(|(s, _, _)| s == *n))
    {
        warnings.push(format!(
            "GPU model `{missing}` does not exist here and is ignored by the scheduler"
        ));
    }
    check_units(&checked, &wanted, &mut warnings)?;
    let gpu_num = checked.number("gpu_num");
    let matching: Vec<Value> = known.iter().map(|(n, idle, total)| json!({"gpu_name": n, "idle": idle, "total": total, "enough_now": *idle >= gpu_num})).collect();
    let (from, to) = (checked.number("price_from"), checked.number("price_to"));
    let name = config
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    // A plan keeps its name through the re-check (the same name must be sent as shown).
    let deployment_name = match (ctx.phase, ctx.arg_str("deployment_name")) {
        (Phase::Recheck, Some(existing)) => existing,
        _ => plan_name(&name),
    };
    ctx.checks.push(Check::ok(
        "config",
        json!({"resolved": checked.resolved, "warnings": warnings}),
    ));
    ctx.checks
        .push(Check::ok("image", json!({"image_uuid": image})));
    ctx.checks.push(Check::ok(
        "gpu_stock_now",
        json!({"gpu_num_per_container": gpu_num, "matching": matching}),
    ));
    ctx.checks.push(Check::ok(
        "price",
        json!({"price_range_cny_per_gpu_hour": [from as f64 / 1000.0, to as f64 / 1000.0], "api_units": "CNY x 1000", "billable": true}),
    ));
    ctx.diff.insert(
        "deployment".into(),
        json!({"current": null, "target": {"name": deployment_name, "config": checked.body}}),
    );
    let body = &checked.body;
    ctx.args.insert("name".into(), json!(name));
    ctx.args
        .insert("deployment_name".into(), json!(deployment_name));
    for key in [
        "deployment_type",
        "replica_num",
        "parallelism_num",
        "reuse_container",
        "reuse_container_scope",
        "container_template",
    ] {
        if let Some(value) = body.get(key) {
            ctx.args.insert(key.into(), value.clone());
        }
    }
    ctx.provide("stock", stock_json(&stock));
    ctx.provide("checked", json!({"gpu_names": wanted, "gpu_num": gpu_num}));
    Ok(())
}

async fn all_images(ctx: &GuardContext<'_>) -> Result<Vec<Value>, ToolFailure> {
    let mut images = Vec::new();
    for index in 1..=MAX_PAGES {
        let page = ctx
            .read(&declared(
                LIST_IMAGES,
                json!({"page_index": index, "page_size": 100}),
            ))
            .await?;
        images.extend(page_items(&page));
        if !more_pages(&page, index) {
            break;
        }
    }
    Ok(images)
}

/// The cpu and memory ranges must admit gpu_num x the unit of some host of the chosen types.
fn check_units(
    checked: &Checked,
    wanted: &[String],
    warnings: &mut Vec<String>,
) -> Result<(), ToolFailure> {
    let n = checked.number("gpu_num");
    let (cpu, mem) = (
        (checked.number("cpu_num_from"), checked.number("cpu_num_to")),
        (
            checked.number("memory_size_from"),
            checked.number("memory_size_to"),
        ),
    );
    let units: Vec<&(&str, u64, u64)> = HOST_UNITS
        .iter()
        .filter(|(g, _, _)| wanted.iter().any(|w| w == g))
        .collect();
    if units.is_empty() {
        warnings.push("the scheduling units of these GPU models are not known to skillgate; the cpu and memory ranges could not be checked".into());
        return Ok(());
    }
    let fits = units
        .iter()
        .any(|(_, c, m)| (cpu.0..=cpu.1).contains(&(c * n)) && (mem.0..=mem.1).contains(&(m * n)));
    if fits {
        return Ok(());
    }
    let needs: Vec<String> = units
        .iter()
        .map(|(g, c, m)| {
            format!(
                "{g}: {n} x ({c} vCPU, {m} GB) = {} vCPU, {} GB",
                c * n,
                m * n
            )
        })
        .collect();
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "the cpu range {}..{} and memory range {}..{} GB admit no {n}-GPU container of these hosts; a container gets gpu_num whole scheduling units of its host ({}), so nothing would ever be scheduled",
            cpu.0, cpu.1, mem.0, mem.1, needs.join("; ")
        ),
    )
    .with_details(json!({"errors": ["scheduling units"], "units": needs}))
    .with_hint("widen cpu_num_to / memory_size_to (keep the _from floors low); nothing was planned"))
}

/// `autodl.stock_now`: a direct create needs a matching model with enough idle GPUs now.
pub(crate) async fn stock_now(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let stock = ctx.fact("stock")?.clone();
    let checked = ctx.fact("checked")?.clone();
    let n = checked["gpu_num"].as_u64().unwrap_or(1);
    let names = crate::toolsets::string_list(checked.get("gpu_names"));
    let enough = stock.as_array().into_iter().flatten().any(|s| {
        names.iter().any(|n2| s["gpu_name"] == n2.as_str()) && s["idle"].as_u64().unwrap_or(0) >= n
    });
    if !enough {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("no GPU of {names:?} has {n} idle now; AutoDL does not queue a create"),
        )
        .with_details(json!({"stock": stock}))
        .with_hint("use autodl_queue_submit to wait for free GPUs; nothing was planned"));
    }
    Ok(())
}

async fn load(ctx: &mut GuardContext<'_>) -> Result<Value, ToolFailure> {
    let uuid = ctx.arg_str("deployment_uuid").unwrap_or_default();
    let all = all_deployments(&Reads::Guard(ctx)).await?;
    let found = all
        .iter()
        .find(|d| d["uuid"].as_str() == Some(uuid.as_str()))
        .cloned();
    let deployment = found.ok_or_else(|| no_deployment(&uuid, &all))?;
    ctx.checks.push(Check::ok("deployment", json!({
        "deployment_uuid": uuid, "name": deployment["name"], "deployment_type": deployment["deployment_type"],
        "status": deployment["status"], "replica_num": deployment["replica_num"], "running_num": deployment["running_num"],
        "price_estimates_cny_per_hour": deployment["price_estimates"].as_f64().map(|p| p / 1000.0),
    })));
    ctx.state.push(json!({"deployment_uuid": uuid, "status": deployment["status"], "replica_num": deployment["replica_num"]}));
    Ok(deployment)
}

/// `autodl.load_deployment`: the deployment exists (stop, delete).
pub(crate) async fn load_deployment(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let deployment = load(ctx).await?;
    ctx.diff.insert("status".into(), json!({"current": deployment["status"], "target": if ctx.tool.name.contains("delete") { "deleted" } else { "stopped" }}));
    Ok(())
}

/// `autodl.check_replicas`: a ReplicaSet only; the plan says whether it scales up (costs
/// money) or down.
pub(crate) async fn check_replicas(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let deployment = load(ctx).await?;
    let kind = deployment["deployment_type"].as_str().unwrap_or_default();
    if kind != "ReplicaSet" {
        return Err(ToolFailure::new(FailureKind::ValidationError, format!("only a ReplicaSet's replicas can be set; `{}` is a {kind}", deployment["uuid"].as_str().unwrap_or_default()))
            .with_hint("a Job runs until replica_num containers finish; a Container is one container; nothing was planned"));
    }
    if deployment["status"] == "stopped" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "the deployment is stopped; its replicas cannot be set",
        )
        .with_hint("nothing was planned"));
    }
    let current = deployment["replica_num"].as_u64().unwrap_or(0);
    let target = ctx
        .args
        .get("replica_num")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let direction = match target.cmp(&current) {
        std::cmp::Ordering::Greater => "scale up: each added replica is billed while it runs",
        std::cmp::Ordering::Less => "scale down: the newest containers are stopped",
        std::cmp::Ordering::Equal => "no change",
    };
    ctx.diff.insert(
        "replica_num".into(),
        json!({"current": current, "target": target, "effect": direction}),
    );
    Ok(())
}

/// `autodl.load_container`: the container exists; fills its deployment for the reveal;
/// `decrease_one_replica_num` only on a ReplicaSet.
pub(crate) async fn load_container(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let uuid = ctx.arg_str("deployment_container_uuid").unwrap_or_default();
    let (deployment, container) = find_container(&Reads::Guard(ctx), &uuid).await?;
    let kind = deployment["deployment_type"].as_str().unwrap_or_default();
    if ctx
        .args
        .get("decrease_one_replica_num")
        .and_then(Value::as_bool)
        == Some(true)
        && kind != "ReplicaSet"
    {
        return Err(ToolFailure::new(FailureKind::ValidationError, format!("decrease_one_replica_num applies to ReplicaSets; this container's deployment is a {kind}"))
            .with_hint("leave it out; nothing was planned"));
    }
    if ctx.tool.param("deployment_uuid").is_some_and(|p| p.hidden) {
        ctx.args
            .insert("deployment_uuid".into(), deployment["uuid"].clone());
    }
    ctx.checks.push(Check::ok("container", json!({
        "container_uuid": uuid, "status": container["status"], "machine_id": container["machine_id"],
        "deployment_uuid": deployment["uuid"], "deployment_type": kind,
    })));
    ctx.state
        .push(json!({"container_uuid": uuid, "status": container["status"]}));
    Ok(())
}
