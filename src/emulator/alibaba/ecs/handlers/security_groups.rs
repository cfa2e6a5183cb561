//! Security groups: `CreateSecurityGroup` (in a VPC of the region), `AuthorizeSecurityGroup`
//! and `AuthorizeSecurityGroupEgress` (one rule from the top-level fields, or up to 100 as
//! `Permissions.N`; adding a rule that exists is a no-op), `DescribeSecurityGroups`,
//! `DescribeSecurityGroupAttribute` and `DeleteSecurityGroup` (`DependencyViolation` while
//! an instance is in the group).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Ctx, page, paged};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{Direction, SecurityGroup, SecurityGroupRule};
use crate::emulator::alibaba::ecs::regions;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::ecs::rules::token::client_token;
use crate::emulator::alibaba::vpc::models::VpcBackend;
use crate::emulator::alibaba::vpc::rules::cidr::Cidr;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

/// A new group in `VpcId` (which must exist in the region's VPC state). A repeated
/// `ClientToken` returns the first group.
pub fn create_security_group(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.capacity.answered("CreateSecurityGroup", token) {
        return Ok(answer);
    }
    let vpc_id = req
        .query_nonempty("VpcId")
        .ok_or_else(|| ApiError::missing("VpcId"))?;
    if ctx
        .siblings
        .get::<VpcBackend>()
        .and_then(|v| v.vpc(vpc_id))
        .is_none()
    {
        return Err(ApiError::new(
            404,
            "InvalidVpcId.NotFound",
            format!("The specified VpcId \"{vpc_id}\" does not exist in {region}."),
        ));
    }
    let group_type = req.query_nonempty("SecurityGroupType").unwrap_or("normal");
    if group_type != "normal" && group_type != "enterprise" {
        return Err(errors::invalid(
            "SecurityGroupType",
            format!(
                "SecurityGroupType \"{group_type}\" is not valid; valid values: normal, enterprise."
            ),
        ));
    }
    let group = SecurityGroup {
        id: regions::new_id("sg", region, 20),
        name: req
            .query_nonempty("SecurityGroupName")
            .unwrap_or_default()
            .to_owned(),
        description: req
            .query_nonempty("Description")
            .unwrap_or_default()
            .to_owned(),
        vpc_id: vpc_id.to_owned(),
        group_type: group_type.to_owned(),
        created: ctx.now,
        tags: req.tag_pairs("Tag"),
        rules: Vec::new(),
        seeded: false,
    };
    let mut out = Map::new();
    out.insert("SecurityGroupId".into(), json!(group.id));
    ctx.state
        .capacity
        .remember("CreateSecurityGroup", token, &out);
    ctx.state.security_groups.push(group);
    Ok(out)
}

/// The protocol, upper case, and its port range (`-1/-1` for ICMP, GRE and ALL).
fn protocol_and_ports(fields: &BTreeMap<String, String>) -> Result<(String, String), ApiError> {
    let protocol = fields
        .get("IpProtocol")
        .map(|p| p.to_ascii_uppercase())
        .ok_or_else(|| ApiError::missing("IpProtocol"))?;
    if !["TCP", "UDP", "ICMP", "GRE", "ALL"].contains(&protocol.as_str()) {
        return Err(ApiError::invalid(
            "InvalidIpProtocol.Malformed",
            format!(
                "IpProtocol \"{protocol}\" is not valid; valid values: tcp, udp, icmp, gre, all."
            ),
        ));
    }
    let ports = fields
        .get("PortRange")
        .cloned()
        .unwrap_or_else(|| "-1/-1".to_owned());
    let range = ports
        .split_once('/')
        .and_then(|(a, b)| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?)));
    let ok = match (protocol.as_str(), range) {
        ("TCP" | "UDP", Some((from, to))) => {
            (1..=65_535).contains(&from) && (from..=65_535).contains(&to)
        }
        (_, Some((-1, -1))) => true,
        _ => false,
    };
    if !ok {
        return Err(ApiError::invalid(
            "InvalidPortRange.Malformed",
            format!(
                "PortRange \"{ports}\" is not valid for {protocol}: use from/to within 1-65535 for TCP and UDP, -1/-1 otherwise."
            ),
        ));
    }
    Ok((protocol, ports))
}

