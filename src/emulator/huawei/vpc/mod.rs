//! VPC v1 lookups on `vpc.{region}`: the VPCs, subnets and security groups a dedicated pool or
//! a Lite Server is placed in. Read only; paged with `limit` (at most 2000) and `marker` (the
//! id of the last item of the previous page), as the VPC API does.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator::huawei::PROVIDER;
use crate::emulator::huawei::errors::object;
use crate::emulator_route as route;

/// The VPC API version.
pub const VERSION: &str = "v1";

/// The VPCs, subnets and security groups of one account and region.
#[derive(Debug, Default, Clone, Serialize)]
pub struct VpcBackend {
    /// `{id, name, cidr, status, ...}`.
    pub vpcs: Vec<Value>,
    /// `{id, name, cidr, vpc_id, gateway_ip, ...}`.
    pub subnets: Vec<Value>,
    /// `{id, name, description, security_group_rules}`.
    pub security_groups: Vec<Value>,
}

impl Backend for VpcBackend {
    fn to_json(&self) -> Map<String, Value> {
        object(json!({"vpc_vpcs": self.vpcs.len(), "vpc_subnets": self.subnets.len()}))
    }
}

impl ServiceBackend for VpcBackend {
    const SERVICE: &'static str = "vpc-huawei";
}

/// The VPC service.
pub static SERVICE: ServiceDef<VpcBackend> = ServiceDef {
    provider: PROVIDER,
    code: "vpc-huawei",
    product: "VPC",
    version: VERSION,
    routes: ROUTES,
};

static ROUTES: &[Route<VpcBackend>] = &[
    route!(ListVpcs, GET, "/v1/{project_id}/vpcs", false, list_vpcs),
    route!(
        ListSubnets,
        GET,
        "/v1/{project_id}/subnets",
        false,
        list_subnets
    ),
    route!(
        ListSecurityGroups,
        GET,
        "/v1/{project_id}/security-groups",
        false,
        list_security_groups
    ),
];

/// One page of `items` after `marker`, at most `limit` (1-2000, default 2000).
fn page(items: Vec<&Value>, req: &ApiRequest) -> Result<Vec<Value>, ApiError> {
    let limit = req.query_u64("limit")?.unwrap_or(2000);
    if !(1..=2000).contains(&limit) {
        return Err(ApiError::invalid(
            "VPC.0101",
            format!("limit must be between 1 and 2000, got {limit}."),
        ));
    }
    let start = match req.query_nonempty("marker") {
        Some(marker) => {
            let at = items
                .iter()
                .position(|item| item["id"] == marker)
                .ok_or_else(|| {
                    ApiError::invalid("VPC.0101", format!("The marker {marker} is not an id."))
                })?;
            at + 1
        }
        None => 0,
    };
    Ok(items
        .into_iter()
        .skip(start)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect())
}

fn list_vpcs(
    ctx: &mut Ctx<'_, VpcBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.query_nonempty("id");
    let items = ctx
        .state
        .vpcs
        .iter()
        .filter(|v| id.is_none_or(|i| v["id"] == i))
        .collect();
    Ok(object(json!({"vpcs": page(items, req)?})))
}

fn list_subnets(
    ctx: &mut Ctx<'_, VpcBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let vpc = req.query_nonempty("vpc_id");
    let items = ctx
        .state
        .subnets
        .iter()
        .filter(|s| vpc.is_none_or(|v| s["vpc_id"] == v))
        .collect();
    Ok(object(json!({"subnets": page(items, req)?})))
}

fn list_security_groups(
    ctx: &mut Ctx<'_, VpcBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let vpc = req.query_nonempty("vpc_id");
    let items = ctx
        .state
        .security_groups
        .iter()
        .filter(|g| vpc.is_none_or(|v| g["vpc_id"] == v))
        .collect();
    Ok(object(json!({"security_groups": page(items, req)?})))
}

/// The demo VPC of a region: one VPC with two subnets and a default security group.
pub fn seed(region: &str) -> VpcBackend {
    let vpc_id = uuid::Uuid::new_v4().to_string();
    let subnet = |name: &str, cidr: &str, gateway: &str| {
        json!({
            "id": uuid::Uuid::new_v4().to_string(), "name": name, "cidr": cidr, "gateway_ip": gateway,
            "vpc_id": vpc_id, "status": "ACTIVE", "availability_zone": format!("{region}a"),
            "dhcp_enable": true, "primary_dns": "100.125.1.250",
        })
    };
    VpcBackend {
        vpcs: vec![json!({
            "id": vpc_id, "name": format!("vpc-{region}-demo"), "cidr": "192.168.0.0/16",
            "status": "OK", "description": "demo VPC", "enterprise_project_id": "0", "routes": [],
        })],
        subnets: vec![
            subnet("subnet-train", "192.168.0.0/24", "192.168.0.1"),
            subnet("subnet-serve", "192.168.1.0/24", "192.168.1.1"),
        ],
        security_groups: vec![json!({
            "id": uuid::Uuid::new_v4().to_string(), "name": "default", "vpc_id": vpc_id,
            "description": "default security group", "enterprise_project_id": "0",
            "security_group_rules": [{"direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}],
        })],
    }
}
