//! What every region offers for pools, inference and Lite Server, whatever the account holds:
//! the resource flavors of dedicated pools (also the inference flavors a pool offers), and
//! the Lite Server flavors and images. Constant data, rendered in the SDK's shapes.

use serde_json::{Value, json};

/// A dedicated-pool resource flavor.
#[derive(Debug, Clone, Copy)]
pub struct ResourceFlavor {
    /// The flavor id.
    pub id: &'static str,
    /// `x86` or `arm64`.
    pub arch: &'static str,
    /// vCPUs.
    pub cpu: u32,
    /// Memory in GiB.
    pub memory_gi: u32,
    /// `(kind, card type, cards)` of the accelerator: `("gpu", "nvidia-t4", 1)`.
    pub accelerator: Option<(&'static str, &'static str, u32)>,
    /// Whether its second availability zone is sold out.
    pub second_az_sold_out: bool,
}

/// The resource flavors (`GET /v1/{project_id}/resourceflavors`).
pub const RESOURCE_FLAVORS: &[ResourceFlavor] = &[
    ResourceFlavor {
        id: "modelarts.vm.cpu.8ud",
        arch: "x86",
        cpu: 8,
        memory_gi: 32,
        accelerator: None,
        second_az_sold_out: false,
    },
    ResourceFlavor {
        id: "modelarts.vm.gpu.t4u8",
        arch: "x86",
        cpu: 8,
        memory_gi: 32,
        accelerator: Some(("gpu", "nvidia-t4", 1)),
        second_az_sold_out: false,
    },
    ResourceFlavor {
        id: "modelarts.bm.gpu.8v100",
        arch: "x86",
        cpu: 72,
        memory_gi: 512,
        accelerator: Some(("gpu", "nvidia-v100", 8)),
        second_az_sold_out: true,
    },
    ResourceFlavor {
        id: "modelarts.bm.npu.arm.8snt9b3.d",
        arch: "arm64",
        cpu: 192,
        memory_gi: 1536,
        accelerator: Some(("npu", "ascend-snt9b3", 8)),
        second_az_sold_out: false,
    },
];

/// A resource flavor by id.
pub fn resource_flavor(id: &str) -> Option<&'static ResourceFlavor> {
    RESOURCE_FLAVORS.iter().find(|f| f.id == id)
}

/// The two availability zones of a region.
pub fn azs(region: &str) -> [String; 2] {
    [format!("{region}a"), format!("{region}b")]
}

/// A resource flavor in `list_resource_flavors`' shape.
pub fn render_resource_flavor(flavor: &ResourceFlavor, region: &str) -> Value {
    let [first, second] = azs(region);
    let mut spec = json!({
        "type": "Dedicate", "cpuArch": flavor.arch, "cpu": flavor.cpu.to_string(),
        "memory": format!("{}Gi", flavor.memory_gi),
        "dataVolume": [{"volumeType": "SSD", "size": "100Gi"}],
        "billingModes": [0, 1], "billingCode": flavor.id,
        "jobFlavors": [],
    });
    if let Some((kind, card, count)) = flavor.accelerator {
        spec[kind] = json!({"type": card, "size": count.to_string(), "card": count.to_string(), "chip": count.to_string(), "memory": "32Gi"});
    }
    json!({
        "apiVersion": "v1", "kind": "ResourceFlavor",
        "metadata": {"name": flavor.id, "labels": {"os.modelarts/scope": "Train.Infer.Notebook"}},
        "spec": spec,
        "status": {"phase": {first: "normal", second: if flavor.second_az_sold_out { "soldout" } else { "normal" }}},
    })
}

