//! `RunInstances` and `DeleteInstances`: instances enter `ecs.instance.create`
//! (`Pending`, `Starting`, `Running` on the emulated clock), take from the zone's stock
//! and count against the vCPU quota; release gives the stock back. Both honour
//! `ClientToken` (a repeated token returns the first answer and creates nothing).
//! `UserData` is accepted and kept only as a size: nothing is ever run.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::price::{bandwidth, data_disks, system_disk};
use crate::emulator::alibaba::ecs::catalog::instance_types::{self, InstanceType};
use crate::emulator::alibaba::ecs::catalog::{images, zones};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{
    CloudAssistant, INSTANCE_CREATE, Instance, InstanceStatus, OsType,
};
use crate::emulator::alibaba::ecs::regions;
use crate::emulator::alibaba::ecs::rules::pricing::{self, PriceQuery, PriceUnit};
use crate::emulator::alibaba::ecs::rules::token::client_token;
use crate::emulator::alibaba::ecs::rules::{region, stock};
use crate::emulator::alibaba::vpc::models::VpcBackend;
use crate::emulator::alibaba::vpc::rules::cidr::Cidr;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

/// The pay-as-you-go vCPUs a region allows unless the admin API set another quota.
pub const DEFAULT_VCPU_QUOTA: u32 = 200;
/// The largest UserData accepted (Base64 decoded), as ECS allows.
pub const MAX_USER_DATA: usize = 32 * 1024;

fn mismatch(message: String) -> ApiError {
    ApiError::invalid("InvalidParameter.Mismatch", message)
}

fn image(req: &ApiRequest) -> Result<&'static images::Image, ApiError> {
    if let Some(id) = req.query_nonempty("ImageId") {
        return images::find(id).ok_or_else(|| {
            ApiError::new(404, "InvalidImageId.NotFound", format!("The specified ImageId \"{id}\" does not exist; DescribeImages lists the images."))
        });
    }
    let family = req
        .query_nonempty("ImageFamily")
        .ok_or_else(|| ApiError::missing("ImageId"))?;
    images::latest_of(family).ok_or_else(|| {
        ApiError::new(
            404,
            "InvalidImageFamily.NotFound",
            format!("The image family \"{family}\" has no available image."),
        )
    })
}

/// The size of the UserData (Base64, at most 32 KiB decoded); never kept, never run.
fn user_data_size(req: &ApiRequest) -> Result<usize, ApiError> {
    let Some(data) = req.query_nonempty("UserData") else {
        return Ok(0);
    };
    let bytes = BASE64.decode(data.trim()).map_err(|_| {
        ApiError::invalid(
            "InvalidUserData.Base64FormatInvalid",
            "UserData must be Base64-encoded.",
        )
    })?;
    if bytes.len() > MAX_USER_DATA {
        return Err(ApiError::invalid(
            "InvalidUserData.SizeExceeded",
            format!("UserData may be at most {MAX_USER_DATA} bytes."),
        ));
    }
    Ok(bytes.len())
}

fn charge_type(req: &ApiRequest) -> Result<&str, ApiError> {
    match req
        .query_nonempty("InstanceChargeType")
        .unwrap_or("PostPaid")
    {
        c @ ("PostPaid" | "PrePaid") => Ok(c),
        c => Err(errors::invalid(
            "InstanceChargeType",
            format!("InstanceChargeType \"{c}\" is not valid; valid values: PrePaid, PostPaid."),
        )),
    }
}

/// The next free private addresses of a VSwitch (from .10 up, as the console assigns).
fn private_ips(cidr: &str, taken: &[&str], count: usize) -> Vec<String> {
    let Some(block) = Cidr::parse(cidr) else {
        return Vec::new();
    };
    let last = u32::try_from(block.size().saturating_sub(4)).unwrap_or(u32::MAX);
    (10..last)
        .map(|n| block.nth(n).to_string())
        .filter(|ip| !taken.contains(&ip.as_str()))
        .take(count)
        .collect()
}

fn public_ip(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    format!(
        "47.{}.{}.{}",
        96 + digest[0] % 32,
        digest[1],
        1 + digest[2] % 254
    )
}

/// Everything `RunInstances` checked, ready to create.
struct Order<'a> {
    instance_type: &'static InstanceType,
    image: &'static images::Image,
    zone: String,
    vpc_id: String,
    vswitch_id: String,
    vswitch_cidr: String,
    security_group_id: String,
    amount: u32,
    charge: &'a str,
    disk: pricing::Disk,
    bandwidth_out: u32,
    pay_by_bandwidth: bool,
    user_data_bytes: usize,
}

