//! The mandatory comparison (seed-operations.md 3.1 step 5): one quote per candidate, all
//! fetched at once, in a table with the skill's dimensions (time to start, cost, resources to
//! manage, cleanup burden) and a recommendation. The user still chooses. Each quote is the one
//! the product's create would show (same quote id): ECS, PAI-DLC and ACK's nodes through
//! DescribePrice, FC from its published unit prices (FC has no price API; the row says so).

use futures_util::future::join_all;
use serde_json::{Map, Value, json};

use super::quote::{QUOTED_PRODUCTS, quote_product};
use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::GuardContext;

fn dimensions(product: &str) -> Value {
    match product {
        "pai-dlc" => {
            json!({"start": "1-5 min (public-pool GPUs may queue)", "resources": 1, "cleanup": "none: a job stops billing when it ends"})
        }
        "fc" => {
            json!({"start": "seconds (a cold start on the first call)", "resources": 1, "cleanup": "the function (cp_fc_create_and_invoke deletes it after the run)"})
        }
        "ack" => {
            json!({"start": "seconds on a running acf-* cluster, 10-20 min for a new one", "resources": 2, "cleanup": "the Job, and the cluster when this server created it (cp_ack_cleanup_resources)"})
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
    let mut problems = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(object) = candidate.as_object() else {
            problems.push(format!(
                "candidates[{index}] must be an object {{product, instance_type?, count?, ...}}"
            ));
            continue;
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
        if !QUOTED_PRODUCTS.contains(&product.as_str()) {
            problems.push(format!(
                "candidates[{index}]: `{product}` cannot be quoted; allowed: {}",
                QUOTED_PRODUCTS.join(", ")
            ));
            continue;
        }
        if product != "fc" && !args.get("instance_type").is_some_and(Value::is_string) {
            problems.push(format!(
                "candidates[{index}]: `instance_type` is required for {product} (FC takes memory_mb and cpu instead)"
            ));
            continue;
        }
        args.insert("product".into(), json!(product));
        specs.push(args);
    }
    if !problems.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("{}; nothing was priced", problems.join("; ")),
        ));
    }
    let calls = ctx.calls;
    let quotes = join_all(specs.iter().map(|spec| quote_product(calls, spec))).await;
    let mut rows = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    for (index, (spec, quote)) in specs.iter().zip(quotes).enumerate() {
        let product = spec["product"].as_str().unwrap_or("ecs");
        let row = match quote {
            Ok(quote) => {
                if best.is_none_or(|(_, total)| quote.total < total) {
                    best = Some((index, quote.total));
                }
                json!({
                    "candidate": index,
                    "product": product,
                    "region_id": spec.get("region_id"),
                    "instance_type": spec.get("instance_type"),
                    "count": spec.get("count").cloned().unwrap_or(json!(1)),
                    "spec": quote.view.get("spec").or_else(|| quote.view.get("nodes")),
                    "quote_id": quote.id,
                    "unit_price_per_hour": quote.unit_price,
                    "estimated_total": quote.total,
                    "currency": quote.view["currency"],
                    "price_source": quote.view.get("price_source"),
                    "note": quote.view.get("note"),
                    "dimensions": dimensions(product),
                })
            }
            Err(failure) => json!({
                "candidate": index,
                "product": product,
                "instance_type": spec.get("instance_type"),
                "error": {"type": failure.kind.as_str(), "message": failure.message},
            }),
        };
        rows.push(row);
    }
    let recommendation = match best {
        Some((index, total)) => json!({
            "candidate": index,
            "why": format!("the lowest quoted total ({total}) of the candidates that could be quoted; weigh start time and cleanup too"),
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
