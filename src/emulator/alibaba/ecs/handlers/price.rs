//! `DescribePrice` for `ResourceType=instance`: the instance, its disks and bandwidth,
//! pay-as-you-go per hour (`PriceUnit=Hour`, the default) or subscription per `Week`,
//! `Month` or `Year` times `Period`, for `Amount` instances (`rules::pricing`).

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::catalog::instance_types::{self, InstanceType};
use crate::emulator::alibaba::ecs::catalog::zones;
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::rules::pricing::{
    self, CURRENCY, DEFAULT_DISK_CATEGORY, Disk, PriceQuery, PriceUnit, Quote,
};
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// The system disk a call names (`SystemDisk.Category`, `SystemDisk.Size`), checked
/// against what the type's family takes.
pub fn system_disk(req: &ApiRequest, t: &InstanceType) -> Result<Disk, ApiError> {
    let category = req
        .query_nonempty("SystemDisk.Category")
        .unwrap_or(DEFAULT_DISK_CATEGORY);
    if !pricing::takes_disk(t.family, category) {
        return Err(errors::invalid_disk_category(category, Some(t)));
    }
    let size = req.query_u64("SystemDisk.Size")?.unwrap_or(40);
    if !(20..=2048).contains(&size) {
        return Err(errors::invalid(
            "SystemDisk.Size",
            format!("SystemDisk.Size must be between 20 and 2048 GiB, got {size}."),
        ));
    }
    Ok(Disk {
        category: category.to_owned(),
        size_gib: u32::try_from(size).unwrap_or(40),
    })
}

/// The data disks a call names (`DataDisk.N.Category`, `DataDisk.N.Size`).
pub fn data_disks(req: &ApiRequest, t: &InstanceType) -> Result<Vec<Disk>, ApiError> {
    req.repeat_objects("DataDisk")
        .into_iter()
        .map(|d| {
            let category = d
                .get("Category")
                .map_or(DEFAULT_DISK_CATEGORY, String::as_str);
            if !pricing::takes_disk(t.family, category) {
                return Err(errors::invalid_disk_category(category, Some(t)));
            }
            let size = d
                .get("Size")
                .and_then(|s| s.parse::<u32>().ok())
                .filter(|s| (20..=32_768).contains(s))
                .ok_or_else(|| {
                    errors::invalid(
                        "DataDisk.Size",
                        "Each DataDisk.N.Size must be 20 to 32768 GiB.",
                    )
                })?;
            Ok(Disk {
                category: category.to_owned(),
                size_gib: size,
            })
        })
        .collect()
}

/// `InternetChargeType` (default `PayByTraffic`) and `InternetMaxBandwidthOut` (0..=100).
pub fn bandwidth(req: &ApiRequest) -> Result<(bool, u32), ApiError> {
    let by_bandwidth = match req.query_nonempty("InternetChargeType") {
        None | Some("PayByTraffic") => false,
        Some("PayByBandwidth") => true,
        Some(c) => {
            return Err(errors::invalid(
                "InternetChargeType",
                format!(
                    "InternetChargeType \"{c}\" is not valid; valid values: PayByTraffic, PayByBandwidth."
                ),
            ));
        }
    };
    let out = req.int_in_range("InternetMaxBandwidthOut", 0, 100, 0)?;
    Ok((by_bandwidth, u32::try_from(out).unwrap_or(0)))
}

fn price_json(quote: &Quote) -> Value {
    let details: Vec<Value> = quote
        .lines
        .iter()
        .map(|l| {
            json!({
                "Resource": l.resource,
                "OriginalPrice": l.original,
                "DiscountPrice": l.discount,
                "TradePrice": l.trade,
                "SubRules": {"Rule": []},
            })
        })
        .collect();
    let rules: Vec<Value> = quote
        .rules
        .iter()
        .map(|(id, text)| json!({"RuleId": id, "Description": text}))
        .collect();
    json!({
        "Price": {
            "OriginalPrice": quote.original,
            "DiscountPrice": quote.discount,
            "TradePrice": quote.trade,
            "Currency": CURRENCY,
            "ReservedInstanceHourPrice": 0.0,
            "DetailInfos": {"DetailInfo": details},
        },
        "Rules": {"Rule": rules},
        "RelatedPrice": {"MarketplaceImagePrice": {"OriginalPrice": 0.0, "DiscountPrice": 0.0, "TradePrice": 0.0, "Currency": CURRENCY}},
    })
}

/// The price of `Amount` instances of `InstanceType` with their disks and bandwidth.
pub fn describe_price(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let region = region::required(req)?;
    if let Some(kind) = req
        .query_nonempty("ResourceType")
        .filter(|k| *k != "instance")
    {
        return Err(errors::invalid(
            "ResourceType",
            format!("ResourceType \"{kind}\" is not served by the emulator; use instance."),
        ));
    }
    let id = req
        .query_nonempty("InstanceType")
        .ok_or_else(|| ApiError::missing("InstanceType"))?;
    let t = instance_types::find(id).ok_or_else(|| errors::instance_type_not_found(id))?;
    if let Some(zone) = req.query_nonempty("ZoneId") {
        if !zones::is_zone(region, zone) {
            return Err(errors::zone_not_found(zone, region));
        }
        if !zones::offers(zone, t) {
            return Err(errors::instance_type_not_supported(id, zone));
        }
    }
    let unit_name = req.query_nonempty("PriceUnit").unwrap_or("Hour");
    let unit = PriceUnit::parse(unit_name).ok_or_else(|| {
        errors::invalid(
            "PriceUnit",
            format!(
                "PriceUnit \"{unit_name}\" is not valid; valid values: Hour, Week, Month, Year."
            ),
        )
    })?;
    let period = req.int_in_range("Period", 1, 60, 1)?;
    let amount = match req.query_nonempty("InstanceAmount") {
        Some(_) => req.int_in_range("InstanceAmount", 1, 1000, 1)?,
        None => req.int_in_range("Amount", 1, 1000, 1)?,
    };
    let (pay_by_bandwidth, bandwidth_out) = bandwidth(req)?;
    let query = PriceQuery {
        instance_type: t,
        region,
        system_disk: system_disk(req, t)?,
        data_disks: data_disks(req, t)?,
        bandwidth_out,
        pay_by_bandwidth,
        unit,
        period: u32::try_from(period).unwrap_or(1),
        amount: u32::try_from(amount).unwrap_or(1),
    };
    let quote = pricing::quote(&ctx.state.capacity, &query);
    let mut out = Map::new();
    out.insert("PriceInfo".into(), price_json(&quote));
    Ok(out)
}
