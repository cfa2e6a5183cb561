//! The instance types the emulator sells: a small, realistic slice of ECS (burstable,
//! economy, general, compute, memory, 8th generation and GPU families), with the facts
//! `DescribeInstanceTypes` reports and the rates `DescribePrice` is computed from.
//!
//! Prices are the emulator's own list prices (CNY per hour, pay-as-you-go, before the
//! region factor of `rules::pricing`): plausible, deterministic, and never a claim about
//! the real price list.

/// One instance type family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Family {
    /// `ecs.g7`.
    pub id: &'static str,
    /// `ecs-5`: the generation `DescribeInstanceTypeFamilies` reports.
    pub generation: &'static str,
    /// `General-purpose`, `Compute-optimized` ... (`InstanceCategory`).
    pub category: &'static str,
    /// `EnterpriseLevel`, `EntryLevel` or `CreditEntryLevel`.
    pub level: &'static str,
    /// CNY per vCPU-hour.
    pub vcpu_rate: f64,
    /// CNY per GiB-hour.
    pub gib_rate: f64,
    /// CNY per GPU-hour.
    pub gpu_rate: f64,
    /// The processor model.
    pub processor: &'static str,
    /// Whether the family takes the older disk categories (`cloud_efficiency`,
    /// `cloud_ssd`) as well as ESSDs; 8th-generation families take ESSDs only.
    pub legacy_disks: bool,
}

/// One instance type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceType {
    /// `ecs.g7.large`.
    pub id: &'static str,
    /// Its family.
    pub family: &'static Family,
    /// vCPUs.
    pub cpu: u32,
    /// Memory in GiB.
    pub memory_gib: f64,
    /// GPUs.
    pub gpu: u32,
    /// `NVIDIA A10`, or empty.
    pub gpu_spec: &'static str,
    /// Memory per GPU in GiB.
    pub gpu_memory_gib: f64,
}

impl InstanceType {
    /// Whether this is a GPU type.
    pub fn is_gpu(&self) -> bool {
        self.gpu > 0
    }

    /// The list price per hour (CNY), before the region factor.
    pub fn hourly_list_price(&self) -> f64 {
        f64::from(self.cpu) * self.family.vcpu_rate
            + self.memory_gib * self.family.gib_rate
            + f64::from(self.gpu) * self.family.gpu_rate
    }

    /// Memory in MiB, as `DescribeInstances` and `DescribeRecommendInstanceType` count it.
    pub fn memory_mib(&self) -> u32 {
        // Catalog memories are whole or half GiB, far below u32::MAX MiB.
        (self.memory_gib * 1024.0).round() as u32
    }
}

const fn family(
    id: &'static str,
    generation: &'static str,
    category: &'static str,
    level: &'static str,
    rates: (f64, f64, f64),
    processor: &'static str,
    legacy_disks: bool,
) -> Family {
    Family {
        id,
        generation,
        category,
        level,
        vcpu_rate: rates.0,
        gib_rate: rates.1,
        gpu_rate: rates.2,
        processor,
        legacy_disks,
    }
}

const XEON_8369: &str = "Intel Xeon(Ice Lake) Platinum 8369B";
const XEON_8475: &str = "Intel Xeon(Sapphire Rapids) Platinum 8475B";

