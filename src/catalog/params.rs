//! Argument validation against the catalog's parameter declarations.
//!
//! Hand-written rather than delegated to a JSON Schema validator because the messages are the
//! product: an agent must learn exactly what was wrong and what is allowed (`queue_strategy` lists
//! the four valid values, `min` says which key is PascalCase), and nothing reaches the cloud before
//! the arguments are right.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{ParamSpec, ParamType, ToolSpec};

/// One wrong argument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {message}")]
pub struct ArgumentError {
    /// The argument (dot path for nested values).
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
    /// True when the value is outside a fixed list of allowed values.
    pub invalid_enum: bool,
}

impl ArgumentError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            invalid_enum: false,
        }
    }
}

/// Checks `arguments` against the tool's parameters and returns them normalised: defaults filled
/// in, node specs rewritten to the wire's `{Type, Count}` shape, the scope (`region_id`) resolved
/// from the arguments or `scope_defaults` (the tool's provider's own `<provider>.<scope>` first).
pub fn validate_arguments(
    tool: &ToolSpec,
    arguments: &Map<String, Value>,
    scope_defaults: &BTreeMap<String, String>,
) -> Result<Map<String, Value>, ArgumentError> {
    let mut normalized = Map::new();
    for (key, value) in arguments {
        if value.is_null() {
            continue;
        }
        if tool.scope.contains(key) {
            normalized.insert(key.clone(), Value::String(validate_scope(key, value)?));
            continue;
        }
        if let Some(reason) = tool.param(key).and_then(|p| p.refuse.as_ref()) {
            return Err(ArgumentError::new(
                key,
                format!("is not accepted here: {reason}"),
            ));
        }
        let Some(param) = tool.param(key).filter(|p| !p.hidden) else {
            let allowed: Vec<String> = tool
                .params
                .iter()
                .filter(|p| !p.hidden)
                .map(|p| format!("`{}`", p.name))
                .chain(tool.scope.iter().map(|s| format!("`{s}`")))
                .collect();
            return Err(ArgumentError::new(
                key,
                format!(
                    "is not a parameter of `{}`; allowed: {}",
                    tool.name,
                    allowed.join(", ")
                ),
            ));
        };
        normalized.insert(key.clone(), validate_value(param, key, value)?);
    }
    for param in tool.params.iter().filter(|p| !p.hidden) {
        if normalized.contains_key(&param.name) {
            continue;
        }
        if param.required {
            return Err(ArgumentError::new(&param.name, "is required"));
        }
        if let Some(default) = &param.default {
            normalized.insert(param.name.clone(), default.clone());
        }
    }
    for scope in &tool.scope {
        if normalized.contains_key(scope) {
            continue;
        }
        let provider_default = scope_defaults.get(&format!("{}.{scope}", tool.provider));
        match provider_default.or_else(|| scope_defaults.get(scope)) {
            Some(value) => {
                normalized.insert(scope.clone(), Value::String(value.clone()));
            }
            None => {
                return Err(ArgumentError::new(
                    scope,
                    "is required (no default is configured for it)",
                ));
            }
        }
    }
    Ok(normalized)
}

/// A scope value: a region id, or another plain id (a Huawei project id).
fn validate_scope(name: &str, value: &Value) -> Result<String, ArgumentError> {
    if name == "region_id" {
        return validate_region(value);
    }
    let text = value.as_str().unwrap_or_default();
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(text.to_string())
    } else {
        Err(ArgumentError::new(
            name,
            format!("must be a plain id (letters, digits, `-`, `_`); got {value}"),
        ))
    }
}

fn validate_region(value: &Value) -> Result<String, ArgumentError> {
    let region = value.as_str().unwrap_or_default();
    let ok = region.len() >= 5
        && region.len() <= 32
        && region.contains('-')
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(region.to_string())
    } else {
        Err(ArgumentError::new(
            "region_id",
            format!("must be a region id such as `cn-hangzhou`; got {value}"),
        ))
    }
}

