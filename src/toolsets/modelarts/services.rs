//! Inference services (seed-operations.md 6.5, 6.6): a v2 create built from explicit choices
//! (image, flavor, pool, port, protocol, auth) that warns when the endpoint takes no
//! authentication, state checks before start, stop, update and delete (one id per delete), the
//! v1 delete with the skill's own phrase (`确认删除 <service_name>`, the name looked up), and a
//! service followed until it is RUNNING (`modelarts.service_running`).

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::pools::problems;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, DeclaredCall, GuardContext, OperationKind, PollContext, Polled};

pub(crate) const GET_SERVICE: &str = "ma_svc_get";
pub(crate) const POOL_FLAVORS: &str = "ma_svc_get_pool_flavors";
pub(crate) const GET_SERVICE_V1: &str = "ma_svc1_get";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `ma.svc_create`: every problem at once; the flavor must be one the pool offers; fills
/// `group_configs` and `runtime_config`; `auth_type` NONE is a warning (a public endpoint).
pub(crate) async fn svc_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let text = |k: &str| ctx.arg_str(k).unwrap_or_default();
    let (name, image, flavor, pool) = (
        text("name"),
        text("swr_path"),
        text("flavor"),
        ctx.arg_str("pool_id"),
    );
    let count = ctx
        .args
        .get("instance_count")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let auth = text("auth_type");
    let mut errors = Vec::new();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(format!(
            "name `{name}` must be 1-64 letters, digits, '-' or '_'"
        ));
    }
    if image.split('/').count() < 2 || !image.contains(':') {
        errors.push(format!("swr_path `{image}` must be an SWR image `<host>/<org>/<repo>:<tag>` (ma_swr_list_train_images)"));
    }
    if let Some(pool_id) = &pool {
        let flavors = ctx
            .read(&call(POOL_FLAVORS, json!({"pool_id": pool_id})))
            .await?
            .body;
        let offered: Vec<String> = flavors["flavors"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|f| f["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !offered.contains(&flavor) {
            errors.push(format!(
                "flavor `{flavor}` is not offered by pool `{pool_id}`; it offers: {}",
                offered.join(", ")
            ));
        }
    }
    problems(errors)?;
    if auth == "NONE" {
        ctx.checks.push(Check::warning("auth_type", json!({"auth_type": "NONE", "note": "the service's endpoint will answer anyone who reaches it, without a token or key; TOKEN or API_KEY keep it private"})));
    }
    ctx.checks.push(Check::ok("cost", json!({"note": format!("{count} instance(s) of {flavor}{}, billed while the service runs", pool.as_ref().map(|p| format!(" on pool {p}")).unwrap_or_default())})));
    let mut group = json!({"name": "group-1", "weight": 100, "count": count, "unit_configs": [{"image": {"source": "SWR", "swr_path": image}, "flavor": flavor, "count": 1, "port": ctx.args.get("port")}]});
    if let Some(pool_id) = pool {
        group["pool_id"] = json!(pool_id);
    }
    ctx.args.insert("group_configs".into(), json!([group]));
    ctx.args.insert(
        "runtime_config".into(),
        json!({
            "service_invoke": {"port": ctx.args.get("port"), "protocol": ctx.args.get("protocol"), "auth_type": auth},
            "service_limit": {"rate_limit": {"num": 200, "unit": "SECONDS"}, "request_size_limit": 20, "request_timeout": 30},
        }),
    );
    Ok(())
}

/// The statuses each action needs.
fn allowed(tool: &str) -> (&'static [&'static str], &'static str) {
    if tool.ends_with("_start") {
        (&["STOPPED", "FAILED"], "RUNNING (billed again)")
    } else if tool.ends_with("_stop") {
        (
            &["RUNNING", "DEPLOYING", "CONCERNING", "UPGRADING"],
            "STOPPED",
        )
    } else if tool.ends_with("_update") {
        (&["RUNNING", "STOPPED", "FAILED", "CONCERNING"], "updated")
    } else {
        (
            &["RUNNING", "STOPPED", "FAILED", "CONCERNING"],
            "deleted (irreversible)",
        )
    }
}

