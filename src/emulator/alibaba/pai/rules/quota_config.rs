//! `QuotaConfig` handling, above all the VPC mutability rules.
//!
//! A quota's network comes from its resource groups. For ECS (and ACS) quotas the
//! `UserVpc` can never change; for Lingjun quotas the only allowed change is adding
//! vSwitches to `SwitchId`. Fields a request leaves out stay as they are.

use serde_json::{Map, Value};

use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{ResourceType, UserVpc};
use crate::emulator::core::wire::{ApiError, split_csv};

/// The `UserVpc` object as stored in a `QuotaConfig`.
pub fn vpc_json(vpc: &UserVpc) -> Map<String, Value> {
    match serde_json::to_value(vpc) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The `QuotaConfig` of a new quota: the request's fields, plus `ClusterId` and `UserVpc`
/// derived from the resource groups (root) or the parent (child).
pub fn for_new_quota(
    requested: Option<&Map<String, Value>>,
    resource_type: ResourceType,
    cluster_id: &str,
    base_vpc: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let mut config = requested.cloned().unwrap_or_default();
    let vpc = match config.get("UserVpc") {
        None | Some(Value::Null) => base_vpc.clone(),
        Some(requested_vpc) => changed_vpc(base_vpc, requested_vpc, resource_type)?,
    };
    if !cluster_id.is_empty() {
        config.insert("ClusterId".into(), Value::String(cluster_id.to_owned()));
    }
    if !vpc.is_empty() {
        config.insert("UserVpc".into(), Value::Object(vpc));
    }
    Ok(config)
}

/// Applies an `UpdateQuota` `QuotaConfig` to the current one.
pub fn apply_update(
    current: &Map<String, Value>,
    requested: &Map<String, Value>,
    resource_type: ResourceType,
) -> Result<Map<String, Value>, ApiError> {
    let mut config = current.clone();
    for (key, value) in requested {
        match key.as_str() {
            "UserVpc" if !value.is_null() => {
                let current_vpc = match current.get("UserVpc") {
                    Some(Value::Object(map)) => map.clone(),
                    _ => Map::new(),
                };
                let vpc = changed_vpc(&current_vpc, value, resource_type)?;
                config.insert(key.clone(), Value::Object(vpc));
            }
            "ClusterId" => {
                let now = current.get("ClusterId").cloned().unwrap_or(Value::Null);
                if !value.is_null() && *value != now {
                    return Err(ApiError::invalid(
                        "InvalidParameter.QuotaConfig",
                        format!(
                            "QuotaConfig.ClusterId cannot be changed (current {now}, requested {value})."
                        ),
                    ));
                }
            }
            _ => {
                config.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(config)
}

/// The VPC after applying `requested` to `current`, or the rule it breaks.
fn changed_vpc(
    current: &Map<String, Value>,
    requested: &Value,
    resource_type: ResourceType,
) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(requested) = requested else {
        return Err(ApiError::invalid(
            "InvalidParameter.QuotaConfig",
            "QuotaConfig.UserVpc must be a JSON object.",
        ));
    };
    let mut result = current.clone();
    for (field, wanted) in requested {
        let now = current
            .get(field)
            .cloned()
            .unwrap_or_else(|| empty_like(wanted));
        if same(&now, wanted) {
            continue;
        }
        if resource_type == ResourceType::Lingjun && field == "SwitchId" {
            let before = split_csv(now.as_str().unwrap_or_default());
            let after = split_csv(wanted.as_str().unwrap_or_default());
            if let Some(removed) = before.iter().find(|s| !after.contains(s)) {
                return Err(errors::immutable_vpc(format!(
                    "A Lingjun quota can only add vSwitches to UserVpc.SwitchId; the request would remove \"{removed}\" (current \"{}\", requested \"{}\").",
                    before.join(","),
                    after.join(",")
                )));
            }
            result.insert(field.clone(), wanted.clone());
            continue;
        }
        return Err(errors::immutable_vpc(match resource_type {
            ResourceType::Lingjun => format!(
                "UserVpc.{field} of a Lingjun quota cannot be changed (current {now}, requested {wanted}); only adding vSwitches to SwitchId is allowed."
            ),
            _ => format!(
                "The UserVpc of an {} quota cannot be changed ({field}: current {now}, requested {wanted}); delete and recreate the quota, or change the network of the resource group.",
                resource_type.as_str()
            ),
        }));
    }
    Ok(result)
}

/// The "unset" value of the same JSON kind as `like` (so `[]` equals a missing list).
fn empty_like(like: &Value) -> Value {
    match like {
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => Value::Object(Map::new()),
        Value::Bool(_) => Value::Bool(false),
        _ => Value::String(String::new()),
    }
}

/// Equality that treats `null` as the empty value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, other) | (other, Value::Null) => *other == empty_like(other),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vpc() -> Map<String, Value> {
        vpc_json(&UserVpc {
            vpc_id: "vpc-1".into(),
            switch_id: "vsw-1".into(),
            security_group_id: "sg-1".into(),
            ..UserVpc::default()
        })
    }

    fn config() -> Map<String, Value> {
        let mut config = Map::new();
        config.insert("UserVpc".into(), Value::Object(vpc()));
        config
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn ecs_vpc_cannot_change_but_identical_values_pass() {
        let same = object(json!({"UserVpc": {"VpcId": "vpc-1", "SwitchId": "vsw-1"}}));
        assert!(apply_update(&config(), &same, ResourceType::Ecs).is_ok());
        let changed = object(json!({"UserVpc": {"SwitchId": "vsw-1,vsw-2"}}));
        let err = apply_update(&config(), &changed, ResourceType::Ecs).err();
        assert_eq!(
            err.map(|e| e.code),
            Some("InvalidParameter.UserVpc".to_string())
        );
    }

    #[test]
    fn lingjun_may_only_add_switches() {
        let added = object(json!({"UserVpc": {"SwitchId": "vsw-1,vsw-2"}}));
        let updated = apply_update(&config(), &added, ResourceType::Lingjun);
        assert_eq!(
            updated
                .ok()
                .and_then(|c| c["UserVpc"]["SwitchId"].as_str().map(str::to_owned)),
            Some("vsw-1,vsw-2".to_string())
        );
        let removed = object(json!({"UserVpc": {"SwitchId": "vsw-2"}}));
        assert!(apply_update(&config(), &removed, ResourceType::Lingjun).is_err());
        let vpc_changed = object(json!({"UserVpc": {"VpcId": "vpc-2"}}));
        assert!(apply_update(&config(), &vpc_changed, ResourceType::Lingjun).is_err());
    }

    #[test]
    fn other_fields_merge_and_new_quotas_get_the_group_network() {
        let requested = object(json!({"EnableGPUShare": true}));
        let updated = apply_update(&config(), &requested, ResourceType::Ecs).unwrap_or_default();
        assert_eq!(updated["EnableGPUShare"], json!(true));
        assert_eq!(updated["UserVpc"]["VpcId"], json!("vpc-1"));
        let created = for_new_quota(None, ResourceType::Ecs, "c1", &vpc()).unwrap_or_default();
        assert_eq!(created["ClusterId"], json!("c1"));
        assert_eq!(created["UserVpc"]["SecurityGroupId"], json!("sg-1"));
    }
}
