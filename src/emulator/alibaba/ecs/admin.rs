//! ECS's admin routes (served under `/_emulator/alibaba/`, see `alibaba::admin`), for
//! tests that need stock to run out, a price to change or the quota to shrink. Each body
//! may name `access_key_id` and `region` (defaults: the demo account, `cn-hangzhou`).
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | POST | `ecs/stock` | `{zone_id, instance_type, available}` | `{zone_id, instance_type, available}`; `available: 0` sells the type out in that zone |
//! | POST | `ecs/price` | `{instance_type, hourly_price}` (`null` restores the computed price) | `{instance_type, hourly_price}`: the instance's pay-as-you-go price per hour in CNY, before disks and bandwidth |
//! | POST | `ecs/quota` | `{vcpus}` (`null` restores the default) | `{vcpus}`: the most vCPUs of pay-as-you-go instances in the region |

use serde::Deserialize;
use serde_json::{Value, json};

use crate::emulator::alibaba::ecs::catalog::{instance_types, zones};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{Capacity, EcsBackend};
use crate::emulator::alibaba::ecs::rules::stock;
use crate::emulator::core::wire::ApiError;
use crate::emulator::core::world::Services;

/// `POST ecs/stock`.
#[derive(Debug, Deserialize)]
pub struct SetStock {
    zone_id: String,
    instance_type: String,
    available: u32,
}

/// `POST ecs/price`.
#[derive(Debug, Deserialize)]
pub struct SetPrice {
    instance_type: String,
    hourly_price: Option<f64>,
}

/// `POST ecs/quota`.
#[derive(Debug, Deserialize)]
pub struct SetQuota {
    vcpus: Option<u32>,
}

/// Sets what is left of a type in a zone of `region`.
pub fn set_stock(services: &mut Services, region: &str, set: SetStock) -> Result<Value, ApiError> {
    if !zones::is_zone(region, &set.zone_id) {
        return Err(errors::zone_not_found(&set.zone_id, region));
    }
    let t = instance_types::find(&set.instance_type)
        .ok_or_else(|| errors::instance_type_not_found(&set.instance_type))?;
    if !zones::offers(&set.zone_id, t) {
        return Err(errors::instance_type_not_supported(t.id, &set.zone_id));
    }
    let ecs = services.get_mut::<EcsBackend>();
    ecs.capacity
        .stock
        .insert(Capacity::key(&set.zone_id, t.id), set.available);
    Ok(json!({
        "zone_id": set.zone_id,
        "instance_type": t.id,
        "available": stock::available(&ecs.capacity, &set.zone_id, t),
    }))
}

/// Sets (or clears) a type's hourly instance price in `region`.
pub fn set_price(services: &mut Services, set: SetPrice) -> Result<Value, ApiError> {
    let t = instance_types::find(&set.instance_type)
        .ok_or_else(|| errors::instance_type_not_found(&set.instance_type))?;
    let prices = &mut services.get_mut::<EcsBackend>().capacity.prices;
    match set.hourly_price {
        Some(p) if p.is_finite() && p >= 0.0 => {
            prices.insert(t.id.to_owned(), p);
        }
        Some(p) => {
            return Err(errors::invalid(
                "hourly_price",
                format!("hourly_price must be a non-negative number, got {p}."),
            ));
        }
        None => {
            prices.remove(t.id);
        }
    }
    Ok(json!({"instance_type": t.id, "hourly_price": set.hourly_price}))
}

/// Sets (or clears) the region's pay-as-you-go vCPU quota.
pub fn set_quota(services: &mut Services, set: SetQuota) -> Value {
    services.get_mut::<EcsBackend>().capacity.vcpu_quota = set.vcpus;
    json!({"vcpus": set.vcpus})
}
