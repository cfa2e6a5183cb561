//! Kubernetes objects as the API renders them: Status, Node, Job and Pod, with the fields the
//! official clients require (a container status has `image`, `imageID`, `name`, `ready` and
//! `restartCount`; a node condition `type` and `status`).

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::emulator::alibaba::cs::models::{Cluster, Job, JobEnd};
use crate::emulator::core::clock::format_time;

/// A `Status` object (errors and delete answers).
pub fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": if code < 300 { "Success" } else { "Failure" },
        "message": message, "reason": reason, "code": code,
    })
}

/// 404 `NotFound` for `kind` `name`.
pub fn not_found(kind: &str, name: &str) -> Value {
    status(404, "NotFound", &format!("{kind} \"{name}\" not found"))
}

/// A node.
pub fn node(name: &str, instance: &str, kind: &str, ready: bool, since: OffsetDateTime) -> Value {
    json!({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
            "node.kubernetes.io/instance-type": kind, "kubernetes.io/os": "linux"},
            "creationTimestamp": format_time(since)},
        "spec": {"providerID": format!("cn-hangzhou.{instance}")},
        "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
            "reason": if ready { "KubeletReady" } else { "KubeletNotReady" },
            "lastTransitionTime": format_time(since)}],
            "nodeInfo": {"kubeletVersion": "v1.31.1-aliyun.1", "osImage": "Alibaba Cloud Linux 3",
                "architecture": "amd64", "containerRuntimeVersion": "containerd://1.6.36",
                "kernelVersion": "5.10.134", "kubeProxyVersion": "v1.31.1-aliyun.1",
                "machineID": instance, "operatingSystem": "linux", "systemUUID": instance,
                "bootID": instance}},
    })
}

fn container_state(job: &Job, now: OffsetDateTime) -> (Value, bool) {
    let started = format_time(job.progress.since + time::Duration::seconds(5));
    match (&job.end, job.phase(now)) {
        (JobEnd::Stuck(reason), _) => {
            // The first pull fails with the injected reason; later looks back off.
            let reason = if reason == "ErrImagePull" && (now - job.created).whole_seconds() >= 10 {
                "ImagePullBackOff"
            } else {
                reason.as_str()
            };
            (
                json!({"waiting": {"reason": reason, "message": format!("Back-off pulling image \"{}\": failed to pull and unpack image: not found", job.image)}}),
                false,
            )
        }
        (_, "Pending") => (json!({"waiting": {"reason": "ContainerCreating"}}), false),
        (_, "Running") => (json!({"running": {"startedAt": started}}), true),
        (end, _) => {
            let code = match end {
                JobEnd::Failed(code) => *code,
                _ => 0,
            };
            let finished = job.finished_at(now).map(format_time).unwrap_or_default();
            (
                json!({"terminated": {"exitCode": code, "reason": if code == 0 { "Completed" } else { "Error" },
                    "startedAt": started, "finishedAt": finished}}),
                false,
            )
        }
    }
}

/// The pod of a Job.
pub fn pod(cluster: &Cluster, job: &Job, now: OffsetDateTime) -> Value {
    let (state, ready) = container_state(job, now);
    let node = super::super::handlers::clusters::nodes(cluster, now)
        .first()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let phase = job.phase(now);
    json!({
        "metadata": {"name": job.pod, "namespace": job.namespace, "uid": format!("{}-pod", job.uid),
            "labels": {"job-name": job.name, "batch.kubernetes.io/job-name": job.name,
                "controller-uid": job.uid},
            "creationTimestamp": format_time(job.created)},
        "spec": {"restartPolicy": "Never", "nodeName": node,
            "containers": [{"name": "runner", "image": job.image}]},
        "status": {"phase": phase, "startTime": format_time(job.created),
            "containerStatuses": [{"name": "runner", "image": job.image,
                "imageID": if matches!(job.end, JobEnd::Stuck(_)) { String::new() } else { format!("{}@sha256:{}", job.image, "0".repeat(64)) },
                "ready": ready, "restartCount": 0, "started": ready, "state": state}]},
    })
}

/// A Job.
pub fn job(job: &Job, now: OffsetDateTime) -> Value {
    let phase = job.phase(now);
    let mut status = serde_json::Map::new();
    status.insert("startTime".into(), json!(format_time(job.created)));
    match phase {
        "Succeeded" => {
            status.insert("succeeded".into(), json!(1));
            if let Some(at) = job.finished_at(now) {
                status.insert("completionTime".into(), json!(format_time(at)));
            }
            status.insert(
                "conditions".into(),
                json!([{"type": "Complete", "status": "True", "lastTransitionTime": job.finished_at(now).map(format_time)}]),
            );
        }
        "Failed" => {
            // backoffLimit retries are folded into one failed pod here.
            status.insert("failed".into(), json!(1));
            status.insert(
                "conditions".into(),
                json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastTransitionTime": job.finished_at(now).map(format_time)}]),
            );
        }
        _ => {
            status.insert("active".into(), json!(1));
            status.insert(
                "ready".into(),
                json!(if phase == "Running" { 1 } else { 0 }),
            );
        }
    }
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": job.name, "namespace": job.namespace, "uid": job.uid,
            "labels": job.labels, "annotations": job.annotations,
            "creationTimestamp": format_time(job.created), "resourceVersion": "1"},
        "spec": job.spec,
        "status": status,
    })
}

/// The `kube-system` pods of a cluster: their images name the region's `.../acs/` registry,
/// where the skill takes its job image prefix from.
pub fn system_pods(cluster: &Cluster, region: &str, now: OffsetDateTime) -> Vec<Value> {
    let registry = format!("registry-{region}-vpc.ack.aliyuncs.com/acs");
    [
        ("coredns-7b9f5d8c6d-x2k4p", "coredns:v1.11.3.2-f57ea7ed6-aliyun"),
        ("kube-proxy-worker-8xk2m", "kube-proxy:v1.31.1-aliyun.1"),
        ("metrics-server-6b8f9c5d4-q7w2e", "metrics-server:v0.7.2-aliyun"),
    ]
    .iter()
    .map(|(name, image)| {
        json!({
            "metadata": {"name": name, "namespace": "kube-system", "labels": {"k8s-app": name.split('-').next()},
                "creationTimestamp": format_time(cluster.created)},
            "spec": {"containers": [{"name": name.split('-').next(), "image": format!("{registry}/{image}")}]},
            "status": {"phase": "Running", "startTime": format_time(cluster.created),
                "containerStatuses": [{"name": name.split('-').next(), "image": format!("{registry}/{image}"),
                    "imageID": format!("{registry}/{image}@sha256:{}", "1".repeat(64)),
                    "ready": true, "restartCount": 0, "state": {"running": {"startedAt": format_time(cluster.created)}}}]},
        })
    })
    .filter(|_| cluster.state(now) == "running")
    .collect()
}
