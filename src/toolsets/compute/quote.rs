//! Quotes from the real pricing API (seed-operations.md 3.5): ECS `DescribePrice` (pay-as-you-go,
//! per hour, trade price) times the runtime and the instance count, in the skill's template, with
//! a `quote_id` that names exactly this spec at exactly this price. The same quote is what the
//! cost gate shows and re-checks: a changed price is a different quote, so a plan made on the old
//! one goes stale. Prices are never remembered or made up; every figure comes from an answer.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::api::{DESCRIBE_INSTANCE_TYPES, DESCRIBE_PRICE, declared};
use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::{Calls, DeclaredCall, scoped_arguments};

/// CNY per USD, the skill's conversion for a budget given in dollars.
pub const CNY_PER_USD: f64 = 7.2;

/// What is priced.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// `ecs` or `pai-dlc` (its public pool is priced as the ECS type per worker).
    pub product: String,
    /// The region.
    pub region: String,
    /// The zone, when one is chosen.
    pub zone: Option<String>,
    /// The instance type.
    pub instance_type: String,
    /// Instances (or DLC workers).
    pub count: i64,
    /// Expected runtime in seconds (an hour for a service, quoted per hour).
    pub runtime_s: i64,
    /// System disk category.
    pub disk_category: String,
    /// System disk size in GiB.
    pub disk_size: i64,
    /// Public bandwidth in Mbit/s (0 = no public IP).
    pub bandwidth_out: i64,
    /// A service that keeps running (not released after the run).
    pub long_running: bool,
}

fn text(args: &Map<String, Value>, name: &str) -> Option<String> {
    args.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn int(args: &Map<String, Value>, name: &str) -> Option<i64> {
    args.get(name).and_then(Value::as_i64)
}

impl Spec {
    /// The spec a tool's arguments describe; `count_param` is the tool's name for the count.
    pub fn from_args(args: &Map<String, Value>, count_param: &str) -> Result<Self, ToolFailure> {
        let product = text(args, "product").unwrap_or_else(|| "ecs".into());
        let instance_type = text(args, "instance_type").ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ValidationError,
                "`instance_type` is required to price ECS or PAI-DLC",
            )
        })?;
        let default_disk = if product == "pai-dlc" { 120 } else { 40 };
        let long_running = args
            .get("long_running")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Self {
            region: text(args, "region_id").unwrap_or_default(),
            zone: text(args, "zone_id"),
            instance_type,
            count: int(args, count_param).unwrap_or(1).max(1),
            runtime_s: int(args, "runtime_s").unwrap_or(3600).max(1),
            disk_category: text(args, "system_disk_category")
                .unwrap_or_else(|| "cloud_essd".into()),
            disk_size: int(args, "system_disk_size").unwrap_or(default_disk),
            bandwidth_out: int(args, "internet_max_bandwidth_out").unwrap_or(0),
            long_running,
            product,
        })
    }

    fn price_call(&self) -> DeclaredCall {
        let mut args = json!({
            "instance_type": self.instance_type,
            "system_disk_category": self.disk_category,
            "system_disk_size": self.disk_size,
            "internet_max_bandwidth_out": self.bandwidth_out,
        });
        if let (Some(zone), Some(map)) = (&self.zone, args.as_object_mut()) {
            map.insert("zone_id".into(), json!(zone));
        }
        declared(DESCRIBE_PRICE, args)
    }
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Sends a declared read in `region`.
async fn read_in(
    calls: Calls<'_>,
    region: &str,
    call: &DeclaredCall,
) -> Result<Value, ToolFailure> {
    let mut scope = Map::new();
    scope.insert("region_id".into(), json!(region));
    Ok(calls
        .read(call.tool, scoped_arguments(scope, call))
        .await?
        .body)
}

