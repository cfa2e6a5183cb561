//! The zones of each region and which instance types each zone offers.
//!
//! The demo regions have fixed tables; any other region of `regions::REGIONS` gets zones
//! `-a` and `-b`. Every zone offers every CPU type; GPU types are offered only where the
//! table says (a GPU type a zone does not offer is `InvalidInstanceType.NotSupported`
//! there, which is different from a type that is offered but sold out).

use crate::emulator::alibaba::ecs::catalog::instance_types::InstanceType;
use crate::emulator::alibaba::ecs::regions;

/// The zone letters of a region.
fn letters(region: &str) -> &'static [&'static str] {
    match region {
        "cn-hangzhou" => &["h", "i", "j", "k"],
        "cn-shanghai" => &["l", "m", "n"],
        "cn-beijing" => &["h", "i", "j", "k", "l"],
        "cn-shenzhen" => &["c", "d", "e", "f"],
        "cn-zhangjiakou" => &["a", "b", "c"],
        "ap-southeast-1" => &["a", "b", "c"],
        _ => &["a", "b"],
    }
}

/// The zone ids of a region (`cn-hangzhou-h` ...); empty for an unknown region.
pub fn zones(region: &str) -> Vec<String> {
    if regions::find(region).is_none() {
        return Vec::new();
    }
    letters(region)
        .iter()
        .map(|l| format!("{region}-{l}"))
        .collect()
}

/// Whether `zone` is a zone of `region`.
pub fn is_zone(region: &str, zone: &str) -> bool {
    zones(region).iter().any(|z| z == zone)
}

/// The zone's local name: `杭州 可用区H` / `Hangzhou Zone H`.
pub fn local_name(region: &str, zone: &str, english: bool) -> String {
    let letter = zone
        .rsplit('-')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let city =
        regions::find(region).map_or(region, |r| if english { r.name_en } else { r.name_zh });
    if english {
        format!("{city} Zone {letter}")
    } else {
        format!("{city} 可用区{letter}")
    }
}

/// The GPU families each zone of the demo regions offers; other regions offer GPUs in
/// their first zone only.
fn gpu_families(zone: &str) -> &'static [&'static str] {
    match zone {
        "cn-hangzhou-h" => &["ecs.gn7i", "ecs.gn6i"],
        "cn-hangzhou-i" => &["ecs.gn7i", "ecs.gn7", "ecs.gn7e"],
        "cn-hangzhou-j" => &["ecs.gn6i"],
        "cn-shanghai-l" => &["ecs.gn7i", "ecs.gn6i", "ecs.gn7"],
        "cn-shanghai-m" => &["ecs.gn7i"],
        "cn-beijing-i" | "cn-beijing-l" => &["ecs.gn7i", "ecs.gn6i", "ecs.gn7"],
        "ap-southeast-1-a" | "ap-southeast-1-c" => &["ecs.gn7i", "ecs.gn6i", "ecs.gn7"],
        z if z.ends_with("-a") && !z.starts_with("ap-southeast-1") => &["ecs.gn6i"],
        _ => &[],
    }
}

/// Whether `zone` offers `instance_type` at all.
pub fn offers(zone: &str, instance_type: &InstanceType) -> bool {
    !instance_type.is_gpu() || gpu_families(zone).contains(&instance_type.family.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::ecs::catalog::instance_types::find;

    #[test]
    fn demo_regions_have_their_zones_and_gpus_are_zonal() {
        assert_eq!(zones("cn-hangzhou").len(), 4);
        assert!(is_zone("cn-shanghai", "cn-shanghai-l"));
        assert!(!is_zone("cn-shanghai", "cn-hangzhou-h"));
        assert!(zones("cn-nowhere").is_empty());
        assert_eq!(zones("eu-west-1"), vec!["eu-west-1-a", "eu-west-1-b"]);
        let (Some(a10), Some(g7)) = (find("ecs.gn7i-c8g1.2xlarge"), find("ecs.g7.large")) else {
            panic!("catalog has both types");
        };
        assert!(offers("cn-hangzhou-h", a10) && !offers("cn-hangzhou-k", a10));
        assert!(offers("cn-hangzhou-k", g7));
        assert_eq!(
            local_name("cn-hangzhou", "cn-hangzhou-h", true),
            "China (Hangzhou) Zone H"
        );
    }
}
