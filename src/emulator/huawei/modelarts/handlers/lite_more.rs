//! The rest of Lite Server (`/v1/{project_id}/dev-servers/...`) after part B's create, list,
//! show, start, stop and delete: rename, reboot, OS change and reinstall, sync, the tenant-wide
//! list, volumes and EIPs, resource flavors and one image, RoCE networks, batch actions,
//! HPS hyper clusters and hyperinstances (start, stop, delete, OS change, live scale up and
//! down, scale evaluations, tags, cluster capacity), jobs and their templates, plugins,
//! installed software and physical topologies.
//!
//! Every action checks the state it needs (409 otherwise) and is all-or-nothing: a batch with
//! one server in the wrong state changes none. Passwords in OS requests are accepted as the
//! API does but never stored nor echoed.

use serde_json::{Map, Value, json};

use super::lite::render;
use super::{page, v1_page};
use crate::emulator::core::lifecycle::Lifecycle;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    DEV_SERVER_DELETE, DEV_SERVER_START, DEV_SERVER_STOP, DevServer, DevServerOperation,
};
use crate::emulator::huawei::modelarts::infra_catalog::{
    LITE_FLAVORS, lite_flavor, lite_image, render_lite_image,
};
use crate::emulator::huawei::modelarts::lite_state::{
    DEV_SERVER_OS, DEV_SERVER_REBOOT, DEV_SERVER_VOLUME, HYPER_DELETE, HYPER_OS, HYPER_SCALE,
    HYPER_START, HYPER_STOP, HyperCluster, Hyperinstance, LITE_JOB, LiteJob, demo_server,
};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

type Answer = Result<Map<String, Value>, ApiError>;
type C<'a, 'b> = &'a mut Ctx<'b, ModelArtsBackend>;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("ModelArts.0104", message)
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.7001",
        format!("{what} {id} does not exist."),
    )
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "ModelArts.7003", message)
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn strings(body: &Map<String, Value>, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn settle(ctx: C<'_, '_>) {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    ctx.state.lite.settle(now);
}

fn server<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut DevServer, ApiError> {
    settle(ctx);
    ctx.state
        .infra
        .dev_servers
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found("Dev server", id))
}

fn new_operation(
    ctx: &Ctx<'_, ModelArtsBackend>,
    kind: &str,
    lifecycle: &'static Lifecycle,
) -> (Phase, DevServerOperation) {
    let phase = Phase::enter(lifecycle, ctx.now, ctx.lifecycles.mode(lifecycle));
    let op = DevServerOperation {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.to_owned(),
        phase,
    };
    (phase, op)
}

/// Checks an OS request (`ServerOsRequest`): exactly one login, a base64 user_data of at most
/// 32 KB, and (for a change) an image that fits the server.
fn check_os(body: &Map<String, Value>, server: &DevServer, change: bool) -> Result<(), ApiError> {
    match (
        text(body, "admin_pass").is_some(),
        text(body, "key_pair_name").is_some(),
    ) {
        (true, false) | (false, true) => {}
        _ => return Err(invalid("Give exactly one of admin_pass and key_pair_name.")),
    }
    if let Some(data) = text(body, "user_data") {
        let base64 = data
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
        if !base64 || data.len() > 43_692 {
            return Err(invalid("user_data must be base64 of at most 32 KB."));
        }
    }
    if change {
        let image_id = text(body, "image_id").unwrap_or_default();
        let image = lite_image(image_id)
            .ok_or_else(|| invalid(format!("Image {image_id:?} does not exist.")))?;
        if image.3 != server.arch {
            return Err(invalid(format!(
                "Image {image_id} is for {}, the server is {}.",
                image.3, server.arch
            )));
        }
    }
    Ok(())
}

/// Moves a dev server into `lifecycle` when its status is one of `from`.
fn act(
    server: &mut DevServer,
    now: time::OffsetDateTime,
    kind: &str,
    from: &[&str],
    phase: Phase,
    op: DevServerOperation,
) -> Result<(), ApiError> {
    let status = server.phase.status(now);
    if !from.contains(&status) {
        return Err(conflict(format!(
            "Dev server {} is {status}; {} needs it {}.",
            server.id,
            kind.to_lowercase(),
            from.join(" or ")
        )));
    }
    server.phase = phase;
    server.operations.push(op);
    Ok(())
}

fn server_action(
    ctx: C<'_, '_>,
    req: &ApiRequest,
    kind: &str,
    lifecycle: &'static Lifecycle,
    from: &[&str],
    os: Option<bool>,
) -> Answer {
    let now = ctx.now;
    let body = req.json_body()?;
    let (phase, op) = new_operation(ctx, kind, lifecycle);
    let id = req.path("id")?.to_owned();
    let server = server(ctx, &id)?;
    if let Some(change) = os {
        check_os(&body, server, change)?;
    }
    act(server, now, kind, from, phase, op)?;
    if os == Some(true) {
        server.image_id = text(&body, "image_id").unwrap_or_default().to_owned();
    }
    if let Some(key) = text(&body, "key_pair_name") {
        server.key_pair_name = Some(key.to_owned());
    }
    Ok(object(render(server, now)))
}

