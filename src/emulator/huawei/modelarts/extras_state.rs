//! What the pool extras, the inference extras and the management side (seed-operations.md
//! 6.2, 6.5-6.7) remember beyond pools, services and workspaces themselves: the account's
//! auth mode, workspace quotas, agencies ModelArts created, scheduled maintenance events on
//! pool nodes, pools' TMS tags and v1 services' additional properties. Kept in one struct of
//! the ModelArts backend so the rest of its state is not touched; seeded per demo region.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

/// A scheduled maintenance event on a pool node (`/v1/{project_id}/scheduled-events`).
#[derive(Debug, Clone)]
pub struct SchedEvent {
    /// The event id.
    pub id: String,
    /// `redeploy` or `reboot`.
    pub kind: String,
    /// `inquiring` (waiting for the user), `scheduled` (accepted), `completed`.
    pub state: String,
    /// The pool (id) and node it concerns.
    pub pool_name: String,
    /// The node.
    pub node_name: String,
    /// When it was published.
    pub published: OffsetDateTime,
    /// The time the user accepted it for, once accepted.
    pub not_before: Option<OffsetDateTime>,
    /// The workspace.
    pub workspace_id: String,
}

/// The extras of one account and region.
#[derive(Debug, Clone, Default)]
pub struct ExtrasState {
    /// `strict` or `loose` (`/v1/auth-mode`).
    pub auth_mode: String,
    /// workspace id -> resource -> quota.
    pub ws_quotas: BTreeMap<String, BTreeMap<String, i64>>,
    /// Agencies ModelArts created (`ma_agency_<suffix>`).
    pub agencies: Vec<String>,
    /// Scheduled events, oldest first.
    pub sched_events: Vec<SchedEvent>,
    /// pool id -> TMS tags (key -> value).
    pub pool_tags: BTreeMap<String, BTreeMap<String, String>>,
    /// v1 service id -> `additional_properties` as last written.
    pub svc1_properties: BTreeMap<String, Value>,
}

/// The workspace quota resources, with their bounds: `(resource, name, unit, min, max, default)`.
pub const WS_QUOTAS: &[(&str, &str, &str, i64, i64, i64)] = &[
    ("notebook.gpu", "Notebook GPU cards", "card", -1, 1000, -1),
    ("train.gpu", "Training GPU cards", "card", -1, 1000, -1),
    ("infer.gpu", "Inference GPU cards", "card", -1, 1000, -1),
    (
        "notebook.instance",
        "Notebook instances",
        "instance",
        -1,
        100,
        20,
    ),
];

/// The seed of one demo region: strict mode, tags on the two demo pools, one event on the
/// demo pool's first node waiting to be accepted.
pub fn seed(short: &str, now: OffsetDateTime) -> ExtrasState {
    let region = short.replace('-', "");
    let mut pool_tags = BTreeMap::new();
    for (pool, team) in [
        (format!("pool-demo{region}"), "vision"),
        (format!("pool-idle{region}"), "nlp"),
    ] {
        let mut tags = BTreeMap::new();
        tags.insert("team".to_owned(), team.to_owned());
        tags.insert("env".to_owned(), "demo".to_owned());
        pool_tags.insert(pool, tags);
    }
    ExtrasState {
        auth_mode: "strict".to_owned(),
        ws_quotas: BTreeMap::new(),
        agencies: Vec::new(),
        sched_events: vec![SchedEvent {
            id: format!("event-demo-{region}-1"),
            kind: "redeploy".to_owned(),
            state: "inquiring".to_owned(),
            pool_name: format!("pool-demo{region}"),
            node_name: "os-node-created-demo1".to_owned(),
            published: now - Duration::hours(6),
            not_before: None,
            workspace_id: "0".to_owned(),
        }],
        pool_tags,
        svc1_properties: BTreeMap::new(),
    }
}

impl ExtrasState {
    /// The quota of `resource` in `workspace`: the set value, else the default.
    pub fn quota(&self, workspace: &str, resource: &str) -> Option<i64> {
        let default = WS_QUOTAS.iter().find(|q| q.0 == resource)?.5;
        Some(
            self.ws_quotas
                .get(workspace)
                .and_then(|q| q.get(resource))
                .copied()
                .unwrap_or(default),
        )
    }

    /// The state for `GET /_emulator/state`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert(
            "modelarts_extras".into(),
            json!({
                "auth_mode": self.auth_mode,
                "ws_quotas": self.ws_quotas,
                "agencies": self.agencies,
                "sched_events": self.sched_events.iter().map(|e| json!({"id": e.id, "state": e.state})).collect::<Vec<_>>(),
                "pool_tags": self.pool_tags,
                "svc1_properties": self.svc1_properties,
            }),
        );
        out
    }
}
