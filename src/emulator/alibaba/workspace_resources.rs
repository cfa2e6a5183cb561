//! AIWorkSpace workspace resources, i.e. quota bindings: ListResources,
//! CreateWorkspaceResource (attach), DeleteWorkspaceResource (detach),
//! UpdateWorkspaceResource.

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::render::labels_json;
use crate::emulator::alibaba::state::{DetachRecord, Label, RegionState, WorkspaceResource};
use crate::emulator::alibaba::usage::is_running;
use crate::emulator::alibaba::{Ctx, body, errors, seed};
use crate::emulator::clock::format_time;
use crate::emulator::wire::{ApiError, ApiRequest};

const RESOURCE_TYPES: [&str; 5] = ["MaxCompute", "ECS", "Lingjun", "ACS", "FLINK"];

fn resource_json(state: &RegionState, r: &WorkspaceResource, verbose: bool) -> Value {
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
            .filter_map(|id| state.quota(id))
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
    let mut out = Map::new();
    out.insert(
        "Resources".into(),
        Value::Array(
            paging
                .slice(&selected)
                .into_iter()
                .map(|r| resource_json(state, r, verbose))
                .collect(),
        ),
    );
    out.insert("TotalCount".into(), json!(selected.len()));
    Ok(out)
}

/// `POST /api/v1/workspaces/{WorkspaceId}/resources`: binds existing quotas.
///
/// Only `Option=Attach` is served: the API default `CreateAndAttach` would create a new
/// resource, which is never what binding an existing PAI quota means.
pub fn create_workspace_resource(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let workspace_id = req.path("WorkspaceId")?.to_owned();
    if ctx.state.workspace(&workspace_id).is_none() {
        return Err(errors::workspace_not_found(&workspace_id));
    }
    let b = req.json_body()?;
    match body::opt_string(&b, "Option")?.as_deref() {
        Some("Attach") => {}
        None | Some("") | Some("CreateAndAttach") => {
            return Err(ApiError::invalid(
                "InvalidParameter.Option",
                "Option CreateAndAttach (the default) creates a new resource; to bind an existing PAI quota to a workspace, set Option=Attach.",
            ));
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "InvalidParameter.Option",
                format!("Option \"{other}\" is not valid; valid values: CreateAndAttach, Attach."),
            ));
        }
    }
    let items = match b.get("Resources") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        None | Some(Value::Null) => return Err(ApiError::missing("Resources")),
        Some(Value::Array(_)) => return Err(ApiError::missing("Resources")),
        Some(_) => {
            return Err(ApiError::invalid(
                "InvalidParameter.Resources",
                "Resources must be an array of objects.",
            ));
        }
    };
    let mut planned = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(ApiError::invalid(
                "InvalidParameter.Resources",
                format!("Resources[{i}] must be an object."),
            ));
        };
        planned.push(plan_binding(ctx.state, &workspace_id, i, item, &planned)?);
    }
    let mut ids = Vec::new();
    for mut binding in planned {
        binding.id = ctx.state.next_workspace_resource_id();
        binding.gmt_create = ctx.now;
        ids.push(json!({"Id": binding.id}));
        ctx.state.workspace_resources.push(binding);
    }
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(ids.len()));
    out.insert("Resources".into(), Value::Array(ids));
    Ok(out)
}

