//! `DescribeRegions`.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::regions::REGIONS;
use crate::emulator::alibaba::ecs::render::region_item;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// Every region; `AcceptLanguage=en-US` gives English local names (Chinese by default).
pub fn describe_regions(
    _ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let english = req
        .query_nonempty("AcceptLanguage")
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("en"));
    let regions: Vec<Value> = REGIONS.iter().map(|r| region_item(r, english)).collect();
    let mut out = Map::new();
    out.insert("Regions".into(), json!({ "Region": regions }));
    Ok(out)
}
