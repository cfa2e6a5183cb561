//! Reaching the whole catalog from a small list: tool search (`search_tools`, `call_tool`) for
//! every client, and dynamic toolsets (`list_toolsets`, `enable_toolset`, `disable_toolset`, with
//! `notifications/tools/list_changed`) under `--dynamic-toolsets`.
//!
//! A session's list is its own, never global: a stdio process, an HTTP session and a legacy SSE
//! session keep theirs in their handler instance; sessionless requests (2026-07-28, `--stateless`)
//! share one per principal. A change is announced to legacy sessions on their own channel and to
//! 2026-07-28 clients through their `subscriptions/listen` streams.
//!
//! Search and `call_tool` see exactly what the request's selection reaches: a tool hidden by
//! `--toolsets`, `--read-only`, `--exclude-tools` or the URL is never found, and `call_tool`
//! hands the inner call to the same dispatch a direct call takes (gate, validation, audit).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::model::{CallToolRequestParams, CallToolResult, ProtocolVersion};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use super::into_result;
use super::tools::{SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX};
use crate::catalog::search::{Entry, rank};
use crate::catalog::{Catalog, Selection, Toggles};
use crate::engine::Outcome;
use crate::failure::{FailureKind, ToolFailure};
use crate::state::{MemoryToggles, ToggleStore};

/// One session's (or, sessionless, one principal's) list state, kept in a [`ToggleStore`]:
/// the view's own memory by default, the shared Redis under `--state redis://...` (so a
/// sessionless principal sees one list on every replica).
#[derive(Debug)]
pub(super) struct SessionView {
    /// Names the view in change announcements and in the store.
    key: String,
    toggles: Arc<dyn ToggleStore>,
}

impl SessionView {
    /// A fresh view: nothing enabled or disabled yet, in `shared` or in memory of its own.
    pub(super) fn new(key: String, shared: Option<&Arc<dyn ToggleStore>>) -> Arc<Self> {
        let toggles = shared.map_or_else(
            || Arc::new(MemoryToggles::default()) as Arc<dyn ToggleStore>,
            Arc::clone,
        );
        Arc::new(Self { key, toggles })
    }

    /// The view's changes. A store that does not answer lists the defaults (reads keep
    /// working while Redis is down); changing the list is refused meanwhile.
    pub(super) fn toggles(&self) -> Toggles {
        self.toggles.load(&self.key).unwrap_or_else(|error| {
            tracing::warn!(%error, "tool-list changes unavailable; listing the defaults");
            Toggles::default()
        })
    }

    pub(super) fn key(&self) -> &str {
        &self.key
    }

    fn set(&self, toolset: &str, enabled: bool) -> crate::state::Stored<()> {
        self.toggles.set(&self.key, toolset, enabled)
    }
}

/// The views of sessionless callers, by principal, and the channel that announces changes.
#[derive(Debug)]
pub(super) struct Views {
    principals: Mutex<HashMap<String, Arc<SessionView>>>,
    changes: broadcast::Sender<String>,
    shared: Option<Arc<dyn ToggleStore>>,
}

impl Views {
    pub(super) fn new(shared: Option<Arc<dyn ToggleStore>>) -> Self {
        let (changes, _) = broadcast::channel(64);
        Self {
            principals: Mutex::new(HashMap::new()),
            changes,
            shared,
        }
    }

    /// A new session's view (in the shared store when there is one).
    pub(super) fn of_session(&self, session: &str) -> Arc<SessionView> {
        SessionView::new(format!("session:{session}"), self.shared.as_ref())
    }

    /// The view of a sessionless principal (bounded by the principals the server admits: one per
    /// bearer token).
    pub(super) fn of_principal(&self, principal: &str) -> Arc<SessionView> {
        let mut views = self.principals.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(views.entry(principal.to_string()).or_insert_with(|| {
            SessionView::new(format!("principal:{principal}"), self.shared.as_ref())
        }))
    }

    /// Tells every `subscriptions/listen` stream of this view that its list changed.
    fn announce(&self, view: &SessionView) {
        // No receiver is no listener: nothing to tell.
        let _ = self.changes.send(view.key.clone());
    }

