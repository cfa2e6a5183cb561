//! PAI Studio resource groups on the wire: ListResourceGroups, GetResourceGroup.
//!
//! Note what the real response models carry: neither answer has a GPU type field, and
//! only `GetResourceGroup` has `ClusterID`. A client learns a group's GPU type from
//! `ListNodeTypes?ResourceGroupIds=<id>` (`NodeTypes[].GPUType`), as on the real cloud.

use serde_json::{Map, Value};

use super::Ctx;
use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{ResourceGroup, ResourceType};
use crate::emulator::alibaba::pai::render::{resource_group_detail, resource_group_item};
use crate::emulator::core::paging::{Order, SortBy, list_response};
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `GET /api/v1/resources` (PAI Studio). `Name` is a case-insensitive substring filter,
/// like the other PAI name filters, so `train-a10` matches `train-a10-extra` too.
pub fn list_resource_groups(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let paging = req.paging(20)?;
    let name = req.query_nonempty("Name").map(str::to_lowercase);
    let ids = req.query_csv("ResourceGroupIDs");
    let resource_type = req
        .query_nonempty("ResourceType")
        .map(ResourceType::parse)
        .transpose()?;
    let status = req.query_nonempty("Status");
    let has_resource = req.query_bool("HasResource")?;
    req.query_bool("ShowAll")?;
    let mut groups: Vec<&ResourceGroup> = ctx
        .state
        .resource_groups
        .iter()
        .filter(|g| {
            name.as_ref()
                .is_none_or(|n| g.name.to_lowercase().contains(n))
        })
        .filter(|g| ids.as_ref().is_none_or(|ids| ids.contains(&g.id)))
        .filter(|g| resource_type.is_none_or(|t| g.resource_type == t))
        .filter(|g| status.is_none_or(|s| g.status.eq_ignore_ascii_case(s)))
        .filter(|g| has_resource.is_none_or(|h| (g.inventory.values().sum::<u32>() > 0) == h))
        .collect();
    match SortBy::from_request(req).as_deref() {
        Some("displayname") | Some("name") => groups.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("gmtmodified") => groups.sort_by_key(|g| g.gmt_modified),
        _ => groups.sort_by_key(|g| g.gmt_created),
    }
    Order::from_request(req).apply(&mut groups);
    Ok(list_response("ResourceGroups", &groups, paging, |g| {
        resource_group_item(g)
    }))
}

/// `GET /api/v1/resources/{ResourceGroupId}`.
pub fn get_resource_group(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ResourceGroupId")?;
    req.query_bool("IsAIWorkspaceDataEnabled")?;
    let group = ctx
        .state
        .resource_group(id)
        .ok_or_else(|| errors::resource_group_not_found(id))?;
    Ok(resource_group_detail(group))
}
