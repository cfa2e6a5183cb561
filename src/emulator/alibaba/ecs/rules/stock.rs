//! What is left to sell per zone and instance type. A zone that does not offer a type
//! has none (and `RunInstances` says `InvalidInstanceType.NotSupported`); an offered type
//! starts with [`DEFAULT_CPU_STOCK`] or [`DEFAULT_GPU_STOCK`] instances, except the
//! [`SOLD_OUT`] pairs, which start at zero. `RunInstances` takes from the stock,
//! `DeleteInstances` gives back, and `POST /_emulator/alibaba/ecs/stock` sets it.

use crate::emulator::alibaba::ecs::catalog::instance_types::InstanceType;
use crate::emulator::alibaba::ecs::catalog::zones;
use crate::emulator::alibaba::ecs::models::Capacity;

/// Instances of a CPU type each offering zone starts with.
pub const DEFAULT_CPU_STOCK: u32 = 200;
/// Instances of a GPU type each offering zone starts with.
pub const DEFAULT_GPU_STOCK: u32 = 8;
/// At or below this many, a zone's type is `ClosedWithStock` (low stock) rather than
/// `WithStock`.
pub const LOW_STOCK: u32 = 3;

/// The zone/type pairs that are sold out from the start, so an out-of-stock retry is
/// real without any setup: the A10 type in cn-hangzhou-h (it is in stock in
/// cn-hangzhou-i) and `ecs.c7.large` in cn-hangzhou-k (in stock in h, i and j).
pub const SOLD_OUT: &[(&str, &str)] = &[
    ("cn-hangzhou-h", "ecs.gn7i-c8g1.2xlarge"),
    ("cn-hangzhou-k", "ecs.c7.large"),
];

/// How a zone's stock of a type reads on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockLevel {
    /// Plenty.
    WithStock,
    /// A few left.
    ClosedWithStock,
    /// None left.
    WithoutStock,
}

impl StockLevel {
    /// `StatusCategory`.
    pub fn category(self) -> &'static str {
        match self {
            Self::WithStock => "WithStock",
            Self::ClosedWithStock => "ClosedWithStock",
            Self::WithoutStock => "WithoutStock",
        }
    }

    /// `Status`: `Available` or `SoldOut`.
    pub fn status(self) -> &'static str {
        match self {
            Self::WithoutStock => "SoldOut",
            _ => "Available",
        }
    }
}

/// Instances of `instance_type` left in `zone`.
pub fn available(capacity: &Capacity, zone: &str, instance_type: &InstanceType) -> u32 {
    if !zones::offers(zone, instance_type) {
        return 0;
    }
    if let Some(left) = capacity.stock.get(&Capacity::key(zone, instance_type.id)) {
        return *left;
    }
    if SOLD_OUT.contains(&(zone, instance_type.id)) {
        0
    } else if instance_type.is_gpu() {
        DEFAULT_GPU_STOCK
    } else {
        DEFAULT_CPU_STOCK
    }
}

/// The level of a count.
pub fn level(left: u32) -> StockLevel {
    match left {
        0 => StockLevel::WithoutStock,
        n if n <= LOW_STOCK => StockLevel::ClosedWithStock,
        _ => StockLevel::WithStock,
    }
}

/// Takes `count` instances from the stock; `false` (and nothing taken) when fewer are left.
pub fn take(capacity: &mut Capacity, zone: &str, instance_type: &InstanceType, count: u32) -> bool {
    let left = available(capacity, zone, instance_type);
    if left < count {
        return false;
    }
    capacity
        .stock
        .insert(Capacity::key(zone, instance_type.id), left - count);
    true
}

/// Gives released instances back to the stock.
pub fn give_back(capacity: &mut Capacity, zone: &str, instance_type: &InstanceType, count: u32) {
    if !zones::offers(zone, instance_type) {
        return;
    }
    let left = available(capacity, zone, instance_type);
    capacity.stock.insert(
        Capacity::key(zone, instance_type.id),
        left.saturating_add(count),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::ecs::catalog::instance_types::find;

    #[test]
    fn stock_starts_from_the_catalog_and_moves_with_creates_and_releases() {
        let mut capacity = Capacity::default();
        let (Some(c7), Some(a10)) = (find("ecs.c7.large"), find("ecs.gn7i-c8g1.2xlarge")) else {
            panic!("catalog has both types");
        };
        assert_eq!(
            available(&capacity, "cn-hangzhou-k", c7),
            0,
            "seeded sold out"
        );
        assert_eq!(available(&capacity, "cn-hangzhou-h", c7), DEFAULT_CPU_STOCK);
        assert_eq!(available(&capacity, "cn-hangzhou-k", a10), 0, "not offered");
        assert_eq!(
            available(&capacity, "cn-hangzhou-i", a10),
            DEFAULT_GPU_STOCK
        );
        assert!(take(&mut capacity, "cn-hangzhou-i", a10, 6));
        assert_eq!(
            level(available(&capacity, "cn-hangzhou-i", a10)),
            StockLevel::ClosedWithStock
        );
        assert!(
            !take(&mut capacity, "cn-hangzhou-i", a10, 3),
            "only two left"
        );
        give_back(&mut capacity, "cn-hangzhou-i", a10, 1);
        assert!(take(&mut capacity, "cn-hangzhou-i", a10, 3));
        assert_eq!(level(0).status(), "SoldOut");
    }
}
