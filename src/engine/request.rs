//! Builds the exact provider request of a tool from its catalog mapping and resolved arguments.

use serde_json::{Map, Value};

use crate::catalog::{Encoding, Location, ToolSpec};
use crate::providers::alibaba::{ApiRequest, Product};

use super::ToolFailure;

/// The request a tool's arguments map to. Arguments without a wire mapping (phrase-only ones) are
/// not sent; `region_id` decides the endpoint.
pub fn build_request(
    tool: &ToolSpec,
    arguments: &Map<String, Value>,
) -> Result<ApiRequest, ToolFailure> {
    let product = match tool.call.product.as_str() {
        "paistudio" => Product::PaiStudio,
        "aiworkspace" => Product::AiWorkspace,
        other => {
            return Err(ToolFailure::new(
                "config_error",
                format!("no client for product `{other}`"),
            ));
        }
    };
    let region = arguments
        .get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut path_params: Vec<(String, String)> = Vec::new();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut body = Map::new();
    for param in &tool.params {
        let (Some(wire), Some(value)) = (&param.wire, arguments.get(&param.name)) else {
            continue;
        };
        match wire.location {
            Location::Path => path_params.push((wire.name.clone(), scalar_text(value))),
            Location::Query => query.push((wire.name.clone(), query_text(value, wire.encode))),
            Location::Body => {
                body.insert(wire.name.clone(), value.clone());
            }
        }
    }
    for constant in &tool.constants {
        match constant.location {
            Location::Query => query.push((constant.name.clone(), scalar_text(&constant.value))),
            Location::Body => {
                body.insert(constant.name.clone(), constant.value.clone());
            }
            Location::Path => {}
        }
    }
    let path_refs: Vec<(&str, &str)> = path_params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut request = ApiRequest::roa(
        product,
        &tool.call.action,
        &tool.call.method,
        &region,
        &tool.call.path,
        &path_refs,
    );
    for (key, value) in query {
        request = request.query(&key, &value);
    }
    if matches!(tool.call.method.as_str(), "POST" | "PUT") {
        request = request.body(Value::Object(sorted(body)));
    }
    Ok(request)
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

fn query_text(value: &Value, encoding: Encoding) -> String {
    match (value, encoding) {
        (Value::Array(items), Encoding::Csv) => {
            items.iter().map(scalar_text).collect::<Vec<_>>().join(",")
        }
        (_, Encoding::Json) => value.to_string(),
        _ => scalar_text(value),
    }
}