/// `PUT /v1/{project_id}/dev-servers/{id}`: a new name.
pub fn update(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let now = ctx.now;
    let body = req.json_body()?;
    let name = text(&body, "name").unwrap_or_default().to_owned();
    if !valid_name(&name) {
        return Err(invalid(format!(
            "The name {name:?} must be 1-64 letters, digits, '-', '_' or '.'."
        )));
    }
    let id = req.path("id")?.to_owned();
    if ctx
        .state
        .infra
        .dev_servers
        .iter()
        .any(|s| s.name == name && s.id != id)
    {
        return Err(ApiError::new(
            409,
            "ModelArts.7002",
            format!("Dev server {name} already exists."),
        ));
    }
    let server = server(ctx, &id)?;
    server.name = name;
    Ok(object(render(server, now)))
}

/// `PUT /v1/{project_id}/dev-servers/{id}/reboot`.
pub fn reboot(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    server_action(ctx, req, "REBOOT", &DEV_SERVER_REBOOT, &["RUNNING"], None)
}

/// `POST /v1/{project_id}/dev-servers/{id}/reinstallos`: the same image, a clean system disk.
pub fn reinstall_os(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    server_action(
        ctx,
        req,
        "REINSTALLOS",
        &DEV_SERVER_OS,
        &["RUNNING", "STOPPED"],
        Some(false),
    )
}

/// `POST /v1/{project_id}/dev-servers/{id}/changeos`: another image of the server's arch.
pub fn change_os(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    server_action(
        ctx,
        req,
        "CHANGEOS",
        &DEV_SERVER_OS,
        &["RUNNING", "STOPPED"],
        Some(true),
    )
}

