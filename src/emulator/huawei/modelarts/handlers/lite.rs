//! Lite Server dev servers (`/v1/{project_id}/dev-servers`): create, list, show, start, stop
//! (both `PUT`), delete, their flavors and images, and the operations each action starts
//! (`GET .../dev-servers/{id}/operation/{operation_id}`).
//!
//! A create is CREATING, then RUNNING. The flavor must exist and not be sold out; the image
//! must fit the flavor's server type and architecture; exactly one of `admin_pass` and
//! `key_pair_name` (the password is never stored nor echoed); a PRE_PAID create needs its
//! period. The emulator answers the id of the operation each action starts in
//! `operation_id` (the SDK's response models drop it; the REST answer carries it).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::page;
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    DEV_SERVER_CREATE, DEV_SERVER_DELETE, DEV_SERVER_START, DEV_SERVER_STOP, DevServer,
    DevServerOperation,
};
use crate::emulator::huawei::modelarts::infra_catalog::{
    LITE_FLAVORS, LITE_IMAGES, lite_flavor, lite_image, render_lite_flavor, render_lite_image,
};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

const INVALID: &str = "ModelArts.0104";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(INVALID, message)
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.7001",
        format!("Dev server {id} does not exist."),
    )
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A dev server in `show_dev_server`'s shape at `now`.
pub fn render(server: &DevServer, now: OffsetDateTime) -> Value {
    let image = lite_image(&server.image_id);
    json!({
        "id": server.id, "name": server.name, "status": server.phase.status(now),
        "flavor": server.flavor, "charging_mode": server.charging_mode,
        "key_pair_name": server.key_pair_name, "order_id": server.order_id,
        "vpc_id": server.network.get("vpc_id"), "subnet_id": server.network.get("subnet_id"),
        "category": "SERVER",
        "cloud_server": {"id": format!("ecs-{}", &server.id[..8]), "type": server.server_type},
        "image": {
            "image_id": server.image_id, "name": image.map(|i| i.1), "server_type": server.server_type,
            "arch": server.arch, "status": "ACTIVE",
        },
        "endpoints": [{"service": "SSH", "uri": "192.168.0.10", "key_pair_names": server.key_pair_name.iter().collect::<Vec<_>>()}],
        "volumes": [{"type": "ROOT", "size": server.root_volume.get("size").and_then(Value::as_u64).unwrap_or(100), "evs_type": server.root_volume.get("type").and_then(Value::as_str).unwrap_or("SSD")}],
        "create_at": millis(server.created), "update_at": millis(server.phase.progress.since),
        "operation_id": server.operations.last().map(|o| o.id.clone()),
    })
}

