//! `CreateVSwitch`, `DescribeVSwitches`, `DeleteVSwitch`.

use serde_json::{Map, Value, json};

use super::vpcs::{check_name, dry_run};
use super::{Ctx, page, page_meta, tags_json};
use crate::emulator::alibaba::ecs::catalog::zones;
use crate::emulator::alibaba::ecs::errors as ecs_errors;
use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::ecs::regions;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::ecs::rules::token::client_token;
use crate::emulator::alibaba::vpc::errors;
use crate::emulator::alibaba::vpc::models::{VSWITCH_CREATE, VSwitch};
use crate::emulator::alibaba::vpc::rules::cidr::Cidr;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The most VSwitches a VPC holds.
pub const MAX_VSWITCHES_PER_VPC: usize = 150;

/// Addresses of a VSwitch that instances can use: all but the first and the last three,
/// which the VPC reserves.
pub fn usable_addresses(cidr: Cidr) -> u64 {
    cidr.size().saturating_sub(4)
}

/// A new VSwitch in an `Available` VPC and a zone of the region, with a `CidrBlock`
/// (/16 to /29) inside the VPC's that overlaps no other VSwitch of the VPC
/// (`InvalidCidrBlock.Overlapped`). A repeated `ClientToken` returns the first VSwitch.
pub fn create_vswitch(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let region = region::of_call(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.answered("CreateVSwitch", token) {
        return Ok(answer);
    }
    let vpc_id = req
        .query_nonempty("VpcId")
        .ok_or_else(|| ApiError::missing("VpcId"))?;
    let zone = req
        .query_nonempty("ZoneId")
        .ok_or_else(|| ApiError::missing("ZoneId"))?;
    let text = req
        .query_nonempty("CidrBlock")
        .ok_or_else(|| ApiError::missing("CidrBlock"))?;
    let vpc = ctx
        .state
        .vpc(vpc_id)
        .ok_or_else(|| errors::vpc_not_found(vpc_id))?;
    let status = vpc.status(ctx.now);
    if status != "Available" {
        return Err(errors::vpc_not_available(vpc_id, status));
    }
    if !zones::is_zone(region, zone) {
        return Err(ecs_errors::zone_not_found(zone, region));
    }
    let cidr = Cidr::parse(text)
        .filter(|c| (16..=29).contains(&c.prefix))
        .ok_or_else(|| {
            errors::cidr_malformed(format!(
                "The CidrBlock \"{text}\" is not valid: use a block with a mask of /16 to /29 and no host bits."
            ))
        })?;
    let vpc_cidr = Cidr::parse(&vpc.cidr);
    if !vpc_cidr.is_some_and(|v| v.contains(cidr)) {
        return Err(errors::cidr_malformed(format!(
            "The CidrBlock {cidr} is not inside the VPC's block {}.",
            vpc.cidr
        )));
    }
    let siblings: Vec<&VSwitch> = ctx
        .state
        .vswitches
        .iter()
        .filter(|s| s.vpc_id == vpc_id)
        .collect();
    if let Some(other) = siblings
        .iter()
        .find(|s| Cidr::parse(&s.cidr).is_some_and(|c| c.overlaps(cidr)))
    {
        return Err(errors::cidr_overlapped(
            &cidr.to_string(),
            &other.id,
            &other.cidr,
        ));
    }
    if siblings.len() >= MAX_VSWITCHES_PER_VPC {
        return Err(ApiError::invalid(
            "QuotaExceeded.VSwitch",
            format!("The VPC already has {MAX_VSWITCHES_PER_VPC} VSwitches, the most allowed."),
        ));
    }
    let name = req.query_nonempty("VSwitchName").unwrap_or_default();
    check_name("VSwitchName", name)?;
    let vsw = VSwitch {
        id: regions::new_id("vsw", region, 21),
        name: name.to_owned(),
        description: req
            .query_nonempty("Description")
            .unwrap_or_default()
            .to_owned(),
        vpc_id: vpc_id.to_owned(),
        zone_id: zone.to_owned(),
        cidr: cidr.to_string(),
        created: ctx.now,
        progress: ctx.progress(&VSWITCH_CREATE),
        tags: req.tag_pairs("Tag"),
        seeded: false,
    };
    let mut out = Map::new();
    out.insert("VSwitchId".into(), json!(vsw.id));
    ctx.state.remember("CreateVSwitch", token, &out);
    ctx.state.vswitches.push(vsw);
    Ok(out)
}

fn vswitch_item(ctx: &Ctx<'_>, s: &VSwitch, route_table: &str) -> Value {
    let used = ctx.siblings.get::<EcsBackend>().map_or(0, |e| {
        e.instances.iter().filter(|i| i.vswitch_id == s.id).count()
    });
    let usable = Cidr::parse(&s.cidr).map_or(0, usable_addresses);
    json!({
        "VSwitchId": s.id,
        "VSwitchName": s.name,
        "Description": s.description,
        "VpcId": s.vpc_id,
        "ZoneId": s.zone_id,
        "CidrBlock": s.cidr,
        "Status": s.status(ctx.now),
        "CreationTime": format_time(s.created),
        "AvailableIpAddressCount": usable.saturating_sub(u64::try_from(used).unwrap_or(0)),
        "IsDefault": false,
        "OwnerId": crate::emulator::alibaba::seed::ACCOUNT_ID.parse::<u64>().unwrap_or_default(),
        "ResourceGroupId": "rg-acfmzw2jz2z6q3q",
        "NetworkAclId": "",
        "ShareType": "",
        "EnabledIpv6": false,
        "Ipv6CidrBlock": "",
        "RouteTable": {"RouteTableId": route_table, "RouteTableType": "System"},
        "Tags": tags_json(&s.tags),
    })
}

/// VSwitches by `VpcId`, `VSwitchId`, `ZoneId`, `VSwitchName` and tags, paged.
pub fn describe_vswitches(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    req.query_bool("DryRun")?;
    let paging = page(req)?;
    let vpc_id = req.query_nonempty("VpcId");
    let id = req.query_nonempty("VSwitchId");
    let zone = req.query_nonempty("ZoneId");
    let name = req.query_nonempty("VSwitchName");
    let tags = req.tag_pairs("Tag");
    let selected: Vec<&VSwitch> = ctx
        .state
        .vswitches
        .iter()
        .filter(|s| vpc_id.is_none_or(|v| s.vpc_id == v))
        .filter(|s| id.is_none_or(|i| s.id == i))
        .filter(|s| zone.is_none_or(|z| s.zone_id == z))
        .filter(|s| name.is_none_or(|n| s.name == n))
        .filter(|s| tags.iter().all(|t| s.tags.contains(t)))
        .collect();
    let items: Vec<Value> = paging
        .slice(&selected)
        .iter()
        .map(|s| {
            let table = ctx
                .state
                .vpc(&s.vpc_id)
                .map_or("", |v| v.route_table_id.as_str());
            vswitch_item(ctx, s, table)
        })
        .collect();
    let mut out = page_meta(selected.len(), paging);
    out.insert("VSwitches".into(), json!({ "VSwitch": items }));
    Ok(out)
}

/// Deletes an `Available` VSwitch no instance uses (`DependencyViolation` otherwise).
pub fn delete_vswitch(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let id = req
        .query_nonempty("VSwitchId")
        .ok_or_else(|| ApiError::missing("VSwitchId"))?;
    let vsw = ctx
        .state
        .vswitch(id)
        .ok_or_else(|| errors::vswitch_not_found(id))?;
    let status = vsw.status(ctx.now);
    if status != "Available" {
        return Err(errors::vswitch_not_available(id, status));
    }
    let instances: Vec<String> = ctx
        .siblings
        .get::<EcsBackend>()
        .map(|e| {
            e.instances
                .iter()
                .filter(|i| i.vswitch_id == id)
                .map(|i| format!("instance {}", i.id))
                .collect()
        })
        .unwrap_or_default();
    if !instances.is_empty() {
        return Err(errors::dependency_violation(
            &format!("VSwitch {id}"),
            &instances,
        ));
    }
    if req.query_bool("DryRun")? == Some(true) {
        return Err(dry_run());
    }
    ctx.state.vswitches.retain(|s| s.id != id);
    Ok(Map::new())
}