fn all_servers(ctx: C<'_, '_>) -> Vec<Value> {
    settle(ctx);
    let now = ctx.now;
    let own = ctx
        .state
        .infra
        .dev_servers
        .iter()
        .rev()
        .map(|s| render(s, now));
    let members = ctx.state.lite.hyperinstances.iter().flat_map(|h| {
        render_hyper(h, now)["servers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    });
    own.chain(members).collect()
}

/// `GET /v1/{project_id}/dev-servers/all`: every server of the tenant, HPS members included.
pub fn list_all(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let (offset, limit) = page(req, 100, 1000)?;
    Ok(v1_page(all_servers(ctx), offset, limit))
}

/// `PUT /v1/{project_id}/dev-servers/sync`: refreshes every server's status from the cloud
/// servers behind it and answers the list (`offset`/`limit`).
pub fn sync(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let (offset, limit) = page(req, 10, 100)?;
    let items: Vec<Value> = all_servers(ctx)
        .into_iter()
        .filter(|s| s["category"] == "SERVER")
        .collect();
    Ok(v1_page(items, offset, limit))
}

fn operation_answer(op: &DevServerOperation) -> Map<String, Value> {
    object(json!({"operation_id": op.id, "operation_type": op.kind, "operation_status": "RUNNING"}))
}

/// `POST /v1/{project_id}/dev-servers/{id}/attachvolume` `{volume_id}`: a free volume.
pub fn attach_volume(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let volume_id = text(&body, "volume_id").unwrap_or_default().to_owned();
    let id = req.path("id")?.to_owned();
    let (_, op) = new_operation(ctx, "ATTACH_VOLUME", &DEV_SERVER_VOLUME);
    let now = ctx.now;
    let status = server(ctx, &id)?.phase.status(now);
    if !matches!(status, "RUNNING" | "STOPPED") {
        return Err(conflict(format!(
            "Dev server {id} is {status}; a volume attaches to a RUNNING or STOPPED server."
        )));
    }
    let volume = ctx
        .state
        .lite
        .volumes
        .iter_mut()
        .find(|v| v.id == volume_id)
        .ok_or_else(|| not_found("Volume", &volume_id))?;
    if let Some(other) = &volume.server_id {
        return Err(conflict(format!(
            "Volume {volume_id} is attached to {other}."
        )));
    }
    volume.server_id = Some(id.clone());
    let answer = operation_answer(&op);
    server(ctx, &id)?.operations.push(op);
    Ok(answer)
}

/// `DELETE /v1/{project_id}/dev-servers/{id}/detachvolume/{volume_id}`.
pub fn detach_volume(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?.to_owned();
    let volume_id = req.path("volume_id")?.to_owned();
    let (_, op) = new_operation(ctx, "DETACH_VOLUME", &DEV_SERVER_VOLUME);
    server(ctx, &id)?;
    let volume = ctx
        .state
        .lite
        .volumes
        .iter_mut()
        .find(|v| v.id == volume_id && v.server_id.as_deref() == Some(id.as_str()))
        .ok_or_else(|| not_found("Attached volume", &volume_id))?;
    volume.server_id = None;
    let answer = operation_answer(&op);
    server(ctx, &id)?.operations.push(op);
    Ok(answer)
}

fn public_ips(ctx: C<'_, '_>, id: &str) -> Map<String, Value> {
    let ips: Vec<Value> = ctx
        .state
        .lite
        .public_ips
        .iter()
        .filter(|p| p.server_id.as_deref() == Some(id))
        .map(|p| json!({"id": p.id, "address": p.address}))
        .collect();
    object(json!({"public_ips": ips}))
}

/// `POST /v1/{project_id}/dev-servers/{id}/publicips` `{public_ip_id}`: a free EIP, one per
/// server.
pub fn bind_eip(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let ip_id = text(&body, "public_ip_id").unwrap_or_default().to_owned();
    let id = req.path("id")?.to_owned();
    server(ctx, &id)?;
    if ctx
        .state
        .lite
        .public_ips
        .iter()
        .any(|p| p.server_id.as_deref() == Some(id.as_str()))
    {
        return Err(conflict(format!(
            "Dev server {id} already has a public IP."
        )));
    }
    let ip = ctx
        .state
        .lite
        .public_ips
        .iter_mut()
        .find(|p| p.id == ip_id)
        .ok_or_else(|| not_found("Public IP", &ip_id))?;
    if let Some(other) = &ip.server_id {
        return Err(conflict(format!("Public IP {ip_id} is bound to {other}.")));
    }
    ip.server_id = Some(id.clone());
    Ok(public_ips(ctx, &id))
}

/// `GET /v1/{project_id}/dev-servers/{id}/publicips`.
pub fn list_eips(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?.to_owned();
    server(ctx, &id)?;
    Ok(public_ips(ctx, &id))
}

/// `GET /v1/{project_id}/dev-servers/resource-flavors`: filters `availability_zone`, `arch`,
/// `resource_flavor`; `offset`/`limit`.
pub fn list_resource_flavors(_ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let (offset, limit) = page(req, 10, 100)?;
    let az = format!("{}a", req.region);
    let items: Vec<Value> = LITE_FLAVORS
        .iter()
        .filter(|f| req.query_nonempty("arch").is_none_or(|a| f.arch == a))
        .filter(|f| req.query_nonempty("resource_flavor").is_none_or(|r| f.flavor == r))
        .filter(|_| req.query_nonempty("availability_zone").is_none_or(|a| a == az))
        .map(|f| json!({"resource_flavor": f.flavor, "flavor": f.flavor, "server_type": f.server_type, "arch": f.arch, "availability_zone": az, "specification": f.specification, "is_sold_out": f.sold_out}))
        .collect();
    Ok(v1_page(items, offset, limit))
}

/// `GET /v1/{project_id}/dev-servers/images/{id}`.
pub fn get_image(_ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?;
    lite_image(id)
        .map(|i| object(render_lite_image(i)))
        .ok_or_else(|| not_found("Image", id))
}

/// `POST /v1/{project_id}/dev-servers/networks` `{network_type, physical_network}`.
pub fn create_roce_network(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let kind = text(&body, "network_type").unwrap_or_default().to_owned();
    let physical = text(&body, "physical_network")
        .unwrap_or_default()
        .to_owned();
    if !matches!(kind.as_str(), "vlan" | "vxlan" | "flat") {
        return Err(invalid(format!(
            "network_type must be vlan, vxlan or flat, got {kind:?}."
        )));
    }
    if physical.is_empty() {
        return Err(invalid("physical_network is required."));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let network = json!({"id": id, "name": format!("roce-{}", &id[..8]), "status": "ACTIVE", "providernetwork_type": kind, "providerphysical_network": physical, "subnets": "", "project_id": "", "tenant_id": ""});
    ctx.state.lite.roce_networks.push(network.clone());
    Ok(object(json!({"network": network})))
}

/// `POST /v1/{project_id}/dev-servers/action` `{type, servers[{id}], extend_param}`: every
/// server is checked before any changes.
pub fn batch_action(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let now = ctx.now;
    let body = req.json_body()?;
    let kind = text(&body, "type").unwrap_or_default().to_owned();
    let (lifecycle, from): (&'static Lifecycle, &[&str]) = match kind.as_str() {
        "START" => (&DEV_SERVER_START, &["STOPPED"]),
        "STOP" => (&DEV_SERVER_STOP, &["RUNNING"]),
        "REBOOT" => (&DEV_SERVER_REBOOT, &["RUNNING"]),
        "CHANGEOS" | "REINSTALLOS" => (&DEV_SERVER_OS, &["RUNNING", "STOPPED"]),
        "DELETE" => (&DEV_SERVER_DELETE, &["RUNNING", "STOPPED", "ERROR"]),
        other => {
            return Err(invalid(format!(
                "type must be START, STOP, REBOOT, CHANGEOS, REINSTALLOS or DELETE, got {other:?}."
            )));
        }
    };
    let ids: Vec<String> = body
        .get("servers")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(invalid("servers must name at least one server."));
    }
    let extend = object(body.get("extend_param").cloned().unwrap_or(Value::Null));
    for id in &ids {
        let server = server(ctx, id)?;
        let status = server.phase.status(now);
        if !from.contains(&status) {
            return Err(conflict(format!(
                "Dev server {id} is {status}; {} needs it {}.",
                kind.to_lowercase(),
                from.join(" or ")
            )));
        }
        if lifecycle.name == DEV_SERVER_OS.name {
            check_os(&extend, server, kind == "CHANGEOS")?;
        }
    }
    let mut out = Vec::new();
    for id in &ids {
        let (phase, op) = new_operation(ctx, &kind, lifecycle);
        let server = server(ctx, id)?;
        act(server, now, &kind, from, phase, op)?;
        if kind == "CHANGEOS" {
            server.image_id = text(&extend, "image_id").unwrap_or_default().to_owned();
        }
        out.push(render(server, now));
    }
    let size = out.len();
    Ok(v1_page(out, 0, size))
}

/// `GET /v1/{project_id}/dev-servers/plugins`: the agents installed on the servers (filters
/// `id` = a server, `plugin_type`); `offset`/`limit`.
pub fn list_plugins(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let (offset, limit) = page(req, 100, 100)?;
    settle(ctx);
    let items: Vec<Value> = ctx.state.infra.dev_servers.iter()
        .filter(|s| req.query_nonempty("id").is_none_or(|id| s.id == id))
        .flat_map(|s| [("ces-agent", "MONITOR", "2.7.5"), ("node-problem-detector", "DIAGNOSIS", "1.3.0")].map(|(name, kind, version)| json!({"server_id": s.id, "name": name, "plugin_type": kind, "version": version, "status": "RUNNING"})))
        .filter(|p| req.query_nonempty("plugin_type").is_none_or(|t| p["plugin_type"] == t))
        .collect();
    Ok(v1_page(items, offset, limit))
}

/// `GET /v1/{project_id}/dev-servers/software`: what the servers' images ship (filter `id`).
pub fn show_software(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    settle(ctx);
    let items: Vec<Value> = ctx.state.infra.dev_servers.iter()
        .filter(|s| req.query_nonempty("id").is_none_or(|id| s.id == id))
        .map(|s| {
            let image = lite_image(&s.image_id).map(|i| i.1).unwrap_or_default();
            let stack = if image.contains("CANN") { json!([{"name": "CANN", "version": "8.0.RC3"}, {"name": "npu-driver", "version": "24.1.rc2"}]) } else { json!([{"name": "CUDA", "version": "12.2"}, {"name": "nvidia-driver", "version": "535.161.08"}]) };
            json!({"server_id": s.id, "image": image, "software": stack})
        })
        .collect();
    Ok(object(json!({"servers": items})))
}

/// `GET /v1/{project_id}/dev-servers/instance-physical-topologies`: the network nodes each
/// server hangs off (filters `id` = a server or hyperinstance, `resource_id`).
pub fn topologies(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    settle(ctx);
    let wanted = req.query_nonempty("id");
    let own = ctx
        .state
        .infra
        .dev_servers
        .iter()
        .filter(|s| wanted.is_none_or(|w| s.id == w));
    let members = ctx
        .state
        .lite
        .hyperinstances
        .iter()
        .filter(|h| wanted.is_none_or(|w| h.id == w))
        .flat_map(|h| h.servers.iter());
    let all: Vec<&DevServer> =
        if wanted.is_some_and(|w| ctx.state.lite.hyperinstances.iter().any(|h| h.id == w)) {
            members.collect()
        } else {
            own.collect()
        };
    let servers: Vec<Value> = all.iter()
        .map(|s| (format!("ecs-{}", &s.id[..8]), s))
        .filter(|(r, _)| req.query_nonempty("resource_id").is_none_or(|w| *r == w))
        .map(|(r, s)| json!({"resource_id": r, "network_nodes": [format!("spine-{}", &s.id[..2]), format!("leaf-{}", &s.id[2..4])]}))
        .collect();
    Ok(object(json!({"servers": servers})))
}

// ------------------------------------------------------------------------------ hyper clusters

fn render_cluster(c: &HyperCluster) -> Value {
    json!({"id": c.id, "name": c.name, "type": c.kind, "network_info": [{"hyper_cluster_subnet_id": c.subnet_id, "is_default": true}]})
}

/// `POST /v1/{project_id}/dev-servers/hyper-clusters` `{name, hyper_cluster_subnet_id, type}`.
pub fn create_hyper_cluster(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let name = text(&body, "name").unwrap_or_default().to_owned();
    if !valid_name(&name) {
        return Err(invalid(format!(
            "The name {name:?} must match ^[-_.a-zA-Z0-9]{{1,64}}$."
        )));
    }
    let subnet = text(&body, "hyper_cluster_subnet_id")
        .unwrap_or_default()
        .to_owned();
    if !is_uuid(&subnet) {
        return Err(invalid(format!(
            "hyper_cluster_subnet_id {subnet:?} must be a UUID."
        )));
    }
    let kind = text(&body, "type").unwrap_or("HPS").to_owned();
    if !matches!(kind.as_str(), "HPS" | "ECS") {
        return Err(invalid(format!("type must be HPS or ECS, got {kind}.")));
    }
    if ctx.state.lite.hyper_clusters.iter().any(|c| c.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.7002",
            format!("Hyper cluster {name} already exists."),
        ));
    }
    let cluster = HyperCluster {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        subnet_id: subnet,
        kind,
    };
    let answer = object(render_cluster(&cluster));
    ctx.state.lite.hyper_clusters.push(cluster);
    Ok(answer)
}

/// `GET /v1/{project_id}/dev-servers/hyper-clusters` (filter `type`).
pub fn list_hyper_clusters(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let items: Vec<Value> = ctx
        .state
        .lite
        .hyper_clusters
        .iter()
        .filter(|c| req.query_nonempty("type").is_none_or(|t| c.kind == t))
        .map(render_cluster)
        .collect();
    Ok(object(json!({"hyper_clusters": items})))
}

fn cluster<'a>(ctx: &'a Ctx<'_, ModelArtsBackend>, id: &str) -> Result<&'a HyperCluster, ApiError> {
    ctx.state
        .lite
        .hyper_clusters
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found("Hyper cluster", id))
}

