//! The ESD handlers, and what they share: the JSON body, paging, `{"data": ...}` answers.
//! Every handler reconciles first, so deployments move on with the emulator clock.

pub mod blacklist;
pub mod containers;
pub mod deployments;
pub mod images;
pub mod stock;

use serde_json::{Map, Value, json};

use super::models::EsdBackend;
use crate::emulator::autodl::front::business;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The answer `{"data": data}` (the front wraps it in the envelope).
pub fn data(value: Value) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    out.insert("data".into(), value);
    Ok(out)
}

/// The JSON body (an empty body counts as `{}`); malformed JSON is a business error.
pub fn body(req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    req.json_body()
        .map_err(|e| business("RequestParameterIsWrong", e.message))
}

/// A required string field.
pub fn text(body: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| business("RequestParameterIsWrong", format!("{key} is required")))
}

/// One page of `items`: `page_index` (1-based; 0 counts as 1), `page_size` (default 10,
/// at most 1000), `offset` (skips that many first).
pub fn page(body: &Map<String, Value>, items: Vec<Value>) -> Result<Map<String, Value>, ApiError> {
    let number = |key: &str, default: u64| body.get(key).and_then(Value::as_u64).unwrap_or(default);
    let index = number("page_index", 1).max(1);
    let size = number("page_size", 10);
    if !(1..=1000).contains(&size) {
        return Err(business(
            "RequestParameterIsWrong",
            "page_size must be between 1 and 1000",
        ));
    }
    let offset = usize::try_from(number("offset", 0)).unwrap_or(usize::MAX);
    let total = items.len();
    let rest: Vec<Value> = items.into_iter().skip(offset).collect();
    let size_usize = usize::try_from(size).unwrap_or(usize::MAX);
    let max_page = rest.len().div_ceil(size_usize).max(1);
    let start = usize::try_from(index - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(size_usize);
    let list: Vec<Value> = rest.into_iter().skip(start).take(size_usize).collect();
    data(json!({
        "list": list,
        "page_index": index,
        "page_size": size,
        "max_page": max_page,
        "offset": offset,
        "result_total": total,
    }))
}

/// Reconciles, then runs `f`.
pub fn fresh<'a, 'b>(ctx: &'a mut Ctx<'b, EsdBackend>) -> &'a mut Ctx<'b, EsdBackend> {
    let now = ctx.now;
    ctx.state.reconcile(now, ctx.lifecycles);
    ctx
}