/// The rules a call adds, from `Permissions.N` or from its top-level fields.
fn requested_rules(
    req: &ApiRequest,
    direction: Direction,
    now: time::OffsetDateTime,
) -> Result<Vec<SecurityGroupRule>, ApiError> {
    let mut sets = req.repeat_objects("Permissions");
    if sets.is_empty() {
        let names = [
            "IpProtocol",
            "PortRange",
            "SourceCidrIp",
            "DestCidrIp",
            "Policy",
            "Priority",
            "Description",
        ];
        sets.push(
            names
                .iter()
                .filter_map(|n| {
                    req.query_nonempty(n)
                        .map(|v| ((*n).to_owned(), v.to_owned()))
                })
                .collect(),
        );
    }
    if sets.len() > 100 {
        return Err(errors::invalid(
            "Permissions",
            "At most 100 rules per call.",
        ));
    }
    let cidr_field = match direction {
        Direction::Ingress => "SourceCidrIp",
        Direction::Egress => "DestCidrIp",
    };
    sets.iter()
        .map(|fields| {
            let (ip_protocol, port_range) = protocol_and_ports(fields)?;
            let cidr = fields
                .get(cidr_field)
                .cloned()
                .ok_or_else(|| ApiError::missing(cidr_field))?;
            if Cidr::parse(&cidr).is_none() && cidr.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(ApiError::invalid(
                    format!("Invalid{cidr_field}.Malformed"),
                    format!("{cidr_field} \"{cidr}\" is not an IPv4 address or CIDR block."),
                ));
            }
            let policy = match fields.get("Policy").map(|p| p.to_ascii_lowercase()) {
                None => "Accept".to_owned(),
                Some(p) if p == "accept" => "Accept".to_owned(),
                Some(p) if p == "drop" => "Drop".to_owned(),
                Some(p) => {
                    return Err(errors::invalid(
                        "Policy",
                        format!("Policy \"{p}\" is not valid; valid values: accept, drop."),
                    ));
                }
            };
            let priority = match fields.get("Priority") {
                None => 1,
                Some(p) => p
                    .parse::<u32>()
                    .ok()
                    .filter(|p| (1..=100).contains(p))
                    .ok_or_else(|| errors::invalid("Priority", "Priority must be 1 to 100."))?,
            };
            Ok(SecurityGroupRule {
                id: random_id("sgr-", 20),
                direction,
                ip_protocol,
                port_range,
                cidr,
                policy,
                priority,
                description: fields.get("Description").cloned().unwrap_or_default(),
                created: now,
            })
        })
        .collect()
}

fn authorize(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
    direction: Direction,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let action = match direction {
        Direction::Ingress => "AuthorizeSecurityGroup",
        Direction::Egress => "AuthorizeSecurityGroupEgress",
    };
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.capacity.answered(action, token) {
        return Ok(answer);
    }
    let id = req
        .query_nonempty("SecurityGroupId")
        .ok_or_else(|| ApiError::missing("SecurityGroupId"))?;
    let rules = requested_rules(req, direction, ctx.now)?;
    let group = ctx
        .state
        .security_groups
        .iter_mut()
        .find(|g| g.id == id)
        .ok_or_else(|| errors::security_group_not_found(id, region))?;
    for rule in rules {
        if !group.rules.iter().any(|r| r.same_as(&rule)) {
            group.rules.push(rule);
        }
    }
    if group.rules.len() > 200 {
        return Err(ApiError::invalid(
            "QuotaExceed.SecurityGroupRule",
            "A security group holds at most 200 rules.",
        ));
    }
    let out = Map::new();
    ctx.state.capacity.remember(action, token, &out);
    Ok(out)
}

/// Adds inbound rules.
pub fn authorize_security_group(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    authorize(ctx, req, Direction::Ingress)
}

/// Adds outbound rules.
pub fn authorize_security_group_egress(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    authorize(ctx, req, Direction::Egress)
}

fn tags_json(tags: &[(String, String)]) -> Value {
    let items: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    json!({ "Tag": items })
}

