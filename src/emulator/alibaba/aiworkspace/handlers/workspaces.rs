//! AIWorkSpace workspaces on the wire: ListWorkspaces, GetWorkspace.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::errors;
use crate::emulator::alibaba::aiworkspace::models::Workspace;
use crate::emulator::alibaba::aiworkspace::render::{workspace_detail, workspace_item};
use crate::emulator::core::paging::{Order, SortBy, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `GET /api/v1/workspaces`. `WorkspaceName` is a case-insensitive substring filter.
pub fn list_workspaces(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(20)?;
    req.query_bool("Verbose")?;
    let option = req.query_nonempty("Option").unwrap_or("GetWorkspaces");
    if option == "GetResourceLimits" {
        let mut out = Map::new();
        out.insert(
            "ResourceLimits".into(),
            json!({"MaxCompute_share": 1, "MaxCompute_isolate": 1}),
        );
        out.insert("TotalCount".into(), json!(0));
        return Ok(out);
    }
    if option != "GetWorkspaces" {
        return Err(ApiError::invalid(
            "InvalidParameter.Option",
            format!(
                "Option \"{option}\" is not valid; valid values: GetWorkspaces, GetResourceLimits."
            ),
        ));
    }
    let name = req.query_nonempty("WorkspaceName").map(str::to_lowercase);
    let ids = req.query_csv("WorkspaceIds");
    let status = req.query_nonempty("Status");
    let mut selected: Vec<&Workspace> = ctx
        .state
        .workspaces
        .iter()
        .filter(|w| {
            name.as_ref()
                .is_none_or(|n| w.name.to_lowercase().contains(n))
        })
        .filter(|w| ids.as_ref().is_none_or(|ids| ids.contains(&w.id)))
        .filter(|w| status.is_none_or(|s| w.status.eq_ignore_ascii_case(s)))
        .collect();
    match SortBy::from_request(req).as_deref() {
        Some("gmtmodifiedtime") => selected.sort_by_key(|w| w.gmt_modified),
        _ => selected.sort_by_key(|w| w.gmt_create),
    }
    Order::from_request(req).apply(&mut selected);
    Ok(list_response("Workspaces", &selected, paging, |w| {
        Value::Object(workspace_item(w))
    }))
}

/// `GET /api/v1/workspaces/{WorkspaceId}`.
pub fn get_workspace(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("WorkspaceId")?;
    req.query_bool("Verbose")?;
    let ws = ctx
        .state
        .workspace(id)
        .ok_or_else(|| errors::workspace_not_found(id))?;
    Ok(workspace_detail(ws))
}
