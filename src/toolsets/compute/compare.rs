//! The mandatory comparison (seed-operations.md 3.1 step 5): one real quote per candidate, all
//! fetched at once, in a table with the skill's dimensions (time to start, API-priced cost,
//! resources to manage, cleanup burden) and a recommendation. The user still chooses.

use futures_util::future::join_all;
use serde_json::{Map, Value, json};

use super::quote::{Spec, price};
use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::GuardContext;

/// Products that can be priced through DescribePrice today (FC, ACK follow with part 2).
const PRICED: [&str; 2] = ["ecs", "pai-dlc"];

fn dimensions(product: &str) -> Value {
    match product {
        "pai-dlc" => {
            json!({"start": "1-5 min (public-pool GPUs may queue)", "resources": 1, "cleanup": "none: a job stops billing when it ends"})
        }
        _ => {
            json!({"start": "1-3 min", "resources": 4, "cleanup": "instance, security group, VSwitch and VPC (cp_ecs_run_command_and_cleanup)"})
        }
    }
}

/// The `cp_compare_options` answer.
pub async fn compare_options(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let candidates = ctx
        .args
        .get("candidates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if candidates.len() < 2 {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "give two or more candidates; with one left, no comparison is needed",
        ));
    }
    let region = ctx.region();
    let runtime = ctx.args.get("runtime_s").cloned();
    let mut specs = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(object) = candidate.as_object() else {
            return Err(ToolFailure::new(
                FailureKind::ValidationError,
                format!(
                    "candidates[{index}] must be an object {{product, instance_type, count?, zone_id?}}"
                ),
            ));
        };
        let mut args = object.clone();
        args.entry("region_id").or_insert_with(|| json!(region));
        if let Some(runtime) = &runtime {
            args.entry("runtime_s").or_insert_with(|| runtime.clone());
        }
        let product = args
            .get("product")
            .and_then(Value::as_str)
            .unwrap_or("ecs")
            .to_string();
        if !PRICED.contains(&product.as_str()) {
            return Err(ToolFailure::new(
                FailureKind::InvalidEnum,
                format!(
                    "candidates[{index}]: `{product}` cannot be priced by this toolset yet; allowed: ecs, pai-dlc"
                ),
            ));
        }
        specs.push(Spec::from_args(&args, "count")?);
    }
    let calls = ctx.calls;
    let quotes = join_all(specs.iter().map(|spec| price(calls, spec))).await;
    let mut rows = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    for (index, (spec, quote)) in specs.iter().zip(quotes).enumerate() {
        let row = match quote {
            Ok(quote) => {
                if best.is_none_or(|(_, total)| quote.total < total) {
                    best = Some((index, quote.total));
                }
                json!({
                    "candidate": index,
                    "product": spec.product,
                    "region_id": spec.region,
                    "instance_type": spec.instance_type,
                    "count": spec.count,
                    "quote_id": quote.id,
                    "unit_price_per_hour": quote.unit_price,
                    "estimated_total": quote.total,
                    "currency": quote.view["currency"],
                    "dimensions": dimensions(&spec.product),
                })
            }
            Err(failure) => json!({
                "candidate": index,
                "product": spec.product,
                "instance_type": spec.instance_type,
                "error": {"type": failure.kind.as_str(), "message": failure.message},
            }),
        };
        rows.push(row);
    }
    let recommendation = match best {
        Some((index, total)) => json!({
            "candidate": index,
            "why": format!("the lowest API-priced total ({total}) of the candidates that could be quoted; weigh start time and cleanup too"),
        }),
        None => {
            json!({"candidate": null, "why": "no candidate could be quoted; see each row's error"})
        }
    };
    let mut out = Map::new();
    out.insert("table".into(), json!(rows));
    out.insert("recommendation".into(), recommendation);
    out.insert(
        "next".into(),
        json!("show the table and the recommendation, then wait for the user's choice; lock it with cp_select_product {user_product}"),
    );
    Ok(out)
}