/// The type's vCPUs, memory and GPUs, as DescribeInstanceTypes gives them.
async fn type_facts(calls: Calls<'_>, spec: &Spec) -> Result<Value, ToolFailure> {
    let call = declared(
        DESCRIBE_INSTANCE_TYPES,
        json!({"instance_types": [spec.instance_type]}),
    );
    let body = read_in(calls, &spec.region, &call).await?;
    let item = body
        .pointer("/InstanceTypes/InstanceType/0")
        .cloned()
        .unwrap_or(Value::Null);
    Ok(json!({
        "instance_type": spec.instance_type,
        "family": item.get("InstanceTypeFamily"),
        "vcpu": item.get("CpuCoreCount"),
        "memory_gib": item.get("MemorySize"),
        "gpu": item.get("GPUAmount").filter(|g| g.as_i64().unwrap_or(0) > 0),
        "gpu_spec": item.get("GPUSpec").filter(|g| g.as_str().is_some_and(|s| !s.is_empty())),
    }))
}

/// A priced spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// Names exactly this spec at exactly this price.
    pub id: String,
    /// Trade price per instance-hour.
    pub unit_price: f64,
    /// The estimated total for the runtime and count.
    pub total: f64,
    /// The whole quote as shown.
    pub view: Value,
}

/// Prices a spec through DescribePrice (and reads the type's size), never from memory.
pub async fn price(calls: Calls<'_>, spec: &Spec) -> Result<Quote, ToolFailure> {
    let body = read_in(calls, &spec.region, &spec.price_call()).await?;
    let price = body
        .pointer("/PriceInfo/Price")
        .cloned()
        .unwrap_or(Value::Null);
    let unit_price = price
        .get("TradePrice")
        .and_then(Value::as_f64)
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "DescribePrice answered without PriceInfo.Price.TradePrice",
            )
        })?;
    let currency = price
        .get("Currency")
        .and_then(Value::as_str)
        .unwrap_or("CNY")
        .to_string();
    let facts = type_facts(calls, spec).await?;
    let hours = spec.runtime_s as f64 / 3600.0;
    let hourly_total = round4(unit_price * spec.count as f64);
    let total = round4(unit_price * spec.count as f64 * hours);
    let release_policy = if spec.long_running {
        "kept running: billed per hour until released"
    } else {
        "released after the run (one-shot)"
    };
    let identity = json!({
        "product": spec.product, "region": spec.region, "zone": spec.zone,
        "instance_type": spec.instance_type, "count": spec.count, "runtime_s": spec.runtime_s,
        "disk": [spec.disk_category, spec.disk_size], "bandwidth_out": spec.bandwidth_out,
        "unit_price": unit_price, "currency": currency, "long_running": spec.long_running,
    });
    let digest = Sha256::digest(identity.to_string().as_bytes());
    let id = format!("q-{}", &hex::encode(digest)[..12]);
    let unit_label = if spec.product == "pai-dlc" {
        "worker"
    } else {
        "instance"
    };
    let template = format!(
        "Spec: {} ({} vCPU, {} GiB){}\nSystem disk: {} {} GiB\nUnit price: {currency} {unit_price}/h per {unit_label} (trade price, DescribePrice)\nEstimated runtime: {}\nEstimated total: {currency} {total} for {} {unit_label}(s)\nBilling: PostPaid (pay-as-you-go); {release_policy}\nProceed with creation?",
        spec.instance_type,
        facts["vcpu"],
        facts["memory_gib"],
        facts
            .get("gpu")
            .filter(|g| !g.is_null())
            .map(|g| format!(", {g} GPU"))
            .unwrap_or_default(),
        spec.disk_category,
        spec.disk_size,
        runtime_text(spec.runtime_s, spec.long_running),
        spec.count,
    );
    let view = json!({
        "quote_id": id,
        "product": spec.product,
        "region_id": spec.region,
        "zone_id": spec.zone,
        "spec": facts,
        "system_disk": {"category": spec.disk_category, "size_gib": spec.disk_size},
        "internet_max_bandwidth_out": spec.bandwidth_out,
        "count": spec.count,
        "unit_price_per_hour": unit_price,
        "hourly_total": hourly_total,
        "currency": currency,
        "runtime_s": spec.runtime_s,
        "estimated_total": total,
        "billing": "PostPaid (pay-as-you-go, per hour)",
        "release_policy": release_policy,
        "price_source": "ECS DescribePrice, PriceUnit=Hour, TradePrice",
        "template": template,
    });
    Ok(Quote {
        id,
        unit_price,
        total,
        view,
    })
}

