//! The demo account's functions in `cn-hangzhou`: `demo-image-resize` (python3.10, sync),
//! `demo-daily-report` (nodejs18, with an async config and two past async tasks, one
//! succeeded and one failed) and `acf-script-executor`, a script executor of the kind
//! `cp_fc_create_script_executor` makes.

use serde_json::{Map, json};
use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::fc::models::{AsyncConfig, AsyncTask, FcBackend, Function};
use crate::emulator::alibaba::fc::rules::synthesise;
use crate::emulator::core::lifecycle::{Mode, Progress};

/// The script-executor code package: base64 of a zip holding `index.py`, whose handler runs
/// the payload's `script` / `script_b64` (shell or python) and returns exit code, stdout and
/// stderr as JSON. The catalog's FC tools send the same package.
pub const EXECUTOR_ZIP_B64: &str = "UEsDBBQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAaW5kZXgucHldUNFqwzAMfM9XCD/FkLljlDI28hNjb2WUxFaXjMT2bHm0lP775DilUD/J0ulOd+PsXSDou4i7bQM/0dkGYup9cBpj5Pocq6oyeIShs2bCUOMfWmpAO0t4IvlWAT8hxEeyEWhAiDqMnpbSd+fJdQZ0F8KIEep15sKKOvS77TvQ2fPagNOUJ/5Mg7NSMefCHfAX2uU0lcliuSAje3G5CrmAVuI2o9U3Ui1KR8gFuPhTLGZQO4P1AyqfIRp2IaVaEYVWz4Y595yCwhPqRF0/IQOfNMPL7heMx7tqtsKabQui+BCAU0TYi00/2k0cxMP2IuNZ5J66CsnWrMwhd55SwINL5BO1nyGxeI79Vo4z8qwdLd0trU2WeHl9llKuITKRLSmaNPtYXwSeRjpks+INvCqI/OULI5lMkfulLD0M4dbj8iqrf1BLAQIUAxQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABpAQAAAAA=";

/// The demo sync function.
pub const FC_DEMO_FUNCTION: &str = "demo-image-resize";
/// The demo function with async tasks.
pub const FC_DEMO_ASYNC_FUNCTION: &str = "demo-daily-report";
/// Its succeeded task.
pub const FC_DEMO_TASK_OK: &str = "report-20261130";
/// Its failed task.
pub const FC_DEMO_TASK_FAILED: &str = "report-20261201";
/// The demo script executor.
pub const FC_DEMO_EXECUTOR: &str = "acf-script-executor";

fn function(name: &str, runtime: &str, memory: i64, cpu: f64, created: OffsetDateTime) -> Function {
    Function {
        name: name.into(),
        id: format!("{:0>8}-demo-4f2a-9c1e-{:0>12}", name.len(), name.len() * 7),
        runtime: runtime.into(),
        handler: "index.handler".into(),
        memory_size: memory,
        cpu,
        timeout: 60,
        disk_size: 512,
        description: format!("demo function {name}"),
        environment: Map::new(),
        code_size: 432,
        code_checksum: "1452398157310628466".into(),
        gpu_config: None,
        tags: vec![("env".into(), "demo".into())],
        created,
        modified: created,
        seeded: true,
    }
}

/// The FC backend of the demo account in `cn-hangzhou`.
pub fn demo_fc_hangzhou(now: OffsetDateTime) -> FcBackend {
    let created = now - Duration::days(30);
    let mut executor = function(FC_DEMO_EXECUTOR, "python3.10", 512, 0.35, created);
    executor.timeout = 600;
    let task = |id: &str, script: &str, days: i64| AsyncTask {
        function: FC_DEMO_ASYNC_FUNCTION.into(),
        id: id.into(),
        request_id: format!("1-6566{days:04}-demo{id:.>12}"),
        payload: json!({"script": script, "type": "shell"}).to_string(),
        progress: Progress::start(now - Duration::days(days), Mode::Timed),
        outcome: synthesise(
            FC_DEMO_ASYNC_FUNCTION,
            json!({"script": script, "type": "shell"})
                .to_string()
                .as_bytes(),
        ),
        stopped: None,
        unseen_reads: 0,
    };
    FcBackend {
        functions: vec![
            function(FC_DEMO_FUNCTION, "python3.10", 1024, 0.5, created),
            function(FC_DEMO_ASYNC_FUNCTION, "nodejs18", 2048, 1.0, created),
            executor,
        ],
        configs: vec![AsyncConfig {
            function: FC_DEMO_ASYNC_FUNCTION.into(),
            async_task: true,
            max_retry: 0,
            max_event_age: 86_400,
            destination: None,
            created,
            modified: created,
        }],
        tasks: vec![
            task(FC_DEMO_TASK_OK, "echo report ready", 2),
            task(FC_DEMO_TASK_FAILED, "echo no data\nexit 2", 1),
        ],
    }
}