/// Groups by `SecurityGroupId`, `SecurityGroupIds` (JSON array), `VpcId`,
/// `SecurityGroupName` and tags, with their instance counts.
pub fn describe_security_groups(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    req.query_bool("DryRun")?;
    let mut ids = req
        .json_string_list("SecurityGroupIds")?
        .unwrap_or_default();
    ids.extend(req.query_nonempty("SecurityGroupId").map(str::to_owned));
    let vpc = req.query_nonempty("VpcId");
    let name = req.query_nonempty("SecurityGroupName");
    let tags = req.tag_pairs("Tag");
    let page = page(req, 10, 100)?;
    let selected: Vec<&SecurityGroup> = ctx
        .state
        .security_groups
        .iter()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| vpc.is_none_or(|v| g.vpc_id == v))
        .filter(|g| name.is_none_or(|n| g.name == n))
        .filter(|g| tags.iter().all(|t| g.tags.contains(t)))
        .collect();
    let (items, mut out) = paged(&selected, page);
    let items: Vec<Value> = items
        .iter()
        .map(|g| {
            let count = ctx
                .state
                .instances
                .iter()
                .filter(|i| i.security_group_id == g.id)
                .count();
            json!({
                "SecurityGroupId": g.id,
                "SecurityGroupName": g.name,
                "Description": g.description,
                "VpcId": g.vpc_id,
                "SecurityGroupType": g.group_type,
                "CreationTime": format_time(g.created),
                "EcsCount": count,
                "AvailableInstanceAmount": 2000usize.saturating_sub(count),
                "RuleCount": g.rules.len(),
                "GroupToGroupRuleCount": 0,
                "ResourceGroupId": "",
                "ServiceManaged": false,
                "ServiceID": 0,
                "Tags": tags_json(&g.tags),
            })
        })
        .collect();
    out.insert("RegionId".into(), json!(region));
    out.insert("SecurityGroups".into(), json!({ "SecurityGroup": items }));
    Ok(out)
}

/// A group's rules, optionally of one `Direction` (`ingress`, `egress`, `all`).
pub fn describe_security_group_attribute(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let id = req
        .query_nonempty("SecurityGroupId")
        .ok_or_else(|| ApiError::missing("SecurityGroupId"))?;
    let direction = req.query_nonempty("Direction").unwrap_or("all");
    if !["all", "ingress", "egress"].contains(&direction) {
        return Err(errors::invalid(
            "Direction",
            format!("Direction \"{direction}\" is not valid; valid values: all, ingress, egress."),
        ));
    }
    let group = ctx
        .state
        .security_group(id)
        .ok_or_else(|| errors::security_group_not_found(id, region))?;
    let rules: Vec<Value> = group
        .rules
        .iter()
        .filter(|r| direction == "all" || r.direction.as_str() == direction)
        .map(|r| {
            let (source, dest) = match r.direction {
                Direction::Ingress => (r.cidr.as_str(), ""),
                Direction::Egress => ("", r.cidr.as_str()),
            };
            json!({
                "SecurityGroupRuleId": r.id,
                "Direction": r.direction.as_str(),
                "IpProtocol": r.ip_protocol,
                "PortRange": r.port_range,
                "SourceCidrIp": source,
                "DestCidrIp": dest,
                "Policy": r.policy,
                "Priority": r.priority.to_string(),
                "Description": r.description,
                "NicType": "intranet",
                "CreateTime": format_time(r.created),
                "SourcePortRange": "",
                "SourceGroupId": "", "SourceGroupName": "", "SourceGroupOwnerAccount": "",
                "DestGroupId": "", "DestGroupName": "", "DestGroupOwnerAccount": "",
                "SourcePrefixListId": "", "SourcePrefixListName": "",
                "DestPrefixListId": "", "DestPrefixListName": "",
                "Ipv6SourceCidrIp": "", "Ipv6DestCidrIp": "",
                "PortRangeListId": "", "PortRangeListName": "",
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("SecurityGroupId".into(), json!(group.id));
    out.insert("SecurityGroupName".into(), json!(group.name));
    out.insert("Description".into(), json!(group.description));
    out.insert("VpcId".into(), json!(group.vpc_id));
    out.insert("RegionId".into(), json!(region));
    out.insert("InnerAccessPolicy".into(), json!("Accept"));
    out.insert("NextToken".into(), json!(""));
    out.insert("Permissions".into(), json!({ "Permission": rules }));
    Ok(out)
}

/// Deletes a group no instance is in.
pub fn delete_security_group(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    let region = region::required(req)?;
    let id = req
        .query_nonempty("SecurityGroupId")
        .ok_or_else(|| ApiError::missing("SecurityGroupId"))?;
    if ctx.state.security_group(id).is_none() {
        return Err(errors::security_group_not_found(id, region));
    }
    let users: Vec<String> = ctx
        .state
        .instances
        .iter()
        .filter(|i| i.security_group_id == id)
        .map(|i| format!("instance {}", i.id))
        .collect();
    if !users.is_empty() {
        return Err(errors::dependency_violation(
            &format!("security group {id}"),
            &users,
        ));
    }
    ctx.state.security_groups.retain(|g| g.id != id);
    Ok(Map::new())
}
