//! `ListNodeTypes`: which instance types exist and how many can still be bound.
//!
//! Scoped by resource groups it answers what a new root quota could take; scoped by a
//! quota it answers what a new child quota could take. Both numbers come from the same
//! accounting (`capacity`) that CreateQuota and ScaleQuota enforce.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::instance_types::{self, InstanceSpec};
use crate::emulator::alibaba::pai::rules::capacity;
use crate::emulator::alibaba::pai::rules::usage::{format_cpu, format_memory};
use crate::emulator::core::wire::{ApiError, ApiRequest};

fn node_type_json(spec: &InstanceSpec) -> Value {
    json!({
        "NodeType": spec.node_type,
        "AcceleratorType": spec.accelerator_type(),
        "CPU": spec.cpu.to_string(),
        "Memory": format!("{}Gi", spec.memory_gib),
        "GPU": spec.gpu.to_string(),
        "GPUType": spec.gpu_type,
        "GPUMemory": format!("{}Gi", spec.gpu_memory_gib),
        "AllocatableCPU": format_cpu((spec.cpu - spec.reserved_cpu) * 1000),
        "AllocatableMemory": format_memory((spec.memory_gib - spec.reserved_memory_gib) * 1024),
        "SystemReservedCPU": spec.reserved_cpu.to_string(),
        "SystemReservedMemory": format!("{}Gi", spec.reserved_memory_gib),
    })
}

/// `GET /api/v1/nodetypes`: `QuotaId` or `ResourceGroupIds` (comma-separated) is required.
pub fn list_node_types(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let state = &*ctx.state;
    // (node type, total, can be bound)
    let rows: Vec<(String, u32, u32)> = if let Some(quota_id) = req.query_nonempty("QuotaId") {
        let quota = state
            .quota(quota_id)
            .ok_or_else(|| errors::quota_not_found(quota_id))?;
        quota
            .min
            .iter()
            .map(|s| {
                let free = capacity::parent_unallocated(state, quota, &s.node_type, None);
                (s.node_type.clone(), s.count, free)
            })
            .collect()
    } else if let Some(groups) = req.query_csv("ResourceGroupIds") {
        if let Some(missing) = groups.iter().find(|g| state.resource_group(g).is_none()) {
            return Err(errors::resource_group_not_found(missing));
        }
        capacity::node_types_in(state, &groups)
            .into_iter()
            .map(|t| {
                let total = capacity::total_in_groups(state, &groups, &t);
                let free = capacity::can_be_bound(state, &groups, &t, None);
                (t, total, free)
            })
            .collect()
    } else {
        return Err(ApiError::new(
            400,
            "MissingParameter.ResourceGroupIds",
            "Either QuotaId or ResourceGroupIds (comma-separated) must be specified.",
        ));
    };
    let accelerator = req.query_nonempty("AcceleratorType");
    let gpu_type = req.query_nonempty("GPUType").map(str::to_lowercase);
    let wanted = req.query_csv("NodeTypes");
    let mut node_types = Vec::new();
    let mut statistics = Vec::new();
    for (node_type, total, free) in rows {
        let spec = instance_types::lookup(&node_type);
        let keep = wanted.as_ref().is_none_or(|w| w.contains(&node_type))
            && accelerator
                .is_none_or(|a| spec.is_some_and(|s| s.accelerator_type().eq_ignore_ascii_case(a)))
            && gpu_type
                .as_ref()
                .is_none_or(|g| spec.is_some_and(|s| s.gpu_type.to_lowercase().contains(g)));
        if !keep {
            continue;
        }
        if let Some(spec) = spec {
            node_types.push(node_type_json(spec));
        }
        statistics
            .push(json!({"NodeType": node_type, "TotalCount": total, "CanBeBoundCount": free}));
    }
    let mut out = Map::new();
    out.insert("NodeTypes".into(), Value::Array(node_types));
    out.insert("Statistics".into(), Value::Array(statistics));
    Ok(out)
}