/// A pool's flavor as an inference flavor (`show_infer_service_cluster`'s `flavors[]`):
/// memory in KB, as the service API reports it.
pub fn render_infer_flavor(flavor: &ResourceFlavor) -> Value {
    let category = match flavor.accelerator {
        Some(("npu", ..)) => "NPU",
        Some(_) => "GPU",
        None => "CPU",
    };
    let mut out = json!({
        "id": flavor.id, "name": flavor.id, "arch": if flavor.arch == "x86" { "x86" } else { "arm" },
        "category": category, "vcpus": flavor.cpu,
        "memory": u64::from(flavor.memory_gi) * 1024 * 1024,
        "description": format!("{category}: {} vCPUs {}GiB", flavor.cpu, flavor.memory_gi),
        "feature": "DEFAULT", "free": false, "sold_out": false,
        "billing": {"code": flavor.id, "unit_num": 1},
        "storages": ["EVS", "OBS", "SFS"], "evs_max_size": "1024",
    });
    if let Some((kind, card, count)) = flavor.accelerator {
        let key = if kind == "npu" { "ascend" } else { "gpu" };
        out[key] = json!({"type": card, "num": count, "memory": "32GB"});
    }
    out
}

/// A Lite Server flavor.
#[derive(Debug, Clone, Copy)]
pub struct LiteFlavor {
    /// The flavor name.
    pub flavor: &'static str,
    /// `BMS` or `ECS`.
    pub server_type: &'static str,
    /// `X86` or `ARM`.
    pub arch: &'static str,
    /// Whether it is sold out.
    pub sold_out: bool,
    /// What it is.
    pub specification: &'static str,
}

/// The Lite Server flavors (`GET /v1/{project_id}/dev-servers/flavors`).
pub const LITE_FLAVORS: &[LiteFlavor] = &[
    LiteFlavor {
        flavor: "modelarts.bm.gpu.8a100.80g",
        server_type: "BMS",
        arch: "X86",
        sold_out: true,
        specification: "8*A100(80GB) | 128 vCPUs 1024GB",
    },
    LiteFlavor {
        flavor: "modelarts.bm.npu.arm.8snt9b3.d",
        server_type: "BMS",
        arch: "ARM",
        sold_out: false,
        specification: "8*Ascend snt9b3 | 192 vCPUs 1536GB",
    },
    LiteFlavor {
        flavor: "modelarts.ecs.gpu.p2s.2xlarge",
        server_type: "ECS",
        arch: "X86",
        sold_out: false,
        specification: "1*V100(32GB) | 8 vCPUs 64GB",
    },
];

/// A Lite Server image: `(id, name, server type, arch)`.
pub const LITE_IMAGES: &[(&str, &str, &str, &str)] = &[
    (
        "6e3d0b1c-8f4a-4c59-9d3e-2a7b1c0f5e91",
        "EulerOS-2.10-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.0",
        "BMS",
        "ARM",
    ),
    (
        "0c9b2d7e-51aa-4f36-8e0b-7d4c3a2f1b60",
        "Ubuntu-22.04-x86-64bit-for-A100-BareMetal-with-CUDA12.2",
        "BMS",
        "X86",
    ),
    (
        "a41f6c28-3e7d-4b0a-9c15-8f2e6d9b0a37",
        "Ubuntu-22.04-x86-64bit-for-ECS-GPU-with-CUDA12.2",
        "ECS",
        "X86",
    ),
];

/// A Lite flavor by name.
pub fn lite_flavor(name: &str) -> Option<&'static LiteFlavor> {
    LITE_FLAVORS.iter().find(|f| f.flavor == name)
}

/// A Lite image by id.
pub fn lite_image(
    id: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    LITE_IMAGES.iter().find(|i| i.0 == id)
}

/// A Lite flavor in `list_dev_server_flavors`' shape.
pub fn render_lite_flavor(flavor: &LiteFlavor, region: &str) -> Value {
    json!({
        "flavor": flavor.flavor, "server_type": flavor.server_type, "arch": flavor.arch,
        "charging_mode": "COMMON", "availability_zone": format!("{region}a"),
        "count": if flavor.sold_out { 0 } else { 8 }, "flavor_type": "GPU_NPU",
        "roce_num": 0, "sku_code": flavor.flavor, "specification": flavor.specification,
        "status": if flavor.sold_out { "SOLD_OUT" } else { "NORMAL" }, "is_sold_out": flavor.sold_out,
    })
}

/// A Lite image in `list_dev_server_images`' shape.
pub fn render_lite_image(image: &(&str, &str, &str, &str)) -> Value {
    let (id, name, server_type, arch) = image;
    json!({"image_id": id, "name": name, "server_type": server_type, "arch": arch, "status": "ACTIVE"})
}
