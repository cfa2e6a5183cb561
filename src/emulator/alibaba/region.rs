//! One account's state in one region, and the map of all accounts and regions.
//!
//! State is kept per access key and region, as the cloud does: the demo account's seed
//! lives in `cn-hangzhou`, every other account or region starts empty.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::emulator::alibaba::state::{
    DetachRecord, Quota, ResourceGroup, Workload, Workspace, WorkspaceResource,
};

/// Everything one account has in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegionState {
    /// Dedicated resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Quotas, in creation order.
    pub quotas: Vec<Quota>,
    /// Workloads, in submission order.
    pub workloads: Vec<Workload>,
    /// Workspaces.
    pub workspaces: Vec<Workspace>,
    /// Workspace resources (quota bindings).
    pub workspace_resources: Vec<WorkspaceResource>,
    /// Detaches done so far.
    pub detach_history: Vec<DetachRecord>,
    /// Next numeric workspace-resource id.
    pub next_resource_id: u64,
}

impl RegionState {
    /// A quota by id.
    pub fn quota(&self, id: &str) -> Option<&Quota> {
        self.quotas.iter().find(|q| q.id == id)
    }

    /// A quota by id, for change.
    pub fn quota_mut(&mut self, id: &str) -> Option<&mut Quota> {
        self.quotas.iter_mut().find(|q| q.id == id)
    }

    /// A resource group by id.
    pub fn resource_group(&self, id: &str) -> Option<&ResourceGroup> {
        self.resource_groups.iter().find(|g| g.id == id)
    }

    /// A workspace by id.
    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == id)
    }

    /// The direct children of a quota.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &Quota> {
        self.quotas
            .iter()
            .filter(move |q| q.parent_id.as_deref() == Some(id))
    }

    /// The quota and all its descendants, parents before children.
    pub fn subtree_ids(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_owned()];
        let mut i = 0;
        while i < out.len() {
            let current = out[i].clone();
            out.extend(self.children(&current).map(|c| c.id.clone()));
            i += 1;
        }
        out
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

/// All accounts and regions.
#[derive(Debug, Default)]
pub struct World {
    regions: HashMap<(String, String), RegionState>,
}

impl World {
    /// The state of `access_key_id` in `region`, created empty on first use.
    pub fn region_mut(&mut self, access_key_id: &str, region: &str) -> &mut RegionState {
        self.regions
            .entry((access_key_id.to_owned(), region.to_owned()))
            .or_default()
    }

    /// Replaces one account's region state (used by the seed).
    pub fn insert(&mut self, access_key_id: &str, region: &str, state: RegionState) {
        self.regions
            .insert((access_key_id.to_owned(), region.to_owned()), state);
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.regions.clear();
    }

    /// The whole state as JSON: `{access_key_id: {region: state}}`.
    pub fn to_json(&self) -> Value {
        let mut accounts: BTreeMap<&str, BTreeMap<&str, &RegionState>> = BTreeMap::new();
        for ((ak, region), state) in &self.regions {
            accounts.entry(ak).or_default().insert(region, state);
        }
        serde_json::to_value(accounts).unwrap_or(Value::Null)
    }
}
