//! The instance types the emulator knows: per-machine CPU, memory and GPU.
//!
//! Quota amounts (`QuotaDetails`) and `ListNodeTypes` are computed from these, so a quota
//! of 3 x `ecs.gn7i-c8g1.2xlarge` really is 24 vCPU, 90 GiB and 3 A10 cards.

use crate::emulator::alibaba::pai::models::Res;

/// One machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSpec {
    /// Instance type name.
    pub node_type: &'static str,
    /// vCPUs.
    pub cpu: u64,
    /// GiB of memory.
    pub memory_gib: u64,
    /// GPU cards.
    pub gpu: u64,
    /// GPU card type, empty for CPU machines.
    pub gpu_type: &'static str,
    /// GiB of memory per GPU card.
    pub gpu_memory_gib: u64,
    /// vCPUs reserved by the system on each machine.
    pub reserved_cpu: u64,
    /// GiB reserved by the system on each machine.
    pub reserved_memory_gib: u64,
}

impl InstanceSpec {
    /// `GPU` or `CPU`, as `ListNodeTypes` reports it.
    pub fn accelerator_type(&self) -> &'static str {
        if self.gpu > 0 { "GPU" } else { "CPU" }
    }

    /// The resources of `count` machines.
    pub fn times(&self, count: u32) -> Res {
        let count = u64::from(count);
        Res {
            cpu_milli: self.cpu * 1000 * count,
            memory_mib: self.memory_gib * 1024 * count,
            gpu: self.gpu * count,
        }
    }
}

/// Every instance type the emulator's resource groups can hold.
pub const INSTANCE_TYPES: &[InstanceSpec] = &[
    InstanceSpec {
        node_type: "ecs.gn7i-c8g1.2xlarge",
        cpu: 8,
        memory_gib: 30,
        gpu: 1,
        gpu_type: "A10",
        gpu_memory_gib: 24,
        reserved_cpu: 1,
        reserved_memory_gib: 2,
    },
    InstanceSpec {
        node_type: "ecs.gn7i-c16g1.4xlarge",
        cpu: 16,
        memory_gib: 60,
        gpu: 1,
        gpu_type: "A10",
        gpu_memory_gib: 24,
        reserved_cpu: 1,
        reserved_memory_gib: 4,
    },
    InstanceSpec {
        node_type: "ecs.g7.4xlarge",
        cpu: 16,
        memory_gib: 64,
        gpu: 0,
        gpu_type: "",
        gpu_memory_gib: 0,
        reserved_cpu: 1,
        reserved_memory_gib: 4,
    },
    InstanceSpec {
        node_type: "ml.gu7xf.c96m1600.8-gu108",
        cpu: 96,
        memory_gib: 1600,
        gpu: 8,
        gpu_type: "GU108",
        gpu_memory_gib: 80,
        reserved_cpu: 4,
        reserved_memory_gib: 32,
    },
];

/// The spec of an instance type, if the emulator knows it.
pub fn lookup(node_type: &str) -> Option<&'static InstanceSpec> {
    INSTANCE_TYPES.iter().find(|s| s.node_type == node_type)
}

/// GiB of memory per card for a GPU type (0 when unknown or CPU).
pub fn gpu_memory_gib(gpu_type: &str) -> u64 {
    INSTANCE_TYPES
        .iter()
        .find(|s| !gpu_type.is_empty() && s.gpu_type == gpu_type)
        .map(|s| s.gpu_memory_gib)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_resources_multiply_by_count() {
        let spec = lookup("ecs.gn7i-c8g1.2xlarge");
        let res = spec.map(|s| s.times(3));
        assert_eq!(
            res,
            Some(Res {
                cpu_milli: 24_000,
                memory_mib: 90 * 1024,
                gpu: 3
            })
        );
        assert_eq!(spec.map(|s| s.accelerator_type()), Some("GPU"));
        assert_eq!(
            lookup("ecs.g7.4xlarge").map(|s| s.accelerator_type()),
            Some("CPU")
        );
        assert_eq!(gpu_memory_gib("GU108"), 80);
    }
}
