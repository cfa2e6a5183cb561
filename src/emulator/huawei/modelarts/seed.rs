//! The demo data of one region: a running notebook with an OBS mount, a stopped one, and
//! training jobs that are completed, running (for a long while) and failed.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::emulator::core::lifecycle::{Lifecycle, Mode, Step};
use crate::emulator::huawei::account::REGIONS;
use crate::emulator::huawei::modelarts::catalog::IMAGES;
use crate::emulator::huawei::modelarts::models::{
    Authorization, ModelArtsBackend, NOTEBOOK_CREATE, NOTEBOOK_STOP, Notebook, Phase, Storage,
    TRAINING_FAILED, TRAINING_RUN, TrainingJob, Workspace, millis,
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

/// A demo resource id: UUID-shaped, fixed per region and resource, so examples and tests can
/// name the demo notebooks and jobs (`5eed0001-0000-4000-8000-000000000000` is the running
/// notebook of the first region).
pub fn seed_id(region: &str, n: u32) -> String {
    let index = REGIONS
        .iter()
        .position(|r| *r == region)
        .unwrap_or(REGIONS.len());
    format!("5eed{n:04x}-0000-4000-8000-{index:012x}")
}

/// The numbers of the demo resources in [`seed_id`].
pub mod ids {
    /// The running notebook.
    pub const RUNNING_NOTEBOOK: u32 = 1;
    /// The stopped notebook.
    pub const STOPPED_NOTEBOOK: u32 = 2;
    /// The running notebook's OBS mount.
    pub const STORAGE: u32 = 3;
    /// The completed training job.
    pub const COMPLETED_JOB: u32 = 0x11;
    /// The training job that runs for a day.
    pub const RUNNING_JOB: u32 = 0x12;
    /// The failed training job.
    pub const FAILED_JOB: u32 = 0x13;
}

fn notebook(
    id: String,
    name: &str,
    phase: Phase,
    now: OffsetDateTime,
    storages: Vec<Storage>,
) -> Notebook {
    Notebook {
        id,
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

fn job(id: String, name: &str, phase: Phase, now: OffsetDateTime) -> TrainingJob {
    TrainingJob {
        id,
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

/// The backend of one demo region; `short` (the region) names the resources and their ids.
pub fn backend(short: &str, now: OffsetDateTime) -> ModelArtsBackend {
    let long_ago = now - Duration::days(1);
    let id = |n: u32| seed_id(short, n);
    let mount = Storage {
        id: id(ids::STORAGE),
        category: "OBS".to_owned(),
        mount_path: "/data/datasets/".to_owned(),
        uri: "obs://demo-bucket/datasets/".to_owned(),
    };
    let workspace = |id: &str, name: &str, description: &str| Workspace {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        auth_type: "PUBLIC".to_owned(),
        create_time: millis(now - Duration::days(30)),
    };
    ModelArtsBackend {
        infra: super::infra_seed::state(short, now),
        lite: Default::default(),
        workspaces: vec![
            workspace("0", "default", "the project's default workspace"),
            workspace(
                "6f0c9d0b2b3e4c5f8a1d2e3f4a5b6c7d",
                &format!("demo-{short}-team"),
                "a team workspace",
            ),
        ],
        authorizations: vec![Authorization {
            user_id: "all".to_owned(),
            user_name: "all-users".to_owned(),
            user_type: "ALL-USERS".to_owned(),
            kind: "agency".to_owned(),
            content: "modelarts_agency".to_owned(),
            create_time: millis(now - Duration::days(30)),
        }],
        saved_images: Vec::new(),
        svc_more: Default::default(),
        extras: super::extras_state::seed(short, now),
        nb_np: super::handlers::nb_np::seed(&id(ids::RUNNING_NOTEBOOK)),
        notebooks: vec![
            notebook(
                id(ids::RUNNING_NOTEBOOK),
                &format!("demo-{short}-running"),
                Phase::enter(&NOTEBOOK_CREATE, long_ago, Mode::Timed),
                now,
                vec![mount],
            ),
            notebook(
                id(ids::STOPPED_NOTEBOOK),
                &format!("demo-{short}-stopped"),
                Phase::enter(&NOTEBOOK_STOP, long_ago, Mode::Timed),
                now,
                Vec::new(),
            ),
        ],
        jobs: vec![
            job(
                id(ids::COMPLETED_JOB),
                &format!("demo-{short}-completed"),
                Phase::enter(&TRAINING_RUN, long_ago, Mode::Timed),
                now,
            ),
            job(
                id(ids::RUNNING_JOB),
                &format!("demo-{short}-running"),
                Phase::enter(&TRAINING_LONG, now, Mode::Timed),
                now,
            ),
            job(
                id(ids::FAILED_JOB),
                &format!("demo-{short}-failed"),
                Phase::enter(&TRAINING_FAILED, long_ago, Mode::Timed),
                now,
            ),
        ],
    }
}
