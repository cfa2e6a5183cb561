//! Workloads on quotas: ListQuotaWorkloads, ListQuotaActiveUserUsages, and the admin
//! call that adds a workload (so tests can raise usage between a plan and its confirm).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{PaiBackend, Quota, Res, Workload, WorkloadStatus};
use crate::emulator::alibaba::pai::rules::usage::{amount_json, is_active, is_running};
use crate::emulator::core::clock::format_time;
use crate::emulator::core::paging::{Order, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

/// The quotas whose workloads a quota-scoped list covers: the quota alone (`ShowOwn` /
/// `SelfOnly`) or its whole subtree, optionally narrowed to `SubQuotaIds`.
fn scope(
    state: &PaiBackend,
    quota: &Quota,
    own_only: bool,
    sub_quota_ids: Option<Vec<String>>,
) -> Vec<String> {
    if own_only {
        return vec![quota.id.clone()];
    }
    let subtree = state.subtree_ids(&quota.id);
    match sub_quota_ids {
        Some(ids) => subtree.into_iter().filter(|q| ids.contains(q)).collect(),
        None => subtree,
    }
}

/// One `Workloads[]` item.
pub fn workload_json(state: &PaiBackend, workspaces: &WorkspaceBackend, w: &Workload) -> Value {
    let workspace_name = workspaces
        .workspace(&w.workspace_id)
        .map(|ws| ws.name.clone())
        .unwrap_or_default();
    let queue_strategy = state
        .quota(&w.quota_id)
        .map(|q| q.queue_strategy.clone())
        .unwrap_or_default();
    let position = if w.status == WorkloadStatus::Queuing {
        state
            .workloads
            .iter()
            .filter(|o| o.quota_id == w.quota_id && o.status == WorkloadStatus::Queuing)
            .position(|o| o.id == w.id)
            .map_or(0, |p| p + 1)
    } else {
        0
    };
    let created = format_time(w.gmt_created);
    json!({
        "WorkloadId": w.id,
        "WorkloadName": w.name,
        "Name": w.name,
        "WorkloadType": w.workload_type,
        "Status": w.status.as_str(),
        "WorkloadStatus": w.status.as_str(),
        "UserId": w.user_id,
        "UserName": w.user_name,
        "WorkspaceId": w.workspace_id,
        "WorkspaceName": workspace_name,
        "QuotaId": w.quota_id,
        "Resource": amount_json(w.resource, &w.gpu_type),
        "Priority": w.priority,
        "Position": position,
        "QueueStrategy": queue_strategy,
        "Reason": w.reason,
        "Code": "",
        "CodeType": "",
        "UseOversoldResource": false,
        "GmtCreatedTime": created,
        "GmtEnqueuedTime": created,
        "GmtDequeuedTime": w.gmt_dequeued.map(format_time).unwrap_or_default(),
        "GmtPositionModifiedTime": created,
    })
}

/// `GET /api/v1/quotas/{QuotaId}/workloads`. Finished workloads are listed only with
/// `WithHistoricalData=true` or when `WorkloadStatuses` asks for them.
pub fn list_quota_workloads(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let state = &*ctx.state;
    let id = req.path("QuotaId")?;
    let quota = state.quota(id).ok_or_else(|| errors::quota_not_found(id))?;
    let paging = req.paging(20)?;
    let own = req.query_bool("ShowOwn")?.unwrap_or(false);
    let historical = req.query_bool("WithHistoricalData")?.unwrap_or(false);
    req.query_bool("UseOversoldResource")?;
    let quotas = scope(state, quota, own, req.query_csv("SubQuotaIds"));
    let mut statuses = Vec::new();
    for raw in req
        .query_csv("WorkloadStatuses")
        .into_iter()
        .flatten()
        .chain(req.query_nonempty("Status").map(str::to_owned))
    {
        statuses.push(WorkloadStatus::parse(&raw).ok_or_else(|| {
            ApiError::invalid(
                "InvalidParameter.WorkloadStatuses",
                format!("Workload status \"{raw}\" is not valid; valid values: Running, Queuing, Succeeded."),
            )
        })?);
    }
    let kind = req.query_nonempty("WorkloadType");
    let workspaces = req.query_csv("WorkspaceIds");
    let users = req.query_csv("UserIds");
    let ids = req.query_csv("WorkloadIds");
    let names = req.query_csv("WorkloadNames");
    let mut selected: Vec<&Workload> = state
        .workloads
        .iter()
        .filter(|w| quotas.contains(&w.quota_id))
        .filter(|w| {
            if statuses.is_empty() {
                historical || is_active(w)
            } else {
                statuses.contains(&w.status)
            }
        })
        .filter(|w| kind.is_none_or(|k| w.workload_type.eq_ignore_ascii_case(k)))
        .filter(|w| {
            workspaces
                .as_ref()
                .is_none_or(|ws| ws.contains(&w.workspace_id))
        })
        .filter(|w| users.as_ref().is_none_or(|u| u.contains(&w.user_id)))
        .filter(|w| ids.as_ref().is_none_or(|i| i.contains(&w.id)))
        .filter(|w| names.as_ref().is_none_or(|n| n.contains(&w.name)))
        .collect();
    selected.sort_by_key(|w| w.gmt_created);
    Order::from_request(req).apply(&mut selected);
    let workspaces = ctx.siblings.read::<WorkspaceBackend>();
    Ok(list_response("Workloads", &selected, paging, |w| {
        workload_json(state, &workspaces, w)
    }))
}

/// `GET /api/v1/quotas/{QuotaId}/activeuserusages`: active workloads aggregated per user.
///
/// The SDK response model has both `QuotaUserUsages` and `QuotaUserUsage`; which one the
/// service fills is not documented, so both carry the same array.
pub fn list_active_user_usages(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let state = &*ctx.state;
    let id = req.path("QuotaId")?;
    let quota = state.quota(id).ok_or_else(|| errors::quota_not_found(id))?;
    let paging = req.paging(20)?;
    let own = req.query_bool("SelfOnly")?.unwrap_or(false);
    let quotas = scope(state, quota, own, None);
    let user_id = req.query_nonempty("UserId");
    let user_name = req.query_nonempty("Username");
    let workspace = req.query_nonempty("WorkspaceId");
    // user id -> (name, used, submitted, count), in order of first appearance
    let mut order: Vec<String> = Vec::new();
    let mut per_user: BTreeMap<String, (String, Res, Res, u64)> = BTreeMap::new();
    for w in state
        .workloads
        .iter()
        .filter(|w| quotas.contains(&w.quota_id) && is_active(w))
    {
        if user_id.is_some_and(|u| u != w.user_id)
            || user_name.is_some_and(|u| u != w.user_name)
            || workspace.is_some_and(|ws| ws != w.workspace_id)
        {
            continue;
        }
        if !per_user.contains_key(&w.user_id) {
            order.push(w.user_id.clone());
        }
        let entry = per_user
            .entry(w.user_id.clone())
            .or_insert_with(|| (w.user_name.clone(), Res::default(), Res::default(), 0));
        if is_running(w) {
            entry.1 = entry.1.plus(w.resource);
        }
        entry.2 = entry.2.plus(w.resource);
        entry.3 += 1;
    }
    let rows: Vec<Value> = order
        .iter()
        .filter_map(|u| {
            let (name, used, submitted, count) = per_user.get(u)?;
            Some(json!({
                "UserId": u,
                "Username": name,
                "WorkloadCount": count,
                "Resources": {
                    "Used": amount_json(*used, &quota.gpu_type),
                    "Submitted": amount_json(*submitted, &quota.gpu_type),
                },
            }))
        })
        .collect();
    let page = Value::Array(paging.slice(&rows));
    let mut out = Map::new();
    out.insert("QuotaUserUsages".into(), page.clone());
    out.insert("QuotaUserUsage".into(), page);
    out.insert("TotalCount".into(), json!(rows.len()));
    Ok(out)
}

/// Memory for an admin-added workload: GiB as a number, or `"30Gi"` / `"512Mi"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MemoryInput {
    /// GiB.
    Gib(f64),
    /// `30Gi`, `512Mi`.
    Text(String),
}

