//! Long operations: a notebook until RUNNING (`ma.notebook_running`, started by a create or a
//! start) and a training job until it ends (`ma.training_done`, started by a create or a
//! stop). Each is keyed `<region>/<id>`, so `ma_nb_wait` / `ma_train_wait` find it or adopt
//! the resource after one look.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::{GET_JOB, GET_NOTEBOOK, declared, text};
use super::training::ENDED;
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, OperationKind, PollContext, Polled};

/// How often a notebook is looked at (a start takes about a minute).
const NOTEBOOK_INTERVAL: Duration = Duration::from_secs(5);
/// How long a notebook is followed.
const NOTEBOOK_MAX: Duration = Duration::from_secs(20 * 60);
/// How often a training job is looked at.
const TRAINING_INTERVAL: Duration = Duration::from_secs(15);
/// How long a training job is followed (a day; the job goes on after that).
const TRAINING_MAX: Duration = Duration::from_secs(24 * 3600);

fn region(args: &Map<String, Value>) -> String {
    args.get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn begun(region: String, id_key: &str, id: &str) -> Begun {
    Begun {
        key: format!("{region}/{id}"),
        subject: json!({"region_id": region, id_key: id}),
    }
}

fn missing_id(what: &str) -> ToolFailure {
    ToolFailure::new(
        FailureKind::ProviderUnavailable,
        format!("ModelArts answered without the {what} id"),
    )
}

fn notebook_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| missing_id("notebook"))?;
    Ok(begun(region(args), "notebook_id", id))
}

fn notebook_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let id = args
        .get("notebook_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(begun(region(args), "notebook_id", id))
}

async fn notebook_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = text(&ctx.operation.subject, "/notebook_id").to_string();
    let notebook = ctx
        .read(&declared(GET_NOTEBOOK, json!({"notebook_id": id})))
        .await?
        .body;
    let status = text(&notebook, "/status").to_string();
    let done_steps = notebook["action_progress"]
        .as_array()
        .map(|steps| steps.iter().filter(|s| s["status"] == "COMPLETED").count())
        .unwrap_or(0);
    let (op_status, message) = match status.as_str() {
        "RUNNING" => (OpStatus::Succeeded, "the notebook is RUNNING".to_string()),
        "ERROR" | "STOPPED" | "DELETED" | "FROZEN" => (
            OpStatus::Failed,
            format!(
                "the notebook is {status}{}",
                match text(&notebook, "/fail_reason") {
                    "" => String::new(),
                    why => format!(": {why}"),
                }
            ),
        ),
        other => (
            OpStatus::Running,
            format!("the notebook is {other} ({done_steps} start-up step(s) done)"),
        ),
    };
    Ok(Polled {
        status: op_status,
        message,
        snapshot: json!({"notebook_id": id, "name": notebook["name"], "status": status, "flavor": notebook["flavor"], "url": notebook["url"], "lease": notebook["lease"]}),
    })
}

fn notebook_report(op: &Operation) -> Value {
    let next = if op.status == OpStatus::Succeeded {
        "open the url; ma_nb_stop ends billing when the work is done"
    } else {
        "ma_nb_get shows the notebook; it can be started again with ma_nb_start"
    };
    json!({"report": {
        "running": op.status == OpStatus::Succeeded,
        "message": op.message,
        "notebook": op.snapshot,
        "next": next,
    }})
}

/// The notebook kind.
pub(crate) fn notebook_kind() -> OperationKind {
    OperationKind {
        name: "ma.notebook_running",
        calls: &[GET_NOTEBOOK],
        interval: NOTEBOOK_INTERVAL,
        max_duration: NOTEBOOK_MAX,
        begin: notebook_begin,
        adopt: notebook_adopt,
        poll: crate::poller!(notebook_poll),
        report: notebook_report,
    }
}

fn training_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .pointer("/metadata/id")
        .and_then(Value::as_str)
        .or_else(|| args.get("job_id").and_then(Value::as_str))
        .ok_or_else(|| missing_id("training job"))?;
    Ok(begun(region(args), "job_id", id))
}

fn training_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let id = args
        .get("job_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(begun(region(args), "job_id", id))
}

async fn training_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = text(&ctx.operation.subject, "/job_id").to_string();
    let job = ctx
        .read(&declared(GET_JOB, json!({"job_id": id})))
        .await?
        .body;
    let phase = text(&job, "/status/phase").to_string();
    let (status, message) = match phase.as_str() {
        "Completed" => (OpStatus::Succeeded, "the job Completed".to_string()),
        "Terminated" => (OpStatus::Cancelled, "the job was Terminated".to_string()),
        p if ENDED.contains(&p) => (OpStatus::Failed, format!("the job ended {p}")),
        p => (
            OpStatus::Running,
            format!(
                "the job is {p} ({} s)",
                job.pointer("/status/duration")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    / 1000
            ),
        ),
    };
    Ok(Polled {
        status,
        message,
        snapshot: json!({"job_id": id, "name": job.pointer("/metadata/name"), "phase": phase, "duration_ms": job.pointer("/status/duration")}),
    })
}

fn training_report(op: &Operation) -> Value {
    json!({"report": {
        "phase": op.snapshot.get("phase"),
        "message": op.message,
        "job": op.snapshot,
        "next": "ma_train_get_logs shows the log; ma_train_delete_job removes an ended job",
    }})
}

/// The training kind.
pub(crate) fn training_kind() -> OperationKind {
    OperationKind {
        name: "ma.training_done",
        calls: &[GET_JOB],
        interval: TRAINING_INTERVAL,
        max_duration: TRAINING_MAX,
        begin: training_begin,
        adopt: training_adopt,
        poll: crate::poller!(training_poll),
        report: training_report,
    }
}
