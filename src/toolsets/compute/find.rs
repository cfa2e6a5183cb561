//! `cp_ecs_find_available_instance_type`: the first type in stock for a size (or a named type),
//! region by region in the order given, with its real hourly price. The regions are the caller's
//! (the region rule's choice first): skillgate never falls back to regions nobody asked for, and
//! every region tried is shown.

use serde_json::{Map, Value, json};

use super::api::{RECOMMEND, declared};
use super::quote::{Spec, price};
use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::{GuardContext, scoped_arguments};

/// The `cp_ecs_find_available_instance_type` answer.
pub async fn find_available_instance_type(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let mut regions = ctx.arg_strings("regions");
    if regions.is_empty() {
        regions.push(ctx.region());
    }
    let mut ask = Map::new();
    for name in [
        "instance_type",
        "cores",
        "memory",
        "zone_id",
        "instance_family_level",
    ] {
        if let Some(value) = ctx.args.get(name) {
            ask.insert(name.into(), value.clone());
        }
    }
    if !ask.contains_key("instance_type") {
        ask.entry("cores").or_insert(json!(2));
        ask.entry("memory").or_insert(json!(4));
    }
    ask.insert("priority_strategy".into(), json!("InventoryFirst"));
    let mut tried = Vec::new();
    for region in &regions {
        let mut scope = Map::new();
        scope.insert("region_id".into(), json!(region));
        let call = declared(RECOMMEND, Value::Object(ask.clone()));
        let answer = ctx
            .calls
            .read(call.tool, scoped_arguments(scope, &call))
            .await;
        let body = match answer {
            Ok(response) => response.body,
            Err(failure) if !failure.kind.is_provider_fault() => {
                tried.push(json!({"region_id": region, "found": false, "why": failure.message}));
                continue;
            }
            Err(failure) => return Err(failure),
        };
        let Some(first) = body.pointer("/Data/RecommendInstanceType/0") else {
            tried.push(json!({"region_id": region, "found": false, "why": "nothing of that size in stock"}));
            continue;
        };
        let instance_type = first
            .pointer("/InstanceType/InstanceType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let zone = first
            .get("ZoneId")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut spec_args = Map::new();
        spec_args.insert("region_id".into(), json!(region));
        spec_args.insert("instance_type".into(), json!(instance_type));
        if let Some(zone) = &zone {
            spec_args.insert("zone_id".into(), json!(zone));
        }
        let spec = Spec::from_args(&spec_args, "count")?;
        let quote = price(ctx.calls, &spec).await?;
        tried.push(json!({"region_id": region, "found": true}));
        let mut out = Map::new();
        out.insert("region_id".into(), json!(region));
        out.insert("zone_id".into(), json!(zone));
        out.insert("instance_type".into(), json!(instance_type));
        out.insert(
            "cores".into(),
            first
                .pointer("/InstanceType/Cores")
                .cloned()
                .unwrap_or(Value::Null),
        );
        out.insert(
            "memory_gib".into(),
            json!(
                first
                    .pointer("/InstanceType/Memory")
                    .and_then(Value::as_f64)
                    .map(|mib| mib / 1024.0)
            ),
        );
        out.insert("unit_price_per_hour".into(), json!(quote.unit_price));
        out.insert("currency".into(), quote.view["currency"].clone());
        out.insert("quote_id".into(), json!(quote.id));
        out.insert("regions_tried".into(), json!(tried));
        out.insert(
            "note".into(),
            json!("the first type in stock, not the cheapest; compare with cp_ecs_describe_price if cost matters"),
        );
        return Ok(out);
    }
    Err(ToolFailure::new(
        FailureKind::OutOfStock,
        format!("no type of that size is in stock in {}", regions.join(", ")),
    )
    .with_details(json!({"regions_tried": tried}))
    .with_hint("try other zones or regions the user accepts, or a smaller size; never another product without the user's word"))
}