/// `ma.svc_state`: the service exists and its status allows the action (start, stop, update,
/// delete); an update fills `group_configs` with the current group and the new count.
pub(crate) async fn svc_state(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("service_id").unwrap_or_default();
    let svc = ctx
        .read(&call(GET_SERVICE, json!({"service_id": id})))
        .await?
        .body;
    let status = svc["status"].as_str().unwrap_or_default().to_owned();
    let (from, target) = allowed(&ctx.tool.name);
    if !from.contains(&status.as_str()) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "service `{id}` is {status}; {} needs it {}",
                ctx.tool.name,
                from.join(" or ")
            ),
        )
        .with_hint("ma_svc_get shows its status; nothing was planned"));
    }
    ctx.checks.push(Check::ok(
        "service",
        json!({"service_id": id, "name": svc["name"], "status": status}),
    ));
    ctx.state.push(json!({"service_id": id, "status": status}));
    ctx.diff.insert(
        "status".into(),
        json!({"current": status, "target": target}),
    );
    if ctx.tool.name.ends_with("_update") {
        let mut groups = svc
            .pointer("/version/instance_groups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for group in &mut groups {
            if let Some(map) = group.as_object_mut() {
                map.remove("running_count");
                map.remove("status");
            }
        }
        match ctx.args.get("instance_count").and_then(Value::as_u64) {
            Some(count) => {
                let current = groups
                    .first()
                    .and_then(|g| g["count"].as_u64())
                    .unwrap_or(1);
                if let Some(first) = groups.first_mut() {
                    first["count"] = json!(count);
                }
                ctx.diff.insert(
                    "instance_count".into(),
                    json!({"current": current, "target": count}),
                );
                if count > current {
                    ctx.checks.push(Check::warning("cost", json!({"note": format!("{} more instance(s), billed while the service runs", count - current)})));
                }
                ctx.args.insert("group_configs".into(), Value::from(groups));
            }
            None if ctx.arg_str("description").is_none() && ctx.arg_str("version").is_none() => {
                return Err(ToolFailure::new(
                    FailureKind::ValidationError,
                    "give at least one of instance_count, description, version",
                ));
            }
            None => {}
        }
    }
    if ctx.tool.name.ends_with("_delete") {
        ctx.args.insert("service_ids".into(), json!([id]));
    }
    Ok(())
}

/// `ma.svc1_name`: the v1 service exists; its name fills `service_name` for the phrase.
pub(crate) async fn svc1_name(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("service_id").unwrap_or_default();
    let svc = ctx
        .read(&call(GET_SERVICE_V1, json!({"service_id": id})))
        .await?
        .body;
    let name = svc["service_name"].as_str().unwrap_or_default().to_owned();
    ctx.checks.push(Check::ok(
        "service",
        json!({"service_id": id, "service_name": name, "status": svc["status"]}),
    ));
    ctx.state
        .push(json!({"service_id": id, "status": svc["status"]}));
    ctx.diff.insert(
        "status".into(),
        json!({"current": svc["status"], "target": "deleted (irreversible)"}),
    );
    ctx.args.insert("service_name".into(), json!(name));
    Ok(())
}

/// Service readiness: every 15 s, up to 40 minutes (the skill's deploy timeout is 30).
const INTERVAL: Duration = Duration::from_secs(15);
const MAX_WAIT: Duration = Duration::from_secs(40 * 60);

fn subject(args: &Map<String, Value>, id: &str) -> Value {
    let mut subject = json!({"service_id": id});
    if let Some(region) = args.get("region_id") {
        subject["region_id"] = region.clone();
    }
    subject
}

fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .get("id")
        .and_then(Value::as_str)
        .or_else(|| args.get("service_id").and_then(Value::as_str))
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "the service answer has no id",
            )
        })?;
    Ok(Begun {
        key: id.to_owned(),
        subject: subject(args, id),
    })
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let id = args
        .get("service_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Begun {
        key: id.to_owned(),
        subject: subject(args, id),
    })
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = ctx.operation.subject["service_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let svc = ctx
        .read(&call(GET_SERVICE, json!({"service_id": id})))
        .await?
        .body;
    let status = svc["status"].as_str().unwrap_or_default().to_owned();
    let op_status = match status.as_str() {
        "RUNNING" => OpStatus::Succeeded,
        "FAILED" | "STOPPED" | "ERROR" | "DELETING" => OpStatus::Failed,
        _ => OpStatus::Running,
    };
    Ok(Polled {
        status: op_status,
        message: format!(
            "{status}{}",
            svc["failure_reason"]
                .as_str()
                .filter(|r| !r.is_empty())
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        snapshot: json!({"service_id": id, "name": svc["name"], "status": status, "predict_url": svc["predict_url"]}),
    })
}

fn report(op: &Operation) -> Value {
    json!({"report": {
        "running": op.status == OpStatus::Succeeded,
        "message": op.message,
        "service": op.snapshot,
        "next": ["ma_svc_get shows the service and its predict URLs"],
    }})
}

/// `modelarts.service_running`: a created or started service followed until it is RUNNING.
pub(crate) fn running_kind() -> OperationKind {
    OperationKind {
        name: "modelarts.service_running",
        calls: &[GET_SERVICE],
        interval: INTERVAL,
        max_duration: MAX_WAIT,
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}

/// Registers the inference guards and the service wait.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.svc_create", needs: [], provides: [], calls: [POOL_FLAVORS], svc_create),
        crate::guard!("ma.svc_state", needs: [], provides: [], calls: [GET_SERVICE], svc_state),
        crate::guard!("ma.svc1_name", needs: [], provides: [], calls: [GET_SERVICE_V1], svc1_name),
    ]);
    registry.operations(&[running_kind()]);
}
