//! The infrastructure rules of the composite ECS plans (seed-operations.md 3.8): reuse the named
//! VPC and a VSwitch in the zone or plan to create them on a free /24; open only the ports the app
//! needs (SSH, RDP and database ports never to the whole internet); the image by family, resolved
//! while planning so the preview shows the exact ImageId; and, for every cleanup and delete, proof
//! that this server created the resource (its `skillgate.plan` tag), so a cleanup never deletes
//! what someone else made.

use serde_json::{Map, Value, json};

use super::api::{
    DESCRIBE_IMAGES, DESCRIBE_INSTANCES, DESCRIBE_SECURITY_GROUPS, DESCRIBE_VPCS,
    DESCRIBE_VSWITCHES, declared,
};
use crate::catalog::PROVENANCE_KEY;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{GuardContext, string_list};

/// Ports that are never opened to the whole internet: SSH, RDP and the common databases and
/// caches (MySQL, PostgreSQL, Redis, MongoDB, SQL Server, Oracle, Elasticsearch, Memcached).
const SENSITIVE_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (3389, "RDP"),
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (27017, "MongoDB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
];

const WORLD: [&str; 2] = ["0.0.0.0/0", "::/0"];

fn invalid(message: String) -> ToolFailure {
    ToolFailure::new(FailureKind::ValidationError, message)
}

/// `from/to` as numbers; `-1/-1` is every port.
fn port_bounds(range: &str) -> Option<(i64, i64)> {
    let (from, to) = range.split_once('/')?;
    Some((from.trim().parse().ok()?, to.trim().parse().ok()?))
}

/// What is wrong with one inbound rule, if anything: the sensitive ports it would open to the
/// world, or a malformed range.
fn rule_problems(protocol: &str, range: &str, source: &str) -> Vec<String> {
    let protocol = protocol.to_ascii_lowercase();
    let mut problems = Vec::new();
    let Some((from, to)) = port_bounds(range) else {
        return vec![format!(
            "port_range `{range}` is not `from/to` (e.g. 80/80; -1/-1 for icmp and all)"
        )];
    };
    let every_port = (from, to) == (-1, -1) || protocol == "all";
    let in_range = (1..=65_535).contains(&from) && (from..=65_535).contains(&to);
    if !every_port && !in_range {
        problems.push(format!("port_range `{range}` is outside 1-65535"));
    }
    if WORLD.contains(&source.trim()) && matches!(protocol.as_str(), "tcp" | "udp" | "all") {
        let exposed: Vec<String> = SENSITIVE_PORTS
            .iter()
            .filter(|(port, _)| every_port || (from..=to).contains(&i64::from(*port)))
            .map(|(port, name)| format!("{port} ({name})"))
            .collect();
        if !exposed.is_empty() {
            problems.push(format!(
                "{protocol} {range} from {source} would open {} to the whole internet: give an explicit source CIDR (the operator's /32 or the office range)",
                exposed.join(", ")
            ));
        }
    }
    problems
}

/// Guard: one inbound rule (`cp_ecs_authorize_security_group`) opens no sensitive port to the
/// world.
pub async fn safe_ingress(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let protocol = ctx.arg_str("ip_protocol").unwrap_or_else(|| "tcp".into());
    let range = ctx.arg_str("port_range").unwrap_or_default();
    let source = ctx
        .arg_str("source_cidr_ip")
        .unwrap_or_else(|| "0.0.0.0/0".into());
    let problems = rule_problems(&protocol, &range, &source);
    if !problems.is_empty() {
        return Err(invalid(problems.join("; "))
            .with_hint("Cloud Assistant runs scripts without SSH; open SSH only to a known CIDR"));
    }
    let group = ctx.arg_str("security_group_id").unwrap_or_default();
    let found = security_group(ctx, &group).await?;
    ctx.checks
        .push(Check::ok("security_group_exists", json!(group)));
    ctx.diff.insert(
        "rule".into(),
        json!({"direction": "ingress", "ip_protocol": protocol, "port_range": range, "source_cidr_ip": source, "group": found}),
    );
    Ok(())
}

