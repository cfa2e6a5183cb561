//! ECS's handlers, and the paging they share: `NextToken` + `MaxResults` (preferred) or
//! the deprecated `PageNumber` + `PageSize`; the answer carries `NextToken`, `PageNumber`,
//! `PageSize` and `TotalCount` either way.

pub mod availability;
pub mod catalog;
pub mod cloud_assistant;
pub mod commands;
pub mod images;
pub mod instances;
pub mod invocations;
pub mod price;
pub mod provisioning;
pub mod regions;
pub mod security_groups;

use serde_json::{Map, Value, json};

use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// What an ECS handler gets.
pub type Ctx<'a> = crate::emulator::core::service::Ctx<'a, super::models::EcsBackend>;

/// The page a Describe call asks for (`max` is the largest page the call allows).
pub fn page(req: &ApiRequest, default: u64, max: u64) -> Result<TokenPage, ApiError> {
    let legacy = req.query_nonempty("MaxResults").is_none()
        && req.query_nonempty("NextToken").is_none()
        && (req.query_nonempty("PageNumber").is_some() || req.query_nonempty("PageSize").is_some());
    if legacy {
        let paging = req.paging(default.min(max))?;
        if paging.size > max {
            return Err(ApiError::invalid(
                "InvalidParameter.PageSize",
                format!("PageSize must be between 1 and {max}, got {}.", paging.size),
            ));
        }
        let size = usize::try_from(paging.size).unwrap_or(usize::MAX);
        let offset = usize::try_from(paging.number - 1)
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        return Ok(TokenPage { offset, size });
    }
    TokenPage::from_request(req, 1, max, default)
}

/// The page of `items` and the paging fields of the answer.
pub fn paged<T>(items: &[T], page: TokenPage) -> (&[T], Map<String, Value>) {
    let (slice, next) = page.slice(items);
    let mut meta = Map::new();
    meta.insert("TotalCount".into(), json!(items.len()));
    meta.insert("PageSize".into(), json!(page.size));
    meta.insert(
        "PageNumber".into(),
        json!(page.offset / page.size.max(1) + 1),
    );
    meta.insert("NextToken".into(), json!(next.unwrap_or_default()));
    (slice, meta)
}
