//! The ECS specs DLC's public pool offers (`ListEcsSpecs`): a small fixed catalog of CPU and GPU
//! types, the same families the ECS emulator prices.

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::dlc::handlers::Ctx;
use crate::emulator::core::paging::{Order, SortBy, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// One spec: type, CPU cores, memory GiB, GPUs, GPU type, GPU memory GiB, in stock.
pub struct EcsSpec {
    /// Instance type.
    pub instance_type: &'static str,
    /// vCPUs.
    pub cpu: u64,
    /// GiB.
    pub memory: u64,
    /// GPU cards.
    pub gpu: u64,
    /// GPU model, empty for CPU.
    pub gpu_type: &'static str,
    /// GiB per card.
    pub gpu_memory: u64,
    /// Whether the public pool has stock.
    pub available: bool,
    /// Creation order, for `SortBy=GmtCreateTime`.
    pub order: u64,
}

/// The catalog.
pub const SPECS: &[EcsSpec] = &[
    EcsSpec {
        instance_type: "ecs.c6.large",
        cpu: 2,
        memory: 4,
        gpu: 0,
        gpu_type: "",
        gpu_memory: 0,
        available: true,
        order: 1,
    },
    EcsSpec {
        instance_type: "ecs.g7.xlarge",
        cpu: 4,
        memory: 16,
        gpu: 0,
        gpu_type: "",
        gpu_memory: 0,
        available: true,
        order: 2,
    },
    EcsSpec {
        instance_type: "ecs.g7.2xlarge",
        cpu: 8,
        memory: 32,
        gpu: 0,
        gpu_type: "",
        gpu_memory: 0,
        available: true,
        order: 3,
    },
    EcsSpec {
        instance_type: "ecs.gn6i-c4g1.xlarge",
        cpu: 4,
        memory: 15,
        gpu: 1,
        gpu_type: "T4",
        gpu_memory: 16,
        available: true,
        order: 4,
    },
    EcsSpec {
        instance_type: "ecs.gn7i-c8g1.2xlarge",
        cpu: 8,
        memory: 30,
        gpu: 1,
        gpu_type: "A10",
        gpu_memory: 24,
        available: true,
        order: 5,
    },
    EcsSpec {
        instance_type: "ecs.gn6v-c8g1.2xlarge",
        cpu: 8,
        memory: 32,
        gpu: 1,
        gpu_type: "V100",
        gpu_memory: 16,
        available: false,
        order: 6,
    },
];

fn render(spec: &EcsSpec) -> Value {
    let gpu = spec.gpu > 0;
    json!({
        "InstanceType": spec.instance_type,
        "AcceleratorType": if gpu { "GPU" } else { "CPU" },
        "Cpu": spec.cpu,
        "Memory": spec.memory,
        "Gpu": spec.gpu,
        "GpuType": spec.gpu_type,
        "GpuMemory": spec.gpu_memory,
        "IsAvailable": spec.available,
        "SpotStockStatus": if spec.available { "WithStock" } else { "NoStock" },
        "PaymentTypes": ["PostPaid"],
        "ResourceType": "ECS",
        "DefaultGPUDriver": if gpu { "535.161.08" } else { "" },
        "SupportedGPUDrivers": if gpu { json!(["535.161.08", "550.54.15"]) } else { json!([]) },
        "NonProtectSpotDiscount": 0.3,
    })
}

/// `GET /api/v1/ecsspecs`: `AcceleratorType` CPU/GPU, `InstanceTypes` (comma list),
/// `SortBy` Cpu/Gpu/Memory/GmtCreateTime, `Order`, paging (default 10 per page).
pub fn list_ecs_specs(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(10)?;
    let accel = req
        .query_nonempty("AcceleratorType")
        .map(str::to_ascii_uppercase);
    if let Some(a) = accel.as_deref()
        && a != "CPU"
        && a != "GPU"
    {
        return Err(ApiError::invalid(
            "InvalidParameter.AcceleratorType",
            format!("AcceleratorType \"{a}\" is not valid; valid values: CPU, GPU."),
        ));
    }
    let types = req.query_csv("InstanceTypes");
    let mut selected: Vec<&EcsSpec> = SPECS
        .iter()
        .filter(|s| match accel.as_deref() {
            Some("GPU") => s.gpu > 0,
            Some("CPU") => s.gpu == 0,
            _ => true,
        })
        .filter(|s| {
            types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == s.instance_type))
        })
        .collect();
    match SortBy::from_request(req).as_deref() {
        Some("cpu") => selected.sort_by_key(|s| s.cpu),
        Some("gpu") => selected.sort_by_key(|s| s.gpu),
        Some("memory") => selected.sort_by_key(|s| s.memory),
        _ => selected.sort_by_key(|s| s.order),
    }
    Order::from_request(req).apply(&mut selected);
    Ok(list_response("EcsSpecs", &selected, paging, |s| render(s)))
}
