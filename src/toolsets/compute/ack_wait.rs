//! ACK's long waits (seed-operations.md 3.8): `cp.ack_cluster` follows a cluster until it is
//! running with every node Ready (a look every 15 s, 20 min at most) or, after a delete, until
//! it is `deleted` or gone (404); `cp.ack_job` follows a script's Job every 10 s for up to 600 s
//! and ends at once on the fatal waiting reasons, with the pods' status and last log lines. A
//! Job this workflow created for a one-shot run is deleted when it ends.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::ack::{CLUSTER_DETAIL, NODE_POOLS};
use super::ack_job::{KUBECONFIG, job_plan, kube_failure, kube_from};
use super::ack_reuse::DELETE_CLUSTER;
use super::api::declared;
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, OperationKind, PollContext, Polled};

/// Waiting reasons that end a Job's wait at once.
pub const FATAL_REASONS: [&str; 7] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CrashLoopBackOff",
    "RunContainerError",
    "ErrImageNeverPull",
];
/// Log lines kept per pod.
const LOG_LINES: u32 = 200;

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn arg(args: &Map<String, Value>, key: &str, default: &str) -> String {
    args.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(default)
        .to_string()
}

// ------------------------------------------------------------------------------------ clusters

fn cluster_subject(args: &Map<String, Value>, cluster_id: &str) -> Begun {
    let region = arg(args, "region_id", "");
    let until = arg(args, "until", "running");
    Begun {
        key: format!("{region}/{cluster_id}/{until}"),
        subject: json!({"region_id": region, "cluster_id": cluster_id, "until": until,
            "security_group_id": args.get("security_group_id")}),
    }
}

fn cluster_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .get("cluster_id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            args.get("cluster_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "CS answered without the cluster id",
            )
        })?;
    Ok(cluster_subject(args, &id))
}

fn cluster_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    Ok(cluster_subject(args, &arg(args, "cluster_id", "")))
}

async fn cluster_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let subject = &ctx.operation.subject;
    let id = text(subject, "cluster_id").to_string();
    let until = text(subject, "until").to_string();
    let detail = match ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": id})))
        .await
    {
        Ok(response) => response.body,
        Err(error)
            if until == "deleted"
                && (error.kind == FailureKind::NotFound
                    || error.message.contains("ErrorClusterNotFound")) =>
        {
            return release_group(ctx, json!({"cluster_id": id, "state": "deleted"})).await;
        }
        Err(error) => return Err(error),
    };
    let state = text(&detail, "state").to_string();
    let mut snapshot =
        json!({"cluster_id": id, "name": detail.get("name"), "state": state, "until": until});
    let (status, message) = match (until.as_str(), state.as_str()) {
        ("deleted", "deleted") => return release_group(ctx, snapshot).await,
        ("deleted", "delete_failed") => (
            OpStatus::Failed,
            format!("deleting cluster {id} failed (delete_failed)"),
        ),
        ("deleted", other) => (OpStatus::Running, format!("cluster {id} is {other}")),
        (_, "running") => {
            let pools = ctx
                .read(&declared(NODE_POOLS, json!({"cluster_id": id})))
                .await?
                .body;
            let (mut wanted, mut healthy) = (0, 0);
            for pool in pools
                .get("nodepools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                wanted += pool
                    .pointer("/scaling_group/desired_size")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                healthy += pool
                    .pointer("/status/healthy_nodes")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
            }
            if let Some(map) = snapshot.as_object_mut() {
                map.insert("ready_nodes".into(), json!(healthy));
                map.insert("nodes".into(), json!(wanted));
            }
            if healthy >= wanted {
                (
                    OpStatus::Succeeded,
                    format!("cluster {id} is running with {healthy} Ready node(s)"),
                )
            } else {
                (
                    OpStatus::Running,
                    format!("cluster {id} is running; {healthy} of {wanted} node(s) Ready"),
                )
            }
        }
        (_, failed @ ("failed" | "deleted" | "delete_failed" | "deleting")) => (
            OpStatus::Failed,
            format!("cluster {id} is {failed}; it will not become running"),
        ),
        (_, other) => (OpStatus::Running, format!("cluster {id} is {other}")),
    };
    Ok(Polled {
        status,
        message,
        snapshot,
    })
}

