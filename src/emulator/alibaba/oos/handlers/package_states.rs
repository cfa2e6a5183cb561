//! `ListInstancePackageStates`: the packages installed on one instance, derived from the
//! installer executions that succeeded there and have ended.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::oos::errors;
use crate::emulator::alibaba::oos::models::PackageState;
use crate::emulator::alibaba::oos::render::package_state_item;
use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest, split_csv};

/// `TemplateNames` as a JSON array (`["a","b"]`) or a comma-separated list.
fn template_names(req: &ApiRequest) -> Result<Option<Vec<String>>, ApiError> {
    match req.query_nonempty("TemplateNames") {
        None => Ok(None),
        Some(raw) if raw.trim_start().starts_with('[') => req
            .json_string_list("TemplateNames")
            .map_err(|e| errors::invalid(e.to_string())),
        Some(raw) => Ok(Some(split_csv(raw))),
    }
}

/// The packages on `InstanceId` (which must exist in the region), optionally only
/// `TemplateNames`; paged by `MaxResults` (1-100, default 20) and `NextToken`.
pub fn list_instance_package_states(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::of_call(req)?;
    let instance_id = req
        .query_nonempty("InstanceId")
        .ok_or_else(|| ApiError::missing("InstanceId"))?;
    if ctx
        .siblings
        .get::<EcsBackend>()
        .and_then(|e| e.instance(instance_id))
        .is_none()
    {
        return Err(errors::instances_not_found(
            &[instance_id.to_owned()],
            region,
        ));
    }
    let names = template_names(req)?;
    let page = TokenPage::from_request(req, 1, 100, 20)?;
    let states: Vec<PackageState> = ctx
        .state
        .package_states(instance_id, ctx.now)
        .into_iter()
        .filter(|s| names.as_ref().is_none_or(|n| n.contains(&s.template_name)))
        .collect();
    let (items, next) = page.slice(&states);
    let mut out = Map::new();
    out.insert(
        "PackageStates".into(),
        Value::Array(items.iter().map(package_state_item).collect()),
    );
    out.insert("MaxResults".into(), json!(page.size.to_string()));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(out)
}
