//! `DescribeZones`, `DescribeInstanceTypes` and `DescribeInstanceTypeFamilies`: the
//! catalog, as the region's zones offer it.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::catalog::instance_types::{
    FAMILIES, INSTANCE_TYPES, InstanceType,
};
use crate::emulator::alibaba::ecs::catalog::zones;
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::rules::pricing::{DISK_CATEGORIES, disk_categories};
use crate::emulator::alibaba::ecs::rules::{region, stock};
use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// Whether `AcceptLanguage` asks for English.
pub fn english(req: &ApiRequest) -> bool {
    req.query_nonempty("AcceptLanguage")
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("en"))
}

fn sorted_unique(mut items: Vec<&'static str>) -> Vec<&'static str> {
    items.sort_unstable();
    items.dedup();
    items
}

/// Every zone of the region with what it offers (`Verbose=false`: ids and names only);
/// a type sold out in a zone is not among its `AvailableInstanceTypes`.
pub fn describe_zones(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    let verbose = req.query_bool("Verbose")?.unwrap_or(true);
    let english = english(req);
    let items: Vec<Value> = zones::zones(region)
        .iter()
        .map(|zone| {
            let mut item = json!({
                "ZoneId": zone,
                "LocalName": zones::local_name(region, zone, english),
                "ZoneType": "AvailabilityZone",
            });
            if verbose && let Value::Object(map) = &mut item {
                let types: Vec<&InstanceType> = INSTANCE_TYPES
                    .iter()
                    .filter(|t| stock::available(&ctx.state.capacity, zone, t) > 0)
                    .collect();
                let ids: Vec<&str> = types.iter().map(|t| t.id).collect();
                let families = sorted_unique(types.iter().map(|t| t.family.id).collect());
                let generations =
                    sorted_unique(types.iter().map(|t| t.family.generation).collect());
                let disks: Vec<&str> = DISK_CATEGORIES.iter().map(|(d, _, _)| *d).collect();
                map.insert(
                    "AvailableResourceCreation".into(),
                    json!({"ResourceTypes": ["VSwitch", "IoOptimized", "Instance", "Disk"]}),
                );
                map.insert(
                    "AvailableInstanceTypes".into(),
                    json!({"InstanceTypes": ids}),
                );
                map.insert(
                    "AvailableDiskCategories".into(),
                    json!({"DiskCategories": disks}),
                );
                map.insert(
                    "AvailableVolumeCategories".into(),
                    json!({"VolumeCategories": disks}),
                );
                map.insert(
                    "AvailableDedicatedHostTypes".into(),
                    json!({"DedicatedHostType": []}),
                );
                map.insert(
                    "DedicatedHostGenerations".into(),
                    json!({"DedicatedHostGeneration": []}),
                );
                map.insert(
                    "AvailableResources".into(),
                    json!({"ResourcesInfo": [{
                        "IoOptimized": true,
                        "InstanceTypes": {"supportedInstanceType": ids},
                        "InstanceTypeFamilies": {"supportedInstanceTypeFamily": families},
                        "InstanceGenerations": {"supportedInstanceGeneration": generations},
                        "SystemDiskCategories": {"supportedSystemDiskCategory": disks},
                        "DataDiskCategories": {"supportedDataDiskCategory": disks},
                        "NetworkTypes": {"supportedNetworkCategory": ["vpc"]},
                    }]}),
                );
            }
            item
        })
        .collect();
    let mut out = Map::new();
    out.insert("Zones".into(), json!({ "Zone": items }));
    Ok(out)
}

/// One `InstanceTypes.InstanceType[]` item.
pub fn instance_type_item(t: &InstanceType) -> Value {
    let burstable = t.family.level == "CreditEntryLevel";
    let bandwidth = t.cpu * 1_000_000 / 2;
    let mut item = json!({
        "InstanceTypeId": t.id,
        "InstanceTypeFamily": t.family.id,
        "InstanceCategory": t.family.category,
        "InstanceFamilyLevel": t.family.level,
        "CpuCoreCount": t.cpu,
        "CpuArchitecture": "X86",
        "PhysicalProcessorModel": t.family.processor,
        "CpuSpeedFrequency": 2.7,
        "CpuTurboFrequency": 3.5,
        "CpuOptions": {"Core": t.cpu.div_ceil(2), "ThreadsPerCore": 2, "CoreFactor": 2, "HyperThreadingAdjustable": true, "NestedVirtualizationSupport": "unsupported", "SupportedTopologyTypes": {"SupportedTopologyType": []}},
        "MemorySize": t.memory_gib,
        "GPUAmount": t.gpu,
        "GPUSpec": t.gpu_spec,
        "GPUMemorySize": t.gpu_memory_gib,
        "LocalStorageCategory": "",
        "LocalStorageAmount": 0,
        "LocalStorageCapacity": 0,
        "DiskQuantity": 17,
    });
    let more = json!({
        "EniQuantity": t.cpu.clamp(2, 8),
        "EniTotalQuantity": t.cpu.clamp(2, 8) + 2,
        "EniPrivateIpAddressQuantity": 6,
        "EniIpv6AddressQuantity": 1,
        "EniTrunkSupported": true,
        "EriQuantity": 0,
        "InstanceBandwidthRx": bandwidth,
        "InstanceBandwidthTx": bandwidth,
        "InstancePpsRx": t.cpu * 150_000,
        "InstancePpsTx": t.cpu * 150_000,
        "PrimaryEniQueueNumber": t.cpu.min(8),
        "SecondaryEniQueueNumber": t.cpu.min(8),
        "TotalEniQueueQuantity": t.cpu.min(8) * 4,
        "MaximumQueueNumberPerEni": t.cpu.min(8),
        "QueuePairNumber": 0,
        "NetworkCardQuantity": 1,
        "NetworkCards": {"NetworkCardInfo": [{"NetworkCardIndex": 0}]},
        "NetworkEncryptionSupport": false,
        "JumboFrameSupport": true,
        "NvmeSupport": if t.family.legacy_disks { "unsupported" } else { "required" },
        "BaselineCredit": if burstable { 10 * t.cpu } else { 0 },
        "InitialCredit": if burstable { 30 * t.cpu } else { 0 },
        "SupportedBootModes": {"SupportedBootMode": ["BIOS", "UEFI"]},
        "EnhancedNetwork": {"RssSupport": true, "SriovSupport": true, "VfQueueNumberPerEni": t.cpu.min(8), "ExpressSupport": false},
        "SecurityOptions": {"SecureBootSupport": "supported"},
        "Clock": {"PtpSupport": "unsupported"},
        "Attributes": {"Attribute": [{"Name": "SupportedDiskCategories", "Value": disk_categories(t.family).join(",")}]},
        "NetworkInfo": {"BandwidthWeighting": {"WeightingInfos": {"WeightingInfo": []}}},
    });
    if let (Value::Object(item), Value::Object(more)) = (&mut item, more) {
        item.extend(more);
    }
    item
}

fn float_filter(req: &ApiRequest, name: &str) -> Result<Option<f64>, ApiError> {
    match req.query_nonempty(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<f64>().map(Some).map_err(|_| {
            errors::invalid(
                name,
                format!("The parameter {name} must be a number, got \"{v}\"."),
            )
        }),
    }
}

/// The catalog's types filtered by id (`InstanceTypes.N`), family, vCPUs, memory, GPUs,
/// category and level; paged with `NextToken` + `MaxResults` (at most 1600).
pub fn describe_instance_types(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let ids = req.repeat_list("InstanceTypes");
    let mut families = req.repeat_list("InstanceTypeFamilies");
    families.extend(req.query_nonempty("InstanceTypeFamily").map(str::to_owned));
    let min_cpu = req.query_u64("MinimumCpuCoreCount")?;
    let max_cpu = req.query_u64("MaximumCpuCoreCount")?;
    let min_mem = float_filter(req, "MinimumMemorySize")?;
    let max_mem = float_filter(req, "MaximumMemorySize")?;
    let min_gpu = req.query_u64("MinimumGPUAmount")?;
    let max_gpu = req.query_u64("MaximumGPUAmount")?;
    let gpu_spec = req.query_nonempty("GPUSpec");
    let category = req.query_nonempty("InstanceCategory");
    let level = req.query_nonempty("InstanceFamilyLevel");
    let page = TokenPage::from_request(req, 1, 1600, 100)?;
    let selected: Vec<&InstanceType> = INSTANCE_TYPES
        .iter()
        .filter(|t| ids.is_empty() || ids.iter().any(|i| i == t.id))
        .filter(|t| families.is_empty() || families.iter().any(|f| f == t.family.id))
        .filter(|t| min_cpu.is_none_or(|m| u64::from(t.cpu) >= m))
        .filter(|t| max_cpu.is_none_or(|m| u64::from(t.cpu) <= m))
        .filter(|t| min_mem.is_none_or(|m| t.memory_gib >= m))
        .filter(|t| max_mem.is_none_or(|m| t.memory_gib <= m))
        .filter(|t| min_gpu.is_none_or(|m| u64::from(t.gpu) >= m))
        .filter(|t| max_gpu.is_none_or(|m| u64::from(t.gpu) <= m))
        .filter(|t| gpu_spec.is_none_or(|s| t.gpu_spec == s))
        .filter(|t| category.is_none_or(|c| t.family.category == c))
        .filter(|t| level.is_none_or(|l| t.family.level == l))
        .collect();
    let (items, next) = page.slice(&selected);
    let items: Vec<Value> = items.iter().map(|t| instance_type_item(t)).collect();
    let mut out = Map::new();
    out.insert("InstanceTypes".into(), json!({ "InstanceType": items }));
    out.insert("NextToken".into(), json!(next.unwrap_or_default()));
    Ok(out)
}

/// The families sold in the region, optionally of one `Generation` (`ecs-5` ...).
pub fn describe_instance_type_families(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::required(req)?;
    let generation = req.query_nonempty("Generation");
    let items: Vec<Value> = FAMILIES
        .iter()
        .filter(|f| generation.is_none_or(|g| f.generation == g))
        .map(|f| json!({"InstanceTypeFamilyId": f.id, "Generation": f.generation}))
        .collect();
    let mut out = Map::new();
    out.insert(
        "InstanceTypeFamilies".into(),
        json!({ "InstanceTypeFamily": items }),
    );
    Ok(out)
}
