//! `CreateWorkspaceResource` with `Option=Attach`: binding existing PAI quotas to a
//! workspace, with every check done before anything is stored (all items or none).

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::handlers::resources::existing_workspace;
use crate::emulator::alibaba::aiworkspace::models::{WorkspaceBackend, WorkspaceResource};
use crate::emulator::alibaba::body;
use crate::emulator::alibaba::pai::errors::quota_not_found;
use crate::emulator::alibaba::pai::models::PaiBackend;
use crate::emulator::core::wire::{ApiError, ApiRequest};

const RESOURCE_TYPES: [&str; 5] = ["MaxCompute", "ECS", "Lingjun", "ACS", "FLINK"];

/// `POST /api/v1/workspaces/{WorkspaceId}/resources`: binds existing quotas.
///
/// Only `Option=Attach` is served: the API default `CreateAndAttach` would create a new
/// resource, which is never what binding an existing PAI quota means.
pub fn create_workspace_resource(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let workspace_id = existing_workspace(ctx, req)?;
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
        let pai = ctx.siblings.read::<PaiBackend>();
        planned.push(plan_binding(
            ctx.state,
            &pai,
            &workspace_id,
            i,
            item,
            &planned,
        )?);
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
    state: &WorkspaceBackend,
    pai: &PaiBackend,
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
        let quota = pai.quota(id).ok_or_else(|| quota_not_found(id))?;
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
    let first_name = pai
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