fn runtime_text(seconds: i64, long_running: bool) -> String {
    if long_running {
        return "a service: quoted per hour while it runs".into();
    }
    if seconds < 3600 {
        format!("{seconds} s ({:.2} h)", seconds as f64 / 3600.0)
    } else {
        format!("{:.2} h", seconds as f64 / 3600.0)
    }
}

/// A budget in CNY from `50`, `50 CNY`, `¥50`, `10 USD` or `$10`.
pub fn parse_budget(text: &str) -> Result<f64, ToolFailure> {
    let lower = text.trim().to_lowercase();
    let usd = lower.contains("usd") || lower.contains('$');
    let digits: String = lower
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let amount: f64 = digits.parse().map_err(|_| {
        ToolFailure::new(
            FailureKind::ValidationError,
            format!("budget `{text}` is not an amount; give e.g. `50`, `50 CNY` or `10 USD`"),
        )
    })?;
    Ok(if usd { amount * CNY_PER_USD } else { amount })
}

/// The smaller types of the same family, largest first (the first cheaper spec to propose).
pub async fn smaller_types(calls: Calls<'_>, spec: &Spec) -> Result<Vec<String>, ToolFailure> {
    let facts = type_facts(calls, spec).await?;
    let (Some(family), Some(vcpu)) = (
        facts.get("family").and_then(Value::as_str),
        facts.get("vcpu").and_then(Value::as_i64),
    ) else {
        return Ok(Vec::new());
    };
    let call = declared(
        DESCRIBE_INSTANCE_TYPES,
        json!({"instance_type_family": family}),
    );
    let body = read_in(calls, &spec.region, &call).await?;
    let mut smaller: Vec<(i64, String)> = body
        .pointer("/InstanceTypes/InstanceType")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|t| {
                    let cpu = t.get("CpuCoreCount")?.as_i64()?;
                    let id = t.get("InstanceTypeId")?.as_str()?;
                    (cpu < vcpu).then(|| (cpu, id.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    smaller.sort_by_key(|(cpu, _)| std::cmp::Reverse(*cpu));
    Ok(smaller.into_iter().map(|(_, id)| id).collect())
}

/// Advice when a quote is over budget: a cheaper spec of the same family that fits, priced for
/// real, and the runtime the budget covers.
pub async fn over_budget_advice(
    calls: Calls<'_>,
    spec: &Spec,
    quote: &Quote,
    budget: f64,
) -> Result<Value, ToolFailure> {
    let mut cheaper = Vec::new();
    for instance_type in smaller_types(calls, spec).await?.into_iter().take(3) {
        let candidate = Spec {
            instance_type,
            ..spec.clone()
        };
        let priced = price(calls, &candidate).await?;
        let fits = priced.total <= budget;
        cheaper.push(json!({
            "instance_type": candidate.instance_type,
            "quote_id": priced.id,
            "unit_price_per_hour": priced.unit_price,
            "estimated_total": priced.total,
            "within_budget": fits,
        }));
        if fits {
            break;
        }
    }
    let hourly = quote.unit_price * spec.count as f64;
    let covered_hours = if hourly > 0.0 { budget / hourly } else { 0.0 };
    Ok(json!({
        "over_budget_by": round4(quote.total - budget),
        "cheaper_specs": cheaper,
        "runtime_within_budget_h": round4(covered_hours),
        "advice": "propose a smaller spec or scale (the cheaper specs are real quotes), re-estimate, and ask the user again",
    }))
}

/// Products the planning tools can quote.
pub const QUOTED_PRODUCTS: [&str; 4] = ["ecs", "pai-dlc", "fc", "ack"];

/// The quote of one product's spec, as its create would show it (same quote id): ECS and
/// PAI-DLC through DescribePrice, FC from its published unit prices, ACK as its edition fee plus
/// its nodes through DescribePrice. `args` holds `product` (default `ecs`), `region_id` and that
/// product's fields; an ACK spec may use `instance_type`, `count` and `system_disk_size` for its
/// workers, as the other products do.
pub async fn quote_product(
    calls: Calls<'_>,
    args: &Map<String, Value>,
) -> Result<Quote, ToolFailure> {
    let product = text(args, "product").unwrap_or_else(|| "ecs".into());
    let region = text(args, "region_id").unwrap_or_default();
    match product.as_str() {
        "fc" => super::fc::quote(args, &region),
        "ack" => {
            let mut args = args.clone();
            for (alias, name) in [
                ("instance_type", "worker_instance_type"),
                ("count", "num_of_nodes"),
                ("system_disk_size", "disk_size"),
            ] {
                if let Some(value) = args.get(alias).cloned() {
                    args.entry(name).or_insert(value);
                }
            }
            super::ack::quote(calls, &args, &region).await
        }
        "ecs" | "pai-dlc" => price(calls, &Spec::from_args(args, "count")?).await,
        other => Err(ToolFailure::new(
            FailureKind::InvalidEnum,
            format!(
                "`{other}` cannot be quoted; allowed: {}",
                QUOTED_PRODUCTS.join(", ")
            ),
        )),
    }
}

/// The `cp_estimate_cost` answer.
pub async fn estimate_cost(
    ctx: &mut crate::toolsets::GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let product = ctx.arg_str("product").unwrap_or_else(|| "ecs".into());
    let quote = quote_product(ctx.calls, &ctx.args).await?;
    let mut out = match quote.view.clone() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(text) = ctx.arg_str("budget") {
        let budget = parse_budget(&text)?;
        out.insert("budget_cny".into(), json!(round4(budget)));
        let within = quote.total <= budget;
        out.insert("within_budget".into(), json!(within));
        if !within {
            let advice = match product.as_str() {
                "ecs" | "pai-dlc" => {
                    let spec = Spec::from_args(&ctx.args, "count")?;
                    over_budget_advice(ctx.calls, &spec, &quote, budget).await?
                }
                _ => {
                    let covered_hours = if quote.unit_price > 0.0 {
                        budget / quote.unit_price
                    } else {
                        0.0
                    };
                    json!({
                        "over_budget_by": round4(quote.total - budget),
                        "runtime_within_budget_h": round4(covered_hours),
                        "advice": "propose less memory or vCPU (FC), fewer or smaller nodes (ACK) or a shorter run, re-estimate, and ask the user again",
                    })
                }
            };
            out.insert("over_budget".into(), advice);
        }
    }
    out.insert(
        "next".into(),
        json!("show the template to the user and stop until they answer; a create shows this quote again and needs CONFIRM-COST <QUOTE_ID>"),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_in_cny() {
        assert_eq!(parse_budget("50").ok(), Some(50.0));
        assert_eq!(parse_budget("50 CNY").ok(), Some(50.0));
        assert_eq!(parse_budget("$10").ok(), Some(72.0));
        assert_eq!(parse_budget("10 usd").ok(), Some(72.0));
        assert!(parse_budget("cheap").is_err());
    }

    #[test]
    fn a_spec_takes_the_skills_defaults() {
        let args = json!({"region_id": "cn-hangzhou", "instance_type": "ecs.g7.large"});
        let spec = Spec::from_args(args.as_object().expect("object"), "count").expect("spec");
        assert_eq!((spec.count, spec.runtime_s, spec.disk_size), (1, 3600, 40));
        assert_eq!(spec.disk_category, "cloud_essd");
        let dlc =
            json!({"product": "pai-dlc", "instance_type": "ecs.gn7i-c8g1.2xlarge", "count": 2});
        let spec = Spec::from_args(dlc.as_object().expect("object"), "count").expect("spec");
        assert_eq!((spec.count, spec.disk_size), (2, 120));
    }
}
