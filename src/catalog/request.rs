//! Builds the exact provider request of a call from the catalog's declarations (service, call,
//! parameter wire mapping, constants) and resolved arguments. Provider-neutral: the service says
//! the style (RPC, ROA, REST), the endpoint template and the scope.

use serde_json::{Map, Value};

use super::{ApiStyle, CallSpec, Encoding, Location, ParamSpec, ServiceSpec, ToolSpec};
use super::{ConstantSpec, WireSpec};
use crate::providers::ProviderRequest;

/// Why a request could not be built (a catalog or argument problem, caught before anything is
/// sent).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// One value to put on the wire.
struct WireValue<'a> {
    location: Location,
    name: &'a str,
    encode: Encoding,
    value: &'a Value,
}

/// The request a tool's arguments map to. Arguments without a wire mapping (phrase-only ones) are
/// not sent; the scope arguments (`region_id`) decide the endpoint.
pub fn build_request(
    service: &ServiceSpec,
    tool: &ToolSpec,
    user_agent: &str,
    arguments: &Map<String, Value>,
) -> Result<ProviderRequest, BuildError> {
    let values = tool
        .params
        .iter()
        .filter_map(|param: &ParamSpec| {
            let wire: &WireSpec = param.wire.as_ref()?;
            let value = arguments.get(&param.name)?;
            Some(WireValue {
                location: wire.location,
                name: &wire.name,
                encode: wire.encode,
                value,
            })
        })
        .chain(
            tool.constants
                .iter()
                .map(|constant: &ConstantSpec| WireValue {
                    location: constant.location,
                    name: &constant.name,
                    encode: Encoding::Plain,
                    value: &constant.value,
                }),
        );
    let Some(call) = &tool.call else {
        return Err(BuildError(format!(
            "`{}` makes no provider call of its own",
            tool.name
        )));
    };
    build_call(service, call, user_agent, arguments, values)
}

/// A request from explicit wire values (the later steps of a composite plan).
pub fn build_step_request(
    service: &ServiceSpec,
    call: &CallSpec,
    user_agent: &str,
    arguments: &Map<String, Value>,
    values: &[(Location, String, Value)],
) -> Result<ProviderRequest, BuildError> {
    let values = values.iter().map(|(location, name, value)| WireValue {
        location: *location,
        name,
        encode: Encoding::Flat,
        value,
    });
    build_call(service, call, user_agent, arguments, values)
}

fn build_call<'a>(
    service: &ServiceSpec,
    call: &CallSpec,
    user_agent: &str,
    arguments: &Map<String, Value>,
    values: impl Iterator<Item = WireValue<'a>>,
) -> Result<ProviderRequest, BuildError> {
    let mut path_params: Vec<(String, String)> = Vec::new();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body = Map::new();
    for value in values {
        match value.location {
            Location::Path => path_params.push((value.name.to_owned(), scalar_text(value.value))),
            Location::Header => headers.push((value.name.to_owned(), scalar_text(value.value))),
            // RPC calls carry every parameter in the query, flattened as the SDKs do.
            Location::Query | Location::Body if service.style == ApiStyle::Rpc => {
                push_query(&mut query, value.name, value.value, value.encode);
            }
            Location::Query => push_query(&mut query, value.name, value.value, value.encode),
            Location::Body => {
                body.insert(value.name.to_owned(), value.value.clone());
            }
        }
    }
    let mut scope = std::collections::BTreeMap::new();
    for key in &service.scope {
        let value = arguments
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| BuildError(format!("the scope value `{key}` is missing")))?;
        scope.insert(key.clone(), value.to_owned());
    }
    for (key, wire_name) in &service.scope_wire {
        if let Some(value) = scope.get(key) {
            push_query(
                &mut query,
                wire_name,
                &Value::String(value.clone()),
                Encoding::Plain,
            );
        }
    }
    let host = render_endpoint(&service.endpoint, &scope, &service.provider_fills)?;
    let path_refs: Vec<(&str, &str)> = path_params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut request = ProviderRequest::new(
        &service.provider,
        &service.id,
        &service.version,
        service.style,
        &call.action,
        call.method(),
        host,
    )
    .with_path(call.path(), &path_refs)
    .user_agent(user_agent);
    request.query = query;
    request.headers = headers;
    request.scope = scope;
    // ROA and REST writes carry a JSON body (`{}` when every body field is unset, as the SDKs
    // send); reads and deletes carry none, unless the API takes body fields there (AutoDL's
    // `DELETE /api/v1/dev/deployment` names its target in a JSON body).
    if service.style != ApiStyle::Rpc
        && (matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") || !body.is_empty())
    {
        request = request.body(Value::Object(sorted(body)));
    }
    Ok(request)
}

