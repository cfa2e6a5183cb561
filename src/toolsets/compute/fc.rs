//! FC 3.0's rules (seed-operations.md 3.5 and 3.8): the memory/vCPU ratio every create must
//! keep, and the quote in front of every billable create. FC has no price API, so the quote is
//! computed from the published pay-as-you-go unit prices and shows its formula; the script
//! inside a function gets the function's timeout minus 20 s (the wrapper's margin to report).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::quote::Quote;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// CNY per vCPU-second (published FC 3.0 pay-as-you-go price).
pub const CNY_PER_VCPU_S: f64 = 0.000_031_67;
/// CNY per GB-second of memory.
pub const CNY_PER_GB_S: f64 = 0.000_003_97;
/// CNY per 10 000 invocations (the first million per month are free, which is not deducted).
pub const CNY_PER_10K_CALLS: f64 = 0.0133;
/// The seconds the script-executor wrapper keeps for itself out of the function's timeout.
pub const WRAPPER_MARGIN_S: i64 = 20;

/// The script-executor package: base64 of a zip holding `index.py`, whose `handler` runs the
/// payload's `script` / `script_b64` (`type` shell or python) under `/bin/sh` or Python and
/// answers `{exit_code, stdout, stderr}` as JSON.
pub const EXECUTOR_ZIP_B64: &str = "UEsDBBQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAaW5kZXgucHldUNFqwzAMfM9XCD/FkLljlDI28hNjb2WUxFaXjMT2bHm0lP775DilUD/J0ulOd+PsXSDou4i7bQM/0dkGYup9cBpj5Pocq6oyeIShs2bCUOMfWmpAO0t4IvlWAT8hxEeyEWhAiDqMnpbSd+fJdQZ0F8KIEep15sKKOvS77TvQ2fPagNOUJ/5Mg7NSMefCHfAX2uU0lcliuSAje3G5CrmAVuI2o9U3Ui1KR8gFuPhTLGZQO4P1AyqfIRp2IaVaEYVWz4Y595yCwhPqRF0/IQOfNMPL7heMx7tqtsKabQui+BCAU0TYi00/2k0cxMP2IuNZ5J66CsnWrMwhd55SwINL5BO1nyGxeI79Vo4z8qwdLd0trU2WeHl9llKuITKRLSmaNPtYXwSeRjpks+INvCqI/OULI5lMkfulLD0M4dbj8iqrf1BLAQIUAxQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABpAQAAAAA=";

/// A number given as a JSON number or a decimal string (the catalog has no number type).
fn num(args: &Map<String, Value>, name: &str) -> Option<f64> {
    match args.get(name)? {
        Value::String(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
}

/// Memory (MB) and vCPU from the arguments, checked: memory in GB over vCPU within [1, 4].
fn resources(args: &Map<String, Value>) -> Result<(i64, f64), ToolFailure> {
    let memory = args.get("memory_mb").and_then(Value::as_i64).unwrap_or(512);
    let cpu = match args.get("cpu") {
        None | Some(Value::Null) => 0.35,
        Some(_) => num(args, "cpu").ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ValidationError,
                "`cpu` must be a decimal number of vCPU such as 0.35",
            )
        })?,
    };
    if !(0.05..=16.0).contains(&cpu) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("cpu {cpu} is outside FC's 0.05 to 16 vCPU: nothing was planned"),
        ));
    }
    let ratio = memory as f64 / 1024.0 / cpu;
    if !(1.0 - 1e-9..=4.0 + 1e-9).contains(&ratio) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "memory {memory} MB with {cpu} vCPU is a ratio of {ratio:.2} GB per vCPU; FC needs 1 to 4: nothing was planned"
            ),
        )
        .with_hint("use a safe pair: 128 MB / 0.05, 512 MB / 0.35, 1024 MB / 0.5, 2048 MB / 1 vCPU"));
    }
    Ok((memory, cpu))
}

