//! VPC's handlers and what they share: paging (`PageNumber` + `PageSize`, at most 50) and
//! the region of a call.

pub mod vpcs;
pub mod vswitches;

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::vpc::errors;
use crate::emulator::core::wire::{ApiError, ApiRequest, Paging};

/// What a VPC handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::VpcBackend>;

/// The largest page VPC answers.
pub const MAX_PAGE_SIZE: u64 = 50;

/// `PageNumber` (default 1) and `PageSize` (default 10, at most 50).
pub fn page(req: &ApiRequest) -> Result<Paging, ApiError> {
    let number = req.query_u64("PageNumber")?.unwrap_or(1).max(1);
    let size = req.query_u64("PageSize")?.unwrap_or(10);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(errors::invalid(
            "PageSize",
            format!("PageSize must be between 1 and {MAX_PAGE_SIZE}, got {size}."),
        ));
    }
    Ok(Paging { number, size })
}

/// The paging fields of an answer.
pub fn page_meta(total: usize, paging: Paging) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(total));
    out.insert("PageNumber".into(), json!(paging.number));
    out.insert("PageSize".into(), json!(paging.size));
    out
}

/// `Tags.Tag[]` of VPC answers (`Key`/`Value`).
pub fn tags_json(tags: &[(String, String)]) -> Value {
    let items: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    json!({ "Tag": items })
}