/// The body of `POST /_emulator/alibaba/workloads`.
#[derive(Debug, Clone, Deserialize)]
pub struct NewWorkload {
    /// The quota it runs on (required).
    pub quota_id: String,
    /// The workspace; defaults to the first workspace the quota is bound to.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// RAM user id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// RAM user name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// GPU cards (default 1).
    #[serde(default)]
    pub gpu: Option<u64>,
    /// vCPUs (default 4).
    #[serde(default)]
    pub cpu: Option<f64>,
    /// Memory (default 16 GiB).
    #[serde(default)]
    pub memory: Option<MemoryInput>,
    /// Running (default), Queuing or Succeeded.
    #[serde(default)]
    pub status: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// DLC (default), DSW or EAS.
    #[serde(default)]
    pub workload_type: Option<String>,
}

fn memory_mib(memory: Option<MemoryInput>) -> Result<u64, ApiError> {
    let bad = |m: &str| {
        ApiError::invalid(
            "InvalidParameter.memory",
            format!("memory \"{m}\" is not a GiB number or a \"30Gi\"/\"512Mi\" string."),
        )
    };
    match memory {
        None => Ok(16 * 1024),
        Some(MemoryInput::Gib(g)) if g >= 0.0 => Ok((g * 1024.0).round() as u64),
        Some(MemoryInput::Gib(g)) => Err(bad(&g.to_string())),
        Some(MemoryInput::Text(t)) => {
            let t = t.trim();
            if let Some(n) = t.strip_suffix("Gi") {
                n.parse::<u64>().map(|n| n * 1024).map_err(|_| bad(t))
            } else if let Some(n) = t.strip_suffix("Mi") {
                n.parse::<u64>().map_err(|_| bad(t))
            } else {
                t.parse::<f64>()
                    .map(|g| (g * 1024.0).round() as u64)
                    .map_err(|_| bad(t))
            }
        }
    }
}