/// Rounds a CNY amount to 6 decimals (FC's per-second prices are that small).
fn cny(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The quote of a function (from the published unit prices: FC has no price API), with its
/// formula. The same arguments give the same quote id here, in `cp_estimate_cost`, in
/// `cp_compare_options` and in the create's plan.
pub fn quote(args: &Map<String, Value>, region: &str) -> Result<Quote, ToolFailure> {
    let (memory, cpu) = resources(args)?;
    let timeout = args.get("timeout_s").and_then(Value::as_i64).unwrap_or(300);
    let asked = args.get("runtime_s").and_then(Value::as_i64);
    let runtime = asked.unwrap_or(timeout).clamp(1, timeout.max(1));
    // A function stops at its timeout: a longer expected runtime is quoted as the timeout, and
    // the quote says so.
    let note = asked.filter(|asked| *asked > timeout).map(|asked| {
        format!("runtime_s {asked} is longer than the function's timeout ({timeout} s): quoted for {timeout} s, and the script would be stopped there; give timeout_s to run longer")
    });
    let calls = args
        .get("invocations")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    let gb = memory as f64 / 1024.0;
    let secs = (runtime * calls) as f64;
    let cpu_cost = cpu * secs * CNY_PER_VCPU_S;
    let mem_cost = gb * secs * CNY_PER_GB_S;
    let call_cost = calls as f64 * CNY_PER_10K_CALLS / 10_000.0;
    let total = cny(cpu_cost + mem_cost + call_cost);
    let per_hour = cny((cpu * CNY_PER_VCPU_S + gb * CNY_PER_GB_S) * 3600.0);
    let identity = json!({"product": "fc", "region": region, "memory": memory, "cpu": cpu,
        "runtime_s": runtime, "calls": calls, "prices": [CNY_PER_VCPU_S, CNY_PER_GB_S, CNY_PER_10K_CALLS]});
    let id = format!(
        "q-{}",
        &hex::encode(Sha256::digest(identity.to_string().as_bytes()))[..12]
    );
    let formula = format!(
        "{cpu} vCPU x {secs} s x {CNY_PER_VCPU_S} + {gb} GB x {secs} s x {CNY_PER_GB_S} + {calls} call(s) x {CNY_PER_10K_CALLS}/10000"
    );
    let script_s = (timeout - WRAPPER_MARGIN_S).max(1);
    let template = format!(
        "Spec: FC function, {memory} MB, {cpu} vCPU, timeout {timeout} s (the script gets {script_s} s)\nUnit price: CNY {CNY_PER_VCPU_S}/vCPU-s + CNY {CNY_PER_GB_S}/GB-s + CNY {CNY_PER_10K_CALLS}/10000 calls (published prices; FC has no price API)\nEstimated runtime: {runtime} s x {calls} call(s)\nEstimated total: CNY {total} = {formula}\nBilling: pay-as-you-go per invocation (first 1M calls a month free, not deducted here); GPU billed separately\nProceed with creation?"
    );
    let mut view = json!({
        "quote_id": id,
        "product": "fc",
        "region_id": region,
        "spec": {"memory_mb": memory, "cpu": cpu, "timeout_s": timeout},
        "script_timeout_s": script_s,
        "runtime_s": runtime,
        "invocations": calls,
        "unit_prices": {"cny_per_vcpu_s": CNY_PER_VCPU_S, "cny_per_gb_s": CNY_PER_GB_S, "cny_per_10k_calls": CNY_PER_10K_CALLS},
        "unit_price_per_hour": per_hour,
        "formula": formula,
        "estimated_total": total,
        "currency": "CNY",
        "billing": "pay-as-you-go per invocation",
        "price_source": "FC published unit prices (no price API)",
        "template": template,
    });
    if let Some(note) = note {
        view["note"] = json!(note);
    }
    Ok(Quote {
        id,
        unit_price: per_hour,
        total,
        view,
    })
}

/// Guard: the memory/vCPU ratio, then the quote (from the published unit prices) in the plan;
/// a `quote_id` given must be this live one; a waiver needs the user's words.
pub async fn fc_cost_gate(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let Quote {
        id, total, view, ..
    } = quote(&ctx.args, &ctx.region())?;
    // FC's `cpu` is a JSON number on the wire: the one the quote checked.
    ctx.args
        .insert("cpu_vcpu".into(), view["spec"]["cpu"].clone());
    if let Some(given) = ctx.arg_str("quote_id")
        && given != id
    {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!("quote `{given}` is not the live quote of this function: the live quote is `{id}` (CNY {total})"),
        )
        .with_details(view)
        .with_hint("show the new quote to the user and ask again; nothing was planned"));
    }
    ctx.args.insert("quote_id".into(), json!(id));
    ctx.diff.insert("cost".into(), view.clone());
    ctx.checks.push(Check::ok("cost_quote", view));
    ctx.state.push(json!({"quote_id": id}));
    super::cost::accept_waiver(ctx)
}

/// Guard: the code package of a create, as FC's `code` object: `code_zip_b64` (a base64 zip the
/// caller made) or, with none, the script-executor package (its handler runs the payload's
/// script), so a function made here can always be driven by `cp_fc_invoke_function`.
pub async fn fc_code(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let zip = ctx
        .arg_str("code_zip_b64")
        .unwrap_or_else(|| EXECUTOR_ZIP_B64.to_owned());
    let executor = ctx.arg_str("code_zip_b64").is_none();
    ctx.args.insert("code".into(), json!({"zipFile": zip}));
    ctx.checks.push(Check::ok(
        "code_package",
        json!({"script_executor": executor, "base64_chars": zip.len()}),
    ));
    Ok(())
}

/// Guard of the one-shot run: the script travels base64 in the payload (`script_b64`, with its
/// `type`), and the function gets a name unique to this script and spec, `acf-task-<6hex>-<6hex>`
/// (FC has no ClientToken: the same plan confirmed twice meets its own function, never another's).
pub async fn fc_one_shot(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    use base64::Engine;
    let script = ctx
        .arg_str("script_content")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ValidationError,
                "`script_content` is empty: there is nothing to run",
            )
        })?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(script.as_bytes());
    let identity = json!([
        script,
        ctx.args.get("script_type"),
        ctx.args.get("memory_mb"),
        ctx.args.get("cpu"),
        ctx.args.get("timeout_s"),
        ctx.region()
    ]);
    let digest = hex::encode(Sha256::digest(identity.to_string().as_bytes()));
    let name = format!("acf-task-{}-{}", &digest[..6], &digest[6..12]);
    let timeout = ctx
        .args
        .get("timeout_s")
        .and_then(Value::as_i64)
        .unwrap_or(300);
    ctx.args.insert("script_b64".into(), json!(encoded));
    ctx.args.insert("function_name".into(), json!(name));
    ctx.args.insert(
        "script_timeout_s".into(),
        json!((timeout - WRAPPER_MARGIN_S).max(1)),
    );
    ctx.checks.push(Check::ok(
        "one_shot",
        json!({"function_name": name, "script_bytes": script.len(), "cleanup": "the function is deleted after the run"}),
    ));
    ctx.state.push(json!({"function_name": name}));
    Ok(())
}
