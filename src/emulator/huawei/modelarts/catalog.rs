//! What every region offers, whatever the account holds: notebook flavors, training flavors
//! and engines, and the built-in images. Constant data, rendered in the SDK's shapes.

use serde_json::{Value, json};

/// A notebook flavor: `(id, category, arch, description, sold_out)`.
pub const NOTEBOOK_FLAVORS: &[(&str, &str, &str, &str, bool)] = &[
    (
        "modelarts.vm.cpu.2u",
        "CPU",
        "x86_64",
        "CPU: 2 vCPUs 8GB",
        false,
    ),
    (
        "modelarts.vm.cpu.8u",
        "CPU",
        "x86_64",
        "CPU: 8 vCPUs 32GB",
        false,
    ),
    (
        "modelarts.vm.gpu.t4u8",
        "GPU",
        "x86_64",
        "GPU: 1*T4(16GB) | CPU: 8 vCPUs 32GB",
        false,
    ),
    (
        "modelarts.vm.gpu.v100",
        "GPU",
        "x86_64",
        "GPU: 1*V100(32GB) | CPU: 8 vCPUs 64GB",
        true,
    ),
];

/// A training flavor: `(id, type, gpus, cpus, memory GB)`.
pub const TRAINING_FLAVORS: &[(&str, &str, u32, u32, u32)] = &[
    ("modelarts.vm.cpu.8u", "CPU", 0, 8, 32),
    ("modelarts.vm.gpu.t4u8", "GPU", 1, 8, 32),
    ("modelarts.vm.gpu.v100", "GPU", 1, 8, 64),
    ("modelarts.p3.large.public", "GPU", 1, 8, 64),
];

/// A training engine: `(id, name, version)`.
pub const ENGINES: &[(&str, &str, &str)] = &[
    (
        "pytorch-2.1.0-cuda12.1",
        "PyTorch",
        "pytorch_2.1.0-cuda_12.1-py_3.9-ubuntu_20.04-x86_64",
    ),
    (
        "pytorch-1.8.0-cuda10.2",
        "PyTorch",
        "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
    ),
    (
        "tensorflow-2.1.0-cuda10.1",
        "TensorFlow",
        "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64",
    ),
    (
        "mindspore-2.2.0-cann7.0",
        "MindSpore",
        "mindspore_2.2.0-cann_7.0.0-py_3.9-euler_2.10.7-aarch64",
    ),
];

/// A built-in image: `(id, name, tag, service types, arch)`.
pub const IMAGES: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "e1a07296-22a8-4f05-8bc8-e936c8e54202",
        "pytorch1.8-cuda10.2-cudnn7-ubuntu18.04",
        "v1",
        &["NOTEBOOK", "SSH"],
        "x86_64",
    ),
    (
        "278e88d1-5b71-4766-8502-b3ba72e824d9",
        "mindspore_2.2.0-cann_7.0.0-py_3.9-euler_2.10.7",
        "v2",
        &["NOTEBOOK", "SSH"],
        "aarch64",
    ),
    (
        "59a1d7c8-3a2c-4f9f-9a38-0c3d0c1b5f11",
        "tensorflow2.1-cuda10.1-cudnn7-ubuntu18.04",
        "v1",
        &["NOTEBOOK"],
        "x86_64",
    ),
];

/// A notebook flavor in `list_flavors`'s shape.
pub fn notebook_flavor(entry: &(&str, &str, &str, &str, bool)) -> Value {
    let (id, category, arch, description, sold_out) = entry;
    json!({
        "id": id, "name": id, "arch": arch, "category": category, "description": description,
        "feature": "NOTEBOOK", "free": false, "sold_out": sold_out, "billing": {"code": id, "unit_num": 1},
    })
}

/// A training flavor in `show_training_job_flavors`'s shape.
pub fn training_flavor(entry: &(&str, &str, u32, u32, u32)) -> Value {
    let (id, kind, gpus, cpus, memory) = entry;
    let mut info = json!({
        "max_num": 8,
        "cpu": {"arch": "x86", "core_num": cpus},
        "memory": {"size": memory, "unit": "GB"},
    });
    if *gpus > 0 {
        info["gpu"] = json!({"unit_num": gpus, "product_name": if id.contains("v100") { "NVIDIA-V100" } else { "NVIDIA-T4" }, "memory": "32GB"});
    }
    json!({
        "flavor_id": id, "flavor_name": id, "flavor_type": kind, "max_num": 8,
        "billing": {"code": id, "unit_num": 1}, "flavor_info": info, "attributes": {},
    })
}

/// An engine in `show_training_job_engines`'s shape.
pub fn engine(entry: &(&str, &str, &str)) -> Value {
    let (id, name, version) = entry;
    json!({
        "engine_id": id, "engine_name": name, "engine_version": version,
        "v1_compatible": false, "run_user": "1000",
        "image_info": {"cpu_image_url": format!("aip/{version}"), "gpu_image_url": format!("aip/{version}"), "image_version": version},
    })
}

/// An image in `list_image` / `show_image`'s shape.
pub fn image(entry: &(&str, &str, &str, &[&str], &str)) -> Value {
    let (id, name, tag, services, arch) = entry;
    json!({
        "id": id, "name": name, "tag": tag, "arch": arch, "namespace": "atelier",
        "swr_path": format!("swr.cn-north-4.myhuaweicloud.com/atelier/{name}:{tag}"),
        "type": "BUILD_IN", "service_type": "DEV", "dev_services": services,
        "status": "ACTIVE", "visibility": "PUBLIC", "workspace_id": "0", "origin": "CUSTOMIZE",
        "size": 9_663_676_416_i64, "create_at": 1_700_000_000_000_i64, "update_at": 1_700_000_000_000_i64,
        "resource_categories": [if *arch == "aarch64" { "ASCEND" } else { "GPU" }, "CPU"],
        "description": format!("{name} built-in image"),
    })
}

/// Whether a training flavor exists.
pub fn training_flavor_exists(id: &str) -> bool {
    TRAINING_FLAVORS.iter().any(|f| f.0 == id)
}

/// Whether an engine exists by id, or by name and version.
pub fn engine_exists(engine: &Value) -> bool {
    let text = |key: &str| engine.get(key).and_then(Value::as_str);
    if let Some(id) = text("engine_id") {
        return ENGINES.iter().any(|e| e.0 == id);
    }
    match (text("engine_name"), text("engine_version")) {
        (Some(name), Some(version)) => ENGINES.iter().any(|e| e.1 == name && e.2 == version),
        _ => text("image_url").is_some(),
    }
}