/// Burstable.
pub static T6: Family = family(
    "ecs.t6",
    "ecs-4",
    "Burstable",
    "CreditEntryLevel",
    (0.05, 0.02, 0.0),
    "Intel Xeon(Skylake) Platinum 8163",
    true,
);
/// Economy.
pub static E: Family = family(
    "ecs.e",
    "ecs-6",
    "Shared",
    "EntryLevel",
    (0.09, 0.025, 0.0),
    XEON_8369,
    false,
);
/// Universal.
pub static U1: Family = family(
    "ecs.u1",
    "ecs-5",
    "General-purpose",
    "EnterpriseLevel",
    (0.11, 0.03, 0.0),
    XEON_8369,
    true,
);
/// General purpose, 6th generation.
pub static G6: Family = family(
    "ecs.g6",
    "ecs-4",
    "General-purpose",
    "EnterpriseLevel",
    (0.14, 0.035, 0.0),
    "Intel Xeon(Cascade Lake) Platinum 8269CY",
    true,
);
/// Compute optimised, 6th generation.
pub static C6: Family = family(
    "ecs.c6",
    "ecs-4",
    "Compute-optimized",
    "EnterpriseLevel",
    (0.14, 0.035, 0.0),
    "Intel Xeon(Cascade Lake) Platinum 8269CY",
    true,
);
/// General purpose, 7th generation.
pub static G7: Family = family(
    "ecs.g7",
    "ecs-5",
    "General-purpose",
    "EnterpriseLevel",
    (0.16, 0.04, 0.0),
    XEON_8369,
    true,
);
/// Compute optimised, 7th generation.
pub static C7: Family = family(
    "ecs.c7",
    "ecs-5",
    "Compute-optimized",
    "EnterpriseLevel",
    (0.16, 0.04, 0.0),
    XEON_8369,
    true,
);
/// Memory optimised, 7th generation.
pub static R7: Family = family(
    "ecs.r7",
    "ecs-5",
    "Memory-optimized",
    "EnterpriseLevel",
    (0.16, 0.04, 0.0),
    XEON_8369,
    true,
);
/// General purpose, 8th generation (ESSD only).
pub static G8I: Family = family(
    "ecs.g8i",
    "ecs-6",
    "General-purpose",
    "EnterpriseLevel",
    (0.17, 0.042, 0.0),
    XEON_8475,
    false,
);
/// GPU, NVIDIA T4.
pub static GN6I: Family = family(
    "ecs.gn6i",
    "ecs-4",
    "GPU-accelerated",
    "EnterpriseLevel",
    (0.16, 0.04, 5.2),
    "Intel Xeon(Skylake) Platinum 8163",
    true,
);
/// GPU, NVIDIA A10.
pub static GN7I: Family = family(
    "ecs.gn7i",
    "ecs-5",
    "GPU-accelerated",
    "EnterpriseLevel",
    (0.16, 0.04, 8.6),
    XEON_8369,
    true,
);
/// GPU, NVIDIA A100 40 GB.
pub static GN7: Family = family(
    "ecs.gn7",
    "ecs-5",
    "GPU-accelerated",
    "EnterpriseLevel",
    (0.16, 0.04, 24.0),
    "Intel Xeon(Cascade Lake) Platinum 8269CY",
    true,
);
/// GPU, NVIDIA A100 80 GB.
pub static GN7E: Family = family(
    "ecs.gn7e",
    "ecs-5",
    "GPU-accelerated",
    "EnterpriseLevel",
    (0.16, 0.04, 30.0),
    "AMD EPYC(Milan) 7T83",
    false,
);

/// Every family, in the order `DescribeInstanceTypeFamilies` lists them.
pub static FAMILIES: &[&Family] = &[
    &T6, &E, &U1, &G6, &C6, &G7, &C7, &R7, &G8I, &GN6I, &GN7I, &GN7, &GN7E,
];

const fn cpu_type(
    id: &'static str,
    family: &'static Family,
    cpu: u32,
    memory_gib: f64,
) -> InstanceType {
    InstanceType {
        id,
        family,
        cpu,
        memory_gib,
        gpu: 0,
        gpu_spec: "",
        gpu_memory_gib: 0.0,
    }
}