/// After a cleanup's cluster is deleted: the external security group the plan named (checked
/// for this server's tag when planned), retried on DependencyViolation up to five looks.
async fn release_group(ctx: &PollContext<'_>, mut snapshot: Value) -> Result<Polled, ToolFailure> {
    let id = text(&snapshot, "cluster_id").to_string();
    let Some(group) = ctx
        .operation
        .subject
        .get("security_group_id")
        .and_then(Value::as_str)
    else {
        return Ok(Polled {
            status: OpStatus::Succeeded,
            message: format!("cluster {id} is deleted"),
            snapshot,
        });
    };
    let tries = ctx
        .operation
        .snapshot
        .get("group_tries")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        + 1;
    let mut args = Map::new();
    args.insert(
        "region_id".into(),
        ctx.operation
            .subject
            .get("region_id")
            .cloned()
            .unwrap_or(Value::Null),
    );
    args.insert("security_group_id".into(), json!(group));
    let request = ctx
        .calls
        .request(super::api::DELETE_SECURITY_GROUP, &args)?;
    let sent = ctx
        .calls
        .send(&request, crate::providers::RetryMode::Safe)
        .await;
    let (status, message, deleted) = match sent {
        Ok(_) => (
            OpStatus::Succeeded,
            format!("cluster {id} is deleted; security group {group} deleted"),
            true,
        ),
        Err(error) if error.code.as_deref() == Some("InvalidSecurityGroupId.NotFound") => (
            OpStatus::Succeeded,
            format!("cluster {id} is deleted; security group {group} was already gone"),
            true,
        ),
        Err(error) if error.code.as_deref() == Some("DependencyViolation") && tries < 5 => (
            OpStatus::Running,
            format!(
                "cluster {id} is deleted; security group {group} is still in use (try {tries} of 5)"
            ),
            false,
        ),
        Err(error) => (
            OpStatus::Failed,
            format!("cluster {id} is deleted; security group {group} was not: {error}"),
            false,
        ),
    };
    if let Some(map) = snapshot.as_object_mut() {
        map.insert("group_tries".into(), json!(tries));
        map.insert("security_group_deleted".into(), json!(deleted));
    }
    Ok(Polled {
        status,
        message,
        snapshot,
    })
}

fn cluster_report(op: &Operation) -> Value {
    json!({"report": {
        "cluster_id": op.snapshot.get("cluster_id").or_else(|| op.subject.get("cluster_id")),
        "state": op.snapshot.get("state"),
        "ready_nodes": op.snapshot.get("ready_nodes"),
        "until": op.subject.get("until"),
        "security_group_deleted": op.snapshot.get("security_group_deleted"),
        "message": op.message,
    }})
}

/// A cluster until it runs with Ready nodes, or until it is deleted.
pub(crate) fn cluster_kind() -> OperationKind {
    OperationKind {
        name: "cp.ack_cluster",
        calls: &[
            CLUSTER_DETAIL,
            NODE_POOLS,
            super::api::DELETE_SECURITY_GROUP,
        ],
        interval: Duration::from_secs(15),
        max_duration: Duration::from_secs(1200),
        begin: cluster_begin,
        adopt: cluster_adopt,
        poll: crate::poller!(cluster_poll),
        report: cluster_report,
    }
}

// ---------------------------------------------------------------------------------------- jobs

fn job_subject(args: &Map<String, Value>, answer: &Value) -> Begun {
    let region = arg(args, "region_id", "");
    let cluster = answer
        .get("cluster_id")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| arg(args, "cluster_id", ""));
    let namespace = arg(args, "namespace", "default");
    let name = arg(args, "job_name", "acf-job");
    let uid = text(answer, "job_uid").to_string();
    let flag = |key: &str| args.get(key).and_then(Value::as_bool).unwrap_or(false);
    let stage = if text(answer, "stage") == "cluster" {
        "cluster"
    } else {
        "job"
    };
    let mut subject = json!({"region_id": region, "cluster_id": cluster, "namespace": namespace,
        "job_name": name, "job_uid": uid, "cleanup_job": flag("cleanup_job"), "stage": stage,
        "delete_cluster": stage == "cluster" && flag("delete_cluster")});
    if stage == "cluster"
        && let Some(map) = subject.as_object_mut()
    {
        map.insert(
            "manifest".into(),
            args.get("job_manifest").cloned().unwrap_or(Value::Null),
        );
    }
    Begun {
        key: format!("{region}/{cluster}/{namespace}/{name}/{uid}"),
        subject,
    }
}

