//! `DescribeAvailableResource` (what each zone has left, per destination resource) and
//! `DescribeRecommendInstanceType` (types matching a size or another type, in zones that
//! have them in stock). Both read `rules::stock`, so a sold-out zone shows.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::catalog::instance_types::{self, INSTANCE_TYPES, InstanceType};
use crate::emulator::alibaba::ecs::catalog::zones;
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::Capacity;
use crate::emulator::alibaba::ecs::rules::pricing::{self, DISK_CATEGORIES, disk_categories};
use crate::emulator::alibaba::ecs::rules::{region, stock};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The `DestinationResource` values served.
const DESTINATIONS: &[&str] = &[
    "Zone",
    "IoOptimized",
    "InstanceType",
    "SystemDisk",
    "DataDisk",
    "Network",
];

fn charge_type(req: &ApiRequest) -> Result<&str, ApiError> {
    match req.query_nonempty("InstanceChargeType") {
        None => Ok("PostPaid"),
        Some(c @ ("PostPaid" | "PrePaid")) => Ok(c),
        Some(c) => Err(errors::invalid(
            "InstanceChargeType",
            format!("InstanceChargeType \"{c}\" is not valid; valid values: PrePaid, PostPaid."),
        )),
    }
}

fn memory_filter(req: &ApiRequest) -> Result<Option<f64>, ApiError> {
    match req.query_nonempty("Memory") {
        None => Ok(None),
        Some(v) => v.trim().parse::<f64>().map(Some).map_err(|_| {
            errors::invalid(
                "Memory",
                format!("Memory must be a number of GiB, got \"{v}\"."),
            )
        }),
    }
}

/// The instance type a call names, which must exist.
fn named_type(req: &ApiRequest) -> Result<Option<&'static InstanceType>, ApiError> {
    match req.query_nonempty("InstanceType") {
        None => Ok(None),
        Some(id) => instance_types::find(id)
            .map(Some)
            .ok_or_else(|| errors::instance_type_not_found(id)),
    }
}

struct Supported {
    value: String,
    left: Option<u32>,
    min: u32,
    max: u32,
    unit: &'static str,
}

impl Supported {
    fn plain(value: &str) -> Self {
        Self {
            value: value.to_owned(),
            left: None,
            min: 0,
            max: 0,
            unit: "",
        }
    }

    fn item(&self) -> Value {
        let level = stock::level(self.left.unwrap_or(u32::MAX));
        json!({
            "Value": self.value,
            "Status": level.status(),
            "StatusCategory": level.category(),
            "Min": self.min,
            "Max": self.max,
            "Unit": self.unit,
        })
    }
}

fn disks(t: Option<&InstanceType>, max: u32) -> Vec<Supported> {
    let categories: Vec<&str> = match t {
        Some(t) => disk_categories(t.family),
        None => DISK_CATEGORIES.iter().map(|(d, _, _)| *d).collect(),
    };
    categories
        .into_iter()
        .map(|c| Supported {
            min: 20,
            max,
            unit: "GiB",
            ..Supported::plain(c)
        })
        .collect()
}

fn zone_resources(
    capacity: &Capacity,
    zone: &str,
    destination: &str,
    req: &ApiRequest,
    named: Option<&InstanceType>,
) -> Result<Vec<Supported>, ApiError> {
    let cores = req.query_u64("Cores")?;
    let memory = memory_filter(req)?;
    Ok(match destination {
        "Zone" => vec![Supported::plain(zone)],
        "IoOptimized" => vec![Supported::plain("optimized")],
        "Network" => vec![Supported::plain("vpc")],
        "SystemDisk" => disks(named, 2048),
        "DataDisk" => disks(named, 32_768),
        _ => INSTANCE_TYPES
            .iter()
            .filter(|t| zones::offers(zone, t))
            .filter(|t| named.is_none_or(|n| n.id == t.id))
            .filter(|t| cores.is_none_or(|c| u64::from(t.cpu) == c))
            .filter(|t| memory.is_none_or(|m| (t.memory_gib - m).abs() < f64::EPSILON))
            .map(|t| Supported {
                left: Some(stock::available(capacity, zone, t)),
                ..Supported::plain(t.id)
            })
            .collect(),
    })
}

/// What each zone (or the one `ZoneId`) has for `DestinationResource`. Instance types are
/// listed with their stock: `Available`/`WithStock`, `Available`/`ClosedWithStock` (a
/// few left) or `SoldOut`/`WithoutStock`; a zone is `SoldOut` when nothing it lists is
/// available. Disks and networks are always available.
pub fn describe_available_resource(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let destination = req
        .query_nonempty("DestinationResource")
        .ok_or_else(|| ApiError::missing("DestinationResource"))?;
    if !DESTINATIONS.contains(&destination) {
        return Err(errors::invalid(
            "DestinationResource",
            format!(
                "DestinationResource \"{destination}\" is not valid; valid values: {}.",
                DESTINATIONS.join(", ")
            ),
        ));
    }
    charge_type(req)?;
    let named = named_type(req)?;
    if let Some(category) = req.query_nonempty("SystemDiskCategory")
        && !DISK_CATEGORIES.iter().any(|(d, _, _)| *d == category)
    {
        return Err(errors::invalid_disk_category(category, None));
    }
    let zone_filter = req.query_nonempty("ZoneId");
    if let Some(zone) = zone_filter
        && !zones::is_zone(region, zone)
    {
        return Err(errors::zone_not_found(zone, region));
    }
    let mut items = Vec::new();
    for zone in zones::zones(region) {
        if zone_filter.is_some_and(|z| z != zone) {
            continue;
        }
        let resources = zone_resources(&ctx.state.capacity, &zone, destination, req, named)?;
        if resources.is_empty() {
            continue;
        }
        let best = resources
            .iter()
            .map(|r| r.left.unwrap_or(u32::MAX))
            .max()
            .unwrap_or(0);
        let level = stock::level(best);
        let kind = if destination == "IoOptimized" {
            "IoOptimized"
        } else {
            destination
        };
        items.push(json!({
            "ZoneId": zone,
            "RegionId": region,
            "Status": level.status(),
            "StatusCategory": level.category(),
            "AvailableResources": {"AvailableResource": [{
                "Type": kind,
                "SupportedResources": {"SupportedResource": resources.iter().map(Supported::item).collect::<Vec<_>>()},
            }]},
        }));
    }
    let mut out = Map::new();
    out.insert("AvailableZones".into(), json!({ "AvailableZone": items }));
    Ok(out)
}

