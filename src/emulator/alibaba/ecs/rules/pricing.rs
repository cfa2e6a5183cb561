//! What `DescribePrice` and `RunInstances` charge, deterministically, from the catalog's
//! list rates: instance (vCPU, memory and GPU rates of its family, times a region
//! factor, unless the admin API set the type's hourly price), system and data disks per
//! GiB, and fixed bandwidth per Mbit/s. Pay-as-you-go (`PriceUnit=Hour`) has no discount;
//! subscriptions (`Week`, `Month`, `Year`) get one on the instance, shown as a rule.
//! `TradePrice = OriginalPrice - DiscountPrice`, in CNY, rounded to 4 decimals.

use crate::emulator::alibaba::ecs::catalog::instance_types::{Family, InstanceType};
use crate::emulator::alibaba::ecs::models::Capacity;

/// The currency of every price.
pub const CURRENCY: &str = "CNY";

/// Disk categories with their price per GiB-hour (CNY) and whether 8th-generation
/// (ESSD-only) families take them.
pub const DISK_CATEGORIES: &[(&str, f64, bool)] = &[
    ("cloud_essd", 0.0015, true),
    ("cloud_auto", 0.0013, true),
    ("cloud_essd_entry", 0.001, true),
    ("cloud_ssd", 0.0014, false),
    ("cloud_efficiency", 0.0005, false),
];

/// CNY per Mbit/s-hour of fixed bandwidth up to 5 Mbit/s, and above.
const BANDWIDTH_RATES: (f64, f64) = (0.063, 0.25);

/// The disk categories a family takes, in the order above.
pub fn disk_categories(family: &Family) -> Vec<&'static str> {
    DISK_CATEGORIES
        .iter()
        .filter(|(_, _, essd_only_ok)| family.legacy_disks || *essd_only_ok)
        .map(|(name, _, _)| *name)
        .collect()
}

/// Whether `family` takes disks of `category`.
pub fn takes_disk(family: &Family, category: &str) -> bool {
    disk_categories(family).contains(&category)
}

/// The category used when a call names none: ESSD.
pub const DEFAULT_DISK_CATEGORY: &str = "cloud_essd";

/// How much more a region charges than the list price.
pub fn region_factor(region: &str) -> f64 {
    match region {
        "cn-hongkong" => 1.3,
        r if r.starts_with("cn-") => 1.0,
        "ap-southeast-1" | "ap-northeast-1" => 1.25,
        r if r.starts_with("us-") || r.starts_with("eu-") => 1.35,
        _ => 1.2,
    }
}

/// A `PriceUnit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceUnit {
    /// Pay-as-you-go, per hour.
    Hour,
    /// Subscription, per week.
    Week,
    /// Subscription, per month (30 days).
    Month,
    /// Subscription, per year.
    Year,
}

impl PriceUnit {
    /// Parses `Hour`, `Week`, `Month`, `Year`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "Hour" => Some(Self::Hour),
            "Week" => Some(Self::Week),
            "Month" => Some(Self::Month),
            "Year" => Some(Self::Year),
            _ => None,
        }
    }

    fn hours(self) -> f64 {
        match self {
            Self::Hour => 1.0,
            Self::Week => 168.0,
            Self::Month => 720.0,
            Self::Year => 8640.0,
        }
    }

    /// The subscription discount on the instance, and the rule that says so.
    fn discount(self) -> Option<(f64, u64, &'static str)> {
        match self {
            Self::Hour => None,
            Self::Week => Some((0.1, 587_001, "Subscription discount: 10% off the instance")),
            Self::Month => Some((0.3, 587_002, "Subscription discount: 30% off the instance")),
            Self::Year => Some((0.45, 587_003, "Subscription discount: 45% off the instance")),
        }
    }
}

/// A disk to price.
#[derive(Debug, Clone, PartialEq)]
pub struct Disk {
    /// Its category.
    pub category: String,
    /// Its size in GiB.
    pub size_gib: u32,
}

/// What to price.
#[derive(Debug, Clone)]
pub struct PriceQuery<'a> {
    /// The instance type.
    pub instance_type: &'a InstanceType,
    /// The region.
    pub region: &'a str,
    /// The system disk.
    pub system_disk: Disk,
    /// Data disks.
    pub data_disks: Vec<Disk>,
    /// Fixed outbound bandwidth (Mbit/s), billed only with `PayByBandwidth`.
    pub bandwidth_out: u32,
    /// Whether bandwidth is billed per Mbit/s (`PayByBandwidth`) rather than per GB.
    pub pay_by_bandwidth: bool,
    /// The unit.
    pub unit: PriceUnit,
    /// How many units.
    pub period: u32,
    /// How many instances.
    pub amount: u32,
}

/// One priced resource (`DetailInfos.DetailInfo[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `instanceType`, `systemDisk`, `dataDisk`, `bandwidth`.
    pub resource: &'static str,
    /// Before discounts.
    pub original: f64,
    /// The discount amount.
    pub discount: f64,
    /// What is paid.
    pub trade: f64,
}

/// A price answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// Per resource.
    pub lines: Vec<Line>,
    /// Totals.
    pub original: f64,
    /// The total discount.
    pub discount: f64,
    /// What is paid in total.
    pub trade: f64,
    /// The promotion rules applied `(RuleId, Description)`.
    pub rules: Vec<(u64, &'static str)>,
}