fn job_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    Ok(job_subject(args, answer))
}

fn job_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    Ok(job_subject(
        args,
        &json!({"job_uid": arg(args, "job_uid", "")}),
    ))
}

/// Each pod's phase and first container's waiting reason, and the fatal reason if any.
fn pods_state(pods: &Value) -> (Vec<Value>, Option<String>) {
    let mut out = Vec::new();
    let mut fatal = None;
    for pod in pods
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let container = pod
            .pointer("/status/containerStatuses/0")
            .cloned()
            .unwrap_or(Value::Null);
        let waiting = container.pointer("/state/waiting").cloned();
        let reason = waiting
            .as_ref()
            .map(|w| text(w, "reason").to_string())
            .unwrap_or_default();
        if fatal.is_none() && FATAL_REASONS.contains(&reason.as_str()) {
            fatal = Some(reason.clone());
        }
        out.push(json!({
            "pod": pod.pointer("/metadata/name"),
            "phase": pod.pointer("/status/phase"),
            "waiting_reason": (!reason.is_empty()).then_some(reason),
            "waiting_message": waiting.as_ref().and_then(|w| w.get("message")),
            "terminated": container.pointer("/state/terminated"),
            "restarts": container.get("restartCount"),
        }));
    }
    (out, fatal)
}

/// Looks a Job's pods are watched before the wait times out (10 s apart: the skill's 600 s).
const JOB_LOOKS: u64 = 60;

fn polled(status: OpStatus, message: String, snapshot: Value) -> Result<Polled, ToolFailure> {
    Ok(Polled {
        status,
        message,
        snapshot,
    })
}

/// Stage `cluster` of a one-shot run that created its cluster: wait until it runs with Ready
/// nodes, then create the planned Job (with this plan's label) through its kubeconfig.
async fn cluster_stage(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let subject = &ctx.operation.subject;
    let cluster = text(subject, "cluster_id").to_string();
    let detail = ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": cluster})))
        .await?
        .body;
    let state = text(&detail, "state").to_string();
    let snapshot = |extra: Value| {
        let mut base = json!({"stage": "cluster", "cluster_id": cluster, "cluster_state": state});
        if let (Some(map), Value::Object(more)) = (base.as_object_mut(), extra) {
            map.extend(more);
        }
        base
    };
    if ["failed", "deleting", "deleted", "delete_failed"].contains(&state.as_str()) {
        return polled(
            OpStatus::Failed,
            format!("cluster {cluster} is {state}; the Job was not created"),
            snapshot(json!({})),
        );
    }
    if state != "running" {
        return polled(
            OpStatus::Running,
            format!("cluster {cluster} is {state}; the Job follows once it runs"),
            snapshot(json!({})),
        );
    }
    let response = ctx
        .read(&declared(KUBECONFIG, json!({"cluster_id": cluster})))
        .await?;
    let (kube, _) = kube_from(response)?;
    let ready = super::ack_job::ready_nodes(&kube.list_nodes().await.map_err(kube_failure)?);
    if ready == 0 {
        return polled(
            OpStatus::Running,
            format!("cluster {cluster} is running; waiting for a Ready node"),
            snapshot(json!({})),
        );
    }
    let namespace = text(subject, "namespace").to_string();
    let mut manifest = subject.get("manifest").cloned().unwrap_or(Value::Null);
    if let (Some(labels), Some(plan)) = (
        manifest
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut),
        &ctx.operation.plan_id,
    ) {
        labels.insert(crate::catalog::PROVENANCE_KEY.into(), json!(plan));
    }
    let name = text(subject, "job_name").to_string();
    let job = match kube.create_job(&namespace, &manifest).await {
        Ok(job) => job,
        Err(crate::providers::kube::KubeError::AlreadyExists(_)) => kube
            .get_job(&namespace, &name)
            .await
            .map_err(kube_failure)?
            .filter(|j| job_plan(j) == ctx.operation.plan_id)
            .ok_or_else(|| {
                ToolFailure::new(
                    FailureKind::ApiError,
                    format!("Job {namespace}/{name} exists and is not this plan's"),
                )
            })?,
        Err(error) => return Err(kube_failure(error)),
    };
    let uid = job.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
    polled(
        OpStatus::Running,
        format!(
            "cluster {cluster} runs with {ready} Ready node(s); Job {namespace}/{name} created"
        ),
        json!({"stage": "job", "cluster_id": cluster, "job_uid": uid, "job_looks": 0}),
    )
}

