//! The demo account: four GPU models on eight hosts with their scheduling units, three private
//! images, and one deployment of each type already running.
//!
//! Fixed ids, for docs and scenario tests:
//!
//! | what | id |
//! |---|---|
//! | images | `image-4f1c2b9d8e` (pytorch-2.1-cuda11.8), `image-7a3e5d1c20` (vllm-0.4-cuda12.1), `image-b2c9e8f301` (sd-webui-cuda11.8) |
//! | ReplicaSet `demo-llm-api` (2 x RTX 4090) | `7f3a9c2e1b4d5a6`, containers `7f3a9c2e1b4d-000`, `7f3a9c2e1b4d-001` |
//! | Job `demo-batch-eval` (6 runs, 2 at a time, RTX 3090) | `2c8e4b6a9d1f3e7`, first containers `2c8e4b6a9d1f-002`, `2c8e4b6a9d1f-003` |
//! | Container `demo-notebook` (1 x A100, `sleep infinity`) | `5b1d7e3f9a2c4e8`, container `5b1d7e3f9a2c-004` |
//!
//! Hosts (unit = CPU and memory per GPU; price per GPU-hour in milli-CNY; newest CUDA):
//! RTX 4090 x3 hosts of 8 (16 vCPU / 64 GB, 2 000, 12.2), RTX 3090 x2 of 8 (16 vCPU / 90 GB,
//! 1 300, 11.8), A100 x2 of 8 (32 vCPU / 128 GB, 6 500, 12.2), H800 x1 of 8 (24 vCPU / 256 GB,
//! 15 000, 12.2). Other tenants hold all 8 H800s for the first 20 emulated minutes, so an H800
//! submit queues until they give them back.

use serde_json::json;
use time::OffsetDateTime;

use super::models::{Deployment, DeploymentType, EsdBackend, Host, Image, Occupation};
use super::rules;
use crate::emulator::core::lifecycle::Lifecycles;

/// The demo account (the token's account).
pub const ACCOUNT: &str = "autodl-demo";
/// The PyTorch image.
pub const IMAGE_TORCH: &str = "image-4f1c2b9d8e";
/// The vLLM image.
pub const IMAGE_VLLM: &str = "image-7a3e5d1c20";
/// The Stable Diffusion image.
pub const IMAGE_SD: &str = "image-b2c9e8f301";
/// The running ReplicaSet.
pub const REPLICASET: &str = "7f3a9c2e1b4d5a6";
/// The running Job.
pub const JOB: &str = "2c8e4b6a9d1f3e7";
/// The running Container.
pub const CONTAINER_DEPLOYMENT: &str = "5b1d7e3f9a2c4e8";
/// The ReplicaSet's first container.
pub const REPLICASET_CONTAINER: &str = "7f3a9c2e1b4d-000";
/// The Container deployment's container.
pub const NOTEBOOK_CONTAINER: &str = "5b1d7e3f9a2c-004";

fn host(
    id: &str,
    gpu: &str,
    cpu: u32,
    memory_gb: u32,
    price: u64,
    max_cuda: u32,
    dc: &str,
) -> Host {
    Host {
        id: id.into(),
        gpu_name: gpu.into(),
        gpus: 8,
        cpu,
        memory_gb,
        price,
        max_cuda,
        data_center: dc.into(),
    }
}

fn template(gpu: &str, gpu_num: u32, cuda: u32, image: &str, cmd: &str) -> serde_json::Value {
    json!({
        "gpu_name_set": [gpu], "gpu_num": gpu_num, "cuda_v": cuda,
        "cpu_num_from": 1, "cpu_num_to": 256, "memory_size_from": 1, "memory_size_to": 2048,
        "price_from": 100, "price_to": 20000, "image_uuid": image, "cmd": cmd,
    })
}

/// The demo state at `now`.
pub fn demo(now: OffsetDateTime) -> EsdBackend {
    let mut b = EsdBackend {
        hosts: vec![
            host("m-4090-a01", "RTX 4090", 128, 512, 2000, 122, "westDC2"),
            host("m-4090-a02", "RTX 4090", 128, 512, 2000, 122, "westDC2"),
            host("m-4090-b01", "RTX 4090", 128, 512, 2000, 122, "beijingDC1"),
            host("m-3090-a01", "RTX 3090", 128, 720, 1300, 118, "westDC2"),
            host("m-3090-a02", "RTX 3090", 128, 720, 1300, 118, "beijingDC1"),
            host("m-a100-a01", "A100", 256, 1024, 6500, 122, "westDC3"),
            host("m-a100-a02", "A100", 256, 1024, 6500, 122, "westDC3"),
            host("m-h800-a01", "H800", 192, 2048, 15000, 122, "neimengDC1"),
        ],
        images: vec![
            Image {
                id: 1101,
                uuid: IMAGE_TORCH.into(),
                name: "pytorch-2.1-cuda11.8".into(),
                size: 18_253_611_008,
                created_at: now - time::Duration::days(30),
            },
            Image {
                id: 1102,
                uuid: IMAGE_VLLM.into(),
                name: "vllm-0.4-cuda12.1".into(),
                size: 24_696_061_952,
                created_at: now - time::Duration::days(12),
            },
            Image {
                id: 1103,
                uuid: IMAGE_SD.into(),
                name: "sd-webui-cuda11.8".into(),
                size: 15_032_385_536,
                created_at: now - time::Duration::days(3),
            },
        ],
        ..Default::default()
    };
    b.occupations.push(Occupation {
        host: "m-h800-a01".into(),
        gpus: 8,
        until: now + time::Duration::minutes(20),
    });
    let started = now - time::Duration::seconds(10);
    let deployments = [
        (
            REPLICASET,
            "demo-llm-api",
            DeploymentType::ReplicaSet,
            2,
            0,
            template(
                "RTX 4090",
                1,
                122,
                IMAGE_VLLM,
                "cd /root && python -m vllm.entrypoints.api_server --port 6006",
            ),
        ),
        (
            JOB,
            "demo-batch-eval",
            DeploymentType::Job,
            6,
            2,
            template(
                "RTX 3090",
                1,
                118,
                IMAGE_TORCH,
                "cd /root && python eval.py --shard $AutoDLContainerUUID",
            ),
        ),
        (
            CONTAINER_DEPLOYMENT,
            "demo-notebook",
            DeploymentType::Container,
            1,
            1,
            template(
                "A100",
                1,
                118,
                IMAGE_TORCH,
                "cd /root && jupyter lab --port 6006 & sleep infinity",
            ),
        ),
    ];
    let lifecycles = Lifecycles::default();
    for (uuid, name, kind, replicas, parallelism, raw) in deployments {
        let Ok(template) = rules::template(&raw) else {
            continue;
        };
        b.deployments.push(Deployment {
            uuid: uuid.into(),
            name: name.into(),
            kind,
            replica_num: replicas,
            parallelism_num: parallelism,
            reuse_container: true,
            template,
            stopped: false,
            created_at: started,
        });
        b.reconcile(started, &lifecycles);
    }
    b
}
