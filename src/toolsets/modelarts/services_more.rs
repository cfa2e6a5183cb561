//! Inference part 2's rules: the v1 create built from explicit choices (a model, a
//! specification from the lookups, a count) with the skill's one-hour auto-stop kept as a
//! default the user can lengthen but not silently drop, and the v2 batch delete that checks
//! every service and counts them for its `CONFIRM-BATCH DELETE <N>` phrase.

use serde_json::{Value, json};

use super::pools::problems;
use super::services::GET_SERVICE;
use crate::failure::ToolFailure;
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

/// Statuses a v2 service can be deleted from (not in a transition).
const DELETABLE: &[&str] = &["RUNNING", "STOPPED", "FAILED", "CONCERNING"];

/// `ma.svc1_create`: fills `config` (one model at weight 100) and `schedule` (the auto-stop),
/// and states the cost.
pub(crate) async fn svc1_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let text = |k: &str| ctx.arg_str(k).unwrap_or_default();
    let (name, model, spec) = (
        text("service_name"),
        text("model_id"),
        text("specification"),
    );
    let count = ctx
        .args
        .get("instance_count")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let hours = ctx
        .args
        .get("auto_stop_hours")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let mut errors = Vec::new();
    if !super::api::valid_name(&name, 64) {
        errors.push(format!(
            "service_name `{name}` must be 1-64 letters, digits, '-' or '_'"
        ));
    }
    if model.is_empty() {
        errors.push("model_id is required (ma_svc1_list_models)".to_owned());
    }
    problems(errors)?;
    let stop = if hours == 0 {
        ctx.checks.push(Check::warning(
            "auto_stop",
            json!({"note": "no auto-stop: the service bills until it is stopped"}),
        ));
        json!([])
    } else {
        ctx.checks
            .push(Check::ok("auto_stop", json!({"hours": hours})));
        json!([{"type": "stop", "time_unit": "HOURS", "duration": hours}])
    };
    ctx.checks.push(Check::ok(
        "cost",
        json!({"note": format!("{count} instance(s) of {spec}, billed while the service runs")}),
    ));
    ctx.args.insert(
        "config".into(),
        json!([{"model_id": model, "specification": spec, "instance_count": count, "weight": 100}]),
    );
    ctx.args.insert("schedule".into(), stop);
    Ok(())
}

/// `ma.svc_batch`: every service exists and is out of a transition; fills `service_count`.
pub(crate) async fn svc_batch(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let ids: Vec<String> = ctx
        .args
        .get("service_ids")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for id in &ids {
        if seen.contains(id) {
            errors.push(format!("service `{id}` is listed twice"));
            continue;
        }
        seen.push(id.clone());
        let call = DeclaredCall {
            tool: GET_SERVICE,
            args: json!({"service_id": id}),
        };
        let svc = ctx.read(&call).await?.body;
        let status = svc["status"].as_str().unwrap_or_default().to_owned();
        if !DELETABLE.contains(&status.as_str()) {
            errors.push(format!(
                "service `{id}` is {status}; a delete needs it {}",
                DELETABLE.join(" or ")
            ));
        }
        ctx.state
            .push(json!({"service_id": id, "name": svc["name"], "status": status}));
    }
    problems(errors)?;
    ctx.checks
        .push(Check::ok("services", json!({"service_ids": seen})));
    ctx.diff.insert(
        "services".into(),
        json!({"current": seen, "target": "deleted (irreversible)"}),
    );
    ctx.args.insert("service_count".into(), json!(seen.len()));
    Ok(())
}

/// The skill's distance of a flavor from a wanted size: `2 x |vCPU difference| + |memory
/// difference in GB|` (memory arrives in KB).
fn flavor_score(want_cpu: f64, want_mem_gb: f64, vcpus: f64, memory_kb: f64) -> f64 {
    2.0 * (vcpus - want_cpu).abs() + (memory_kb / 1024.0 / 1024.0 - want_mem_gb).abs()
}

/// `ma.svc_suggest_flavor`: the pool's flavors in stock, nearest to `{cpu, memory_mb}` first.
pub(crate) async fn suggest_flavor(
    ctx: &mut GuardContext<'_>,
) -> Result<serde_json::Map<String, Value>, ToolFailure> {
    let pool = ctx.arg_str("pool_id").unwrap_or_default();
    let number = |k: &str| ctx.args.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let (cpu, mem_gb) = (number("cpu"), number("memory_mb") / 1024.0);
    let call = DeclaredCall {
        tool: super::services::POOL_FLAVORS,
        args: json!({"pool_id": pool}),
    };
    let body = ctx.read(&call).await?.body;
    let mut ranked: Vec<Value> = body["flavors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["sold_out"] != true)
        .map(|f| {
            let (vcpus, memory) = (f["vcpus"].as_f64().unwrap_or(0.0), f["memory"].as_f64().unwrap_or(0.0));
            json!({
                "id": f["id"], "vcpus": f["vcpus"], "memory_gb": (memory / 1024.0 / 1024.0 * 10.0).round() / 10.0,
                "score": (flavor_score(cpu, mem_gb, vcpus, memory) * 100.0).round() / 100.0,
            })
        })
        .collect();
    ranked.sort_by(|a, b| {
        let key = |v: &Value| v["score"].as_f64().unwrap_or(f64::MAX);
        key(a).total_cmp(&key(b))
    });
    Ok(crate::catalog::project(
        &ctx.tool.output,
        &json!({"flavors": ranked}),
    ))
}

/// Registers the part 2 guards.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.readers(&[crate::reader!(
        "ma.svc_suggest_flavor",
        calls: [super::services::POOL_FLAVORS],
        suggest_flavor
    )]);
    registry.guards(&[
        crate::guard!("ma.svc1_create", needs: [], provides: [], calls: [], svc1_create),
        crate::guard!("ma.svc_batch", needs: [], provides: [], calls: [GET_SERVICE], svc_batch),
    ]);
}

#[cfg(test)]
mod tests {
    use super::flavor_score;

    #[test]
    fn a_vcpu_counts_twice_a_gigabyte() {
        // 8 vCPUs / 32 GB (in KB) against a wish of 4 vCPUs / 16 GB: 2 x 4 + 16.
        assert!((flavor_score(4.0, 16.0, 8.0, 32.0 * 1024.0 * 1024.0) - 24.0).abs() < 1e-9);
        assert!(flavor_score(8.0, 32.0, 8.0, 32.0 * 1024.0 * 1024.0).abs() < 1e-9);
    }
}
