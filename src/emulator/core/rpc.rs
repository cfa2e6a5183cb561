//! RPC-style parameters (Alibaba ECS, OOS, VPC): where they arrive and how lists and
//! objects are flattened into them.
//!
//! An RPC call carries its parameters in the query string, in an
//! `application/x-www-form-urlencoded` body, or both (the typed SDKs use the query, other
//! clients the body); [`request_params`] reads both, query first, so every handler sees
//! them in [`ApiRequest::query`]. Lists and objects are flattened by the SDK
//! (`InstanceId.1`, `Tag.1.Key`) or JSON-encoded into one string (`InstanceIds`, OOS
//! `Parameters`, `Tags`); the readers here decode both forms.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::emulator::core::wire::{ApiError, ApiRequest, RawRequest};
use crate::signing::encoding::parse_raw_query;

/// Why an RPC parameter could not be read. Converts to 400 `InvalidParameter.<Name>`;
/// services with their own code for a malformed parameter map it themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The value is not JSON at all.
    #[error("The parameter {name} is not valid JSON: {detail}.")]
    NotJson {
        /// The parameter.
        name: String,
        /// The parser's complaint.
        detail: String,
    },
    /// The value is JSON of the wrong shape.
    #[error("The parameter {name} must be {expected}.")]
    WrongShape {
        /// The parameter.
        name: String,
        /// What it must be.
        expected: &'static str,
    },
}

