//! The handlers of ModelArts, by resource: notebooks, their OBS storage mounts, training jobs,
//! workspaces, quotas and authorizations, and the constant catalogs (flavors, engines, images).

pub mod core_more;
pub mod image_registry;
pub mod images;
pub mod k8s;
pub mod lite;
pub mod lite_more;
pub mod management;
pub mod mgmt_more;
pub mod nb_np;
pub mod networks;
pub mod node_pools;
pub mod notebooks;
pub mod pool_nodes;
pub mod pool_plugins;
pub mod pools;
pub mod pools_more;
pub mod services;
pub mod services_more;
pub mod services_v1;
pub mod storage;
pub mod svc_extra;
pub mod training;

use serde_json::{Map, Value};

use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `offset` / `limit` of a v1 list (offset counts records), with the default and maximum.
pub fn page(req: &ApiRequest, default: u64, max: u64) -> Result<(usize, usize), ApiError> {
    let offset = req.query_u64("offset")?.unwrap_or(0);
    let limit = req.query_u64("limit")?.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            format!("limit must be between 1 and {max}, got {limit}."),
        ));
    }
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(usize::MAX),
    ))
}

/// The v1 page shape: `{current, data, pages, size, total}`.
pub fn v1_page(items: Vec<Value>, offset: usize, limit: usize) -> Map<String, Value> {
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let mut out = Map::new();
    out.insert("current".into(), Value::from(offset / limit.max(1)));
    out.insert("size".into(), Value::from(data.len()));
    out.insert("pages".into(), Value::from(total.div_ceil(limit.max(1))));
    out.insert("total".into(), Value::from(total));
    out.insert("data".into(), Value::from(data));
    out
}

/// A required string field of a JSON object.
pub fn required_text<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    code: &str,
) -> Result<&'a str, ApiError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::invalid(code, format!("The parameter {key} is required.")))
}
