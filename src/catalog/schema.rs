//! JSON Schemas for `tools/list`, rendered from the catalog. Compact on purpose: every byte of the
//! tool list is context the agent pays for, so descriptions appear once and output schemas list only
//! types.

use serde_json::{Map, Value, json};

use super::{ParamSpec, ParamType, ToolSpec};

/// The tool's input schema (draft 2020-12 subset every client accepts: no type arrays).
pub fn input_schema(tool: &ToolSpec) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in tool.params.iter().filter(|p| !p.hidden) {
        properties.insert(param.name.clone(), param_schema(param));
        if param.required {
            required.push(Value::String(param.name.clone()));
        }
    }
    for scope in &tool.scope {
        properties.insert(scope.clone(), json!({"type": "string"}));
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), json!(false));
    schema
}

fn param_schema(param: &ParamSpec) -> Value {
    let mut schema = match param.kind {
        ParamType::String => json!({"type": "string"}),
        ParamType::Integer => json!({"type": "integer"}),
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::StringArray => json!({"type": "array", "items": {"type": "string"}}),
        ParamType::Object => json!({"type": "object"}),
        ParamType::ObjectArray => json!({"type": "array", "items": {"type": "object"}}),
        ParamType::NodeSpecs => json!({
            "type": "object",
            "description": "Absolute target, e.g. {\"NodeSpecs\":[{\"NodeSpec\":\"ecs.gn7i-c8g1.2xlarge\",\"Count\":4}]}",
            "required": ["NodeSpecs"]
        }),
        ParamType::Labels => {
            json!({"type": "array", "description": "[{\"Key\":\"k\",\"Value\":\"v\"}]"})
        }
    };
    let Some(object) = schema.as_object_mut() else {
        return schema;
    };
    if let Some(description) = &param.description {
        object.insert("description".into(), json!(description));
    }
    if let Some(allowed) = &param.allowed {
        object.insert("enum".into(), json!(allowed));
    }
    if let Some(v) = param.min_length {
        object.insert("minLength".into(), json!(v));
    }
    if let Some(v) = param.max_length {
        object.insert("maxLength".into(), json!(v));
    }
    if let Some(v) = param.minimum {
        object.insert("minimum".into(), json!(v));
    }
    if let Some(v) = param.maximum {
        object.insert("maximum".into(), json!(v));
    }
    if let Some(v) = param.min_items {
        object.insert("minItems".into(), json!(v));
    }
    // Defaults of enumerations are shown (they are choices); numeric paging defaults are not worth
    // their bytes in every tool list.
    if let Some(v) = param.default.as_ref().filter(|v| v.is_string()) {
        object.insert("default".into(), v.clone());
    }
    schema
}

/// The tool's output schema. Every property is optional, because one tool answers with a plan, an
/// execution result or an error object, and strict clients validate `structuredContent` against it.
/// Properties not listed (`emulator`, `request_id`, `error`) are allowed: the schema stays open so it
/// can stay short.
pub fn output_schema(tool: &ToolSpec) -> Map<String, Value> {
    let fields = |specs: &[super::FieldSpec]| -> Map<String, Value> {
        specs
            .iter()
            .map(|f| (f.name.clone(), json!({"type": f.kind.json_type()})))
            .collect()
    };
    let mut data = fields(&tool.output.extra);
    match &tool.output.key {
        Some(key) => {
            // Item fields are named in the tool description's reference, not here: a list's item
            // schema would cost every agent context on every `tools/list`.
            data.insert(
                key.clone(),
                json!({"type": "array", "items": {"type": "object"}}),
            );
        }
        None => data.extend(fields(&tool.output.fields)),
    }
    let properties = if tool.effect.is_mutation() {
        let mut plan = Map::new();
        plan.insert(
            "status".into(),
            json!({"enum": ["confirmation_required", "awaiting_human", "executed"]}),
        );
        plan.insert("plan_id".into(), json!({"type": "string"}));
        plan.insert("confirm_phrase".into(), json!({"type": "string"}));
        plan.insert(
            "result".into(),
            json!({"type": "object", "properties": data}),
        );
        plan
    } else {
        data
    };
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    schema
}
