//! Rendering the catalog (and the gate's built-in tools) as MCP tool definitions.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::catalog::{Effect, input_schema, output_schema};
use crate::engine::Engine;

fn object(value: Value) -> Arc<JsonObject> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

/// The tool list of an engine: exposed catalog tools, then `confirm`, `cancel`, `list_plans`.
pub fn render(engine: &Engine) -> Vec<Tool> {
    let mut tools: Vec<Tool> = engine
        .exposed_tools()
        .map(|(_, spec)| {
            // destructiveHint and idempotentHint only mean something for tools that are not
            // read-only (MCP spec), so reads carry readOnlyHint alone.
            let annotations = if spec.effect == Effect::Read {
                ToolAnnotations::new().read_only(true).open_world(true)
            } else {
                ToolAnnotations::new()
                    .read_only(false)
                    .destructive(spec.effect == Effect::Destroy)
                    .idempotent(spec.is_idempotent())
                    .open_world(true)
            };
            Tool::new(
                spec.name.clone(),
                spec.description.clone(),
                Arc::new(input_schema(spec)),
            )
            .with_title(spec.title.clone())
            .with_raw_output_schema(Arc::new(output_schema(spec)))
            .with_annotations(annotations)
        })
        .collect();
    let selection = engine.selection();
    let plan_output = object(json!({"type": "object"}));
    let builtins = [
        (
            "confirm",
            "Confirm a plan",
            "Execute a pending plan once. `phrase` is the confirm_phrase exactly as the user typed it; anything else cancels the plan.",
            json!({"type": "object", "properties": {"plan_id": {"type": "string"}, "phrase": {"type": "string"}}, "required": ["plan_id", "phrase"], "additionalProperties": false}),
            (false, true, false),
        ),
        (
            "cancel",
            "Cancel a plan",
            "Drop a pending plan; nothing changes.",
            json!({"type": "object", "properties": {"plan_id": {"type": "string"}}, "required": ["plan_id"], "additionalProperties": false}),
            (false, false, true),
        ),
        (
            "list_plans",
            "List pending plans",
            "Your pending plans.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
            (true, false, true),
        ),
    ];
    for (name, title, description, schema, (read_only, destructive, idempotent)) in builtins {
        if !selection.exposes_builtin(name) {
            continue;
        }
        tools.push(
            Tool::new(name, description, object(schema))
                .with_title(title)
                .with_raw_output_schema(plan_output.clone())
                .with_annotations(
                    ToolAnnotations::new()
                        .read_only(read_only)
                        .destructive(destructive)
                        .idempotent(idempotent)
                        .open_world(!read_only),
                ),
        );
    }
    tools
}