/// `GET /v1/{project_id}/dev-servers/hyper-clusters/{id}`.
pub fn get_hyper_cluster(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    Ok(object(render_cluster(cluster(ctx, req.path("id")?)?)))
}

/// `DELETE /v1/{project_id}/dev-servers/hyper-clusters/{id}`: refused while a hyperinstance
/// is placed in it.
pub fn delete_hyper_cluster(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    settle(ctx);
    let id = req.path("id")?.to_owned();
    cluster(ctx, &id)?;
    let held: Vec<&str> = ctx
        .state
        .lite
        .hyperinstances
        .iter()
        .filter(|h| h.cluster_id == id)
        .map(|h| h.id.as_str())
        .collect();
    if !held.is_empty() {
        return Err(conflict(format!(
            "Hyper cluster {id} still holds hyperinstance(s) {}.",
            held.join(", ")
        )));
    }
    ctx.state.lite.hyper_clusters.retain(|c| c.id != id);
    Ok(Map::new())
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/cluster-capacity-evaluations`: whether
/// each named cluster can take one more server of the flavor.
pub fn clusters_capacity(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let ids = strings(&body, "hyperinstance_cluster_ids");
    let flavor = text(&body, "flavor").or_else(|| text(&body, "resource_flavor"));
    let flavors: Vec<_> = match flavor {
        Some(name) => vec![
            lite_flavor(name).ok_or_else(|| invalid(format!("Flavor {name} does not exist.")))?,
        ],
        None => LITE_FLAVORS.iter().collect(),
    };
    let az = text(&body, "availability_zone")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}a", req.region));
    let mut capacities = Vec::new();
    let clusters: Vec<&HyperCluster> = if ids.is_empty() {
        ctx.state.lite.hyper_clusters.iter().collect()
    } else {
        ids.iter()
            .map(|id| cluster(ctx, id))
            .collect::<Result<_, _>>()?
    };
    for c in clusters {
        for f in &flavors {
            capacities.push(json!({"flavor": f.flavor, "resource_flavor": f.flavor, "availability_zone": az, "hyperinstance_cluster_id": c.id, "hyperinstance_cluster_name": c.name, "is_sold_out": f.sold_out}));
        }
    }
    Ok(object(json!({"capacities": capacities})))
}

// ------------------------------------------------------------------------------ hyperinstances

fn render_hyper(h: &Hyperinstance, now: time::OffsetDateTime) -> Value {
    let status = h.phase.status(now);
    let servers: Vec<Value> = h
        .servers
        .iter()
        .map(|s| {
            let mut v = render(s, now);
            v["status"] = json!(status);
            v["category"] = json!("HPS");
            v["server_hps"] = json!({"id": h.id, "name": h.name});
            v
        })
        .collect();
    json!({"id": h.id, "name": h.name, "hps_cluster_id": h.cluster_id, "hps_id": h.id, "order_id": h.order_id, "status": status, "servers": servers, "create_at": millis(h.created), "update_at": millis(h.phase.progress.since)})
}

fn hyper<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut Hyperinstance, ApiError> {
    settle(ctx);
    ctx.state
        .lite
        .hyperinstances
        .iter_mut()
        .find(|h| h.id == id)
        .ok_or_else(|| not_found("Hyperinstance", id))
}

/// `GET /v1/{project_id}/dev-servers/hyperinstance` (`offset`/`limit`) and `.../all`.
pub fn list_hyperinstances(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let (offset, limit) = page(req, 10, 100)?;
    settle(ctx);
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .lite
        .hyperinstances
        .iter()
        .rev()
        .map(|h| render_hyper(h, now))
        .collect();
    Ok(v1_page(items, offset, limit))
}

/// `GET /v1/{project_id}/dev-servers/hyperinstance/{id}`.
pub fn get_hyperinstance(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let now = ctx.now;
    Ok(object(render_hyper(hyper(ctx, req.path("id")?)?, now)))
}

fn hyper_action(
    ctx: C<'_, '_>,
    req: &ApiRequest,
    kind: &str,
    lifecycle: &'static Lifecycle,
    from: &[&str],
) -> Result<&'static str, ApiError> {
    let now = ctx.now;
    let phase = Phase::enter(lifecycle, now, ctx.lifecycles.mode(lifecycle));
    let id = req.path("id")?.to_owned();
    let h = hyper(ctx, &id)?;
    let status = h.phase.status(now);
    if !from.contains(&status) {
        return Err(conflict(format!(
            "Hyperinstance {id} is {status}; {kind} needs it {}.",
            from.join(" or ")
        )));
    }
    h.phase = phase;
    Ok(status)
}

fn hyper_answer(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let now = ctx.now;
    let id = req.path("id")?.to_owned();
    Ok(object(render_hyper(hyper(ctx, &id)?, now)))
}

/// `PUT /v1/{project_id}/dev-servers/hyperinstance/{id}/start`.
pub fn start_hyperinstance(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    hyper_action(ctx, req, "start", &HYPER_START, &["STOPPED"])?;
    hyper_answer(ctx, req)
}

/// `PUT /v1/{project_id}/dev-servers/hyperinstance/{id}/stop`.
pub fn stop_hyperinstance(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    hyper_action(ctx, req, "stop", &HYPER_STOP, &["RUNNING"])?;
    hyper_answer(ctx, req)
}

/// `DELETE /v1/{project_id}/dev-servers/hyperinstance/{id}`.
pub fn delete_hyperinstance(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    hyper_action(
        ctx,
        req,
        "delete",
        &HYPER_DELETE,
        &["RUNNING", "STOPPED", "ERROR"],
    )?;
    hyper_answer(ctx, req)
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/{id}/changeos`: every member server.
pub fn change_hyper_os(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let id = req.path("id")?.to_owned();
    {
        let h = hyper(ctx, &id)?;
        let first = h
            .servers
            .first()
            .ok_or_else(|| conflict(format!("Hyperinstance {id} has no server.")))?;
        check_os(&body, first, true)?;
    }
    hyper_action(ctx, req, "changeos", &HYPER_OS, &["RUNNING", "STOPPED"])?;
    let image = text(&body, "image_id").unwrap_or_default().to_owned();
    for s in &mut hyper(ctx, &id)?.servers {
        s.image_id = image.clone();
    }
    hyper_answer(ctx, req)
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/{id}/live-scale-up`: one more server of
/// `flavor` and `image_id`, logging in by key pair (required for HPS).
pub fn scale_up(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let id = req.path("id")?.to_owned();
    let flavor = text(&body, "flavor").unwrap_or_default();
    let f =
        lite_flavor(flavor).ok_or_else(|| invalid(format!("Flavor {flavor:?} does not exist.")))?;
    if f.sold_out {
        return Err(invalid(format!("Flavor {flavor} is sold out.")));
    }
    let image_id = text(&body, "image_id").unwrap_or_default();
    let image = lite_image(image_id)
        .ok_or_else(|| invalid(format!("Image {image_id:?} does not exist.")))?;
    if image.3 != f.arch {
        return Err(invalid(format!(
            "Image {image_id} is for {}, flavor {flavor} is {}.",
            image.3, f.arch
        )));
    }
    let key = text(&body, "key_pair_name")
        .ok_or_else(|| invalid("key_pair_name is required for an HPS server."))?
        .to_owned();
    hyper_action(ctx, req, "scale up", &HYPER_SCALE, &["RUNNING"])?;
    let now = ctx.now;
    let phase = Phase::enter(&HYPER_SCALE, now, ctx.lifecycles.mode(&HYPER_SCALE));
    let h = hyper(ctx, &id)?;
    let mut server = demo_server(
        uuid::Uuid::new_v4().to_string(),
        format!("{}-{}", h.name, h.servers.len() + 1),
        "HPS",
        phase,
    );
    server.flavor = flavor.to_owned();
    server.image_id = image_id.to_owned();
    server.arch = f.arch.to_owned();
    server.key_pair_name = Some(key);
    if let Some(size) = body.get("root_volume").and_then(|v| v.get("size")) {
        server.root_volume = json!({"type": "SSD", "size": size});
    }
    h.servers.push(server);
    Ok(object(render_hyper(h, now)))
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/{id}/live-scale-down` `{server_ids}`:
/// removes those members; at least one stays.
pub fn scale_down(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let id = req.path("id")?.to_owned();
    let ids = strings(&body, "server_ids");
    {
        let h = hyper(ctx, &id)?;
        if ids.is_empty() {
            return Err(invalid("server_ids must name at least one server."));
        }
        if let Some(stray) = ids.iter().find(|s| !h.servers.iter().any(|m| &m.id == *s)) {
            return Err(invalid(format!(
                "Server {stray} is not in hyperinstance {id}."
            )));
        }
        if ids.len() >= h.servers.len() {
            return Err(invalid(format!(
                "Hyperinstance {id} keeps at least one server; delete it instead."
            )));
        }
    }
    hyper_action(ctx, req, "scale down", &HYPER_SCALE, &["RUNNING"])?;
    let now = ctx.now;
    let h = hyper(ctx, &id)?;
    h.servers.retain(|s| !ids.contains(&s.id));
    Ok(object(render_hyper(h, now)))
}

/// `GET /v1/{project_id}/dev-servers/hyperinstance/{id}/scale-evaluations`: which flavors of
/// the members' architecture can still be added.
pub fn scale_evaluations(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?.to_owned();
    let arch = hyper(ctx, &id)?
        .servers
        .first()
        .map(|s| s.arch.clone())
        .unwrap_or_default();
    let items: Vec<Value> = LITE_FLAVORS
        .iter()
        .filter(|f| f.arch == arch)
        .map(
            |f| json!({"flavor": f.flavor, "resource_flavor": f.flavor, "is_sold_out": f.sold_out}),
        )
        .collect();
    Ok(object(json!({"evaluations": items})))
}

fn tags_of(h: &Hyperinstance) -> Map<String, Value> {
    object(
        json!({"tags": h.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>()}),
    )
}

fn tag_pairs(
    body: &Map<String, Value>,
    need_value: bool,
) -> Result<Vec<(String, String)>, ApiError> {
    let list = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("tags must hold at least one {key, value}."))?;
    list.iter()
        .map(|t| {
            let key = t["key"]
                .as_str()
                .filter(|k| (1..=128).contains(&k.len()))
                .ok_or_else(|| invalid("Each tag needs a key of 1-128 characters."))?;
            let value = t["value"].as_str().unwrap_or_default();
            if need_value && value.len() > 255 {
                return Err(invalid("A tag value is at most 255 characters."));
            }
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/{id}/tags/create`: adds or overwrites.
pub fn create_tags(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let pairs = tag_pairs(&req.json_body()?, true)?;
    let h = hyper(ctx, req.path("id")?)?;
    for (k, v) in pairs {
        match h.tags.iter_mut().find(|(key, _)| *key == k) {
            Some(tag) => tag.1 = v,
            None => h.tags.push((k, v)),
        }
    }
    Ok(tags_of(h))
}

/// `GET /v1/{project_id}/dev-servers/hyperinstance/{id}/tags`.
pub fn query_tags(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    Ok(tags_of(hyper(ctx, req.path("id")?)?))
}

/// `POST /v1/{project_id}/dev-servers/hyperinstance/{id}/tags/delete`: removes the keys given.
pub fn delete_tags(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let pairs = tag_pairs(&req.json_body()?, false)?;
    let h = hyper(ctx, req.path("id")?)?;
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !h.tags.iter().any(|(key, _)| key == k))
    {
        return Err(not_found("Tag", k));
    }
    h.tags
        .retain(|(k, _)| !pairs.iter().any(|(key, _)| key == k));
    Ok(tags_of(h))
}

// ------------------------------------------------------------------------------------- jobs

/// The job templates: `(id, name, type, description)`.
const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    (
        "7b0c1f52-3a55-4e0e-9a41-2f3d6c1e8a01",
        "health-check",
        "HEALTH_CHECK",
        "Checks the accelerators, links and disks of each server.",
    ),
    (
        "7b0c1f52-3a55-4e0e-9a41-2f3d6c1e8a02",
        "driver-upgrade",
        "DRIVER_UPGRADE",
        "Upgrades the NPU or GPU driver; the servers reboot.",
    ),
    (
        "7b0c1f52-3a55-4e0e-9a41-2f3d6c1e8a03",
        "ai-service",
        "AI_SERVICE",
        "Deploys a model as an inference service on the servers.",
    ),
];

fn render_template(t: &(&str, &str, &str, &str), full: bool) -> Value {
    let (id, name, kind, description) = t;
    let params = json!([{"name": "version", "description": "what to install or check", "value": "", "visible": "true", "regex": "^[A-Za-z0-9._-]{0,64}$"}]);
    let mut out = json!({"id": id, "name": name, "type": kind, "description": description, "flavor_type": "GPU_NPU", "params": params});
    if full {
        out["status"] = json!("ACTIVE");
        out["timeout"] = json!("3600");
        out["check_interval"] = json!("30");
    }
    out
}

fn render_job(j: &LiteJob, now: time::OffsetDateTime, full: bool) -> Value {
    let status = j.phase.status(now);
    let mut out = json!({"id": j.id, "name": j.name, "description": j.description, "type": j.kind, "status": status, "user_name": "demo-user", "abnormal_count": 0, "create_at": millis(j.created), "update_at": millis(j.phase.progress.since)});
    if full {
        out["items"] = j.items.clone();
        out["is_reboot"] = json!(j.is_reboot);
        out["template_id"] = json!(TEMPLATES.iter().find(|t| t.2 == j.kind).map(|t| t.0));
        out["tasks"] = j.servers.iter().map(|(id, name)| json!({"id": format!("{}-{}", &j.id[..8], &id[..8]), "server_id": id, "server_name": name, "status": status, "message": ""})).collect();
    }
    out
}

/// `POST /v1/{project_id}/dev-servers/jobs`: a job of a template's type on RUNNING servers.
pub fn create_job(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let name = text(&body, "name").unwrap_or_default().to_owned();
    if !valid_name(&name) {
        return Err(invalid(format!(
            "The name {name:?} must be 1-64 letters, digits, '-', '_' or '.'."
        )));
    }
    let kind = text(&body, "type").unwrap_or_default().to_owned();
    if !TEMPLATES.iter().any(|t| t.2 == kind) {
        return Err(invalid(format!(
            "type {kind:?} is not a job template type."
        )));
    }
    let ids = strings(&body, "server_ids");
    if ids.is_empty() {
        return Err(invalid("server_ids must name at least one server."));
    }
    let now = ctx.now;
    let mut servers = Vec::new();
    for id in &ids {
        let s = server(ctx, id)?;
        let status = s.phase.status(now);
        if status != "RUNNING" {
            return Err(conflict(format!(
                "Dev server {id} is {status}; a job runs on RUNNING servers."
            )));
        }
        servers.push((s.id.clone(), s.name.clone()));
    }
    let job = LiteJob {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: text(&body, "description").unwrap_or_default().to_owned(),
        kind,
        servers,
        items: body.get("items").cloned().unwrap_or_else(|| json!([])),
        is_reboot: body
            .get("is_reboot")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        created: now,
        phase: Phase::enter(&LITE_JOB, now, ctx.lifecycles.mode(&LITE_JOB)),
    };
    let answer = object(render_job(&job, now, true));
    ctx.state.lite.jobs.push(job);
    Ok(answer)
}

/// `GET /v1/{project_id}/dev-servers/jobs`: filters `id`, `name`, `type`, `status`.
pub fn list_jobs(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .lite
        .jobs
        .iter()
        .rev()
        .map(|j| render_job(j, now, false))
        .filter(|j| {
            ["id", "name", "type", "status"]
                .iter()
                .all(|k| req.query_nonempty(k).is_none_or(|v| j[*k] == v))
        })
        .collect();
    let size = items.len().max(1);
    Ok(v1_page(items, 0, size))
}

/// `GET /v1/{project_id}/dev-servers/jobs/{id}`.
pub fn get_job(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?;
    let now = ctx.now;
    ctx.state
        .lite
        .jobs
        .iter()
        .find(|j| j.id == id)
        .map(|j| object(render_job(j, now, true)))
        .ok_or_else(|| not_found("Job", id))
}

/// `DELETE /v1/{project_id}/dev-servers/jobs` `{job_ids}`: finished jobs only, all or none.
pub fn delete_jobs(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let body = req.json_body()?;
    let ids = strings(&body, "job_ids");
    if ids.is_empty() {
        return Err(invalid("job_ids must name at least one job."));
    }
    let now = ctx.now;
    let mut out = Vec::new();
    for id in &ids {
        let job = ctx
            .state
            .lite
            .jobs
            .iter()
            .find(|j| &j.id == id)
            .ok_or_else(|| not_found("Job", id))?;
        if !job.phase.is_done(now) {
            return Err(conflict(format!("Job {id} is still running.")));
        }
        out.push(render_job(job, now, false));
    }
    ctx.state.lite.jobs.retain(|j| !ids.contains(&j.id));
    let size = out.len();
    Ok(v1_page(out, 0, size))
}

/// `GET /v1/{project_id}/dev-servers/jobs/templates`: filters `id`, `name`, `type`.
pub fn list_templates(_ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let items: Vec<Value> = TEMPLATES
        .iter()
        .map(|t| render_template(t, false))
        .filter(|t| {
            ["id", "name", "type"]
                .iter()
                .all(|k| req.query_nonempty(k).is_none_or(|v| t[*k] == v))
        })
        .collect();
    let size = items.len().max(1);
    Ok(v1_page(items, 0, size))
}

/// `GET /v1/{project_id}/dev-servers/jobs/templates/{id}`.
pub fn get_template(_ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?;
    TEMPLATES
        .iter()
        .find(|t| t.0 == id)
        .map(|t| object(render_template(t, true)))
        .ok_or_else(|| not_found("Job template", id))
}

/// `GET /v1/{project_id}/dev-servers/jobs/services/{id}`: the inference service an
/// `AI_SERVICE` job deployed (its id is the job's).
pub fn get_job_service(ctx: C<'_, '_>, req: &ApiRequest) -> Answer {
    let id = req.path("id")?;
    let now = ctx.now;
    let job = ctx
        .state
        .lite
        .jobs
        .iter()
        .find(|j| j.id == id && j.kind == "AI_SERVICE")
        .ok_or_else(|| not_found("Job service", id))?;
    let running = job.phase.is_done(now);
    let model = job
        .items
        .pointer("/0/spec/model")
        .and_then(Value::as_str)
        .unwrap_or("model");
    Ok(object(json!({
        "id": job.id, "name": job.name, "status": if running { "RUNNING" } else { "DEPLOYING" },
        "spec": {"port": "8080"},
        "instances": job.servers.iter().map(|(sid, _)| json!({"id": sid, "status": if running { "RUNNING" } else { "DEPLOYING" }, "endpoints": "http://192.168.0.10:8080/v1"})).collect::<Vec<_>>(),
        "model": {"name": model, "url": format!("obs://demo-bucket/models/{model}/"), "quant_type": "none"},
    })))
}
