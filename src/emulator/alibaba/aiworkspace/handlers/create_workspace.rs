//! `CreateWorkspace`: a new workspace (the compute skill creates `alibabacloud_compute_default`
//! when an account has none). No ClientToken: a second call with the same name is refused,
//! which is how a repeat after a lost answer is recognised.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::aiworkspace::models::Workspace;
use crate::emulator::alibaba::body::{opt_string, opt_strings};
use crate::emulator::alibaba::seed::USER_ALICE;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `POST /api/v1/workspaces`.
pub fn create_workspace(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = opt_string(&body, "WorkspaceName")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::missing("WorkspaceName"))?;
    let description =
        opt_string(&body, "Description")?.ok_or_else(|| ApiError::missing("Description"))?;
    let env_types = opt_strings(&body, "EnvTypes")?.unwrap_or_default();
    if env_types.is_empty() {
        return Err(ApiError::missing("EnvTypes"));
    }
    if ctx.state.workspaces.iter().any(|w| w.name == name) {
        return Err(ApiError::invalid(
            "WorkspaceNameAlreadyExists",
            format!("A workspace named \"{name}\" already exists."),
        ));
    }
    let id = ctx
        .state
        .workspaces
        .iter()
        .filter_map(|w| w.id.parse::<u64>().ok())
        .max()
        .map_or(114_200, |m| m + 1)
        .to_string();
    let display_name = opt_string(&body, "DisplayName")?.unwrap_or_else(|| name.clone());
    let is_default = ctx.state.workspaces.is_empty();
    ctx.state.workspaces.push(Workspace {
        id: id.clone(),
        name,
        display_name,
        description,
        status: "ENABLED".into(),
        creator: USER_ALICE.0.into(),
        env_types,
        admin_names: vec![USER_ALICE.1.into()],
        is_default,
        gmt_create: ctx.now,
        gmt_modified: ctx.now,
        owner_name: USER_ALICE.1.into(),
        rm_resource_group_id: opt_string(&body, "ResourceGroupId")?.unwrap_or_default(),
    });
    let mut out = Map::new();
    out.insert("WorkspaceId".into(), json!(id));
    Ok(out)
}