const fn gpu_type(
    id: &'static str,
    family: &'static Family,
    cpu: u32,
    memory_gib: f64,
    gpu: (u32, &'static str, f64),
) -> InstanceType {
    InstanceType {
        id,
        family,
        cpu,
        memory_gib,
        gpu: gpu.0,
        gpu_spec: gpu.1,
        gpu_memory_gib: gpu.2,
    }
}

/// Every instance type, smallest first within each family.
#[rustfmt::skip]
pub static INSTANCE_TYPES: &[InstanceType] = &[
    cpu_type("ecs.t6-c1m1.large", &T6, 2, 2.0),
    cpu_type("ecs.t6-c1m2.large", &T6, 2, 4.0),
    cpu_type("ecs.t6-c1m4.large", &T6, 2, 8.0),
    cpu_type("ecs.e-c1m2.large", &E, 2, 4.0),
    cpu_type("ecs.e-c1m4.large", &E, 2, 8.0),
    cpu_type("ecs.e-c1m2.xlarge", &E, 4, 8.0),
    cpu_type("ecs.u1-c1m2.large", &U1, 2, 4.0),
    cpu_type("ecs.u1-c1m4.xlarge", &U1, 4, 16.0),
    cpu_type("ecs.g6.large", &G6, 2, 8.0),
    cpu_type("ecs.c6.large", &C6, 2, 4.0),
    cpu_type("ecs.g7.large", &G7, 2, 8.0),
    cpu_type("ecs.g7.xlarge", &G7, 4, 16.0),
    cpu_type("ecs.g7.2xlarge", &G7, 8, 32.0),
    cpu_type("ecs.c7.large", &C7, 2, 4.0),
    cpu_type("ecs.c7.xlarge", &C7, 4, 8.0),
    cpu_type("ecs.c7.2xlarge", &C7, 8, 16.0),
    cpu_type("ecs.r7.large", &R7, 2, 16.0),
    cpu_type("ecs.r7.xlarge", &R7, 4, 32.0),
    cpu_type("ecs.g8i.large", &G8I, 2, 8.0),
    cpu_type("ecs.g8i.xlarge", &G8I, 4, 16.0),
    gpu_type("ecs.gn6i-c4g1.xlarge", &GN6I, 4, 15.0, (1, "NVIDIA T4", 16.0)),
    gpu_type("ecs.gn6i-c8g1.2xlarge", &GN6I, 8, 31.0, (1, "NVIDIA T4", 16.0)),
    gpu_type("ecs.gn7i-c8g1.2xlarge", &GN7I, 8, 30.0, (1, "NVIDIA A10", 24.0)),
    gpu_type("ecs.gn7i-c16g1.4xlarge", &GN7I, 16, 60.0, (1, "NVIDIA A10", 24.0)),
    gpu_type("ecs.gn7-c12g1.3xlarge", &GN7, 12, 94.0, (1, "NVIDIA A100", 40.0)),
    gpu_type("ecs.gn7e-c16g1.4xlarge", &GN7E, 16, 125.0, (1, "NVIDIA A100 80G", 80.0)),
];

/// An instance type by id.
pub fn find(id: &str) -> Option<&'static InstanceType> {
    INSTANCE_TYPES.iter().find(|t| t.id == id)
}

/// A family by id.
pub fn family_by_id(id: &str) -> Option<&'static Family> {
    FAMILIES.iter().copied().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_once_under_a_listed_family() {
        let mut ids: Vec<&str> = INSTANCE_TYPES.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), INSTANCE_TYPES.len());
        for t in INSTANCE_TYPES {
            assert!(
                t.id.starts_with(t.family.id),
                "{} is in {}",
                t.id,
                t.family.id
            );
            assert!(family_by_id(t.family.id).is_some());
        }
    }

    #[test]
    fn list_prices_grow_with_the_size_and_gpus_dominate() {
        let price = |id: &str| {
            find(id)
                .map(InstanceType::hourly_list_price)
                .unwrap_or_default()
        };
        assert!(price("ecs.g7.large") < price("ecs.g7.xlarge"));
        assert!(price("ecs.g7.xlarge") < price("ecs.g7.2xlarge"));
        assert!(price("ecs.e-c1m2.large") < price("ecs.c7.large"));
        assert!(price("ecs.gn7i-c8g1.2xlarge") > 5.0 * price("ecs.g7.2xlarge") / 2.0);
        assert_eq!(
            find("ecs.g7.large").map(InstanceType::memory_mib),
            Some(8192)
        );
    }
}
