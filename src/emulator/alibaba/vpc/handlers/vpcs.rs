//! `CreateVpc`, `DescribeVpcs`, `DeleteVpc`.

use serde_json::{Map, Value, json};

use super::{Ctx, page, page_meta, tags_json};
use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::ecs::regions;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::ecs::rules::token::client_token;
use crate::emulator::alibaba::vpc::errors;
use crate::emulator::alibaba::vpc::models::{VPC_CREATE, Vpc};
use crate::emulator::alibaba::vpc::rules::cidr::Cidr;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest, split_csv};

/// The most VPCs a region holds.
pub const MAX_VPCS: usize = 10;

/// The block a VPC gets when the call names none.
pub const DEFAULT_VPC_CIDR: &str = "172.16.0.0/12";

/// A VPC's (or VSwitch's) name: 1 to 128 characters, not starting with `http://` or
/// `https://`.
pub fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    let bad =
        name.chars().count() > 128 || name.starts_with("http://") || name.starts_with("https://");
    if bad {
        return Err(ApiError::invalid(
            format!("Invalid{field}.Malformed"),
            format!(
                "{field} must be 1 to 128 characters and must not start with http:// or https://."
            ),
        ));
    }
    Ok(())
}

/// A new VPC with `CidrBlock` (a private block, /8 to /28; default 172.16.0.0/12),
/// `Pending` until [`VPC_CREATE`] is done. A repeated `ClientToken` returns the first VPC.
pub fn create_vpc(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.answered("CreateVpc", token) {
        return Ok(answer);
    }
    let text = req.query_nonempty("CidrBlock").unwrap_or(DEFAULT_VPC_CIDR);
    let cidr = Cidr::parse(text)
        .filter(|c| (8..=28).contains(&c.prefix) && c.is_private())
        .ok_or_else(|| {
            errors::cidr_malformed(format!(
                "The CidrBlock \"{text}\" is not valid: use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a mask of /8 to /28 and no host bits."
            ))
        })?;
    let name = req.query_nonempty("VpcName").unwrap_or_default();
    check_name("VpcName", name)?;
    if ctx.state.vpcs.len() >= MAX_VPCS {
        return Err(errors::vpc_quota(MAX_VPCS));
    }
    if req.query_bool("DryRun")? == Some(true) {
        return Err(dry_run());
    }
    let vpc = Vpc {
        id: regions::new_id("vpc", region, 21),
        name: name.to_owned(),
        description: req
            .query_nonempty("Description")
            .unwrap_or_default()
            .to_owned(),
        cidr: cidr.to_string(),
        vrouter_id: regions::new_id("vrt", region, 21),
        route_table_id: regions::new_id("vtb", region, 21),
        created: ctx.now,
        progress: ctx.progress(&VPC_CREATE),
        tags: req.tag_pairs("Tag"),
        seeded: false,
    };
    let mut out = Map::new();
    out.insert("VpcId".into(), json!(vpc.id));
    out.insert("VRouterId".into(), json!(vpc.vrouter_id));
    out.insert("RouteTableId".into(), json!(vpc.route_table_id));
    out.insert("ResourceGroupId".into(), json!("rg-acfmzw2jz2z6q3q"));
    ctx.state.remember("CreateVpc", token, &out);
    ctx.state.vpcs.push(vpc);
    Ok(out)
}

/// 400 `DryRunOperation`: the checks passed and nothing was done.
pub fn dry_run() -> ApiError {
    ApiError::invalid(
        "DryRunOperation",
        "Request validation has been passed with DryRun flag set.",
    )
}

fn vpc_item(ctx: &Ctx<'_>, v: &Vpc, region: &str) -> Value {
    let vswitches: Vec<&str> = ctx
        .state
        .vswitches
        .iter()
        .filter(|s| s.vpc_id == v.id)
        .map(|s| s.id.as_str())
        .collect();
    json!({
        "VpcId": v.id,
        "VpcName": v.name,
        "Description": v.description,
        "CidrBlock": v.cidr,
        "Status": v.status(ctx.now),
        "RegionId": region,
        "CreationTime": format_time(v.created),
        "VRouterId": v.vrouter_id,
        "IsDefault": false,
        "OwnerId": crate::emulator::alibaba::seed::ACCOUNT_ID.parse::<u64>().unwrap_or_default(),
        "ResourceGroupId": "rg-acfmzw2jz2z6q3q",
        "VSwitchIds": {"VSwitchId": vswitches},
        "RouterTableIds": {"RouterTableIds": [v.route_table_id]},
        "NatGatewayIds": {"NatGatewayIds": []},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "UserCidrs": {"UserCidr": []},
        "Ipv6CidrBlock": "",
        "Ipv6CidrBlocks": {"Ipv6CidrBlock": []},
        "EnabledIpv6": false,
        "CenStatus": "Detached",
        "DhcpOptionsSetId": "",
        "DhcpOptionsSetStatus": "",
        "DnsHostnameStatus": "DISABLED",
        "Tags": tags_json(&v.tags),
    })
}

/// VPCs by `VpcId` (comma-separated, up to 20), `VpcName` and tags, paged.
pub fn describe_vpcs(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    req.query_bool("DryRun")?;
    let paging = page(req)?;
    let ids = req.query_nonempty("VpcId").map(split_csv);
    if ids.as_ref().is_some_and(|ids| ids.len() > 20) {
        return Err(errors::invalid("VpcId", "At most 20 VPC ids per call."));
    }
    let name = req.query_nonempty("VpcName");
    let tags = req.tag_pairs("Tag");
    let selected: Vec<&Vpc> = ctx
        .state
        .vpcs
        .iter()
        .filter(|v| ids.as_ref().is_none_or(|ids| ids.contains(&v.id)))
        .filter(|v| name.is_none_or(|n| v.name == n))
        .filter(|v| tags.iter().all(|t| v.tags.contains(t)))
        .collect();
    let items: Vec<Value> = paging
        .slice(&selected)
        .iter()
        .map(|v| vpc_item(ctx, v, region))
        .collect();
    let mut out = page_meta(selected.len(), paging);
    out.insert("Vpcs".into(), json!({ "Vpc": items }));
    Ok(out)
}

/// Deletes an `Available` VPC that has no VSwitch and no security group left
/// (`DependencyViolation` otherwise). A repeated `ClientToken` succeeds again.
pub fn delete_vpc(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.answered("DeleteVpc", token) {
        return Ok(answer);
    }
    let id = req
        .query_nonempty("VpcId")
        .ok_or_else(|| ApiError::missing("VpcId"))?;
    let vpc = ctx.state.vpc(id).ok_or_else(|| errors::vpc_not_found(id))?;
    let status = vpc.status(ctx.now);
    if status != "Available" {
        return Err(errors::vpc_not_available(id, status));
    }
    let mut dependants: Vec<String> = ctx
        .state
        .vswitches
        .iter()
        .filter(|s| s.vpc_id == id)
        .map(|s| format!("VSwitch {}", s.id))
        .collect();
    if let Some(ecs) = ctx.siblings.get::<EcsBackend>() {
        dependants.extend(
            ecs.security_groups
                .iter()
                .filter(|g| g.vpc_id == id)
                .map(|g| format!("security group {}", g.id)),
        );
    }
    if !dependants.is_empty() {
        return Err(errors::dependency_violation(
            &format!("VPC {id}"),
            &dependants,
        ));
    }
    if req.query_bool("DryRun")? == Some(true) {
        return Err(dry_run());
    }
    ctx.state.vpcs.retain(|v| v.id != id);
    let out = Map::new();
    ctx.state.remember("DeleteVpc", token, &out);
    Ok(out)
}
