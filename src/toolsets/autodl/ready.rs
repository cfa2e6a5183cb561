//! Waiting for a deployment to be ready (`autodl.deployment_ready`): every 10 s, up to 30
//! minutes, until `target_running` containers run (its replica count by default; a Job is
//! also done when every run has finished).

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::{
    LIST_CONTAINERS, LIST_DEPLOYMENTS, Reads, declared, find_deployment, page_items,
    redacted_container,
};
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, OperationKind, PollContext, Polled};

/// How often the skill looks (examples.md scenario 1).
pub const INTERVAL: Duration = Duration::from_secs(10);
/// How long it follows a deployment.
pub const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

fn begin(_args: &Map<String, Value>, _answer: &Value) -> Result<Begun, ToolFailure> {
    Err(ToolFailure::new(
        FailureKind::ConfigError,
        "readiness is followed by autodl_wait_deployment_ready",
    ))
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let uuid = args
        .get("deployment_uuid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let target = args.get("target_running").and_then(Value::as_u64);
    let key = match target {
        Some(t) => format!("{uuid}/running>={t}"),
        None => format!("{uuid}/replicas"),
    };
    Ok(Begun {
        key,
        subject: json!({"deployment_uuid": uuid, "target_running": target}),
    })
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let uuid = ctx.operation.subject["deployment_uuid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let deployment = find_deployment(&Reads::Poll(ctx), json!({"deployment_uuid": uuid}))
        .await?
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("no AutoDL deployment `{uuid}`"),
            )
            .with_hint("autodl_list_deployments lists them")
        })?;
    let kind = deployment["deployment_type"].as_str().unwrap_or_default();
    let n = |k: &str| deployment[k].as_u64().unwrap_or(0);
    let target = ctx.operation.subject["target_running"]
        .as_u64()
        .unwrap_or(match kind {
            "Job" => n("parallelism_num").min(n("replica_num")),
            "Container" => 1,
            _ => n("replica_num"),
        });
    let answer = ctx
        .read(&declared(
            LIST_CONTAINERS,
            json!({"deployment_uuid": uuid, "page_size": 100}),
        ))
        .await?;
    let containers: Vec<Value> = page_items(&answer)
        .iter()
        .map(|c| Value::Object(redacted_container(c)))
        .collect();
    let running = containers
        .iter()
        .filter(|c| c["status"] == "running")
        .count() as u64;
    let job_done = kind == "Job" && n("finished_num") >= n("replica_num");
    let (status, message) = if deployment["status"] == "stopped" {
        (OpStatus::Failed, "the deployment was stopped".to_string())
    } else if running >= target {
        (
            OpStatus::Succeeded,
            format!("{running} of {target} container(s) running"),
        )
    } else if job_done {
        (
            OpStatus::Succeeded,
            format!("the Job finished all {} runs", n("replica_num")),
        )
    } else {
        let starting = containers.len() as u64 - running;
        (
            OpStatus::Running,
            format!("{running} of {target} running, {starting} starting"),
        )
    };
    Ok(Polled {
        status,
        message,
        snapshot: json!({"deployment": {"deployment_uuid": uuid, "name": deployment["name"], "deployment_type": kind, "replica_num": n("replica_num"), "finished_num": n("finished_num")}, "running": running, "target": target, "containers": containers}),
    })
}

fn report(op: &Operation) -> Value {
    let s = &op.snapshot;
    let ready = op.status == OpStatus::Succeeded;
    let mut next = vec![
        "autodl_list_containers shows ssh commands and service URLs (passwords stay hidden)"
            .to_string(),
    ];
    if op.status == OpStatus::TimedOut {
        next.push("autodl_list_container_events shows where containers are stuck; a host can be skipped with autodl_blacklist_host".into());
    }
    json!({"report": {
        "ready": ready,
        "message": op.message,
        "deployment": s.get("deployment"),
        "running": s.get("running"),
        "target": s.get("target"),
        "containers": s.get("containers"),
        "next": next,
    }})
}

/// The readiness kind.
pub(crate) fn kind() -> OperationKind {
    OperationKind {
        name: "autodl.deployment_ready",
        calls: &[LIST_DEPLOYMENTS, LIST_CONTAINERS],
        interval: INTERVAL,
        max_duration: MAX_WAIT,
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}