fn validate_value(param: &ParamSpec, field: &str, value: &Value) -> Result<Value, ArgumentError> {
    match param.kind {
        ParamType::String => validate_string(param, field, value).map(Value::String),
        ParamType::Integer => {
            let number = value.as_i64().ok_or_else(|| {
                ArgumentError::new(field, format!("must be an integer; got {value}"))
            })?;
            if let Some(min) = param.minimum.filter(|m| number < *m) {
                return Err(ArgumentError::new(
                    field,
                    format!("must be at least {min}; got {number}"),
                ));
            }
            if let Some(max) = param.maximum.filter(|m| number > *m) {
                return Err(ArgumentError::new(
                    field,
                    format!("must be at most {max}; got {number}"),
                ));
            }
            Ok(json!(number))
        }
        ParamType::Boolean => value.as_bool().map(Value::Bool).ok_or_else(|| {
            ArgumentError::new(field, format!("must be true or false; got {value}"))
        }),
        ParamType::StringArray => {
            let items = value.as_array().ok_or_else(|| {
                ArgumentError::new(field, format!("must be a list of strings; got {value}"))
            })?;
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let text = item
                    .as_str()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        ArgumentError::new(
                            format!("{field}[{index}]"),
                            format!("must be a non-empty string; got {item}"),
                        )
                    })?;
                out.push(Value::String(text.trim().to_string()));
            }
            if let Some(min) = param.min_items.filter(|m| out.len() < *m) {
                return Err(ArgumentError::new(
                    field,
                    format!("needs at least {min} item(s)"),
                ));
            }
            Ok(Value::Array(out))
        }
        ParamType::Object => match value {
            Value::Object(_) => Ok(value.clone()),
            _ => Err(ArgumentError::new(
                field,
                format!("must be a JSON object; got {value}"),
            )),
        },
        ParamType::ObjectArray => match value {
            Value::Array(items) if items.iter().all(Value::is_object) => Ok(value.clone()),
            _ => Err(ArgumentError::new(field, "must be a list of JSON objects")),
        },
        ParamType::NodeSpecs => normalize_node_specs(field, value),
        ParamType::Labels => validate_labels(field, value),
    }
}

fn validate_string(param: &ParamSpec, field: &str, value: &Value) -> Result<String, ArgumentError> {
    let text = value
        .as_str()
        .ok_or_else(|| ArgumentError::new(field, format!("must be a string; got {value}")))?;
    if let Some(allowed) = &param.allowed
        && !allowed.iter().any(|a| a == text)
    {
        let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
        return Err(ArgumentError {
            field: field.to_string(),
            message: format!(
                "must be exactly one of {} (case-sensitive); got `{text}`",
                list.join(", ")
            ),
            invalid_enum: true,
        });
    }
    let length = text.chars().count();
    if let Some(min) = param.min_length.filter(|m| length < *m) {
        return Err(ArgumentError::new(
            field,
            format!("must be at least {min} character(s)"),
        ));
    }
    if let Some(max) = param.max_length.filter(|m| length > *m) {
        return Err(ArgumentError::new(
            field,
            format!("must be at most {max} characters; got {length}"),
        ));
    }
    Ok(text.to_string())
}