fn check(ctx: &Ctx<'_>, req: &ApiRequest, region: &str) -> Result<Order<'static>, ApiError> {
    let type_id = req
        .query_nonempty("InstanceType")
        .ok_or_else(|| ApiError::missing("InstanceType"))?;
    let instance_type = instance_types::find(type_id)
        .ok_or_else(|| errors::instance_type_not_supported(type_id, region))?;
    let image = image(req)?;
    let vswitch_id = req
        .query_nonempty("VSwitchId")
        .ok_or_else(|| ApiError::missing("VSwitchId"))?;
    let vpc = ctx.siblings.get::<VpcBackend>();
    let vswitch = vpc.and_then(|v| v.vswitch(vswitch_id)).ok_or_else(|| {
        ApiError::new(
            404,
            "InvalidVSwitchId.NotFound",
            format!("The specified VSwitchId \"{vswitch_id}\" does not exist in {region}."),
        )
    })?;
    let vsw_status = vswitch.status(ctx.now);
    if vsw_status != "Available" {
        return Err(ApiError::new(
            403,
            "IncorrectVSwitchStatus",
            format!("The VSwitch {vswitch_id} is {vsw_status}; wait until it is Available."),
        ));
    }
    let zone = vswitch.zone_id.clone();
    if let Some(asked) = req.query_nonempty("ZoneId").filter(|z| *z != zone) {
        return Err(mismatch(format!(
            "ZoneId {asked} does not match the zone of VSwitch {vswitch_id} ({zone})."
        )));
    }
    let sg_id = req
        .query_nonempty("SecurityGroupId")
        .map(str::to_owned)
        .or_else(|| req.repeat_list("SecurityGroupIds").into_iter().next())
        .ok_or_else(|| ApiError::missing("SecurityGroupId"))?;
    let group = ctx
        .state
        .security_group(&sg_id)
        .ok_or_else(|| errors::security_group_not_found(&sg_id, region))?;
    if group.vpc_id != vswitch.vpc_id {
        return Err(mismatch(format!(
            "Security group {sg_id} is in {} but VSwitch {vswitch_id} is in {}.",
            group.vpc_id, vswitch.vpc_id
        )));
    }
    if !zones::offers(&zone, instance_type) {
        return Err(errors::instance_type_not_supported(type_id, &zone));
    }
    let disk = system_disk(req, instance_type)?;
    if disk.size_gib < image.size_gib {
        return Err(errors::invalid(
            "SystemDisk.Size",
            format!(
                "The image {} needs a system disk of at least {} GiB.",
                image.id, image.size_gib
            ),
        ));
    }
    data_disks(req, instance_type)?;
    let (pay_by_bandwidth, bandwidth_out) = bandwidth(req)?;
    let charge = charge_type(req)?;
    let amount = u32::try_from(req.int_in_range("Amount", 1, 100, 1)?).unwrap_or(1);
    Ok(Order {
        instance_type,
        image,
        zone,
        vpc_id: vswitch.vpc_id.clone(),
        vswitch_id: vswitch_id.to_owned(),
        vswitch_cidr: vswitch.cidr.clone(),
        security_group_id: sg_id,
        amount,
        charge: if charge == "PrePaid" {
            "PrePaid"
        } else {
            "PostPaid"
        },
        disk,
        bandwidth_out,
        pay_by_bandwidth,
        user_data_bytes: user_data_size(req)?,
    })
}

/// Creates `Amount` instances of `InstanceType` from `ImageId` or `ImageFamily` in
/// `VSwitchId` (its zone) and `SecurityGroupId` (same VPC).
pub fn run_instances(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    let region = region::required(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.capacity.answered("RunInstances", token) {
        return Ok(answer);
    }
    let order = check(ctx, req, region)?;
    if req.query_bool("DryRun")? == Some(true) {
        return Err(ApiError::invalid(
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    let t = order.instance_type;
    if order.charge == "PostPaid" {
        let used: u32 = ctx
            .state
            .instances
            .iter()
            .filter(|i| i.charge_type == "PostPaid")
            .map(|i| i.cpu)
            .sum();
        let quota = ctx.state.capacity.vcpu_quota.unwrap_or(DEFAULT_VCPU_QUOTA);
        let wanted = t.cpu * order.amount;
        if used + wanted > quota {
            return Err(ApiError::new(
                403,
                "QuotaExceed",
                format!(
                    "The pay-as-you-go vCPU quota of {region} is {quota}; {used} are in use and {wanted} more were asked for. Raise the quota in Quota Center."
                ),
            ));
        }
    }
    if !stock::take(&mut ctx.state.capacity, &order.zone, t, order.amount) {
        return Err(ApiError::new(
            403,
            "OperationDenied.NoStock",
            format!(
                "The resource is out of stock in the specified zone ({} in {}); try another zone or instance type.",
                t.id, order.zone
            ),
        ));
    }
    let quote = pricing::quote(
        &ctx.state.capacity,
        &PriceQuery {
            instance_type: t,
            region,
            system_disk: order.disk.clone(),
            data_disks: Vec::new(),
            bandwidth_out: order.bandwidth_out,
            pay_by_bandwidth: order.pay_by_bandwidth,
            unit: PriceUnit::Hour,
            period: 1,
            amount: order.amount,
        },
    );
    let taken: Vec<&str> = ctx
        .state
        .instances
        .iter()
        .filter(|i| i.vswitch_id == order.vswitch_id)
        .map(|i| i.private_ip.as_str())
        .collect();
    let ips = private_ips(
        &order.vswitch_cidr,
        &taken,
        usize::try_from(order.amount).unwrap_or(1),
    );
    let name = req.query_nonempty("InstanceName");
    let suffix = req.query_bool("UniqueSuffix")?.unwrap_or(false) && order.amount > 1;
    let tags = req.tag_pairs("Tag");
    let progress = ctx.progress(&INSTANCE_CREATE);
    let mut ids = Vec::new();
    for (n, ip) in ips.into_iter().enumerate() {
        let id = regions::new_id("i", region, 20);
        let name = match (name, suffix) {
            (Some(name), true) => format!("{name}{:03}", n + 1),
            (Some(name), false) => name.to_owned(),
            (None, _) => id.clone(),
        };
        let mut instance = Instance {
            host_name: req
                .query_nonempty("HostName")
                .map_or_else(|| format!("iZ{}Z", &id[2..]), str::to_owned),
            name,
            description: req
                .query_nonempty("Description")
                .unwrap_or_default()
                .to_owned(),
            region_id: region.to_owned(),
            zone_id: order.zone.clone(),
            status: InstanceStatus::Pending,
            os_type: order.image.os_type,
            os_name: order.image.os_name.to_owned(),
            os_name_en: order.image.os_name_en.to_owned(),
            image_id: order.image.id.to_owned(),
            instance_type: t.id.to_owned(),
            instance_type_family: t.family.id.to_owned(),
            cpu: t.cpu,
            memory_mib: t.memory_mib(),
            private_ip: ip,
            public_ip: (order.bandwidth_out > 0).then(|| public_ip(&id)),
            vpc_id: order.vpc_id.clone(),
            vswitch_id: order.vswitch_id.clone(),
            security_group_id: order.security_group_id.clone(),
            created: ctx.now,
            started: ctx.now,
            tags: tags.clone(),
            cloud_assistant: CloudAssistant {
                online: false,
                version: if order.image.os_type == OsType::Windows {
                    "2.1.3.857".into()
                } else {
                    "2.2.3.857".into()
                },
                last_heartbeat: ctx.now,
            },
            system_disk_gib: order.disk.size_gib,
            disk_used_percent: 8,
            system_disk_category: order.disk.category.clone(),
            charge_type: order.charge.to_owned(),
            internet_max_bandwidth_out: order.bandwidth_out,
            internet_charge_type: if order.pay_by_bandwidth {
                "PayByBandwidth".into()
            } else {
                "PayByTraffic".into()
            },
            user_data_bytes: order.user_data_bytes,
            boot: Some(progress),
            seeded: false,
            id,
        };
        instance.settle(ctx.now);
        ids.push(instance.id.clone());
        ctx.state.instances.push(instance);
    }
    let mut out = Map::new();
    out.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": ids }));
    out.insert(
        "OrderId".into(),
        json!(random_id("2", 14).replace(|c: char| !c.is_ascii_digit(), "7")),
    );
    out.insert("TradePrice".into(), json!(quote.trade));
    ctx.state.capacity.remember("RunInstances", token, &out);
    Ok(out)
}

/// Releases `InstanceId.N` (1 to 100, all in the region). Without `Force=true` only
/// `Stopped` instances may go (`IncorrectInstanceStatus` otherwise); with it, any.
pub fn delete_instances(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    let region = region::required(req)?;
    let token = client_token(req)?;
    if let Some(answer) = ctx.state.capacity.answered("DeleteInstances", token) {
        return Ok(answer);
    }
    let mut ids = req.repeat_list("InstanceId");
    ids.dedup();
    if ids.is_empty() {
        return Err(ApiError::missing("InstanceId"));
    }
    if ids.len() > 100 {
        return Err(errors::invalid(
            "InstanceId",
            "At most 100 instances per call.",
        ));
    }
    let force = req.query_bool("Force")?.unwrap_or(false);
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| ctx.state.instance(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(errors::instances_not_found(&missing, region));
    }
    let refused: Vec<String> = ids
        .iter()
        .filter_map(|id| ctx.state.instance(id))
        .filter(|i| !force && i.status != InstanceStatus::Stopped)
        .map(|i| {
            format!(
                "{} is {} (stop it first, or pass Force=true)",
                i.id,
                i.status.as_str()
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(errors::incorrect_instance_status(&refused));
    }
    if req.query_bool("DryRun")? == Some(true) {
        return Err(ApiError::invalid(
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    let released: Vec<Instance> = ctx
        .state
        .instances
        .iter()
        .filter(|i| ids.contains(&i.id))
        .cloned()
        .collect();
    ctx.state.instances.retain(|i| !ids.contains(&i.id));
    for i in &released {
        if let Some(t) = instance_types::find(&i.instance_type) {
            stock::give_back(&mut ctx.state.capacity, &i.zone_id, t, 1);
        }
    }
    let out = Map::new();
    ctx.state.capacity.remember("DeleteInstances", token, &out);
    Ok(out)
}
