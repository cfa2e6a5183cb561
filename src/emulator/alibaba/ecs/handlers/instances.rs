//! `DescribeInstances`.

use serde_json::{Map, Value, json};

use super::{Ctx, page, paged};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{Instance, InstanceStatus};
use crate::emulator::alibaba::ecs::render::instance_item;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::core::rpc::ParamError;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The most ids `InstanceIds` may carry.
const MAX_IDS: usize = 100;

/// The filters of a `DescribeInstances` call.
struct Filters {
    ids: Option<Vec<String>>,
    status: Option<InstanceStatus>,
    zone: Option<String>,
    name: Option<String>,
    instance_type: Option<String>,
    tags: Vec<(String, Option<String>)>,
}

impl Filters {
    fn from_request(req: &ApiRequest) -> Result<Self, ApiError> {
        let ids = req.json_string_list("InstanceIds").map_err(|e| match e {
            ParamError::NotJson { detail, .. } => errors::instance_ids_malformed(&detail),
            ParamError::WrongShape { .. } => {
                errors::instance_ids_malformed("not an array of strings")
            }
        })?;
        if ids.as_ref().is_some_and(|ids| ids.len() > MAX_IDS) {
            return Err(errors::instance_ids_malformed(&format!(
                "at most {MAX_IDS} ids are allowed"
            )));
        }
        let status = match req.query_nonempty("Status") {
            None => None,
            Some(s) => Some(
                InstanceStatus::ALL
                    .into_iter()
                    .find(|st| st.as_str() == s)
                    .ok_or_else(|| {
                        errors::invalid(
                            "Status",
                            format!("Status \"{s}\" is not valid; valid values: Pending, Running, Starting, Stopping, Stopped."),
                        )
                    })?,
            ),
        };
        let tags = req
            .repeat_objects("Tag")
            .into_iter()
            .filter_map(|t| {
                let key = t.get("Key")?.clone();
                Some((key, t.get("Value").cloned()))
            })
            .collect();
        Ok(Self {
            ids,
            status,
            zone: req.query_nonempty("ZoneId").map(str::to_owned),
            name: req.query_nonempty("InstanceName").map(str::to_owned),
            instance_type: req.query_nonempty("InstanceType").map(str::to_owned),
            tags,
        })
    }

    /// `InstanceName` matches exactly, or as a prefix when it ends with `*`.
    fn name_matches(&self, name: &str) -> bool {
        match self.name.as_deref() {
            None => true,
            Some(pattern) => match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == pattern,
            },
        }
    }

    fn matches(&self, i: &Instance) -> bool {
        self.ids.as_ref().is_none_or(|ids| ids.contains(&i.id))
            && self.status.is_none_or(|s| s == i.status)
            && self.zone.as_ref().is_none_or(|z| *z == i.zone_id)
            && self
                .instance_type
                .as_ref()
                .is_none_or(|t| *t == i.instance_type)
            && self.name_matches(&i.name)
            && self.tags.iter().all(|(k, v)| {
                i.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && v.as_ref().is_none_or(|v| v == tv))
            })
    }
}

/// The instances of the region that match every filter; ids of other regions (or none)
/// simply match nothing, as on ECS.
pub fn describe_instances(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    region::required(req)?;
    let filters = Filters::from_request(req)?;
    let page = page(req, 10, 100)?;
    req.query_bool("DryRun")?;
    let selected: Vec<&Instance> = ctx
        .state
        .instances
        .iter()
        .filter(|i| filters.matches(i))
        .collect();
    let (items, mut out) = paged(&selected, page);
    let items: Vec<Value> = items.iter().map(|i| instance_item(i)).collect();
    out.insert("Instances".into(), json!({ "Instance": items }));
    Ok(out)
}
