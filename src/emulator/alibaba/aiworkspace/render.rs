//! Wire shapes of workspaces, with the exact field names of the SDK response models.

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::aiworkspace::models::Workspace;
use crate::emulator::alibaba::seed::ACCOUNT_ID;
use crate::emulator::core::clock::format_time;

/// One workspace as `ListWorkspaces` answers it (note the lower-camel `resourceGroupId`).
pub fn workspace_item(ws: &Workspace) -> Map<String, Value> {
    let value = json!({
        "WorkspaceId": ws.id,
        "WorkspaceName": ws.name,
        "DisplayName": ws.display_name,
        "Description": ws.description,
        "Status": ws.status,
        "Creator": ws.creator,
        "GmtCreateTime": format_time(ws.gmt_create),
        "GmtModifiedTime": format_time(ws.gmt_modified),
        "IsDefault": ws.is_default,
        "EnvTypes": ws.env_types,
        "AdminNames": ws.admin_names,
        "ExtraInfos": {},
        "resourceGroupId": ws.rm_resource_group_id,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The `GetWorkspace` body (without `RequestId`).
pub fn workspace_detail(ws: &Workspace) -> Map<String, Value> {
    let mut map = workspace_item(ws);
    map.remove("resourceGroupId");
    map.insert("ResourceGroupId".into(), json!(ws.rm_resource_group_id));
    map.insert(
        "Owner".into(),
        json!({
            "UserId": ws.creator,
            "UserName": ws.owner_name,
            "DisplayName": ws.owner_name,
            "UserKp": ACCOUNT_ID,
        }),
    );
    map
}