/// Fills `{scope}` fields of an endpoint template.
fn render_endpoint(
    template: &str,
    scope: &std::collections::BTreeMap<String, String>,
    provider_fills: &[String],
) -> Result<String, BuildError> {
    let mut host = template.to_owned();
    for name in super::template_fields(template) {
        if provider_fills.iter().any(|filled| filled == name) {
            // The provider fills it when sending (the Alibaba account id of FC's endpoint).
            continue;
        }
        let value = scope
            .get(name)
            .ok_or_else(|| BuildError(format!("endpoint `{template}` needs `{name}`")))?;
        host = host.replace(&format!("{{{name}}}"), value);
    }
    Ok(host)
}

/// The SDK serialises body fields in alphabetical order; doing the same makes our bytes match.
fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn push_query(query: &mut Vec<(String, String)>, name: &str, value: &Value, encoding: Encoding) {
    match (value, encoding) {
        (Value::Array(items), Encoding::Csv) => query.push((
            name.to_owned(),
            items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        )),
        (_, Encoding::Json) => query.push((name.to_owned(), value.to_string())),
        (Value::Array(_) | Value::Object(_), Encoding::Flat | Encoding::Plain) => {
            flatten(query, name, value)
        }
        _ => query.push((name.to_owned(), scalar_text(value))),
    }
}

/// Alibaba's repeat-list flattening: lists are `Name.1`, `Name.2` (1-based), objects
/// `Name.Field`, nesting recurses (`NetworkInterface.1.SecurityGroupIds.1`); nulls are omitted.
fn flatten(query: &mut Vec<(String, String)>, prefix: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(query, &format!("{prefix}.{}", index + 1), item);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                flatten(query, &format!("{prefix}.{key}"), item);
            }
        }
        scalar => query.push((prefix.to_owned(), scalar_text(scalar))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ecs() -> ServiceSpec {
        ServiceSpec {
            id: "ecs".into(),
            provider: "alibaba".into(),
            version: "2014-05-26".into(),
            style: ApiStyle::Rpc,
            endpoint: "ecs.{region_id}.aliyuncs.com".into(),
            scope: vec!["region_id".into()],
            scope_wire: [("region_id".to_string(), "RegionId".to_string())].into(),
            permission: None,
            provider_fills: Vec::new(),
        }
    }

    fn run_instances() -> ToolSpec {
        toml::from_str(
            r#"
name = "t_run"
title = "t"
description = "d"
effect = "write"
call = { service = "ecs", action = "RunInstances" }
params = [
  { name = "image_id", type = "string", wire = { in = "query", name = "ImageId" } },
  { name = "tags", type = "object_array", wire = { in = "query", name = "Tag", encode = "flat" } },
  { name = "instance_ids", type = "string_array", wire = { in = "query", name = "InstanceIds", encode = "json" } },
  { name = "disk", type = "object", wire = { in = "body", name = "SystemDisk" } },
]
output = { fields = [] }
"#,
        )
        .expect("tool")
    }

    #[test]
    fn rpc_calls_are_post_slash_with_flattened_query_and_no_body() {
        let args = json!({
            "region_id": "cn-shanghai",
            "image_id": "img-1",
            "tags": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}],
            "instance_ids": ["i-1", "i-2"],
            "disk": {"Category": "cloud_essd", "Size": 40},
        });
        let request = build_request(
            &ecs(),
            &run_instances(),
            "compute",
            args.as_object().expect("object"),
        )
        .expect("built");
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/")
        );
        assert_eq!(request.host, "ecs.cn-shanghai.aliyuncs.com");
        assert_eq!(request.version, "2014-05-26");
        assert_eq!(request.body, None);
        assert_eq!(request.user_agent, "compute");
        let query: Vec<(&str, &str)> = request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            query,
            [
                ("ImageId", "img-1"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "dev"),
                ("Tag.2.Key", "team"),
                ("Tag.2.Value", "a"),
                ("InstanceIds", r#"["i-1","i-2"]"#),
                ("SystemDisk.Category", "cloud_essd"),
                ("SystemDisk.Size", "40"),
                ("RegionId", "cn-shanghai"),
            ]
        );
        assert_eq!(request.validate(), Ok(()));
    }

    #[test]
    fn a_missing_scope_value_is_refused() {
        let error = build_request(&ecs(), &run_instances(), "x", &Map::new()).expect_err("scope");
        assert!(error.0.contains("region_id"), "{error}");
    }
}