/// Checks a create body; every rule the API enforces, first failure answered.
fn check_create(body: &Map<String, Value>) -> Result<(), ApiError> {
    let text = |key: &str| body.get(key).and_then(Value::as_str);
    let name = text("name").unwrap_or_default();
    if !valid_name(name) {
        return Err(invalid(format!(
            "The name {name:?} must be 1-64 letters, digits, '-', '_' or '.'."
        )));
    }
    let image_id = text("image_id").unwrap_or_default();
    let image = lite_image(image_id)
        .ok_or_else(|| invalid(format!("Image {image_id:?} does not exist.")))?;
    let flavor_name = match (text("flavor"), text("resource_flavor")) {
        (Some(f), None) | (None, Some(f)) => f,
        _ => return Err(invalid("Give exactly one of flavor and resource_flavor.")),
    };
    let flavor = lite_flavor(flavor_name)
        .ok_or_else(|| invalid(format!("Flavor {flavor_name} does not exist.")))?;
    if flavor.sold_out {
        return Err(invalid(format!("Flavor {flavor_name} is sold out.")));
    }
    if image.2 != flavor.server_type || image.3 != flavor.arch {
        return Err(invalid(format!(
            "Image {image_id} is for {} {}, flavor {flavor_name} is {} {}.",
            image.2, image.3, flavor.server_type, flavor.arch
        )));
    }
    let network = body.get("network").cloned().unwrap_or(Value::Null);
    for key in ["vpc_id", "subnet_id", "security_group_id"] {
        if network
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(invalid(format!("network.{key} is required.")));
        }
    }
    match (
        text("admin_pass").is_some(),
        text("key_pair_name").is_some(),
    ) {
        (true, false) | (false, true) => {}
        _ => return Err(invalid("Give exactly one of admin_pass and key_pair_name.")),
    }
    if flavor.server_type == "ECS" && body.get("root_volume").is_none() {
        return Err(invalid("An ECS dev server needs a root_volume."));
    }
    if let Some(count) = body.get("count")
        && !count.as_i64().is_some_and(|c| (1..=10).contains(&c))
    {
        return Err(invalid("count must be 1-10."));
    }
    let charging = body.get("charging_info").cloned().unwrap_or(Value::Null);
    match charging
        .get("charging_mode")
        .and_then(Value::as_str)
        .unwrap_or("POST_PAID")
    {
        "POST_PAID" => Ok(()),
        "PRE_PAID" => {
            let unit = charging.get("period_type").and_then(Value::as_str);
            let num = charging.get("period_num").and_then(Value::as_i64);
            if !matches!(unit, Some("MONTH" | "YEAR"))
                || !num.is_some_and(|n| (1..=11).contains(&n))
            {
                return Err(invalid(
                    "A PRE_PAID dev server needs charging_info.period_type MONTH or YEAR and a period_num of 1-11.",
                ));
            }
            Ok(())
        }
        other => Err(invalid(format!(
            "charging_info.charging_mode must be POST_PAID or PRE_PAID, got {other}."
        ))),
    }
}

fn operation(
    kind: &str,
    lifecycle: &'static Lifecycle,
    ctx: &Ctx<'_, ModelArtsBackend>,
) -> (Phase, DevServerOperation) {
    let phase = Phase::enter(lifecycle, ctx.now, ctx.lifecycles.mode(lifecycle));
    (
        phase,
        DevServerOperation {
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.to_owned(),
            phase,
        },
    )
}

/// `POST /v1/{project_id}/dev-servers`: `count` servers (default 1; `name`, then `name-2` ...).
pub fn create(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    check_create(&body)?;
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = text("name");
    if ctx.state.infra.dev_servers.iter().any(|s| s.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.7002",
            format!("Dev server {name} already exists."),
        ));
    }
    let flavor_name = body
        .get("flavor")
        .or_else(|| body.get("resource_flavor"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let flavor = lite_flavor(&flavor_name).ok_or_else(|| invalid("unknown flavor"))?;
    let charging_mode = body
        .get("charging_info")
        .and_then(|c| c.get("charging_mode"))
        .and_then(Value::as_str)
        .unwrap_or("POST_PAID")
        .to_owned();
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1);
    let mut first = None;
    for index in 1..=count {
        let (phase, op) = operation("CREATE", &DEV_SERVER_CREATE, ctx);
        let server = DevServer {
            id: uuid::Uuid::new_v4().to_string(),
            name: if index == 1 {
                name.clone()
            } else {
                format!("{name}-{index}")
            },
            flavor: flavor_name.clone(),
            image_id: text("image_id"),
            server_type: flavor.server_type.to_owned(),
            arch: flavor.arch.to_owned(),
            charging_mode: charging_mode.clone(),
            key_pair_name: body
                .get("key_pair_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            network: body.get("network").cloned().unwrap_or(Value::Null),
            root_volume: body
                .get("root_volume")
                .cloned()
                .unwrap_or_else(|| json!({"type": "SSD", "size": 100})),
            order_id: if charging_mode == "PRE_PAID" {
                format!(
                    "CS{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..14].to_uppercase()
                )
            } else {
                String::new()
            },
            created: ctx.now,
            phase,
            operations: vec![op],
        };
        first.get_or_insert_with(|| render(&server, ctx.now));
        ctx.state.infra.dev_servers.push(server);
    }
    Ok(object(first.unwrap_or(Value::Null)))
}

/// `GET /v1/{project_id}/dev-servers`: `offset`/`limit` (default 10, at most 100), newest first.
pub fn list(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 10, 100)?;
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let items: Vec<Value> = ctx
        .state
        .infra
        .dev_servers
        .iter()
        .rev()
        .map(|s| render(s, now))
        .collect();
    Ok(super::v1_page(items, offset, limit))
}