/// Guard: the inbound rules of a new group (`ingress_rules`, `ssh_source_cidr`), every problem
/// reported at once; fills the hidden `permissions` the `ingress` step sends. A public IP never
/// opens SSH by itself (the skill opened 22/tcp to 0.0.0.0/0 whenever bandwidth was set).
pub async fn security_rules(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let mut problems = Vec::new();
    let mut permissions = Vec::new();
    let rules = ctx
        .args
        .get("ingress_rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, rule) in rules.iter().enumerate() {
        let unknown: Vec<&String> = rule
            .as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| {
                        !["port_range", "source_cidr_ip", "ip_protocol", "description"]
                            .contains(&k.as_str())
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !unknown.is_empty() {
            problems.push(format!(
                "ingress_rules[{index}]: unknown field(s) {unknown:?}; allowed: port_range, source_cidr_ip, ip_protocol, description"
            ));
        }
        let Some(range) = rule.get("port_range").and_then(Value::as_str) else {
            problems.push(format!(
                "ingress_rules[{index}]: `port_range` is required (e.g. 80/80)"
            ));
            continue;
        };
        let source = rule
            .get("source_cidr_ip")
            .and_then(Value::as_str)
            .unwrap_or("0.0.0.0/0");
        let protocol = rule
            .get("ip_protocol")
            .and_then(Value::as_str)
            .unwrap_or("tcp");
        if !["tcp", "udp", "icmp", "all"].contains(&protocol.to_ascii_lowercase().as_str()) {
            problems.push(format!(
                "ingress_rules[{index}]: ip_protocol `{protocol}` is not one of tcp, udp, icmp, all"
            ));
        }
        problems.extend(
            rule_problems(protocol, range, source)
                .into_iter()
                .map(|p| format!("ingress_rules[{index}]: {p}")),
        );
        let mut permission =
            json!({"IpProtocol": protocol, "PortRange": range, "SourceCidrIp": source});
        if let Some(description) = rule.get("description").and_then(Value::as_str) {
            permission["Description"] = json!(description);
        }
        permissions.push(permission);
    }
    if let Some(cidr) = ctx.arg_str("ssh_source_cidr") {
        if WORLD.contains(&cidr.trim()) || !cidr.contains('/') {
            problems.push(format!(
                "ssh_source_cidr `{cidr}` must be a specific CIDR such as 203.0.113.7/32, never the whole internet"
            ));
        } else {
            permissions.push(json!({"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": cidr, "Description": "SSH from the operator"}));
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")).with_hint(
            "open only the ports the app serves; SSH, RDP and database ports need an explicit source CIDR",
        ));
    }
    let public_ip = ctx
        .args
        .get("internet_max_bandwidth_out")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        > 0;
    if public_ip && ctx.arg_str("ssh_source_cidr").is_none() {
        ctx.checks.push(Check::warning(
            "ssh_closed",
            json!("a public IP does not open 22/tcp: Cloud Assistant runs the script without SSH; pass ssh_source_cidr to allow SSH from one address"),
        ));
    }
    ctx.diff.insert(
        "security_group".into(),
        json!({"inbound": permissions, "outbound": "all traffic (installs and downloads need it)"}),
    );
    if !permissions.is_empty() {
        ctx.args
            .insert("permissions".into(), Value::Array(permissions));
    }
    Ok(())
}

