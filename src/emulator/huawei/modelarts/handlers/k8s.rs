//! What the Kubernetes-style APIs of ModelArts (pools, nodes, node pools, networks, resource
//! flavors) share: their `{apiVersion, kind, metadata, items}` lists with `continue`/`limit`
//! paging, their error codes, and reading a body's nested objects.

use serde_json::{Map, Value, json};

use crate::emulator::core::wire::{ApiError, ApiRequest};

/// 404 `ModelArts.50015001`: no such pool.
pub fn pool_not_found(id: &str) -> ApiError {
    ApiError::new(404, "ModelArts.50015001", format!("pool not found: {id}"))
}

/// 400 `ModelArts.50004000`: a bad request to the pool API.
pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ModelArts.50004000", message)
}

/// 409 `ModelArts.50025001`: the resource is in a state that forbids the operation.
pub fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "ModelArts.50025001", message)
}

/// A k8s list: `continue` is the offset of the next page, `limit` at most 500 (default 500).
pub fn list(
    req: &ApiRequest,
    api_version: &str,
    kind: &str,
    items: Vec<Value>,
) -> Result<Map<String, Value>, ApiError> {
    let limit = req.query_u64("limit")?.unwrap_or(500);
    if limit > 500 {
        return Err(bad_request(format!(
            "limit must be between 0 and 500, got {limit}"
        )));
    }
    let limit = if limit == 0 { 500 } else { limit };
    let start: usize = match req.query_nonempty("continue") {
        None => 0,
        Some(token) => token
            .parse()
            .map_err(|_| bad_request(format!("invalid continue token {token}")))?,
    };
    let limit = usize::try_from(limit).unwrap_or(500);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let next = start + page.len();
    let mut metadata = Map::new();
    if next < total {
        metadata.insert("continue".into(), Value::String(next.to_string()));
        metadata.insert("remainingItemCount".into(), Value::from(total - next));
    }
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::from(api_version));
    out.insert("kind".into(), Value::from(kind));
    out.insert("metadata".into(), Value::Object(metadata));
    out.insert("items".into(), Value::from(page));
    Ok(out)
}

/// A nested object of a body (`metadata.labels`), empty when absent.
pub fn object_at(body: &Map<String, Value>, pointer: &str) -> Map<String, Value> {
    Value::Object(body.clone())
        .pointer(pointer)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A string at a pointer of a body.
pub fn text_at(body: &Map<String, Value>, pointer: &str) -> Option<String> {
    Value::Object(body.clone())
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Checks `apiVersion` and `kind` of a create body.
pub fn check_kind(
    body: &Map<String, Value>,
    api_version: &str,
    kind: &str,
) -> Result<(), ApiError> {
    let got = (
        body.get("apiVersion").and_then(Value::as_str),
        body.get("kind").and_then(Value::as_str),
    );
    if got != (Some(api_version), Some(kind)) {
        return Err(bad_request(format!(
            "apiVersion must be {api_version} and kind {kind}"
        )));
    }
    Ok(())
}

/// Whether a name is 1-64 lowercase letters, digits and '-', starting with a letter.
pub fn valid_name(name: &str, max: usize) -> bool {
    (2..=max).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A random lowercase hex string of `len` characters.
pub fn hex(len: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..len.min(32)].to_owned()
}

/// The `{flavor, count, maxCount}` summary of a set of nodes of one flavor.
pub fn flavor_count(flavor: &str, count: usize) -> Value {
    json!({"flavor": flavor, "count": count, "maxCount": count})
}
