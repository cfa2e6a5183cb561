//! The cost gate in front of every billable create (seed-operations.md 3.5): the plan carries the
//! live quote (unit price, runtime, total, billing, release policy) and its `quote_id`, which the
//! phrase `CONFIRM-COST <QUOTE_ID>` names; a quote the agent showed earlier must still be the live
//! one; the quote and the stock are part of the state re-checked at confirmation, so a price or
//! stock change makes the plan stale. The skill's waiver is an explicit argument with the user's
//! words, recorded in the plan and the audit log; it never removes the confirmation step.

use serde_json::{Value, json};

use super::api::{DESCRIBE_AVAILABLE, declared};
use super::quote::{Spec, price, smaller_types};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// Guard: prices the create and puts the quote in the plan.
pub async fn cost_gate(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let spec = Spec::from_args(&ctx.args, "amount")?;
    let quote = price(ctx.calls, &spec).await?;
    if let Some(given) = ctx.arg_str("quote_id")
        && given != quote.id
    {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!(
                "quote `{given}` is no longer the live price of this spec: the live quote is `{}` at {} {}/h",
                quote.id, quote.unit_price, quote.view["currency"].as_str().unwrap_or("CNY")
            ),
        )
        .with_details(quote.view.clone())
        .with_hint("show the new quote to the user and ask again; nothing was planned"));
    }
    ctx.args.insert("quote_id".into(), json!(quote.id));
    if ctx.tool.param("quote_unit_price").is_some() {
        // The kept service's record carries its hourly cost.
        let currency = quote.view["currency"].as_str().unwrap_or("CNY");
        ctx.args.insert(
            "quote_unit_price".into(),
            json!(format!("{currency} {}/h", quote.unit_price)),
        );
    }
    ctx.diff.insert("cost".into(), quote.view.clone());
    ctx.checks.push(Check::ok("cost_quote", quote.view.clone()));
    ctx.state.push(json!({"quote_id": quote.id}));
    accept_waiver(ctx)
}

/// The skill's waiver, when the user gave one: recorded with their own words (required), so the
/// plan takes the waived phrase. Shared by every cost gate (ECS quotes, FC's published prices).
pub fn accept_waiver(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let waived = ctx
        .args
        .get("user_waived_confirmation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if waived {
        let words = ctx
            .arg_str("waiver_statement")
            .filter(|w| !w.trim().is_empty())
            .ok_or_else(|| {
                ToolFailure::new(
                    FailureKind::ValidationError,
                    "a waiver needs `waiver_statement`: the user's own words saying no confirmation is needed",
                )
            })?;
        ctx.waiver = Some(words);
    }
    Ok(())
}

fn supported_status(zone: &Value, instance_type: &str) -> Option<String> {
    zone.pointer("/AvailableResources/AvailableResource")?
        .as_array()?
        .iter()
        .filter_map(|r| {
            r.pointer("/SupportedResources/SupportedResource")?
                .as_array()
        })
        .flatten()
        .find(|r| r.get("Value").and_then(Value::as_str) == Some(instance_type))
        .and_then(|r| r.get("Status").and_then(Value::as_str))
        .map(str::to_string)
}

/// Guard: the instance type is in stock in the zone; otherwise the alternatives inside ECS (other
/// zones of the region, smaller types of the family) are shown, never taken silently.
pub async fn in_stock(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let Some(instance_type) = ctx.arg_str("instance_type") else {
        return Ok(());
    };
    let zone = ctx.arg_str("zone_id");
    let call = declared(
        DESCRIBE_AVAILABLE,
        json!({"destination_resource": "InstanceType", "instance_type": instance_type}),
    );
    let body = ctx.read(&call).await?.body;
    let zones: Vec<Value> = body
        .pointer("/AvailableZones/AvailableZone")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let available = |z: &Value| supported_status(z, &instance_type).as_deref() == Some("Available");
    let zone_id = |z: &Value| {
        z.get("ZoneId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let here = match &zone {
        Some(zone) => zones.iter().any(|z| zone_id(z) == *zone && available(z)),
        None => zones.iter().any(available),
    };
    if here {
        ctx.checks.push(Check::ok(
            "in_stock",
            json!({"instance_type": instance_type, "zone_id": zone}),
        ));
        ctx.state.push(json!({"in_stock": [instance_type, zone]}));
        return Ok(());
    }
    let other_zones: Vec<String> = zones.iter().filter(|z| available(z)).map(zone_id).collect();
    let spec = Spec::from_args(&ctx.args, "amount")?;
    let smaller = smaller_types(ctx.calls, &spec).await.unwrap_or_default();
    let region = ctx.region();
    Err(ToolFailure::new(
        FailureKind::OutOfStock,
        format!(
            "{instance_type} is sold out in {} ({region}); nothing was planned",
            zone.as_deref().unwrap_or("every zone")
        ),
    )
    .with_details(json!({
        "product": "ecs",
        "instance_type": instance_type,
        "zone_id": zone,
        "retry_order": ["another zone of the region", "another region the user accepts", "a smaller type"],
        "zones_with_stock": other_zones,
        "smaller_types": smaller,
    }))
    .with_hint("plan again with one of these, told to the user (the product stays ECS); when none fits, report and ask"))
}

/// Guard of a release: every instance exists (what it is goes into the plan), and the phrase
/// names them all.
pub async fn instances_exist(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let ids = ctx.arg_strings("instance_ids");
    let call = declared(
        super::api::DESCRIBE_INSTANCES,
        json!({"instance_ids": ids, "page_size": 100}),
    );
    let body = ctx.read(&call).await?.body;
    let found: Vec<Value> = body
        .pointer("/Instances/Instance")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let id_of = |i: &Value| {
        i.get("InstanceId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !found.iter().any(|i| id_of(i) == **id))
        .collect();
    if !missing.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!(
                "no instance {missing:?} in {}; nothing was planned",
                ctx.region()
            ),
        ));
    }
    let shown: Vec<Value> = found
        .iter()
        .map(|i| json!({"instance_id": id_of(i), "name": i.get("InstanceName"), "status": i.get("Status"), "tags": i.pointer("/Tags/Tag")}))
        .collect();
    ctx.checks.push(Check::ok("instances_found", json!(shown)));
    ctx.state.push(json!(ids));
    ctx.args.insert("target_ids".into(), json!(ids.join(",")));
    Ok(())
}