/// The tags of a resource as `(key, value)`, from either shape (`Tags.Tag[{Key, Value}]` or
/// `{TagKey, TagValue}`).
fn tags_of(resource: &Value) -> Vec<(String, String)> {
    resource
        .pointer("/Tags/Tag")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|tag| {
                    let key = tag.get("Key").or_else(|| tag.get("TagKey"))?.as_str()?;
                    let value = tag.get("Value").or_else(|| tag.get("TagValue"))?.as_str()?;
                    Some((key.to_string(), value.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The plan that created a resource, from its `skillgate.plan` tag.
fn created_by(resource: &Value) -> Option<String> {
    tags_of(resource)
        .into_iter()
        .find(|(key, _)| key == PROVENANCE_KEY)
        .map(|(_, value)| value)
}

async fn first_item(
    ctx: &GuardContext<'_>,
    tool: &'static str,
    args: Value,
    list: &str,
) -> Result<Option<Value>, ToolFailure> {
    let body = ctx.read(&declared(tool, args)).await?.body;
    Ok(body
        .pointer(list)
        .and_then(Value::as_array)
        .and_then(|items| items.first().cloned()))
}

async fn security_group(ctx: &GuardContext<'_>, id: &str) -> Result<Value, ToolFailure> {
    first_item(
        ctx,
        DESCRIBE_SECURITY_GROUPS,
        json!({"security_group_id": id}),
        "/SecurityGroups/SecurityGroup",
    )
    .await?
    .ok_or_else(|| not_found("security group", id, &ctx.region()))
}

async fn vpc(ctx: &GuardContext<'_>, id: &str) -> Result<Option<Value>, ToolFailure> {
    first_item(ctx, DESCRIBE_VPCS, json!({"vpc_ids": [id]}), "/Vpcs/Vpc").await
}

async fn vswitch(ctx: &GuardContext<'_>, id: &str) -> Result<Option<Value>, ToolFailure> {
    first_item(
        ctx,
        DESCRIBE_VSWITCHES,
        json!({"vswitch_id": id}),
        "/VSwitches/VSwitch",
    )
    .await
}

async fn instance(ctx: &GuardContext<'_>, id: &str) -> Result<Option<Value>, ToolFailure> {
    first_item(
        ctx,
        DESCRIBE_INSTANCES,
        json!({"instance_ids": [id]}),
        "/Instances/Instance",
    )
    .await
}

fn not_found(what: &str, id: &str, region: &str) -> ToolFailure {
    ToolFailure::new(
        FailureKind::NotFound,
        format!("{what} `{id}` does not exist in {region}; nothing was planned"),
    )
}

/// An IPv4 CIDR as `(network, prefix)`.
pub(super) fn parse_cidr(cidr: &str) -> Option<(u32, u8)> {
    let (address, prefix) = cidr.trim().split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let octets: Vec<u8> = address
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d] = octets.as_slice() else {
        return None;
    };
    let address = u32::from_be_bytes([*a, *b, *c, *d]);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Some((address & mask, prefix))
}

/// Whether two blocks share an address.
pub(super) fn overlaps(a: (u32, u8), b: (u32, u8)) -> bool {
    let prefix = a.1.min(b.1);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    a.0 & mask == b.0 & mask
}

/// The first /24 inside `vpc_cidr` that overlaps none of `taken` (the skill scans
/// 192.168.N.0/24); none when every one is used.
pub fn free_slash24(vpc_cidr: &str, taken: &[String]) -> Option<String> {
    let (network, prefix) = parse_cidr(vpc_cidr)?;
    if prefix > 24 {
        return None;
    }
    let taken: Vec<(u32, u8)> = taken.iter().filter_map(|c| parse_cidr(c)).collect();
    let count = 1u32 << (24 - prefix);
    (0..count.min(4096))
        .map(|n| (network + (n << 8), 24u8))
        .find(|candidate| !taken.iter().any(|t| overlaps(*candidate, *t)))
        .map(|(address, _)| {
            let [a, b, c, d] = address.to_be_bytes();
            format!("{a}.{b}.{c}.{d}/24")
        })
}

/// Guard: decides which of the VPC and VSwitch exist and which the plan creates, with the
/// VSwitch's CIDR; sets `create_vpc`, `create_vswitch`, `vpc_ref`, `vswitch_ref` and
/// `vswitch_cidr` (a `{step.…}` reference when the step creates it).
pub async fn ensure_network(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let region = ctx.region();
    let zone = ctx.arg_str("zone_id").unwrap_or_default();
    let vpc_name = ctx.arg_str("vpc_name").unwrap_or_else(|| "acf-vpc".into());
    let vswitch_name = ctx
        .arg_str("vswitch_name")
        .unwrap_or_else(|| "acf-vsw".into());
    let vpc_cidr = ctx
        .arg_str("vpc_cidr")
        .unwrap_or_else(|| "192.168.0.0/16".into());
    if parse_cidr(&vpc_cidr).is_none_or(|(_, prefix)| !(8..=24).contains(&prefix)) {
        return Err(invalid(format!(
            "vpc_cidr `{vpc_cidr}` is not an IPv4 CIDR between /8 and /24"
        )));
    }
    let chosen_vpc: Option<Value>;
    let mut chosen_vswitch: Option<Value> = None;
    if let Some(id) = ctx.arg_str("vswitch_id") {
        let found = vswitch(ctx, &id)
            .await?
            .ok_or_else(|| not_found("VSwitch", &id, &region))?;
        if found["ZoneId"].as_str() != Some(zone.as_str()) {
            return Err(invalid(format!(
                "VSwitch `{id}` is in {}, not in the compute zone {zone}",
                found["ZoneId"].as_str().unwrap_or("another zone")
            )));
        }
        let vpc_of = found["VpcId"].as_str().unwrap_or_default().to_string();
        if let Some(asked) = ctx.arg_str("vpc_id").filter(|asked| *asked != vpc_of) {
            return Err(invalid(format!(
                "VSwitch `{id}` belongs to {vpc_of}, not to vpc_id `{asked}`"
            )));
        }
        chosen_vpc = vpc(ctx, &vpc_of).await?;
        chosen_vswitch = Some(found);
    } else if let Some(id) = ctx.arg_str("vpc_id") {
        chosen_vpc = Some(
            vpc(ctx, &id)
                .await?
                .ok_or_else(|| not_found("VPC", &id, &region))?,
        );
    } else {
        chosen_vpc = first_item(
            ctx,
            DESCRIBE_VPCS,
            json!({"vpc_name": vpc_name}),
            "/Vpcs/Vpc",
        )
        .await?;
    }
    let vpc_id = chosen_vpc
        .as_ref()
        .and_then(|v| v["VpcId"].as_str())
        .map(str::to_string);
    let mut vswitch_cidr = None;
    if chosen_vswitch.is_none() {
        if let Some(vpc_id) = &vpc_id {
            let body = ctx
                .read(&declared(DESCRIBE_VSWITCHES, json!({"vpc_id": vpc_id})))
                .await?
                .body;
            let existing = body
                .pointer("/VSwitches/VSwitch")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            chosen_vswitch = existing
                .iter()
                .find(|v| v["ZoneId"] == json!(zone) && v["VSwitchName"] == json!(vswitch_name))
                .cloned();
            if chosen_vswitch.is_none() {
                let taken: Vec<String> = existing
                    .iter()
                    .filter_map(|v| v["CidrBlock"].as_str().map(str::to_string))
                    .collect();
                let within = chosen_vpc
                    .as_ref()
                    .and_then(|v| v["CidrBlock"].as_str())
                    .unwrap_or(&vpc_cidr)
                    .to_string();
                vswitch_cidr = Some(free_slash24(&within, &taken).ok_or_else(|| {
                    ToolFailure::new(
                        FailureKind::CapacityExceeded,
                        format!("every /24 of {vpc_id} ({within}) is taken by a VSwitch"),
                    )
                    .with_hint("pass another vpc_id, or a vswitch_id to reuse")
                })?);
            }
        } else {
            vswitch_cidr = free_slash24(&vpc_cidr, &[]);
        }
    }
    let create_vpc = vpc_id.is_none();
    let create_vswitch = chosen_vswitch.is_none();
    let vpc_ref = vpc_id.clone().unwrap_or_else(|| "{step.vpc.VpcId}".into());
    let vswitch_ref = chosen_vswitch
        .as_ref()
        .and_then(|v| v["VSwitchId"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| "{step.vswitch.VSwitchId}".into());
    ctx.args.insert("create_vpc".into(), json!(create_vpc));
    ctx.args
        .insert("create_vswitch".into(), json!(create_vswitch));
    ctx.args.insert("vpc_ref".into(), json!(vpc_ref));
    if ctx.tool.param("vswitch_ref").is_some() {
        ctx.args.insert("vswitch_ref".into(), json!(vswitch_ref));
    }
    if let Some(cidr) = &vswitch_cidr {
        ctx.args.insert("vswitch_cidr".into(), json!(cidr));
    }
    ctx.state
        .push(json!({"vpc": vpc_id, "vswitch": chosen_vswitch.as_ref().map(|v| &v["VSwitchId"])}));
    ctx.diff.insert(
        "network".into(),
        json!({
            "vpc": if create_vpc { json!({"create": vpc_name, "cidr": vpc_cidr}) } else { json!({"reuse": vpc_id}) },
            "vswitch": if create_vswitch { json!({"create": vswitch_name, "zone": zone, "cidr": vswitch_cidr}) } else { json!({"reuse": vswitch_ref}) },
        }),
    );
    Ok(())
}

/// Guard: the newest available image of `image_family`, resolved while planning so the preview
/// shows the exact `ImageId` (the composite create refuses `image_id`).
pub async fn image_by_family(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let family = ctx
        .arg_str("image_family")
        .unwrap_or_else(|| "acs:alibaba_cloud_linux_3_2104_lts_x64".into());
    let mut args = json!({"image_family": family, "page_size": 100});
    if let Some(instance_type) = ctx.arg_str("instance_type") {
        args["instance_type"] = json!(instance_type);
    }
    let body = ctx.read(&declared(DESCRIBE_IMAGES, args)).await?.body;
    let mut images: Vec<Value> = body
        .pointer("/Images/Image")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|image| image["Status"].as_str().is_none_or(|s| s == "Available"))
        .collect();
    images.sort_by(|a, b| {
        b["CreationTime"]
            .as_str()
            .unwrap_or_default()
            .cmp(a["CreationTime"].as_str().unwrap_or_default())
    });
    let image = images.first().ok_or_else(|| {
        ToolFailure::new(
            FailureKind::NotFound,
            format!("no available image of family `{family}` in {}", ctx.region()),
        )
        .with_hint("families look like acs:ubuntu_22_04_x64 or acs:alibaba_cloud_linux_3_2104_lts_x64; cp_ecs_describe_images lists them")
    })?;
    let id = image["ImageId"].as_str().unwrap_or_default().to_string();
    ctx.args.insert("image_ref".into(), json!(id));
    ctx.state.push(json!({"image": id}));
    ctx.diff.insert(
        "image".into(),
        json!({"family": family, "image_id": id, "name": image["ImageName"]}),
    );
    Ok(())
}

/// What a delete tool targets: kind, id and how to read it.
fn delete_target_of(ctx: &GuardContext<'_>) -> Option<(&'static str, String)> {
    [
        ("security_group_id", "security group"),
        ("vswitch_id", "VSwitch"),
        ("vpc_id", "VPC"),
    ]
    .into_iter()
    .find_map(|(param, kind)| ctx.arg_str(param).map(|id| (kind, id)))
}

async fn read_target(
    ctx: &GuardContext<'_>,
    kind: &str,
    id: &str,
) -> Result<Option<Value>, ToolFailure> {
    match kind {
        "security group" => security_group(ctx, id).await.map(Some).or_else(|e| {
            if e.kind == FailureKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }),
        "VSwitch" => vswitch(ctx, id).await,
        "VPC" => vpc(ctx, id).await,
        "instance" => instance(ctx, id).await,
        _ => Ok(None),
    }
}

/// Guard: the resource a delete names exists; the plan shows it, who created it, and what
/// still depends on it (a group with instances is refused now instead of failing later).
pub async fn delete_target(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let Some((kind, id)) = delete_target_of(ctx) else {
        return Err(invalid("name the resource to delete".into()));
    };
    let region = ctx.region();
    let found = read_target(ctx, kind, &id)
        .await?
        .ok_or_else(|| not_found(kind, &id, &region))?;
    if kind == "security group" && found["EcsCount"].as_i64().unwrap_or(0) > 0 {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!(
                "security group `{id}` still has {} instance(s); release them first",
                found["EcsCount"]
            ),
        ));
    }
    let creator = created_by(&found);
    if creator.is_none() {
        ctx.checks.push(Check::warning(
            "not_created_by_skillgate",
            json!(format!(
                "{kind} `{id}` was not created by skillgate: deleting it needs the exact phrase"
            )),
        ));
    }
    ctx.state.push(json!({"target": id}));
    ctx.diff.insert(
        "delete".into(),
        json!({"kind": kind, "id": id, "created_by_plan": creator, "resource": found}),
    );
    Ok(())
}

/// Guard: every resource a one-shot cleanup would release carries this server's provenance tag;
/// any that does not is listed and the plan refused, so the cleanup never deletes what someone
/// else made. The plan shows the releases in order.
pub async fn created_here(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let region = ctx.region();
    let mut releases = Vec::new();
    let mut foreign = Vec::new();
    for (param, kind) in [
        ("instance_id", "instance"),
        ("security_group_id", "security group"),
        ("vswitch_id", "VSwitch"),
        ("vpc_id", "VPC"),
    ] {
        let ids = match ctx.args.get(param) {
            Some(Value::Array(_)) => string_list(ctx.args.get(param)),
            _ => ctx.arg_str(param).into_iter().collect(),
        };
        for id in ids {
            let found = read_target(ctx, kind, &id)
                .await?
                .ok_or_else(|| not_found(kind, &id, &region))?;
            match created_by(&found) {
                Some(plan) => {
                    releases.push(json!({"kind": kind, "id": id, "created_by_plan": plan}))
                }
                None => foreign.push(format!("{kind} `{id}`")),
            }
        }
    }
    if !foreign.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::NotCreatedBySkillgate,
            format!(
                "skillgate did not create {} (no `{PROVENANCE_KEY}` tag), so a cleanup will not delete it; nothing was planned",
                foreign.join(", ")
            ),
        )
        .with_hint("leave out what skillgate did not create (a reused VPC or VSwitch), or run the script with cp_ecs_run_command_and_wait and keep everything"));
    }
    ctx.state.push(json!({"releases": releases}));
    ctx.diff.insert(
        "after_the_script".into(),
        json!({"release_in_order": releases, "retries": "IncorrectInstanceStatus and DependencyViolation are retried up to 5 times"}),
    );
    Ok(())
}

