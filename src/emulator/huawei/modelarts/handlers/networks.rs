//! OS networks (`/v1/{project_id}/networks`, Kubernetes style): the private network a
//! Dedicate pool's nodes are placed in. A network is Active a few seconds after create, takes
//! a private IPv4 CIDR, and cannot be deleted while a pool uses it.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{self, bad_request, conflict, object_at, text_at};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{NETWORK_CREATE, Network, k8s_time};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase};

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.50015003",
        format!("network not found: {id}"),
    )
}

/// A network in `show_network`'s shape.
pub fn render_network(network: &Network, now: OffsetDateTime) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Network",
        "metadata": {
            "name": network.id, "creationTimestamp": k8s_time(network.created),
            "labels": {"os.modelarts/name": network.display_name, "os.modelarts/workspace.id": network.workspace_id},
            "annotations": network.annotations,
        },
        "spec": {"cidr": network.cidr, "connection": {"peerConnectionList": []}},
        "status": {"phase": network.phase.status(now), "connectionStatus": {"peerConnectionStatus": [], "sfsTurboStatus": []}},
    })
}

/// Whether `cidr` is a private IPv4 block (10/8, 172.16/12, 192.168/16) with a prefix of
/// 8-28 inside it.
pub fn private_cidr(cidr: &str) -> bool {
    let Some((address, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(address) = address.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    let [a, b, ..] = address.octets();
    let floor = match (a, b) {
        (10, _) => 8,
        (172, 16..=31) => 12,
        (192, 168) => 16,
        _ => return false,
    };
    (floor..=28).contains(&prefix)
}

/// `GET /v1/{project_id}/networks`.
pub fn list_networks(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let items = ctx
        .state
        .infra
        .networks
        .iter()
        .map(|n| render_network(n, now))
        .collect();
    k8s::list(req, "v1", "NetworkList", items)
}

/// `POST /v1/{project_id}/networks`: `metadata.labels["os.modelarts/name"]`, `spec.cidr`.
pub fn create_network(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    k8s::check_kind(&body, "v1", "Network")?;
    let labels = object_at(&body, "/metadata/labels");
    let name = labels
        .get("os.modelarts/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !k8s::valid_name(&name, 64) {
        return Err(bad_request(format!(
            "the network name {name:?} must be 2-64 lowercase letters, digits or '-', starting with a letter"
        )));
    }
    let cidr = text_at(&body, "/spec/cidr").unwrap_or_default();
    if !private_cidr(&cidr) {
        return Err(bad_request(format!(
            "spec.cidr {cidr:?} must be a private IPv4 block (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a prefix of at most 28"
        )));
    }
    if ctx
        .state
        .infra
        .networks
        .iter()
        .any(|n| n.display_name == name)
    {
        return Err(ApiError::new(
            409,
            "ModelArts.50025001",
            "Network already exists.",
        ));
    }
    let network = Network {
        id: format!("network-{}-{}", k8s::hex(4), k8s::hex(4)),
        display_name: name,
        workspace_id: labels
            .get("os.modelarts/workspace.id")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        cidr,
        created: ctx.now,
        phase: Phase::enter(
            &NETWORK_CREATE,
            ctx.now,
            ctx.lifecycles.mode(&NETWORK_CREATE),
        ),
        annotations: object_at(&body, "/metadata/annotations"),
    };
    let rendered = render_network(&network, ctx.now);
    ctx.state.infra.networks.push(network);
    Ok(object(rendered))
}

/// `GET /v1/{project_id}/networks/{network_name}`.
pub fn show_network(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("network_name")?;
    let network = ctx
        .state
        .infra
        .networks
        .iter()
        .find(|n| n.id == id)
        .ok_or_else(|| not_found(id))?;
    Ok(object(render_network(network, ctx.now)))
}

/// `DELETE /v1/{project_id}/networks/{network_name}`: refused while a pool uses it.
pub fn delete_network(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("network_name")?.to_owned();
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let infra = &mut ctx.state.infra;
    let network = infra
        .networks
        .iter()
        .find(|n| n.id == id)
        .ok_or_else(|| not_found(&id))?;
    let users: Vec<&str> = infra
        .pools
        .iter()
        .filter(|p| p.network.as_deref() == Some(id.as_str()))
        .map(|p| p.id.as_str())
        .collect();
    if !users.is_empty() {
        return Err(conflict(format!(
            "network {id} is used by pool(s) {}",
            users.join(", ")
        )));
    }
    let mut rendered = render_network(network, now);
    rendered["status"]["phase"] = Value::from("Deleting");
    infra.networks.retain(|n| n.id != id);
    Ok(object(rendered))
}
