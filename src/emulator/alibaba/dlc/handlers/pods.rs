//! DLC pods on the wire: GetPodLogs, GetPodEvents (synthesised, see [`render`]).
//!
//! [`render`]: crate::emulator::alibaba::dlc::render

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::dlc::errors;
use crate::emulator::alibaba::dlc::models::Job;
use crate::emulator::alibaba::dlc::render::{pod_events, pod_logs, pods};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The job and the pod's uid, when the pod exists (has been scheduled) at `now`.
fn find<'a>(ctx: &'a Ctx<'_>, req: &ApiRequest) -> Result<(&'a Job, String, String), ApiError> {
    let job_id = req.path("JobId")?;
    let pod_id = req.path("PodId")?;
    let job = ctx
        .state
        .job(job_id)
        .ok_or_else(|| errors::job_not_found(job_id))?;
    let uid = pods(job, ctx.now)
        .into_iter()
        .find(|p| p.get("PodId").and_then(Value::as_str) == Some(pod_id))
        .and_then(|p| p.get("PodUid").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| errors::pod_not_found(job_id, pod_id))?;
    Ok((job, pod_id.to_owned(), uid))
}

fn last(lines: Vec<String>, max: Option<u64>) -> Vec<String> {
    let max = usize::try_from(max.unwrap_or(2000)).unwrap_or(usize::MAX);
    let skip = lines.len().saturating_sub(max);
    lines.into_iter().skip(skip).collect()
}

/// `GET /api/v1/jobs/{JobId}/pods/{PodId}/logs`: the last `MaxLines` (default 2000) lines.
pub fn get_pod_logs(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let max = req.query_u64("MaxLines")?;
    req.query_bool("DownloadToFile")?;
    let (job, pod, uid) = find(ctx, req)?;
    let logs = last(pod_logs(job, ctx.now), max);
    let mut out = Map::new();
    out.insert("JobId".into(), json!(job.id));
    out.insert("PodId".into(), json!(pod));
    out.insert("PodUid".into(), json!(uid));
    out.insert("Containers".into(), json!("worker"));
    out.insert(
        "ContainerInfo".into(),
        json!({"MainContainer": "worker", "SidecarContainers": []}),
    );
    out.insert("Logs".into(), json!(logs));
    Ok(out)
}

/// `GET /api/v1/jobs/{JobId}/pods/{PodId}/events`: the last `MaxEventsNum` (default 100).
pub fn get_pod_events(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let max = req.query_u64("MaxEventsNum")?.or(Some(100));
    let (job, pod, uid) = find(ctx, req)?;
    let events = last(pod_events(job, &pod, ctx.now), max);
    let mut out = Map::new();
    out.insert("JobId".into(), json!(job.id));
    out.insert("PodId".into(), json!(pod));
    out.insert("PodUid".into(), json!(uid));
    out.insert("Events".into(), json!(events));
    Ok(out)
}
