//! PAI Studio quota operations on the wire: ListQuotas, GetQuota, CreateQuota,
//! UpdateQuota, ScaleQuota, DeleteQuota.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{QUOTA_CREATE, QUOTA_SCALE};
use crate::emulator::alibaba::pai::models::{Quota, ResourceType};
use crate::emulator::alibaba::pai::render::quota_json;
use crate::emulator::alibaba::pai::rules::quota_rules::{self, NewQuota, QuotaUpdate};
use crate::emulator::alibaba::{body, seed};
use crate::emulator::core::paging::{Order, SortBy, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest};

fn id_only(id: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("QuotaId".into(), json!(id));
    out
}

/// `ParentQuotaId` empty or `0` means "root".
fn parent_of(value: Option<String>) -> Option<String> {
    value.filter(|p| !p.trim().is_empty() && p.trim() != "0")
}

/// Whether `quota` carries every `key=value` (or bare `key`) in the `Labels` filter.
fn has_labels(quota: &Quota, filter: &[String]) -> bool {
    filter.iter().all(|wanted| {
        let (key, value) = match wanted.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (wanted.trim(), None),
        };
        quota
            .labels
            .iter()
            .any(|l| l.key == key && value.is_none_or(|v| l.value == v))
    })
}

/// `GET /api/v1/quotas/`.
pub fn list_quotas(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(20)?;
    let verbose = req.query_bool("Verbose")?.unwrap_or(false);
    let resource_type = req
        .query_nonempty("ResourceType")
        .map(ResourceType::parse)
        .transpose()?;
    if let Some(mode) = req.query_nonempty("LayoutMode")
        && !["tree", "list"].contains(&mode.to_ascii_lowercase().as_str())
    {
        return Err(ApiError::invalid(
            "InvalidParameter.LayoutMode",
            format!("LayoutMode \"{mode}\" is not valid; valid values: Tree, List."),
        ));
    }
    let name = req.query_nonempty("QuotaName").map(str::to_lowercase);
    let parent = req.query("ParentQuotaId").map(str::trim);
    let ids = req.query_csv("QuotaIds");
    let statuses = req.query_csv("Statuses");
    let labels = req.query_csv("Labels");
    let workspace_ids = req.query_csv("WorkspaceIds");
    let workspace_name = req.query_nonempty("WorkspaceName");
    let gpu_type = req.query_nonempty("GPUType");
    let state = &*ctx.state;
    let workspaces = ctx.siblings.read::<WorkspaceBackend>();
    let now = ctx.now;
    let mut quotas: Vec<&Quota> = state
        .quotas
        .iter()
        .filter(|q| resource_type.is_none_or(|t| q.resource_type == t))
        .filter(|q| {
            name.as_ref()
                .is_none_or(|n| q.name.to_lowercase().contains(n))
        })
        .filter(|q| match parent {
            None => true,
            Some("") | Some("0") => q.is_root(),
            Some(p) => q.parent_id.as_deref() == Some(p),
        })
        .filter(|q| ids.as_ref().is_none_or(|ids| ids.contains(&q.id)))
        .filter(|q| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == q.status(now)))
        })
        .filter(|q| labels.as_ref().is_none_or(|l| has_labels(q, l)))
        .filter(|q| gpu_type.is_none_or(|g| q.gpu_type.eq_ignore_ascii_case(g)))
        .filter(|q| {
            let bound = workspaces.bound_workspaces(&q.id);
            workspace_ids
                .as_ref()
                .is_none_or(|ids| bound.iter().any(|w| ids.contains(&w.id)))
                && workspace_name.is_none_or(|n| bound.iter().any(|w| w.name == n))
        })
        .collect();
    match SortBy::from_request(req).as_deref() {
        Some("quotaname") => quotas.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("status") => quotas.sort_by(|a, b| a.status(now).cmp(b.status(now))),
        Some("gmtmodifiedtime") => quotas.sort_by_key(|q| q.gmt_modified),
        _ => quotas.sort_by_key(|q| q.gmt_created),
    }
    Order::from_request(req).apply(&mut quotas);
    Ok(list_response("Quotas", &quotas, paging, |q| {
        Value::Object(quota_json(state, &workspaces, q, now, verbose))
    }))
}