/// Adds a workload to a quota and returns it in the `ListQuotaWorkloads` item shape.
pub fn add_workload(
    state: &mut PaiBackend,
    workspaces: &WorkspaceBackend,
    new: NewWorkload,
    now: OffsetDateTime,
) -> Result<Value, ApiError> {
    let quota = state
        .quota(&new.quota_id)
        .ok_or_else(|| errors::quota_not_found(&new.quota_id))?;
    let status = match new.status.as_deref() {
        None => WorkloadStatus::Running,
        Some(s) => WorkloadStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "InvalidParameter.status",
                format!("status \"{s}\" is not valid; valid values: Running, Queuing, Succeeded."),
            )
        })?,
    };
    let cpu = new.cpu.unwrap_or(4.0);
    if !(cpu.is_finite() && cpu >= 0.0) {
        return Err(ApiError::invalid(
            "InvalidParameter.cpu",
            "cpu must be a non-negative number of vCPUs.",
        ));
    }
    let workspace_id = new.workspace_id.unwrap_or_else(|| {
        workspaces
            .bound_workspaces(&quota.id)
            .first()
            .map(|w| w.id.clone())
            .unwrap_or_default()
    });
    let workload_type = new.workload_type.unwrap_or_else(|| "DLC".to_owned());
    let id = random_id(&workload_type.to_lowercase(), 14);
    let workload = Workload {
        name: new.name.unwrap_or_else(|| id.clone()),
        id,
        workload_type,
        status,
        user_id: new
            .user_id
            .unwrap_or_else(|| "203701542331208977".to_owned()),
        user_name: new.user_name.unwrap_or_else(|| "alice.chen".to_owned()),
        workspace_id,
        quota_id: quota.id.clone(),
        resource: Res {
            cpu_milli: (cpu * 1000.0).round() as u64,
            memory_mib: memory_mib(new.memory)?,
            gpu: new.gpu.unwrap_or(1),
        },
        gpu_type: quota.gpu_type.clone(),
        priority: 1,
        gmt_created: now,
        gmt_dequeued: (status == WorkloadStatus::Running).then_some(now),
        reason: String::new(),
    };
    state.workloads.push(workload.clone());
    Ok(workload_json(state, workspaces, &workload))
}
