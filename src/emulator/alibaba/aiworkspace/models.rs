//! The AIWorkSpace data model the emulator keeps per account and region, and its backend.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::alibaba::pai::models::Label;
use crate::emulator::core::clock::ser;
use crate::emulator::core::world::{Backend, ServiceBackend};

/// Everything one account has in AIWorkSpace in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkspaceBackend {
    /// Workspaces.
    pub workspaces: Vec<Workspace>,
    /// Workspace resources (quota bindings).
    pub workspace_resources: Vec<WorkspaceResource>,
    /// Detaches done so far.
    pub detach_history: Vec<DetachRecord>,
    /// Next numeric workspace-resource id.
    pub next_resource_id: u64,
}

impl Backend for WorkspaceBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

impl ServiceBackend for WorkspaceBackend {
    const SERVICE: &'static str = "aiworkspace";
}

impl WorkspaceBackend {
    /// A workspace by id.
    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == id)
    }

    /// The workspaces a quota is bound to, in binding order, without duplicates.
    pub fn bound_workspaces(&self, quota_id: &str) -> Vec<&Workspace> {
        let mut out: Vec<&Workspace> = Vec::new();
        for r in &self.workspace_resources {
            if r.quota_ids.iter().any(|q| q == quota_id)
                && !out.iter().any(|w| w.id == r.workspace_id)
                && let Some(ws) = self.workspace(&r.workspace_id)
            {
                out.push(ws);
            }
        }
        out
    }

    /// A fresh numeric workspace-resource id.
    pub fn next_workspace_resource_id(&mut self) -> String {
        if self.next_resource_id == 0 {
            self.next_resource_id = 30_871;
        }
        let id = self.next_resource_id;
        self.next_resource_id += 1;
        id.to_string()
    }
}

/// An AI workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    /// Numeric string.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Free text.
    pub description: String,
    /// `ENABLED`.
    pub status: String,
    /// Creator user id.
    pub creator: String,
    /// `prod`, `dev`.
    pub env_types: Vec<String>,
    /// Admin user names.
    pub admin_names: Vec<String>,
    /// Whether it is the account's default workspace.
    pub is_default: bool,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_create: OffsetDateTime,
    /// Last change.
    #[serde(serialize_with = "ser::time")]
    pub gmt_modified: OffsetDateTime,
    /// Owner's display name.
    pub owner_name: String,
    /// Resource Manager group (`rg-acfm...`), unrelated to PAI resource groups.
    pub rm_resource_group_id: String,
}

/// A resource bound to a workspace; for quotas, the binding made by `CreateWorkspaceResource`.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceResource {
    /// Numeric string; what `DeleteWorkspaceResource` takes.
    pub id: String,
    /// The workspace.
    pub workspace_id: String,
    /// Resource name.
    pub name: String,
    /// Group name.
    pub group_name: String,
    /// `prod` or `dev`.
    pub env_type: String,
    /// ECS, Lingjun, ACS ...
    pub resource_type: String,
    /// `PAI`.
    pub product_type: String,
    /// The bound quotas.
    pub quota_ids: Vec<String>,
    /// Whether it is the workspace's default resource.
    pub is_default: bool,
    /// Resource labels.
    pub labels: Vec<Label>,
    /// Free-form spec.
    pub spec: Map<String, Value>,
    /// Binding time.
    #[serde(serialize_with = "ser::time")]
    pub gmt_create: OffsetDateTime,
}

/// A detach, remembered so tests can see which `Option` the client sent.
#[derive(Debug, Clone, Serialize)]
pub struct DetachRecord {
    /// The workspace resource id.
    pub resource_id: String,
    /// The workspace.
    pub workspace_id: String,
    /// The quotas it bound.
    pub quota_ids: Vec<String>,
    /// `Detach` or `DetachAndDelete` (both only detach: deleting a quota is not the workspace's job).
    pub option: String,
    /// When.
    #[serde(serialize_with = "ser::time")]
    pub time: OffsetDateTime,
}
