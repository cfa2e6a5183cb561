//! Usage accounting: what workloads hold, `QuotaDetails`, and preemption after a scale-down.
//!
//! A running workload counts toward its own quota and every ancestor, because a parent's
//! capacity is shared by its subtree. A scale below current usage is allowed (the API
//! allows it), but then the newest running workloads beyond the new capacity go back to
//! `Queuing`, which is what a user sees as preemption.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::emulator::alibaba::pai::instance_types;
use crate::emulator::alibaba::pai::models::{PaiBackend, Quota, Res, Workload, WorkloadStatus};

/// The guaranteed resources of a quota's `Min`.
pub fn min_resources(quota: &Quota) -> Res {
    quota
        .min
        .iter()
        .filter_map(|s| instance_types::lookup(&s.node_type).map(|spec| spec.times(s.count)))
        .fold(Res::default(), Res::plus)
}

/// The sum of workloads on the given quotas that satisfy `keep`.
pub fn workload_sum(
    state: &PaiBackend,
    quota_ids: &[String],
    keep: impl Fn(&Workload) -> bool,
) -> Res {
    state
        .workloads
        .iter()
        .filter(|w| quota_ids.contains(&w.quota_id) && keep(w))
        .map(|w| w.resource)
        .fold(Res::default(), Res::plus)
}

/// Whether a workload holds resources.
pub fn is_running(w: &Workload) -> bool {
    w.status == WorkloadStatus::Running
}

/// Whether a workload is active (holding or waiting).
pub fn is_active(w: &Workload) -> bool {
    matches!(w.status, WorkloadStatus::Running | WorkloadStatus::Queuing)
}

/// vCPUs as PAI prints them: `8`, `0.5`.
pub fn format_cpu(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        let text = format!("{}.{:03}", milli / 1000, milli % 1000);
        text.trim_end_matches('0').to_owned()
    }
}

/// Memory as PAI prints it: `30Gi`, `512Mi`.
pub fn format_memory(mib: u64) -> String {
    if mib.is_multiple_of(1024) {
        format!("{}Gi", mib / 1024)
    } else {
        format!("{mib}Mi")
    }
}

/// A `{CPU, GPU, GPUType, Memory, GPUMemory, GPUMemoryBytes}` amount.
pub fn amount_json(res: Res, gpu_type: &str) -> Value {
    let gpu_memory_gib = res.gpu * instance_types::gpu_memory_gib(gpu_type);
    json!({
        "CPU": format_cpu(res.cpu_milli),
        "GPU": res.gpu.to_string(),
        "GPUType": gpu_type,
        "Memory": format_memory(res.memory_mib),
        "GPUMemory": format!("{gpu_memory_gib}Gi"),
        "GPUMemoryBytes": gpu_memory_gib * 1024 * 1024 * 1024,
    })
}

/// `QuotaDetails` computed from `Min` and the workloads of the quota's subtree.
pub fn quota_details(state: &PaiBackend, quota: &Quota, now: OffsetDateTime) -> Value {
    let gpu_type = quota.gpu_type.as_str();
    let subtree = state.subtree_ids(&quota.id);
    let own = vec![quota.id.clone()];
    let descendants: Vec<String> = subtree.iter().skip(1).cloned().collect();
    let desired = min_resources(quota);
    let settled = !matches!(quota.status(now), "Creating" | "Initializing");
    let actual = if settled { desired } else { Res::default() };
    let used = workload_sum(state, &subtree, is_running);
    let requested = workload_sum(state, &subtree, is_active);
    let self_used = workload_sum(state, &own, is_running);
    let self_submitted = workload_sum(state, &own, is_active);
    let descendants_used = workload_sum(state, &descendants, is_running);
    let nodes: u32 = if settled {
        quota.min.iter().map(|s| s.count).sum()
    } else {
        0
    };
    let busy_workloads = state
        .workloads
        .iter()
        .filter(|w| subtree.contains(&w.quota_id) && is_running(w))
        .count();
    let allocated_nodes = u32::try_from(busy_workloads).unwrap_or(u32::MAX).min(nodes);
    json!({
        "DesiredMinQuota": amount_json(desired, gpu_type),
        "ActualMinQuota": amount_json(actual, gpu_type),
        "UsedQuota": amount_json(used, gpu_type),
        "AllocatedQuota": amount_json(used, gpu_type),
        "AllocatableQuota": amount_json(actual.minus(used), gpu_type),
        "RequestedQuota": amount_json(requested, gpu_type),
        "SelfAllocatedQuota": amount_json(self_used, gpu_type),
        "SelfSubmittedQuota": amount_json(self_submitted, gpu_type),
        "DescendantsAllocatedQuota": amount_json(descendants_used, gpu_type),
        "AncestorsAllocatedQuota": amount_json(Res::default(), gpu_type),
        "SystemReservedQuota": amount_json(Res::default(), gpu_type),
        "NodeStatistics": {
            "ActualMinNodeNum": nodes,
            "AllocatedNodeNum": allocated_nodes,
            "EmptyNodeNum": nodes - allocated_nodes,
            "ActualMinHyperNodeNum": 0,
            "AllocatedHyperNodeNum": 0,
            "AllocatedHyperNodeDetails": [],
        },
    })
}

/// After `quota_id` shrank: moves the newest running workloads of its subtree back to
/// `Queuing` until the rest fits the new `Min`. Returns the preempted workload ids.
pub fn preempt_over_capacity(state: &mut PaiBackend, quota_id: &str) -> Vec<String> {
    let Some(quota) = state.quota(quota_id) else {
        return Vec::new();
    };
    let capacity = min_resources(quota);
    let subtree = state.subtree_ids(quota_id);
    let mut preempted = Vec::new();
    loop {
        let used = workload_sum(state, &subtree, is_running);
        if !used.exceeds(capacity) {
            break;
        }
        let newest = state
            .workloads
            .iter_mut()
            .filter(|w| subtree.contains(&w.quota_id) && w.status == WorkloadStatus::Running)
            .max_by_key(|w| w.gmt_created);
        let Some(workload) = newest else { break };
        workload.status = WorkloadStatus::Queuing;
        workload.gmt_dequeued = None;
        workload.reason = "Preempted: the quota was scaled below its current usage".to_owned();
        preempted.push(workload.id.clone());
    }
    preempted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_like_pai() {
        assert_eq!(format_cpu(8000), "8");
        assert_eq!(format_cpu(500), "0.5");
        assert_eq!(format_cpu(2250), "2.25");
        assert_eq!(format_memory(30 * 1024), "30Gi");
        assert_eq!(format_memory(512), "512Mi");
        let amount = amount_json(
            Res {
                cpu_milli: 8000,
                memory_mib: 30 * 1024,
                gpu: 2,
            },
            "A10",
        );
        assert_eq!(amount["GPU"], "2");
        assert_eq!(amount["GPUMemory"], "48Gi");
        assert_eq!(amount["Memory"], "30Gi");
    }
}
