//! Typed reads of JSON request bodies, with errors that name the field.
//!
//! The SDK serialises its models with PascalCase keys; a field of the wrong JSON type is
//! `InvalidParameter.<Field>`. `Min.NodeSpecs` items are accepted ONLY in the SDK shape
//! `{"Type", "Count"}`: the `NodeSpec` key some skill examples use is refused, so a client
//! that sends it learns so here rather than from the real cloud.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::emulator::alibaba::pai::models::{Label, NodeSpec};
use crate::emulator::core::wire::ApiError;

fn wrong_type(field: &str, expected: &str) -> ApiError {
    ApiError::invalid(
        format!("InvalidParameter.{field}"),
        format!("The parameter {field} must be {expected}."),
    )
}

/// An optional string field.
pub fn opt_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(field, "a string")),
    }
}

/// An optional boolean field.
pub fn opt_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong_type(field, "true or false")),
    }
}

/// An optional array of strings.
pub fn opt_strings(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong_type(field, "an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong_type(field, "an array of strings")),
    }
}

/// An optional JSON object.
pub fn opt_object(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(_) => Err(wrong_type(field, "a JSON object")),
    }
}

/// `Labels[]{Key, Value}`.
pub fn opt_labels(body: &Map<String, Value>) -> Result<Option<Vec<Label>>, ApiError> {
    let items = match body.get("Labels") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(wrong_type(
                "Labels",
                "an array of {\"Key\", \"Value\"} objects",
            ));
        }
    };
    let mut labels = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = item.get("Key").and_then(Value::as_str).unwrap_or_default();
        if key.is_empty() {
            return Err(ApiError::invalid(
                "InvalidParameter.Labels",
                format!("Labels[{i}].Key must be a non-empty string."),
            ));
        }
        let value = match item.get("Value") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(ApiError::invalid(
                    "InvalidParameter.Labels",
                    format!("Labels[{i}].Value must be a string."),
                ));
            }
        };
        labels.push(Label {
            key: key.to_owned(),
            value,
        });
    }
    Ok(Some(labels))
}

/// `Min{NodeSpecs[]{Type, Count}}`, in the SDK shape only.
pub fn min(body: &Map<String, Value>) -> Result<Option<Vec<NodeSpec>>, ApiError> {
    let min = match body.get("Min") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(min)) => min,
        Some(_) => return Err(wrong_type("Min", "a JSON object {\"NodeSpecs\": [...]}")),
    };
    if min.contains_key("ResourceAmount") {
        return Err(ApiError::invalid(
            "InvalidParameter.Min",
            "Min.ResourceAmount is not supported for ECS and Lingjun quotas; use Min.NodeSpecs.",
        ));
    }
    let items = match min.get("NodeSpecs") {
        None | Some(Value::Null) => return Err(ApiError::missing("Min.NodeSpecs")),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(wrong_type(
                "Min.NodeSpecs",
                "an array of {\"Type\", \"Count\"} objects",
            ));
        }
    };
    let mut specs = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!(
                    "Min.NodeSpecs[{i}] must be an object {{\"Type\": \"<instance type>\", \"Count\": n}}."
                ),
            ));
        };
        if item.contains_key("NodeSpec") {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!(
                    "Min.NodeSpecs[{i}] has the unknown key \"NodeSpec\"; the instance type goes in \"Type\", e.g. {{\"Type\": \"ecs.gn7i-c8g1.2xlarge\", \"Count\": 2}}."
                ),
            ));
        }
        let node_type = match item.get("Type") {
            Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_owned(),
            _ => {
                return Err(ApiError::invalid(
                    "InvalidParameter",
                    format!("Min.NodeSpecs[{i}].Type must be a non-empty instance type string."),
                ));
            }
        };
        let count = item
            .get("Count")
            .and_then(Value::as_u64)
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(|| {
                ApiError::invalid(
                    "InvalidParameter",
                    format!("Min.NodeSpecs[{i}].Count must be a non-negative integer."),
                )
            })?;
        if !seen.insert(node_type.clone()) {
            return Err(ApiError::invalid(
                "InvalidParameter.Min",
                format!("Min.NodeSpecs lists \"{node_type}\" more than once."),
            ));
        }
        specs.push(NodeSpec { node_type, count });
    }
    Ok(Some(specs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_sdk_node_spec_shape_parses() {
        let parsed = min(&body(
            json!({"Min": {"NodeSpecs": [{"Type": "ecs.a", "Count": 2, "HyperType": ""}]}}),
        ));
        assert_eq!(
            parsed,
            Ok(Some(vec![NodeSpec {
                node_type: "ecs.a".into(),
                count: 2
            }]))
        );
    }

    #[test]
    fn the_skill_node_spec_shape_is_rejected() {
        let err = min(&body(
            json!({"Min": {"NodeSpecs": [{"NodeSpec": "ecs.a", "Count": 2}]}}),
        ))
        .err();
        let err = err.unwrap_or_else(|| ApiError::new(200, "", ""));
        assert_eq!(err.code, "InvalidParameter");
        assert!(err.message.contains("\"NodeSpec\""));
        assert!(err.message.contains("\"Type\""));
    }

    #[test]
    fn bad_counts_duplicates_and_types_are_rejected() {
        assert!(
            min(&body(
                json!({"Min": {"NodeSpecs": [{"Type": "a", "Count": -1}]}})
            ))
            .is_err()
        );
        assert!(
            min(&body(
                json!({"Min": {"NodeSpecs": [{"Type": "a", "Count": "2"}]}})
            ))
            .is_err()
        );
        assert!(min(&body(json!({"Min": {"NodeSpecs": [{"Type": "a", "Count": 1}, {"Type": "a", "Count": 1}]}}))).is_err());
        assert!(min(&body(json!({"Min": {}}))).is_err());
        assert!(opt_labels(&body(json!({"Labels": [{"Value": "x"}]}))).is_err());
        assert_eq!(
            opt_string(&body(json!({"QuotaName": 3})), "QuotaName")
                .err()
                .map(|e| e.code),
            Some("InvalidParameter.QuotaName".into())
        );
    }
}
