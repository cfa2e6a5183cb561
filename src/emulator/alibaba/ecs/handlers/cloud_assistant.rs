//! `DescribeCloudAssistantStatus`.

use serde_json::{Map, Value, json};

use super::{Ctx, page, paged};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{Instance, OsType};
use crate::emulator::alibaba::ecs::render::cloud_assistant_item;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The agent status of the named instances (`InstanceId.N`, all of which must exist in
/// the region) or of every instance, optionally of one `OSType`.
pub fn describe_cloud_assistant_status(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    let region = region::required(req)?;
    let ids = req.repeat_list("InstanceId");
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| ctx.state.instance(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(errors::instances_not_found(&missing, region));
    }
    let os = match req.query_nonempty("OSType") {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("linux") => Some(OsType::Linux),
        Some(o) if o.eq_ignore_ascii_case("windows") => Some(OsType::Windows),
        Some(o) => {
            return Err(errors::invalid(
                "OSType",
                format!("OSType \"{o}\" is not valid; valid values: Windows, Linux, FreeBSD."),
            ));
        }
    };
    let page = page(req, 10, 50)?;
    let selected: Vec<&Instance> = if ids.is_empty() {
        ctx.state.instances.iter().collect()
    } else {
        ids.iter().filter_map(|id| ctx.state.instance(id)).collect()
    };
    let selected: Vec<&Instance> = selected
        .into_iter()
        .filter(|i| os.is_none_or(|os| os == i.os_type))
        .collect();
    let (items, mut out) = if ids.is_empty() {
        paged(&selected, page)
    } else {
        paged(
            &selected,
            crate::emulator::core::paging::TokenPage {
                offset: 0,
                size: selected.len().max(1),
            },
        )
    };
    let invocations = &ctx.state.invocations;
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let mine: Vec<_> = invocations
                .iter()
                .filter(|inv| inv.targets.iter().any(|t| t.instance_id == i.id))
                .collect();
            cloud_assistant_item(i, mine.len(), mine.iter().map(|inv| inv.created).max())
        })
        .collect();
    out.insert(
        "InstanceCloudAssistantStatusSet".into(),
        json!({ "InstanceCloudAssistantStatus": items }),
    );
    Ok(out)
}