/// The invoke id of a `RunCommand` answer.
pub fn invoke_id(answer: &Value) -> Option<&str> {
    answer.get("InvokeId").and_then(Value::as_str)
}

/// The arguments a release call takes.
pub fn release_args(
    region: &str,
    kind: &str,
    id: &str,
) -> Option<(&'static str, Map<String, Value>)> {
    let (tool, args) = match kind {
        "instance" => (super::api::DELETE_INSTANCES, json!({"instance_ids": [id]})),
        "security group" => (
            super::api::DELETE_SECURITY_GROUP,
            json!({"security_group_id": id}),
        ),
        "VSwitch" => (super::api::DELETE_VSWITCH, json!({"vswitch_id": id})),
        "VPC" => (super::api::DELETE_VPC, json!({"vpc_id": id})),
        _ => return None,
    };
    let mut map = args.as_object().cloned().unwrap_or_default();
    map.insert("region_id".into(), json!(region));
    Some((tool, map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_slash24_skips_every_taken_range() {
        assert_eq!(
            free_slash24("192.168.0.0/16", &[]).as_deref(),
            Some("192.168.0.0/24")
        );
        let taken = vec![
            "192.168.0.0/24".to_string(),
            "192.168.1.0/24".to_string(),
            "192.168.2.0/23".to_string(),
        ];
        assert_eq!(
            free_slash24("192.168.0.0/16", &taken).as_deref(),
            Some("192.168.4.0/24")
        );
        assert_eq!(free_slash24("10.0.0.0/24", &["10.0.0.0/24".into()]), None);
        assert_eq!(
            free_slash24("172.16.0.0/12", &["172.16.0.0/16".into()]).as_deref(),
            Some("172.17.0.0/24")
        );
    }

    #[test]
    fn sensitive_ports_never_open_to_the_world() {
        assert!(rule_problems("tcp", "80/80", "0.0.0.0/0").is_empty());
        assert!(rule_problems("tcp", "22/22", "203.0.113.7/32").is_empty());
        assert_eq!(rule_problems("tcp", "22/22", "0.0.0.0/0").len(), 1);
        assert!(rule_problems("tcp", "3000/4000", "0.0.0.0/0")[0].contains("3306"));
        assert!(rule_problems("all", "-1/-1", "::/0")[0].contains("22 (SSH)"));
        assert!(rule_problems("icmp", "-1/-1", "0.0.0.0/0").is_empty());
        assert_eq!(rule_problems("tcp", "eighty", "0.0.0.0/0").len(), 1);
    }
}
