//! AIWorkSpace workspace resources, i.e. quota bindings: ListResources,
//! CreateWorkspaceResource (attach), DeleteWorkspaceResource (detach),
//! UpdateWorkspaceResource.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::errors;
use crate::emulator::alibaba::aiworkspace::models::{
    DetachRecord, WorkspaceBackend, WorkspaceResource,
};
use crate::emulator::alibaba::pai::models::{Label, PaiBackend};
use crate::emulator::alibaba::pai::render::labels_json;
use crate::emulator::alibaba::pai::rules::usage::is_running;
use crate::emulator::alibaba::{body, seed};
use crate::emulator::core::clock::format_time;
use crate::emulator::core::paging::list_response;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The `{WorkspaceId}` of the path, when that workspace exists (`WorkspaceNotFound` otherwise).
pub(crate) fn existing_workspace(ctx: &Ctx<'_>, req: &ApiRequest) -> Result<String, ApiError> {
    let workspace_id = req.path("WorkspaceId")?.to_owned();
    if ctx.state.workspace(&workspace_id).is_none() {
        return Err(errors::workspace_not_found(&workspace_id));
    }
    Ok(workspace_id)
}

fn resource_json(pai: &PaiBackend, r: &WorkspaceResource, verbose: bool) -> Value {
    let mut item = json!({
        "Id": r.id,
        "Name": r.name,
        "WorkspaceId": r.workspace_id,
        "GroupName": r.group_name,
        "EnvType": r.env_type,
        "ResourceType": r.resource_type,
        "ProductType": r.product_type,
        "IsDefault": r.is_default,
        "GmtCreateTime": format_time(r.gmt_create),
        "Labels": labels_json(&r.labels),
        "Spec": r.spec,
        "Executor": {"OwnerId": seed::ACCOUNT_ID},
        "Encryption": {"Enabled": false, "Algorithm": "", "Key": ""},
    });
    if verbose && let Value::Object(map) = &mut item {
        let quotas: Vec<Value> = r
            .quota_ids
            .iter()
            .filter_map(|id| pai.quota(id))
            .map(|q| {
                json!({
                    "Id": q.id,
                    "Name": q.name,
                    "DisplayName": q.name,
                    "QuotaType": q.resource_type.as_str(),
                    "Mode": "isolate",
                    "ProductCode": "PAI_isolate",
                    "CardType": if q.gpu_type.is_empty() { "cpu" } else { "gpu" },
                    "Specs": q.min.iter().map(|s| json!({"Name": s.node_type, "Value": s.count.to_string()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        map.insert("Quotas".into(), Value::Array(quotas));
    }
    item
}

fn has_labels(labels: &[Label], filter: &[String]) -> bool {
    filter.iter().all(|wanted| match wanted.split_once('=') {
        Some((k, v)) => labels
            .iter()
            .any(|l| l.key == k.trim() && l.value == v.trim()),
        None => labels.iter().any(|l| l.key == wanted.trim()),
    })
}

/// `GET /api/v1/resources` (AIWorkSpace).
pub fn list_resources(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let state = &*ctx.state;
    let paging = req.paging(20)?;
    let option = req
        .query_nonempty("Option")
        .unwrap_or("ListResourceByWorkspace");
    let workspace = req.query_nonempty("WorkspaceId");
    match option {
        "ListResourceByWorkspace" if workspace.is_none() => {
            return Err(ApiError::missing("WorkspaceId"));
        }
        "ListResourceByWorkspace" | "ListResource" => {}
        other => {
            return Err(ApiError::invalid(
                "InvalidParameter.Option",
                format!(
                    "Option \"{other}\" is not valid; valid values: ListResourceByWorkspace, ListResource."
                ),
            ));
        }
    }
    if let Some(ws) = workspace
        && state.workspace(ws).is_none()
    {
        return Err(errors::workspace_not_found(ws));
    }
    let verbose = req.query_bool("Verbose")?.unwrap_or(true);
    let types = req.query_csv("ResourceTypes");
    let products = req.query_csv("ProductTypes");
    let quota_ids = req.query_csv("QuotaIds");
    let group = req.query_nonempty("GroupName");
    let name = req.query_nonempty("ResourceName");
    let labels = req.query_csv("Labels");
    let selected: Vec<&WorkspaceResource> = state
        .workspace_resources
        .iter()
        .filter(|r| workspace.is_none_or(|ws| r.workspace_id == ws))
        .filter(|r| types.as_ref().is_none_or(|t| t.contains(&r.resource_type)))
        .filter(|r| {
            products
                .as_ref()
                .is_none_or(|p| p.contains(&r.product_type))
        })
        .filter(|r| {
            quota_ids
                .as_ref()
                .is_none_or(|q| q.iter().all(|id| r.quota_ids.contains(id)))
        })
        .filter(|r| group.is_none_or(|g| r.group_name == g))
        .filter(|r| name.is_none_or(|n| r.name == n))
        .filter(|r| labels.as_ref().is_none_or(|l| has_labels(&r.labels, l)))
        .collect();
    let pai = ctx.siblings.read::<PaiBackend>();
    Ok(list_response("Resources", &selected, paging, |r| {
        resource_json(&pai, r, verbose)
    }))
}

/// The workspace's resources named by `ResourceIds`, or else by `GroupName`.
fn select(
    state: &WorkspaceBackend,
    workspace_id: &str,
    ids: Option<Vec<String>>,
    group: Option<&str>,
    resource_type: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let in_ws = |r: &&WorkspaceResource| r.workspace_id == workspace_id;
    let selected: Vec<&WorkspaceResource> = match (ids, group) {
        (Some(ids), _) => ids
            .iter()
            .map(|id| {
                state
                    .workspace_resources
                    .iter()
                    .filter(in_ws)
                    .find(|r| &r.id == id)
                    .ok_or_else(|| errors::workspace_resource_not_found(workspace_id, id))
            })
            .collect::<Result<_, _>>()?,
        (None, Some(group)) => {
            let found: Vec<_> = state
                .workspace_resources
                .iter()
                .filter(in_ws)
                .filter(|r| r.group_name == group)
                .collect();
            if found.is_empty() {
                return Err(errors::workspace_resource_not_found(workspace_id, group));
            }
            found
        }
        (None, None) => return Err(ApiError::missing("ResourceIds")),
    };
    if let Some(t) = resource_type
        && let Some(other) = selected.iter().find(|r| r.resource_type != t)
    {
        return Err(ApiError::invalid(
            "InvalidParameter.ResourceType",
            format!(
                "The resource {} has ResourceType {}, not {t}.",
                other.id, other.resource_type
            ),
        ));
    }
    Ok(selected.iter().map(|r| r.id.clone()).collect())
}

/// `DELETE /api/v1/workspaces/{WorkspaceId}/resources`: detaches quotas.
///
/// `DetachAndDelete` (the API default) is served as a detach: deleting the quota is not
/// the workspace's job. The option is recorded in the state's `detach_history`.
pub fn delete_workspace_resource(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let workspace_id = existing_workspace(ctx, req)?;
    let option = req
        .query_nonempty("Option")
        .unwrap_or("DetachAndDelete")
        .to_owned();
    if option != "Detach" && option != "DetachAndDelete" {
        return Err(ApiError::invalid(
            "InvalidParameter.Option",
            format!("Option \"{option}\" is not valid; valid values: Detach, DetachAndDelete."),
        ));
    }
    let ids = select(
        ctx.state,
        &workspace_id,
        req.query_csv("ResourceIds"),
        req.query_nonempty("GroupName"),
        req.query_nonempty("ResourceType"),
    )?;
    for id in &ids {
        let quotas = ctx
            .state
            .workspace_resources
            .iter()
            .find(|r| &r.id == id)
            .map(|r| r.quota_ids.clone())
            .unwrap_or_default();
        let running: Vec<String> = ctx
            .siblings
            .read::<PaiBackend>()
            .workloads
            .iter()
            .filter(|w| {
                w.workspace_id == workspace_id && quotas.contains(&w.quota_id) && is_running(w)
            })
            .map(|w| format!("{} ({}, {})", w.id, w.name, w.user_name))
            .collect();
        if !running.is_empty() {
            return Err(errors::resource_in_use(
                id,
                &format!(
                    "workloads of this workspace are running on its quota: {}",
                    running.join(", ")
                ),
            ));
        }
    }
    let now = ctx.now;
    let state = &mut *ctx.state;
    for id in &ids {
        if let Some(pos) = state.workspace_resources.iter().position(|r| &r.id == id) {
            let removed = state.workspace_resources.remove(pos);
            state.detach_history.push(DetachRecord {
                resource_id: removed.id,
                workspace_id: workspace_id.clone(),
                quota_ids: removed.quota_ids,
                option: option.clone(),
                time: now,
            });
        }
    }
    let mut out = Map::new();
    out.insert("ResourceIds".into(), json!(ids));
    Ok(out)
}

/// `PUT /api/v1/workspaces/{WorkspaceId}/resources`: labels, spec, default flag.
pub fn update_workspace_resource(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let workspace_id = existing_workspace(ctx, req)?;
    let b = req.json_body()?;
    let is_default = body::opt_bool(&b, "IsDefault")?;
    if is_default == Some(false) {
        return Err(ApiError::invalid(
            "InvalidParameter.IsDefault",
            "IsDefault can only be set to true.",
        ));
    }
    if let Some(p) = body::opt_string(&b, "ProductType")?
        && !p.is_empty()
        && p != "PAI"
    {
        return Err(ApiError::invalid(
            "InvalidParameter.ProductType",
            format!("ProductType \"{p}\" is not valid here; use PAI."),
        ));
    }
    let labels = body::opt_labels(&b)?;
    let spec = body::opt_object(&b, "Spec")?;
    let group = body::opt_string(&b, "GroupName")?.filter(|g| !g.is_empty());
    let resource_type = body::opt_string(&b, "ResourceType")?.filter(|t| !t.is_empty());
    let ids = select(
        ctx.state,
        &workspace_id,
        body::opt_strings(&b, "ResourceIds")?.filter(|ids| !ids.is_empty()),
        group.as_deref(),
        resource_type.as_deref(),
    )?;
    for r in ctx
        .state
        .workspace_resources
        .iter_mut()
        .filter(|r| r.workspace_id == workspace_id)
    {
        if ids.contains(&r.id) {
            if let Some(labels) = &labels {
                r.labels = labels.clone();
            }
            if let Some(spec) = &spec {
                r.spec = spec.clone();
            }
            if is_default == Some(true) {
                r.is_default = true;
            }
        }
    }
    if is_default == Some(true) {
        let types: Vec<String> = ctx
            .state
            .workspace_resources
            .iter()
            .filter(|r| ids.contains(&r.id))
            .map(|r| r.resource_type.clone())
            .collect();
        for r in ctx.state.workspace_resources.iter_mut() {
            if r.workspace_id == workspace_id
                && !ids.contains(&r.id)
                && types.contains(&r.resource_type)
            {
                r.is_default = false;
            }
        }
    }
    let mut out = Map::new();
    out.insert("ResourceIds".into(), json!(ids));
    Ok(out)
}
