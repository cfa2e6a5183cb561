//! The demo account's DLC jobs in `cn-hangzhou`, in several states: one succeeded, one failed
//! (its command exits 1), one stopped, one still running, all in workspace `llm-research`.

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::aiworkspace::seed::WS_LLM_RESEARCH;
use crate::emulator::alibaba::dlc::models::{DlcBackend, Job};
use crate::emulator::alibaba::seed::USER_ALICE;
use crate::emulator::core::lifecycle::{Mode, Progress};

/// A job that succeeded two days ago.
pub const JOB_SUCCEEDED: &str = "dlc1q2w3e4r5t6y7u";
/// A job that failed yesterday (exit code 1).
pub const JOB_FAILED: &str = "dlc8i9o0p1a2s3d4f";
/// A job stopped by its owner.
pub const JOB_STOPPED: &str = "dlc5g6h7j8k9l0z1x";
/// A job running now (it finishes on the emulated clock).
pub const JOB_RUNNING: &str = "dlc2c3v4b5n6m7q8w";

fn job(id: &str, name: &str, command: &str, spec: &str, since: OffsetDateTime) -> Job {
    Job {
        id: id.into(),
        display_name: name.into(),
        job_type: "PyTorchJob".into(),
        workspace_id: WS_LLM_RESEARCH.into(),
        workspace_name: "llm-research".into(),
        user_command: command.into(),
        job_specs: vec![json!({
            "Type": "Worker",
            "Image": "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.3-gpu-py310-cu121-ubuntu22.04",
            "PodCount": 1,
            "EcsSpec": spec,
        })],
        settings: Map::new(),
        resource_id: String::new(),
        envs: Map::<String, Value>::new(),
        progress: Progress::timed(since),
        stopped_at: None,
        gmt_create: since,
        user_id: USER_ALICE.0.into(),
    }
}

/// The demo account's `cn-hangzhou` DLC state, dated relative to `now`.
pub fn demo_dlc(now: OffsetDateTime) -> DlcBackend {
    let mut stopped = job(
        JOB_STOPPED,
        "sweep-lr-search",
        "python search.py --trials 64",
        "ecs.gn7i-c8g1.2xlarge",
        now - Duration::hours(30),
    );
    stopped.stopped_at = Some(now - Duration::hours(29));
    // Held in `Running` (manual mode, three steps advanced) so demos and the gate sweep always
    // find a job to stop, however long the emulator has been up.
    let mut running = job(
        JOB_RUNNING,
        "eval-nightly",
        "python eval.py --suite full",
        "ecs.g7.xlarge",
        now - Duration::seconds(90),
    );
    running.progress = Progress {
        since: now - Duration::seconds(90),
        mode: Mode::Manual,
        advanced: 3,
    };
    DlcBackend {
        jobs: vec![
            job(
                JOB_SUCCEEDED,
                "bert-finetune",
                "python train.py --epochs 3",
                "ecs.gn7i-c8g1.2xlarge",
                now - Duration::days(2),
            ),
            job(
                JOB_FAILED,
                "data-prep",
                "python prepare.py\nexit 1",
                "ecs.g7.xlarge",
                now - Duration::days(1),
            ),
            stopped,
            running,
        ],
        creates: 0,
    }
}