/// Accepts the skill's `{"NodeSpecs":[{"NodeSpec": .., "Count": ..}]}` and the SDK's `Type` key,
/// and returns the SDK's shape, which is what the API takes (alibaba-wire.md section 0).
fn normalize_node_specs(field: &str, value: &Value) -> Result<Value, ArgumentError> {
    const SHAPE: &str = r#"{"NodeSpecs":[{"NodeSpec":"ecs.gn7i-c8g1.2xlarge","Count":4}]}"#;
    let object = value
        .as_object()
        .ok_or_else(|| ArgumentError::new(field, format!("must be a JSON object like {SHAPE}")))?;
    if let Some(other) = object.keys().find(|k| *k != "NodeSpecs") {
        return Err(ArgumentError::new(
            field,
            format!("has unknown key `{other}`; keys are PascalCase, like {SHAPE}"),
        ));
    }
    let specs = object
        .get("NodeSpecs")
        .and_then(Value::as_array)
        .filter(|specs| !specs.is_empty())
        .ok_or_else(|| {
            ArgumentError::new(
                field,
                format!("needs a non-empty `NodeSpecs` list, like {SHAPE}"),
            )
        })?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let at = format!("{field}.NodeSpecs[{index}]");
        let spec = spec.as_object().ok_or_else(|| {
            ArgumentError::new(&at, "must be an object with `NodeSpec` and `Count`")
        })?;
        if let Some(other) = spec
            .keys()
            .find(|k| !["NodeSpec", "Type", "Count"].contains(&k.as_str()))
        {
            return Err(ArgumentError::new(
                &at,
                format!(
                    "has unknown key `{other}`; allowed: `NodeSpec` (or `Type`), `Count` (PascalCase)"
                ),
            ));
        }
        let name = match (spec.get("NodeSpec"), spec.get("Type")) {
            (Some(a), Some(b)) if a != b => {
                return Err(ArgumentError::new(
                    &at,
                    "gives `NodeSpec` and `Type` with different values",
                ));
            }
            (Some(v), _) | (None, Some(v)) => v.as_str().filter(|s| !s.is_empty()),
            (None, None) => None,
        }
        .ok_or_else(|| {
            ArgumentError::new(
                &at,
                "needs `NodeSpec`: the instance type, e.g. `ecs.gn7i-c8g1.2xlarge`",
            )
        })?;
        let count = spec
            .get("Count")
            .and_then(Value::as_i64)
            .filter(|c| *c >= 1)
            .ok_or_else(|| {
                ArgumentError::new(&at, "needs `Count`: a whole number of nodes, at least 1")
            })?;
        if !seen.insert(name.to_string()) {
            return Err(ArgumentError::new(
                &at,
                format!("lists `{name}` twice; give each node spec once"),
            ));
        }
        out.push(json!({"Type": name, "Count": count}));
    }
    Ok(json!({"NodeSpecs": out}))
}

fn validate_labels(field: &str, value: &Value) -> Result<Value, ArgumentError> {
    let items = value.as_array().ok_or_else(|| {
        ArgumentError::new(field, r#"must be a list like [{"Key":"team","Value":"a"}]"#)
    })?;
    for (index, item) in items.iter().enumerate() {
        let ok = item.as_object().is_some_and(|o| {
            o.len() == 2
                && o.get("Key")
                    .and_then(Value::as_str)
                    .is_some_and(|k| !k.is_empty())
                && o.get("Value").and_then(Value::as_str).is_some()
        });
        if !ok {
            return Err(ArgumentError::new(
                format!("{field}[{index}]"),
                r#"must be {"Key": "<non-empty>", "Value": "<string>"} (PascalCase)"#,
            ));
        }
    }
    Ok(value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_specs_accept_the_skill_shape_and_send_the_sdk_shape() {
        let value = json!({"NodeSpecs":[{"NodeSpec":"ecs.a","Count":4}]});
        assert_eq!(
            normalize_node_specs("min", &value),
            Ok(json!({"NodeSpecs":[{"Type":"ecs.a","Count":4}]}))
        );
        let typed = json!({"NodeSpecs":[{"Type":"ecs.a","Count":1}]});
        assert_eq!(
            normalize_node_specs("min", &typed),
            Ok(json!({"NodeSpecs":[{"Type":"ecs.a","Count":1}]}))
        );
    }

    #[test]
    fn node_specs_refuse_camel_case_zero_counts_and_duplicates() {
        let camel = json!({"nodeSpecs":[{"NodeSpec":"ecs.a","Count":4}]});
        assert!(
            normalize_node_specs("min", &camel).is_err_and(|e| e.message.contains("PascalCase"))
        );
        let zero = json!({"NodeSpecs":[{"NodeSpec":"ecs.a","Count":0}]});
        assert!(normalize_node_specs("min", &zero).is_err());
        let dup = json!({"NodeSpecs":[{"NodeSpec":"ecs.a","Count":1},{"Type":"ecs.a","Count":2}]});
        assert!(normalize_node_specs("min", &dup).is_err_and(|e| e.message.contains("twice")));
    }

    #[test]
    fn labels_must_be_key_value_pairs() {
        assert!(validate_labels("labels", &json!([{"Key":"a","Value":"b"}])).is_ok());
        assert!(validate_labels("labels", &json!([{"key":"a","value":"b"}])).is_err());
    }

    #[test]
    fn regions_are_checked() {
        assert!(validate_region(&json!("cn-hangzhou")).is_ok());
        assert!(validate_region(&json!("Hangzhou")).is_err());
    }
}