/// One recommendation.
struct Candidate {
    instance_type: &'static InstanceType,
    zone: String,
    left: u32,
    price: f64,
}

/// Types that match `Cores` + `Memory` (GiB), or that have the size of `InstanceType`
/// (the named type first), narrowed by `InstanceFamilyLevel`, `InstanceTypeFamily.N` and
/// `ZoneId`, in every zone that has them in stock, ordered by `PriorityStrategy`:
/// `InventoryFirst` (most stock first, the default), `PriceFirst` or `NewProductFirst`.
pub fn describe_recommend_instance_type(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let network = req
        .query_nonempty("NetworkType")
        .ok_or_else(|| ApiError::missing("NetworkType"))?;
    if network != "vpc" && network != "classic" {
        return Err(errors::invalid(
            "NetworkType",
            format!("NetworkType \"{network}\" is not valid; valid values: vpc, classic."),
        ));
    }
    let charge = charge_type(req)?;
    let named = named_type(req)?;
    let cores = req.query_u64("Cores")?;
    let memory = memory_filter(req)?;
    if named.is_none() && (cores.is_none() || memory.is_none()) {
        return Err(errors::invalid(
            "Cores",
            "Name an InstanceType, or both Cores and Memory (GiB).",
        ));
    }
    let level = req.query_nonempty("InstanceFamilyLevel");
    let families = req.repeat_list("InstanceTypeFamily");
    let zone_filter = req.query_nonempty("ZoneId");
    let strategy = req
        .query_nonempty("PriorityStrategy")
        .unwrap_or("InventoryFirst");
    if !["InventoryFirst", "PriceFirst", "NewProductFirst"].contains(&strategy) {
        return Err(errors::invalid(
            "PriorityStrategy",
            format!(
                "PriorityStrategy \"{strategy}\" is not valid; valid values: InventoryFirst, PriceFirst, NewProductFirst."
            ),
        ));
    }
    let disk = req.query_nonempty("SystemDiskCategory");
    let (want_cpu, want_mem) = match named {
        Some(t) => (u64::from(t.cpu), t.memory_gib),
        None => (cores.unwrap_or_default(), memory.unwrap_or_default()),
    };
    let capacity = &ctx.state.capacity;
    let mut candidates: Vec<Candidate> = Vec::new();
    for t in INSTANCE_TYPES {
        let fits = u64::from(t.cpu) == want_cpu
            && (t.memory_gib - want_mem).abs() < f64::EPSILON
            && level.is_none_or(|l| t.family.level == l)
            && (families.is_empty() || families.iter().any(|f| f == t.family.id))
            && disk.is_none_or(|d| pricing::takes_disk(t.family, d))
            && (named.is_none() || !t.is_gpu() || named.is_some_and(InstanceType::is_gpu));
        if !fits {
            continue;
        }
        for zone in zones::zones(region) {
            if zone_filter.is_some_and(|z| z != zone) {
                continue;
            }
            let left = stock::available(capacity, &zone, t);
            if left > 0 {
                candidates.push(Candidate {
                    instance_type: t,
                    zone,
                    left,
                    price: pricing::instance_hourly(capacity, region, t),
                });
            }
        }
    }
    match strategy {
        "PriceFirst" => candidates.sort_by(|a, b| a.price.total_cmp(&b.price)),
        "NewProductFirst" => candidates.sort_by(|a, b| {
            b.instance_type
                .family
                .generation
                .cmp(a.instance_type.family.generation)
        }),
        _ => candidates.sort_by_key(|c| std::cmp::Reverse(c.left)),
    }
    if let Some(named) = named {
        candidates.sort_by_key(|c| c.instance_type.id != named.id);
    }
    let items: Vec<Value> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let t = c.instance_type;
            json!({
                "CommodityCode": "ecs",
                "InstanceChargeType": charge,
                "NetworkType": network,
                "Priority": i + 1,
                "RegionId": region,
                "Scene": req.query_nonempty("Scene").unwrap_or("CREATE"),
                "SpotStrategy": req.query_nonempty("SpotStrategy").unwrap_or("NoSpot"),
                "ZoneId": c.zone,
                "InstanceType": {
                    "InstanceType": t.id,
                    "InstanceTypeFamily": t.family.id,
                    "Generation": t.family.generation,
                    "Cores": t.cpu,
                    "Memory": t.memory_mib(),
                    "SupportIoOptimized": "optimized",
                },
                "Zones": {"zone": [{"ZoneNo": c.zone, "NetworkTypes": {"NetworkType": [network]}}]},
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Data".into(), json!({ "RecommendInstanceType": items }));
    Ok(out)
}
