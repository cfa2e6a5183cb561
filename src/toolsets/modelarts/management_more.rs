//! Management part 2's rules (seed-operations.md 6.7): workspace quotas checked against their
//! bounds and use before a plan, the auth mode change shown as a security change, the agency
//! suffix's characters, and a scheduled event's `notBefore` checked against the server's
//! clock (the time the pool statistics answer with), not this machine's.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::pools::problems;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

const WS_QUOTAS: &str = "ma_ws_show_quotas";
const AUTH_MODE: &str = "ma_authmode_show";
const POOL_STATISTICS: &str = "ma_pool_statistics";
const SCHED_EVENTS: &str = "ma_sched_event_list";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `ma.ws_quotas`: every entry names a known resource and a quota within its bounds, not
/// below what is used (-1 = unlimited); the diff shows each change.
pub(crate) async fn ws_quotas(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("workspace_id").unwrap_or_default();
    let current = ctx
        .read(&call(WS_QUOTAS, json!({"workspace_id": id})))
        .await?
        .body;
    let known = current["quotas"].as_array().cloned().unwrap_or_default();
    let wanted = ctx
        .args
        .get("quotas")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for entry in &wanted {
        let resource = entry["resource"].as_str().unwrap_or_default();
        let Some(quota) = entry["quota"].as_i64() else {
            errors.push(format!("`{resource}`: quota must be an integer"));
            continue;
        };
        if seen.contains(&resource) {
            errors.push(format!("`{resource}` is listed twice"));
            continue;
        }
        seen.push(resource);
        let Some(now) = known.iter().find(|q| q["resource"] == resource) else {
            errors.push(format!(
                "unknown resource `{resource}`; the resources: {}",
                known
                    .iter()
                    .filter_map(|q| q["resource"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        let (min, max) = (
            now["min_quota"].as_i64().unwrap_or(-1),
            now["max_quota"].as_i64().unwrap_or(i64::MAX),
        );
        let used = now["used_quota"].as_i64().unwrap_or(0);
        if quota < min || quota > max {
            errors.push(format!("`{resource}`: {quota} is outside {min}..{max}"));
        } else if quota != -1 && quota < used {
            errors.push(format!(
                "`{resource}`: {quota} is below what is used ({used})"
            ));
        } else {
            ctx.diff.insert(
                resource.to_owned(),
                json!({"current": now["quota"], "target": quota}),
            );
        }
    }
    problems(errors)
}

/// `ma.authmode_update`: the mode changes; loose is flagged as a weaker posture.
pub(crate) async fn authmode_update(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let mode = ctx.arg_str("mode").unwrap_or_default();
    let current = ctx.read(&call(AUTH_MODE, json!({}))).await?.body;
    let now = current["mode"].as_str().unwrap_or_default();
    if now == mode {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("the auth mode is already {mode}"),
        ));
    }
    ctx.diff
        .insert("mode".into(), json!({"current": now, "target": mode}));
    let note = if mode == "loose" {
        "loose mode skips fine-grained checks: users may do what their IAM policies no longer strictly allow"
    } else {
        "strict mode checks every action: users without explicit grants lose access"
    };
    ctx.checks
        .push(Check::warning("security", json!({"note": note})));
    Ok(())
}

/// `ma.agency_create`: the suffix is 1-50 letters, digits, '_', '-' or '.'.
pub(crate) async fn agency_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let suffix = ctx.arg_str("suffix").unwrap_or_default();
    let mut errors = Vec::new();
    if !suffix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.push(format!(
            "suffix `{suffix}` may hold only letters, digits, '_', '-' and '.'"
        ));
    }
    problems(errors)?;
    ctx.checks.push(Check::ok(
        "agency",
        json!({"name": format!("ma_agency_{suffix}"), "note": "ModelArts may then use OBS, SWR and other services in the account's name"}),
    ));
    Ok(())
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ`.
fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    (text.len() == 20 && text.ends_with('Z'))
        .then(|| OffsetDateTime::parse(text, &Rfc3339).ok())
        .flatten()
}

/// `ma.sched_event_accept`: `not_before` is `yyyy-MM-ddTHH:mm:ssZ` and after the server's now;
/// the event exists and is still inquiring.
pub(crate) async fn sched_event_accept(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let text = ctx.arg_str("not_before").unwrap_or_default();
    let Some(at) = parse_utc(&text) else {
        return problems(vec![format!(
            "not_before `{text}` must be yyyy-MM-ddTHH:mm:ssZ (UTC), e.g. 2030-01-31T02:00:00Z"
        )]);
    };
    let stats = ctx.read(&call(POOL_STATISTICS, json!({}))).await?.body;
    let server = stats["operationTime"].as_str().unwrap_or_default();
    let Some(now) = parse_utc(server) else {
        return Err(ToolFailure::new(
            FailureKind::ProviderUnavailable,
            "the server's time cannot be read (ShowPoolStatistics answered no operationTime)",
        ));
    };
    if at <= now {
        return problems(vec![format!(
            "not_before {text} is not in the future: the server's time is {server}"
        )]);
    }
    let id = ctx.arg_str("event_id").unwrap_or_default();
    let events = ctx.read(&call(SCHED_EVENTS, json!({}))).await?.body;
    let event = events["events"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["id"] == id.as_str())
        .cloned();
    let Some(event) = event else {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("scheduled event `{id}` does not exist (ma_sched_event_list)"),
        ));
    };
    if event["state"] != "inquiring" {
        return problems(vec![format!(
            "event `{id}` is {}; only an inquiring event can be accepted",
            event["state"].as_str().unwrap_or_default()
        )]);
    }
    ctx.checks.push(Check::ok(
        "event",
        json!({"event_id": id, "type": event["type"], "pool": event["poolName"], "node": event["nodeName"], "server_time": server}),
    ));
    ctx.diff.insert(
        "state".into(),
        json!({"current": "inquiring", "target": format!("scheduled from {text}")}),
    );
    Ok(())
}

/// Registers the management part 2 guards.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.ws_quotas", needs: [], provides: [], calls: [WS_QUOTAS], ws_quotas),
        crate::guard!("ma.authmode_update", needs: [], provides: [], calls: [AUTH_MODE], authmode_update),
        crate::guard!("ma.agency_create", needs: [], provides: [], calls: [], agency_create),
        crate::guard!("ma.sched_event_accept", needs: [], provides: [], calls: [POOL_STATISTICS, SCHED_EVENTS], sched_event_accept),
    ]);
}

#[cfg(test)]
mod tests {
    use super::parse_utc;

    #[test]
    fn only_the_seed_format_parses() {
        assert!(parse_utc("2030-01-31T02:00:00Z").is_some());
        assert!(parse_utc("2030-01-31T02:00:00+08:00").is_none());
        assert!(parse_utc("2030-01-31 02:00:00").is_none());
    }
}