/// Stage `deleting` of a one-shot run: the cluster it made is followed until it is gone; the
/// run's own outcome (kept in the snapshot) is the operation's.
async fn deleting_stage(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let previous = ctx.operation.snapshot.clone();
    let cluster = text(&ctx.operation.subject, "cluster_id").to_string();
    let state = match ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": cluster})))
        .await
    {
        Ok(detail) => text(&detail.body, "state").to_string(),
        Err(error)
            if error.kind == FailureKind::NotFound
                || error.message.contains("ErrorClusterNotFound") =>
        {
            "deleted".into()
        }
        Err(error) => return Err(error),
    };
    let mut snapshot = previous.clone();
    if let Some(map) = snapshot.as_object_mut() {
        map.insert("cluster_state".into(), json!(state));
    }
    let job_ok = text(&previous, "status") == "Succeeded";
    match state.as_str() {
        "deleted" => {
            if let Some(map) = snapshot.as_object_mut() {
                map.insert("cluster_deleted".into(), json!(true));
            }
            let status = if job_ok {
                OpStatus::Succeeded
            } else {
                OpStatus::Failed
            };
            polled(
                status,
                format!(
                    "the Job ended {}; cluster {cluster} is deleted",
                    text(&previous, "status")
                ),
                snapshot,
            )
        }
        "delete_failed" => polled(
            OpStatus::Failed,
            format!("deleting cluster {cluster} failed (delete_failed): delete it in the console"),
            snapshot,
        ),
        other => polled(
            OpStatus::Running,
            format!(
                "the Job ended {}; cluster {cluster} is {other}",
                text(&previous, "status")
            ),
            snapshot,
        ),
    }
}

async fn job_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let stage = ctx
        .operation
        .snapshot
        .get("stage")
        .and_then(Value::as_str)
        .unwrap_or_else(|| text(&ctx.operation.subject, "stage"))
        .to_string();
    match stage.as_str() {
        "cluster" => cluster_stage(ctx).await,
        "deleting" => deleting_stage(ctx).await,
        _ => job_stage(ctx).await,
    }
}