fn find<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut DevServer, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    ctx.state
        .infra
        .dev_servers
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

/// `GET /v1/{project_id}/dev-servers/{id}`.
pub fn show(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let server = find(ctx, req.path("id")?)?;
    Ok(object(render(server, now)))
}

/// Moves a server into `lifecycle` when its status is one of `from`.
fn transition(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
    kind: &str,
    lifecycle: &'static Lifecycle,
    from: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let (phase, op) = operation(kind, lifecycle, ctx);
    let id = req.path("id")?.to_owned();
    let server = find(ctx, &id)?;
    let status = server.phase.status(now);
    if !from.contains(&status) {
        return Err(ApiError::new(
            409,
            "ModelArts.7003",
            format!(
                "Dev server {id} is {status}; {} needs it {}.",
                kind.to_lowercase(),
                from.join(" or ")
            ),
        ));
    }
    server.phase = phase;
    server.operations.push(op);
    Ok(object(render(server, now)))
}

/// `PUT /v1/{project_id}/dev-servers/{id}/start`.
pub fn start(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    transition(ctx, req, "START", &DEV_SERVER_START, &["STOPPED"])
}

/// `PUT /v1/{project_id}/dev-servers/{id}/stop`.
pub fn stop(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    transition(ctx, req, "STOP", &DEV_SERVER_STOP, &["RUNNING"])
}

/// `DELETE /v1/{project_id}/dev-servers/{id}`: a running or stopped server goes DELETING.
pub fn delete(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    transition(
        ctx,
        req,
        "DELETE",
        &DEV_SERVER_DELETE,
        &["RUNNING", "STOPPED", "ERROR", "CREATE_FAILED"],
    )
}

/// `GET /v1/{project_id}/dev-servers/{id}/operation/{operation_id}`: RUNNING until the
/// lifecycle the operation drives is done, then SUCCESS.
pub fn show_operation(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let operation_id = req.path("operation_id")?.to_owned();
    let id = req.path("id")?.to_owned();
    let server = find(ctx, &id)?;
    let op = server
        .operations
        .iter()
        .find(|o| o.id == operation_id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.7004",
                format!("Operation {operation_id} does not exist."),
            )
        })?;
    Ok(object(json!({
        "operation_id": op.id, "operation_type": op.kind,
        "operation_status": if op.phase.is_done(now) { "SUCCESS" } else { "RUNNING" },
    })))
}

/// `GET /v1/{project_id}/dev-servers/flavors`: filters `server_type`, `arch`.
pub fn list_flavors(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let items: Vec<Value> = LITE_FLAVORS
        .iter()
        .filter(|f| {
            req.query_nonempty("server_type")
                .is_none_or(|t| f.server_type == t)
        })
        .filter(|f| req.query_nonempty("arch").is_none_or(|a| f.arch == a))
        .map(|f| render_lite_flavor(f, &req.region))
        .collect();
    let size = items.len().max(1);
    Ok(super::v1_page(items, 0, size))
}

/// `GET /v1/{project_id}/dev-servers/images`: filters `server_type`, `flavor_name` (the
/// images that fit that flavor).
pub fn list_images(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let flavor = match req.query_nonempty("flavor_name") {
        None => None,
        Some(name) => Some(
            lite_flavor(name).ok_or_else(|| invalid(format!("Flavor {name} does not exist.")))?,
        ),
    };
    let items: Vec<Value> = LITE_IMAGES
        .iter()
        .filter(|i| req.query_nonempty("server_type").is_none_or(|t| i.2 == t))
        .filter(|i| flavor.is_none_or(|f| i.2 == f.server_type && i.3 == f.arch))
        .map(render_lite_image)
        .collect();
    let size = items.len().max(1);
    Ok(super::v1_page(items, 0, size))
}