/// Validates one `Resources[i]` item and returns the binding it would create.
fn plan_binding(
    state: &RegionState,
    workspace_id: &str,
    i: usize,
    item: &Map<String, Value>,
    planned: &[WorkspaceResource],
) -> Result<WorkspaceResource, ApiError> {
    let env_type = body::opt_string(item, "EnvType")?
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::missing("EnvType"))?;
    if env_type != "prod" && env_type != "dev" {
        return Err(ApiError::invalid(
            "InvalidParameter.EnvType",
            format!("Resources[{i}].EnvType \"{env_type}\" is not valid; valid values: prod, dev."),
        ));
    }
    if let Some(ws) = body::opt_string(item, "WorkspaceId")?
        && !ws.is_empty()
        && ws != workspace_id
    {
        return Err(ApiError::invalid(
            "InvalidParameter.WorkspaceId",
            format!(
                "Resources[{i}].WorkspaceId \"{ws}\" differs from the workspace in the path \"{workspace_id}\"."
            ),
        ));
    }
    let product_type = body::opt_string(item, "ProductType")?.unwrap_or_else(|| "PAI".to_owned());
    if product_type != "PAI" {
        return Err(ApiError::invalid(
            "InvalidParameter.ProductType",
            format!(
                "Resources[{i}].ProductType \"{product_type}\" cannot carry PAI quotas; use PAI."
            ),
        ));
    }
    let quota_ids: Vec<String> = match item.get("Quotas") {
        Some(Value::Array(quotas)) => quotas
            .iter()
            .filter_map(|q| q.get("Id").and_then(Value::as_str))
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if quota_ids.is_empty() {
        return Err(ApiError::missing("Quotas"));
    }
    let requested_type = body::opt_string(item, "ResourceType")?.filter(|t| !t.is_empty());
    if let Some(t) = &requested_type
        && !RESOURCE_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::invalid(
            "InvalidParameter.ResourceType",
            format!(
                "Resources[{i}].ResourceType \"{t}\" is not valid; valid values (case-sensitive): {}.",
                RESOURCE_TYPES.join(", ")
            ),
        ));
    }
    let mut resource_type = requested_type.clone();
    for id in &quota_ids {
        let quota = state.quota(id).ok_or_else(|| errors::quota_not_found(id))?;
        let quota_type = quota.resource_type.as_str();
        if resource_type.as_deref().is_some_and(|t| t != quota_type) {
            return Err(ApiError::invalid(
                "InvalidParameter.ResourceType",
                format!(
                    "Resources[{i}].ResourceType {} does not match the quota {id}, whose ResourceType is {quota_type}.",
                    resource_type.unwrap_or_default()
                ),
            ));
        }
        resource_type = Some(quota_type.to_owned());
        let already = state
            .workspace_resources
            .iter()
            .chain(planned)
            .any(|r| r.workspace_id == workspace_id && r.quota_ids.contains(id));
        if already {
            return Err(ApiError::invalid(
                "ResourceAlreadyExists",
                format!("The quota {id} is already attached to workspace {workspace_id}."),
            ));
        }
    }
    let first_name = state
        .quota(&quota_ids[0])
        .map(|q| q.name.clone())
        .unwrap_or_default();
    Ok(WorkspaceResource {
        id: String::new(),
        workspace_id: workspace_id.to_owned(),
        name: body::opt_string(item, "Name")?
            .filter(|n| !n.is_empty())
            .unwrap_or(first_name),
        group_name: body::opt_string(item, "GroupName")?
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| quota_ids[0].clone()),
        env_type,
        resource_type: resource_type.unwrap_or_default(),
        product_type,
        quota_ids,
        is_default: body::opt_bool(item, "IsDefault")?.unwrap_or(false),
        labels: body::opt_labels(item)?.unwrap_or_default(),
        spec: body::opt_object(item, "Spec")?.unwrap_or_default(),
        gmt_create: time::OffsetDateTime::UNIX_EPOCH,
    })
}

/// The workspace's resources named by `ResourceIds`, or else by `GroupName`.
fn select(
    state: &RegionState,
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
    let workspace_id = req.path("WorkspaceId")?.to_owned();
    if ctx.state.workspace(&workspace_id).is_none() {
        return Err(errors::workspace_not_found(&workspace_id));
    }
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
            .state
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
    let workspace_id = req.path("WorkspaceId")?.to_owned();
    if ctx.state.workspace(&workspace_id).is_none() {
        return Err(errors::workspace_not_found(&workspace_id));
    }
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