/// `GET /api/v1/quotas/{QuotaId}`: always with `QuotaDetails`, which the checks need.
pub fn get_quota(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("QuotaId")?;
    req.query_bool("Verbose")?;
    req.query_bool("WithNodeMeta")?;
    let quota = ctx
        .state
        .quota(id)
        .ok_or_else(|| errors::quota_not_found(id))?;
    let workspaces = ctx.siblings.read::<WorkspaceBackend>();
    Ok(quota_json(ctx.state, &workspaces, quota, ctx.now, true))
}

/// `POST /api/v1/quotas`.
pub fn create_quota(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let b = req.json_body()?;
    let name = body::opt_string(&b, "QuotaName")?.ok_or_else(|| ApiError::missing("QuotaName"))?;
    let min = body::min(&b)?.ok_or_else(|| ApiError::missing("Min"))?;
    let resource_type = body::opt_string(&b, "ResourceType")?
        .filter(|t| !t.is_empty())
        .map(|t| ResourceType::parse(&t))
        .transpose()?;
    let new = NewQuota {
        name,
        parent_id: parent_of(body::opt_string(&b, "ParentQuotaId")?),
        resource_type,
        resource_group_ids: body::opt_strings(&b, "ResourceGroupIds")?.unwrap_or_default(),
        min,
        queue_strategy: body::opt_string(&b, "QueueStrategy")?,
        allocate_strategy: body::opt_string(&b, "AllocateStrategy")?.filter(|s| !s.is_empty()),
        description: body::opt_string(&b, "Description")?,
        labels: body::opt_labels(&b)?.unwrap_or_default(),
        quota_config: body::opt_object(&b, "QuotaConfig")?,
    };
    let progress = ctx.progress(&QUOTA_CREATE);
    let id = quota_rules::create_with(ctx.state, new, progress, seed::ACCOUNT_ID)?;
    Ok(id_only(&id))
}

/// `PUT /api/v1/quotas/{QuotaId}`. An empty body (`{}`, which the SDK sends when nothing
/// is set) changes nothing and succeeds.
pub fn update_quota(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("QuotaId")?.to_owned();
    let b = req.json_body()?;
    body::opt_bool(&b, "PropagateDefaultGPUDriver")?;
    let change = QuotaUpdate {
        name: body::opt_string(&b, "QuotaName")?,
        description: body::opt_string(&b, "Description")?,
        labels: body::opt_labels(&b)?,
        queue_strategy: body::opt_string(&b, "QueueStrategy")?,
        quota_config: body::opt_object(&b, "QuotaConfig")?,
    };
    quota_rules::update(ctx.state, &id, change, ctx.now)?;
    Ok(id_only(&id))
}

/// `PUT /api/v1/quotas/{QuotaId}/action/scale`: `Min` is the absolute target.
pub fn scale_quota(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("QuotaId")?.to_owned();
    let b = req.json_body()?;
    let min = body::min(&b)?.ok_or_else(|| ApiError::missing("Min"))?;
    let groups = body::opt_strings(&b, "ResourceGroupIds")?;
    let progress = ctx.progress(&QUOTA_SCALE);
    quota_rules::scale_with(ctx.state, &id, min, groups, progress)?;
    Ok(id_only(&id))
}

/// `DELETE /api/v1/quotas/{QuotaId}`.
pub fn delete_quota(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("QuotaId")?.to_owned();
    quota_rules::delete(ctx.state, &ctx.siblings.read::<WorkspaceBackend>(), &id)?;
    Ok(id_only(&id))
}
