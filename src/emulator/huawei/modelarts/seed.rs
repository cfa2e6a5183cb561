//! The demo data of one region: a running notebook with an OBS mount, a stopped one, and
//! training jobs that are completed, running (for a long while) and failed.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::emulator::core::lifecycle::{Lifecycle, Mode, Step};
use crate::emulator::huawei::modelarts::catalog::IMAGES;
use crate::emulator::huawei::modelarts::models::{
    ModelArtsBackend, NOTEBOOK_CREATE, NOTEBOOK_STOP, Notebook, Phase, Storage, TRAINING_FAILED,
    TRAINING_RUN, TrainingJob, millis,
};

/// The seed's long job: it stays Running for a day of emulated time.
pub const TRAINING_LONG: Lifecycle = Lifecycle {
    name: "modelarts.training.long",
    steps: &[Step {
        status: "Running",
        secs: 86_400,
    }],
    done: "Completed",
};

fn notebook(name: &str, phase: Phase, now: OffsetDateTime, storages: Vec<Storage>) -> Notebook {
    Notebook {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        description: "demo notebook".to_owned(),
        flavor: "modelarts.vm.cpu.2u".to_owned(),
        image_id: IMAGES[0].0.to_owned(),
        pool_id: None,
        workspace_id: "0".to_owned(),
        feature: "NOTEBOOK".to_owned(),
        volume: json!({"category": "EVS", "ownership": "MANAGED", "capacity": 5, "mount_path": "/home/ma-user/work"}),
        lease_duration_ms: Some(3_600_000),
        endpoints: json!([]),
        storages,
        create_at: millis(now - Duration::days(2)),
        phase,
    }
}

fn job(name: &str, phase: Phase, now: OffsetDateTime) -> TrainingJob {
    TrainingJob {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        description: "demo training job".to_owned(),
        workspace_id: "0".to_owned(),
        kind: "job".to_owned(),
        algorithm: json!({
            "code_dir": "obs://demo-bucket/code/", "boot_file": "obs://demo-bucket/code/train.py",
            "engine": {"engine_name": "PyTorch", "engine_version": "pytorch_2.1.0-cuda_12.1-py_3.9-ubuntu_20.04-x86_64"},
            "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://demo-bucket/out/"}}}],
        }),
        spec: json!({"resource": {"flavor_id": "modelarts.vm.gpu.t4u8", "node_count": 1}}),
        create_time: millis(now - Duration::hours(3)),
        phase,
    }
}

/// The backend of one demo region; `short` names the region in the resource names.
pub fn backend(short: &str, now: OffsetDateTime) -> ModelArtsBackend {
    let long_ago = now - Duration::days(1);
    let mount = Storage {
        id: uuid::Uuid::new_v4().to_string(),
        category: "OBS".to_owned(),
        mount_path: "/data/datasets/".to_owned(),
        uri: "obs://demo-bucket/datasets/".to_owned(),
    };
    ModelArtsBackend {
        infra: super::infra_seed::state(short, now),
        notebooks: vec![
            notebook(
                &format!("demo-{short}-running"),
                Phase::enter(&NOTEBOOK_CREATE, long_ago, Mode::Timed),
                now,
                vec![mount],
            ),
            notebook(
                &format!("demo-{short}-stopped"),
                Phase::enter(&NOTEBOOK_STOP, long_ago, Mode::Timed),
                now,
                Vec::new(),
            ),
        ],
        jobs: vec![
            job(
                &format!("demo-{short}-completed"),
                Phase::enter(&TRAINING_RUN, long_ago, Mode::Timed),
                now,
            ),
            job(
                &format!("demo-{short}-running"),
                Phase::enter(&TRAINING_LONG, now, Mode::Timed),
                now,
            ),
            job(
                &format!("demo-{short}-failed"),
                Phase::enter(&TRAINING_FAILED, long_ago, Mode::Timed),
                now,
            ),
        ],
    }
}