async fn job_stage(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let subject = &ctx.operation.subject;
    let previous = &ctx.operation.snapshot;
    let cluster = text(subject, "cluster_id").to_string();
    let namespace = text(subject, "namespace").to_string();
    let name = text(subject, "job_name").to_string();
    let uid = previous
        .get("job_uid")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| text(subject, "job_uid"))
        .to_string();
    let looks = previous
        .get("job_looks")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        + 1;
    let response = ctx
        .read(&declared(KUBECONFIG, json!({"cluster_id": cluster})))
        .await?;
    let (kube, _) = kube_from(response)?;
    let Some(job) = kube
        .get_job(&namespace, &name)
        .await
        .map_err(kube_failure)?
    else {
        return polled(
            OpStatus::Failed,
            format!("Job {namespace}/{name} does not exist (deleted, or never created)"),
            json!({"job": format!("{namespace}/{name}"), "status": "NotFound"}),
        );
    };
    if !uid.is_empty() && text(job.get("metadata").unwrap_or(&Value::Null), "uid") != uid {
        return polled(
            OpStatus::Failed,
            format!("Job {namespace}/{name} was replaced by another Job (uid changed)"),
            json!({"job": format!("{namespace}/{name}"), "status": "Replaced"}),
        );
    }
    let pods = kube
        .list_pods(&namespace, Some(&format!("job-name={name}")), None)
        .await
        .map_err(kube_failure)?;
    let (pod_states, fatal) = pods_state(&pods);
    let conditions: Vec<&Value> = job
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let has = |kind: &str| {
        conditions
            .iter()
            .any(|c| text(c, "type") == kind && text(c, "status") == "True")
    };
    let (status, state, message) = if has("Complete") {
        (
            OpStatus::Succeeded,
            "Succeeded",
            format!("Job {namespace}/{name} succeeded"),
        )
    } else if has("Failed") {
        (
            OpStatus::Failed,
            "Failed",
            format!("Job {namespace}/{name} failed"),
        )
    } else if let Some(reason) = &fatal {
        (
            OpStatus::Failed,
            "Failed",
            format!("Job {namespace}/{name} cannot start: its pod waits with {reason}"),
        )
    } else if looks > JOB_LOOKS {
        (
            OpStatus::TimedOut,
            "TimedOut",
            format!("Job {namespace}/{name} did not finish within 600 s of looks"),
        )
    } else {
        let phase = pod_states
            .first()
            .and_then(|p| p.get("phase"))
            .and_then(Value::as_str)
            .unwrap_or("Pending");
        (
            OpStatus::Running,
            phase,
            format!("Job {namespace}/{name}: pod {phase}"),
        )
    };
    let mut snapshot = json!({"stage": "job", "job": format!("{namespace}/{name}"), "cluster_id": cluster,
        "job_uid": job.pointer("/metadata/uid"), "job_looks": looks, "status": state, "pods": pod_states,
        "fatal_reason": fatal, "job_status": job.get("status")});
    if !status.is_terminal() {
        return polled(status, message, snapshot);
    }
    let mut logs = Map::new();
    for pod in pods
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pod_name = text(pod.get("metadata").unwrap_or(&Value::Null), "name").to_string();
        let text = kube
            .pod_log(&namespace, &pod_name, LOG_LINES)
            .await
            .unwrap_or_else(|e| format!("log unavailable: {e}"));
        logs.insert(pod_name, json!(text.lines().collect::<Vec<_>>()));
    }
    let ours = ctx.operation.plan_id.is_some() && job_plan(&job) == ctx.operation.plan_id;
    let cleanup = subject
        .get("cleanup_job")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let deleted = if cleanup && ours {
        kube.delete_job(&namespace, &name)
            .await
            .map_err(kube_failure)?
    } else {
        false
    };
    if let Some(map) = snapshot.as_object_mut() {
        map.insert("logs".into(), Value::Object(logs));
        map.insert("job_deleted".into(), json!(deleted));
    }
    if subject
        .get("delete_cluster")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && ours
    {
        // The plan created this cluster and showed its deletion after the run.
        let mut args = Map::new();
        args.insert(
            "region_id".into(),
            subject.get("region_id").cloned().unwrap_or(Value::Null),
        );
        args.insert("cluster_id".into(), json!(cluster));
        let request = ctx.calls.request(DELETE_CLUSTER, &args)?;
        ctx.calls
            .send(&request, crate::providers::RetryMode::Safe)
            .await?;
        if let Some(map) = snapshot.as_object_mut() {
            map.insert("stage".into(), json!("deleting"));
        }
        return polled(
            OpStatus::Running,
            format!("{message}; deleting cluster {cluster}, which this run created"),
            snapshot,
        );
    }
    polled(status, message, snapshot)
}

fn job_report(op: &Operation) -> Value {
    let s = &op.snapshot;
    json!({"report": {
        "job": s.get("job").or_else(|| op.subject.get("job_name")),
        "cluster_id": op.subject.get("cluster_id"),
        "status": s.get("status"),
        "fatal_reason": s.get("fatal_reason"),
        "pods": s.get("pods"),
        "logs": s.get("logs"),
        "job_deleted": s.get("job_deleted"),
        "cluster_deleted": s.get("cluster_deleted"),
        "message": op.message,
    }})
}

/// A script's Job until it succeeds or fails.
pub(crate) fn job_kind() -> OperationKind {
    OperationKind {
        name: "cp.ack_job",
        calls: &[KUBECONFIG, CLUSTER_DETAIL, DELETE_CLUSTER],
        interval: Duration::from_secs(10),
        // The Job's own 600 s are counted in looks; a run that creates and deletes its cluster
        // also waits up to 900 + 300 s before and 600 s after.
        max_duration: Duration::from_secs(2400),
        begin: job_begin,
        adopt: job_adopt,
        poll: crate::poller!(job_poll),
        report: job_report,
    }
}
