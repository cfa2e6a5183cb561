//! Rendering the catalog, the gate's tools and the discovery tools as MCP tool definitions (once,
//! at startup), and choosing which of them one session's `tools/list` shows.
//!
//! The list starts with the discovery and gate tools, then the catalog tools in catalog order:
//! some clients keep only the first tools they are given (Cursor takes 40), and without these
//! few nothing else can be reached or confirmed.

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::catalog::{Catalog, Effect, Selection, Toggles, ToolSpec, input_schema, output_schema};

fn object(value: Value) -> Arc<JsonObject> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

/// The annotations a catalog tool publishes. destructiveHint and idempotentHint only mean
/// something for tools that are not read-only (MCP spec), so reads carry readOnlyHint alone.
pub(crate) fn annotations(spec: &ToolSpec) -> ToolAnnotations {
    if spec.effect == Effect::Read {
        ToolAnnotations::new().read_only(true).open_world(true)
    } else {
        ToolAnnotations::new()
            .read_only(false)
            .destructive(spec.effect == Effect::Destroy)
            .idempotent(spec.is_idempotent())
            .open_world(true)
    }
}

/// One catalog tool as MCP serves it.
pub(crate) fn catalog_tool(spec: &ToolSpec) -> Tool {
    Tool::new(
        spec.name.clone(),
        spec.description.clone(),
        Arc::new(input_schema(spec)),
    )
    .with_title(spec.title.clone())
    .with_raw_output_schema(Arc::new(output_schema(spec)))
    .with_annotations(annotations(spec))
}

/// `(read_only, destructive, idempotent, open_world)`.
type Hints = (bool, bool, bool, bool);

fn builtin(
    name: &'static str,
    title: &str,
    description: &str,
    input: Value,
    output: Value,
    hints: Hints,
) -> Tool {
    let (read_only, destructive, idempotent, open_world) = hints;
    Tool::new(name, description.to_string(), object(input))
        .with_title(title.to_string())
        .with_raw_output_schema(object(output))
        .with_annotations(
            ToolAnnotations::new()
                .read_only(read_only)
                .destructive(destructive)
                .idempotent(idempotent)
                .open_world(open_world),
        )
}

/// `confirm`, `cancel`, `list_plans`.
fn gate_tools() -> Vec<Tool> {
    let plan_output = json!({"type": "object"});
    vec![
        builtin(
            "confirm",
            "Confirm a plan",
            "Execute a pending plan once. `phrase` is the confirm_phrase exactly as the user typed it; anything else cancels the plan.",
            json!({"type": "object", "properties": {"plan_id": {"type": "string"}, "phrase": {"type": "string"}}, "required": ["plan_id", "phrase"], "additionalProperties": false}),
            plan_output.clone(),
            (false, true, false, true),
        ),
        builtin(
            "cancel",
            "Cancel a plan",
            "Drop a pending plan; nothing changes.",
            json!({"type": "object", "properties": {"plan_id": {"type": "string"}}, "required": ["plan_id"], "additionalProperties": false}),
            plan_output.clone(),
            (false, false, true, true),
        ),
        builtin(
            "list_plans",
            "List pending plans",
            "Your pending plans.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
            plan_output,
            (true, false, true, false),
        ),
    ]
}

/// Most matches `search_tools` returns, and how many by default.
pub(crate) const SEARCH_LIMIT_MAX: u64 = 20;
pub(crate) const SEARCH_LIMIT_DEFAULT: u64 = 5;