impl ParamError {
    /// The parameter the error is about.
    pub fn name(&self) -> &str {
        match self {
            Self::NotJson { name, .. } | Self::WrongShape { name, .. } => name,
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(error: ParamError) -> Self {
        ApiError::invalid(
            format!("InvalidParameter.{}", error.name()),
            error.to_string(),
        )
    }
}

/// The decoded parameters of a request: the query pairs, then the pairs of a form body.
/// JSON (ROA) bodies are left to the handlers.
pub fn request_params(raw: &RawRequest) -> Vec<(String, String)> {
    let mut params = parse_raw_query(&raw.raw_query);
    let is_form = raw.header("content-type").is_some_and(|ct| {
        ct.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        params.extend(parse_raw_query(&String::from_utf8_lossy(&raw.body)));
    }
    params
}

/// `Name.N` -> `(N, rest after "Name.N")` for keys of a flattened list; `None` for other keys.
fn list_index<'k>(key: &'k str, name: &str) -> Option<(u32, &'k str)> {
    let tail = key.strip_prefix(name)?.strip_prefix('.')?;
    let (index, rest) = match tail.split_once('.') {
        Some((index, rest)) => (index, rest),
        None => (tail, ""),
    };
    let index = index.parse::<u32>().ok().filter(|i| *i >= 1)?;
    Some((index, rest))
}

impl ApiRequest {
    /// A flattened repeat list `Name.1=a&Name.2=b`, in index order (1-based, as the SDKs
    /// number them); empty when absent. A repeated index keeps its last value.
    pub fn repeat_list(&self, name: &str) -> Vec<String> {
        let mut items: BTreeMap<u32, String> = BTreeMap::new();
        for (key, value) in &self.query {
            if let Some((index, "")) = list_index(key, name) {
                items.insert(index, value.clone());
            }
        }
        items.into_values().collect()
    }

    /// A flattened list of objects `Name.1.Key=k&Name.1.Value=v`, in index order.
    pub fn repeat_objects(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let mut items: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (key, value) in &self.query {
            if let Some((index, field)) = list_index(key, name)
                && !field.is_empty()
            {
                items
                    .entry(index)
                    .or_default()
                    .insert(field.to_owned(), value.clone());
            }
        }
        items.into_values().collect()
    }

    /// Tags `Tag.N.Key` / `Tag.N.Value` as `(key, value)` pairs, in index order (a tag
    /// without a key is dropped; one without a value has an empty value).
    pub fn tag_pairs(&self, name: &str) -> Vec<(String, String)> {
        self.repeat_objects(name)
            .into_iter()
            .filter_map(|t| {
                let key = t.get("Key").filter(|k| !k.is_empty())?.clone();
                Some((key, t.get("Value").cloned().unwrap_or_default()))
            })
            .collect()
    }

    /// A JSON value carried in one string parameter; `None` when absent or empty.
    pub fn json_param(&self, name: &str) -> Result<Option<Value>, ParamError> {
        let Some(raw) = self.query_nonempty(name) else {
            return Ok(None);
        };
        serde_json::from_str(raw)
            .map(Some)
            .map_err(|e| ParamError::NotJson {
                name: name.to_owned(),
                detail: e.to_string(),
            })
    }

    /// A JSON array of strings in one parameter (ECS `InstanceIds='["i-1","i-2"]'`).
    pub fn json_string_list(&self, name: &str) -> Result<Option<Vec<String>>, ParamError> {
        let wrong = || ParamError::WrongShape {
            name: name.to_owned(),
            expected: "a JSON array of strings, e.g. [\"a\",\"b\"]",
        };
        match self.json_param(name)? {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(wrong()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(wrong()),
        }
    }

    /// A JSON object in one parameter (OOS `Parameters`, `Tags`; ECS RunCommand `Parameters`).
    pub fn json_object(&self, name: &str) -> Result<Option<Map<String, Value>>, ParamError> {
        match self.json_param(name)? {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(_) => Err(ParamError::WrongShape {
                name: name.to_owned(),
                expected: "a JSON object",
            }),
        }
    }

    /// An integer parameter within `min..=max`, or `default` when absent.
    pub fn int_in_range(
        &self,
        name: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<u64, ApiError> {
        let value = self.query_u64(name)?.unwrap_or(default);
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ApiError::invalid(
                format!("InvalidParameter.{name}"),
                format!("The parameter {name} must be between {min} and {max}, got {value}."),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(pairs: &[(&str, &str)]) -> ApiRequest {
        ApiRequest {
            kube_endpoint: None,
            action: "DescribeInstances".into(),
            version: "2014-05-26".into(),
            path_params: BTreeMap::new(),
            query: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            access_key_id: "ak".into(),
            region: "cn-hangzhou".into(),
            headers: Vec::new(),
        }
    }

    #[test]
    fn repeat_lists_are_read_in_index_order() {
        let r = req(&[
            ("InstanceId.2", "i-b"),
            ("InstanceId.1", "i-a"),
            ("InstanceId.10", "i-j"),
            ("InstanceIdX.1", "no"),
            ("InstanceId.0", "no"),
            ("InstanceId.x", "no"),
        ]);
        assert_eq!(r.repeat_list("InstanceId"), vec!["i-a", "i-b", "i-j"]);
        assert!(r.repeat_list("Other").is_empty());
    }

    #[test]
    fn repeat_objects_group_fields_by_index() {
        let r = req(&[
            ("Tag.1.Key", "env"),
            ("Tag.2.Key", "team"),
            ("Tag.1.Value", "prod"),
            ("Tag.1", "ignored"),
        ]);
        let tags = r.repeat_objects("Tag");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0]["Key"], "env");
        assert_eq!(tags[0]["Value"], "prod");
        assert_eq!(tags[1].get("Value"), None);
    }

    #[test]
    fn json_parameters_are_decoded_or_refused_with_their_name() {
        let r = req(&[
            ("InstanceIds", "[\"i-1\",\"i-2\"]"),
            ("Bad", "[1,"),
            ("Obj", "{\"a\":1}"),
            ("Num", "[1]"),
        ]);
        assert_eq!(
            r.json_string_list("InstanceIds"),
            Ok(Some(vec!["i-1".to_string(), "i-2".to_string()]))
        );
        assert!(matches!(
            r.json_string_list("Bad"),
            Err(ParamError::NotJson { .. })
        ));
        assert!(matches!(
            r.json_string_list("Num"),
            Err(ParamError::WrongShape { .. })
        ));
        assert_eq!(r.json_object("Missing"), Ok(None));
        assert_eq!(
            r.json_object("Obj").ok().flatten().map(|m| m.len()),
            Some(1)
        );
        let error: ApiError = r
            .json_object("InstanceIds")
            .err()
            .map(Into::into)
            .unwrap_or_else(|| ApiError::new(0, "", ""));
        assert_eq!(error.code, "InvalidParameter.InstanceIds");
    }

    #[test]
    fn form_bodies_add_to_the_query() {
        let raw = RawRequest {
            method: "POST".into(),
            raw_path: "/".into(),
            raw_query: "RegionId=cn-hangzhou".into(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: b"InstanceId.1=i-a&Name=x+y".to_vec(),
        };
        let params = request_params(&raw);
        assert_eq!(params.len(), 3);
        assert_eq!(params[2], ("Name".to_string(), "x y".to_string()));
        let json = RawRequest {
            headers: vec![("content-type".into(), "application/json".into())],
            ..raw
        };
        assert_eq!(request_params(&json).len(), 1);
    }

    #[test]
    fn integer_ranges_are_enforced() {
        let r = req(&[("MaxResults", "101")]);
        assert!(r.int_in_range("MaxResults", 1, 100, 50).is_err());
        assert_eq!(req(&[]).int_in_range("MaxResults", 1, 100, 50), Ok(50));
    }
}