/// Rounds to 4 decimals, as ECS answers prices.
pub fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn disk_rate(category: &str) -> f64 {
    DISK_CATEGORIES
        .iter()
        .find(|(name, _, _)| *name == category)
        .map_or(0.0, |(_, rate, _)| *rate)
}

/// The hourly pay-as-you-go price of the instance alone in `region` (the admin override
/// when one is set).
pub fn instance_hourly(capacity: &Capacity, region: &str, instance_type: &InstanceType) -> f64 {
    capacity
        .prices
        .get(instance_type.id)
        .copied()
        .unwrap_or_else(|| round(instance_type.hourly_list_price() * region_factor(region)))
}

/// Prices a query.
pub fn quote(capacity: &Capacity, query: &PriceQuery<'_>) -> Quote {
    let units =
        query.unit.hours() * f64::from(query.period.max(1)) * f64::from(query.amount.max(1));
    let discount = query.unit.discount();
    let line = |resource: &'static str, hourly: f64, discounted: bool| {
        let original = round(hourly * units);
        let off = match (discounted, discount) {
            (true, Some((share, _, _))) => round(original * share),
            _ => 0.0,
        };
        Line {
            resource,
            original,
            discount: off,
            trade: round(original - off),
        }
    };
    let mut lines = vec![
        line(
            "instanceType",
            instance_hourly(capacity, query.region, query.instance_type),
            true,
        ),
        line(
            "systemDisk",
            disk_rate(&query.system_disk.category) * f64::from(query.system_disk.size_gib),
            false,
        ),
    ];
    if !query.data_disks.is_empty() {
        let hourly: f64 = query
            .data_disks
            .iter()
            .map(|d| disk_rate(&d.category) * f64::from(d.size_gib))
            .sum();
        lines.push(line("dataDisk", hourly, false));
    }
    let bandwidth = if query.pay_by_bandwidth {
        let low = query.bandwidth_out.min(5);
        let high = query.bandwidth_out.saturating_sub(5);
        f64::from(low) * BANDWIDTH_RATES.0 + f64::from(high) * BANDWIDTH_RATES.1
    } else {
        0.0
    };
    lines.push(line("bandwidth", bandwidth, false));
    let sum = |f: fn(&Line) -> f64| round(lines.iter().map(f).sum());
    Quote {
        original: sum(|l| l.original),
        discount: sum(|l| l.discount),
        trade: sum(|l| l.trade),
        rules: discount
            .map(|(_, id, text)| vec![(id, text)])
            .unwrap_or_default(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::ecs::catalog::instance_types::find;

    fn query(unit: PriceUnit) -> Option<PriceQuery<'static>> {
        Some(PriceQuery {
            instance_type: find("ecs.g7.large")?,
            region: "cn-hangzhou",
            system_disk: Disk {
                category: "cloud_essd".into(),
                size_gib: 40,
            },
            data_disks: Vec::new(),
            bandwidth_out: 0,
            pay_by_bandwidth: false,
            unit,
            period: 1,
            amount: 1,
        })
    }

    #[test]
    fn hourly_prices_add_up_and_subscriptions_are_discounted() {
        let Some(hour) = query(PriceUnit::Hour) else {
            panic!("catalog has ecs.g7.large");
        };
        let capacity = Capacity::default();
        let q = quote(&capacity, &hour);
        assert_eq!(q.lines[0].trade, 0.64, "2 x 0.16 + 8 x 0.04");
        assert_eq!(q.lines[1].trade, 0.06, "40 GiB x 0.0015");
        assert_eq!((q.original, q.discount, q.trade), (0.7, 0.0, 0.7));
        let month = quote(
            &capacity,
            &PriceQuery {
                unit: PriceUnit::Month,
                amount: 2,
                ..hour.clone()
            },
        );
        assert_eq!(month.original, 1008.0);
        assert_eq!(month.discount, round(0.64 * 720.0 * 2.0 * 0.3));
        assert_eq!(month.trade, round(month.original - month.discount));
        assert_eq!(month.rules.len(), 1);
        let singapore = quote(
            &capacity,
            &PriceQuery {
                region: "ap-southeast-1",
                ..hour.clone()
            },
        );
        assert!(singapore.trade > q.trade);
        let mut changed = Capacity::default();
        changed.prices.insert("ecs.g7.large".into(), 1.0);
        assert_eq!(quote(&changed, &hour).trade, 1.06);
        let bandwidth = quote(
            &capacity,
            &PriceQuery {
                bandwidth_out: 10,
                pay_by_bandwidth: true,
                ..hour
            },
        );
        assert_eq!(bandwidth.lines[2].trade, round(5.0 * 0.063 + 5.0 * 0.25));
    }

    #[test]
    fn eighth_generation_families_take_essds_only() {
        let (Some(g8i), Some(g7)) = (find("ecs.g8i.large"), find("ecs.g7.large")) else {
            panic!("catalog has both");
        };
        assert!(!takes_disk(g8i.family, "cloud_efficiency"));
        assert!(takes_disk(g8i.family, "cloud_essd"));
        assert!(takes_disk(g7.family, "cloud_efficiency"));
    }
}