    /// A stream of changed view keys, for a `subscriptions/listen` handler.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }
}

/// What a discovery call needs from the handler.
pub(super) struct Request<'a> {
    pub(super) catalog: &'a Catalog,
    pub(super) selection: &'a Selection,
    pub(super) definitions: &'a super::tools::ToolDefinitions,
    pub(super) view: &'a SessionView,
    pub(super) views: &'a Views,
    pub(super) dynamic: bool,
}

fn failure(kind: FailureKind, message: String) -> CallToolResult {
    into_result(Outcome::Failure(ToolFailure::new(kind, message)))
}

fn invalid(message: impl Into<String>) -> CallToolResult {
    failure(FailureKind::ValidationError, message.into())
}

fn optional_string<'a>(
    args: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, CallToolResult> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text)),
        Some(_) => Err(invalid(format!("`{key}` must be a non-empty string"))),
    }
}

fn required_string<'a>(args: &'a Map<String, Value>, key: &str) -> Result<&'a str, CallToolResult> {
    optional_string(args, key)?.ok_or_else(|| invalid(format!("`{key}` is required")))
}

/// Unknown keys are refused, as every tool's schema says (`additionalProperties: false`).
fn only(args: &Map<String, Value>, allowed: &[&str]) -> Result<(), CallToolResult> {
    match args.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(invalid(format!(
            "unknown argument `{key}`; this tool takes {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Ok(()),
    }
}

impl Request<'_> {
    /// A toolset name this request reaches, or the refusal naming the ones it does.
    fn reached_toolset<'n>(&self, name: &'n str) -> Result<&'n str, CallToolResult> {
        if self.selection.reaches(name) {
            Ok(name)
        } else {
            Err(failure(
                FailureKind::NotFound,
                format!(
                    "no toolset `{name}` here; available: {}",
                    self.selection.toolset_names().join(", ")
                ),
            ))
        }
    }

    fn listed_names(&self) -> Vec<String> {
        self.definitions
            .list(
                self.catalog,
                self.selection,
                &self.view.toggles(),
                self.dynamic,
            )
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// `search_tools {query, toolset?, limit?}`.
    pub(super) fn search(&self, args: &Map<String, Value>) -> CallToolResult {
        let parsed = (|| {
            only(args, &["query", "toolset", "limit"])?;
            let query = required_string(args, "query")?;
            let toolset = optional_string(args, "toolset")?
                .map(|name| self.reached_toolset(name))
                .transpose()?;
            let limit = match args.get("limit") {
                None | Some(Value::Null) => SEARCH_LIMIT_DEFAULT,
                Some(value) => value
                    .as_u64()
                    .filter(|n| (1..=SEARCH_LIMIT_MAX).contains(n))
                    .ok_or_else(|| {
                        invalid(format!(
                            "`limit` must be an integer from 1 to {SEARCH_LIMIT_MAX}"
                        ))
                    })?,
            };
            Ok((query, toolset, limit))
        })();
        let (query, toolset, limit) = match parsed {
            Ok(parsed) => parsed,
            Err(result) => return result,
        };
        let toggles = self.view.toggles();
        let reachable: Vec<_> = self
            .catalog
            .tools()
            .filter(|(set, tool)| self.selection.exposes(set, tool))
            .filter(|(set, _)| toolset.is_none_or(|name| set.name == name))
            .collect();
        let ranked = rank(
            query,
            reachable.iter().map(|(_, tool)| Entry::of(tool)).collect(),
            usize::try_from(limit).unwrap_or(usize::MAX),
        );
        let matches: Vec<Value> = ranked
            .iter()
            .filter_map(|(entry, _)| self.catalog.tool(entry.name))
            .map(|(set, tool)| {
                let definition = self.definitions.get(&tool.name);
                let mut found = json!({
                    "name": tool.name,
                    "toolset": set.name,
                    "title": tool.title,
                    "description": tool.description,
                    "effect": tool.effect.as_str(),
                    "listed": self.selection.lists(set, tool, &toggles),
                    "inputSchema": definition.map(|d| Value::Object((*d.input_schema).clone())),
                    "annotations": definition.and_then(|d| serde_json::to_value(&d.annotations).ok()),
                });
                if let Some(confirm) = &tool.confirm {
                    found["confirm_phrase"] = json!(confirm.phrase);
                    if let Some(force) = &confirm.force_phrase {
                        found["force_phrase"] = json!(force);
                    }
                }
                found
            })
            .collect();
        let hint = if matches.is_empty() {
            format!(
                "nothing matched; try other words or one of the toolsets: {}",
                self.selection.toolset_names().join(", ")
            )
        } else {
            "call a match by name, or with call_tool {name, arguments}; a write or destroy tool returns a plan to confirm".to_string()
        };
        CallToolResult::structured(json!({"query": query, "matches": matches, "hint": hint}))
    }

    /// `list_toolsets`.
    pub(super) fn list_toolsets(&self) -> CallToolResult {
        let toggles = self.view.toggles();
        let toolsets: Vec<Value> = self
            .catalog
            .toolsets
            .iter()
            .filter(|(set, _)| self.selection.reaches(&set.name))
            .map(|(set, tools)| {
                let reachable = tools.iter().filter(|t| self.selection.exposes(set, t));
                let listed = tools
                    .iter()
                    .filter(|t| self.selection.lists(set, t, &toggles))
                    .count();
                json!({
                    "name": set.name,
                    "title": set.title,
                    "description": set.description,
                    "tools": reachable.count(),
                    "listed": listed,
                    "enabled": self.selection.lists_in_full(&set.name, &toggles),
                })
            })
            .collect();
        CallToolResult::structured(json!({"toolsets": toolsets}))
    }

    /// `enable_toolset {name}` / `disable_toolset {name}`: changes the view, and says whether the
    /// list changed (the caller then notifies the client).
    pub(super) fn toggle(&self, args: &Map<String, Value>, enable: bool) -> (CallToolResult, bool) {
        let name = match only(args, &["name"])
            .and_then(|()| required_string(args, "name"))
            .and_then(|name| self.reached_toolset(name))
        {
            Ok(name) => name.to_string(),
            Err(result) => return (result, false),
        };
        let before = self.listed_names();
        if let Err(unavailable) = self.view.set(&name, enable) {
            return (
                into_result(Outcome::Failure(ToolFailure::from(unavailable))),
                false,
            );
        }
        let after = self.listed_names();
        let changed = before != after;
        if changed {
            self.views.announce(self.view);
        }
        let toolset_tools = self
            .catalog
            .toolsets
            .iter()
            .find(|(set, _)| set.name == name)
            .map(|(_, tools)| tools.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default();
        let listed: Vec<&String> = after.iter().filter(|n| toolset_tools.contains(n)).collect();
        let result = CallToolResult::structured(json!({
            "status": if enable { "enabled" } else { "disabled" },
            "toolset": name,
            "listed": listed,
            "list_changed": changed,
        }));
        (result, changed)
    }
}

/// The inner call of `call_tool {name, arguments}`: the request a direct call would have made,
/// carrying the outer request's confirmation state (a 2026-07-28 retry with `inputResponses`),
/// or the refusal. Nested discovery calls are refused: `call_tool` reaches catalog and gate
/// tools only.
pub(super) fn unwrap_call(
    outer: &CallToolRequestParams,
) -> Result<CallToolRequestParams, CallToolResult> {
    let args = outer.arguments.clone().unwrap_or_default();
    only(&args, &["name", "arguments"])?;
    let name = required_string(&args, "name")?.to_string();
    if crate::catalog::is_discovery(&name) {
        return Err(invalid(format!(
            "call_tool runs catalog and gate tools; call `{name}` directly"
        )));
    }
    let arguments = match args.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(object)) => object.clone(),
        Some(_) => return Err(invalid("`arguments` must be an object")),
    };
    let mut inner = CallToolRequestParams::new(name).with_arguments(arguments);
    inner.meta = outer.meta.clone();
    inner.input_responses = outer.input_responses.clone();
    inner.request_state = outer.request_state.clone();
    Ok(inner)
}

/// True when the request speaks 2026-07-28, whose list changes travel only through
/// `subscriptions/listen`.
pub(super) fn is_modern(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}