/// `search_tools`, `call_tool`, `list_toolsets`, `enable_toolset`, `disable_toolset`, in
/// [`crate::catalog::DISCOVERY_TOOLS`] order.
fn discovery_tools() -> Vec<Tool> {
    let toolset_name = json!({"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"], "additionalProperties": false});
    let toolset_change = json!({"type": "object", "properties": {"toolset": {"type": "string"}, "listed": {"type": "array", "items": {"type": "string"}}, "list_changed": {"type": "boolean"}}});
    vec![
        builtin(
            "search_tools",
            "Search tools",
            "Find tools by what they do, in every toolset, listed or not; returns each match's input schema, annotations and confirm phrase. Call a match by name or through call_tool.",
            json!({"type": "object", "properties": {
                "query": {"type": "string", "minLength": 1},
                "toolset": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT_MAX}
            }, "required": ["query"], "additionalProperties": false}),
            json!({"type": "object", "properties": {"matches": {"type": "array", "items": {"type": "object"}}}}),
            (true, false, true, false),
        ),
        builtin(
            "call_tool",
            "Call a tool by name",
            "Run a tool search_tools found with its arguments: the same validation, plan, confirm phrase and audit as calling it directly.",
            json!({"type": "object", "properties": {
                "name": {"type": "string", "minLength": 1},
                "arguments": {"type": "object"}
            }, "required": ["name"], "additionalProperties": false}),
            json!({"type": "object"}),
            (false, true, false, true),
        ),
        builtin(
            "list_toolsets",
            "List toolsets",
            "The toolsets: what each is for, its tool count, and whether this session lists it in full.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
            json!({"type": "object", "properties": {"toolsets": {"type": "array", "items": {"type": "object"}}}}),
            (true, false, true, false),
        ),
        builtin(
            "enable_toolset",
            "Enable a toolset",
            "List every tool of a toolset in this session; the client is told the tool list changed.",
            toolset_name.clone(),
            toolset_change.clone(),
            (false, false, true, false),
        ),
        builtin(
            "disable_toolset",
            "Disable a toolset",
            "Stop listing a toolset's tools in this session; search_tools and call_tool still reach them.",
            toolset_name,
            toolset_change,
            (false, false, true, false),
        ),
    ]
}

/// Every tool definition the server can serve, rendered once.
#[derive(Debug)]
pub struct ToolDefinitions {
    /// Every catalog tool, in `catalog.tools()` order.
    catalog: Vec<Tool>,
    index: HashMap<String, usize>,
    gate: Vec<Tool>,
    discovery: Vec<Tool>,
}

impl ToolDefinitions {
    /// Renders every tool of the catalog (reachable or not: the selection is applied per list).
    pub fn new(catalog: &Catalog) -> Self {
        let catalog: Vec<Tool> = catalog
            .tools()
            .map(|(_, spec)| catalog_tool(spec))
            .collect();
        let index = catalog
            .iter()
            .enumerate()
            .map(|(i, tool)| (tool.name.to_string(), i))
            .collect();
        Self {
            catalog,
            index,
            gate: gate_tools(),
            discovery: discovery_tools(),
        }
    }

    /// The definition of any tool by name: catalog, gate or discovery.
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.index.get(name).map(|&i| &self.catalog[i]).or_else(|| {
            self.gate
                .iter()
                .chain(&self.discovery)
                .find(|t| t.name == name)
        })
    }

    /// Every definition, catalog tools first: what the snapshots hold.
    pub fn all(&self) -> impl Iterator<Item = &Tool> {
        self.catalog.iter().chain(&self.gate).chain(&self.discovery)
    }

    /// The `tools/list` of a session: discovery tools (search and `call_tool` while some
    /// reachable tool is not listed; the toolset tools with `--dynamic-toolsets`), the gate's tools
    /// (unless read-only), then the catalog tools the selection lists for these toggles.
    pub fn list(
        &self,
        catalog: &Catalog,
        selection: &Selection,
        toggles: &Toggles,
        dynamic: bool,
    ) -> Vec<Tool> {
        let mut listed = Vec::new();
        let mut unlisted = false;
        for ((set, spec), tool) in catalog.tools().zip(&self.catalog) {
            if !selection.exposes(set, spec) {
                continue;
            }
            if selection.lists(set, spec, toggles) {
                listed.push(tool.clone());
            } else {
                unlisted = true;
            }
        }
        let discovery = self.discovery.iter().filter(|tool| {
            let offered = match tool.name.as_ref() {
                "search_tools" | "call_tool" => unlisted,
                _ => dynamic,
            };
            offered && selection.exposes_discovery(&tool.name)
        });
        let gate = self
            .gate
            .iter()
            .filter(|tool| selection.exposes_builtin(&tool.name));
        discovery.chain(gate).cloned().chain(listed).collect()
    }
}
