//! Inference part 3's rules (seed-operations.md 6.5, 6.6): the v1 full update built from an
//! explicit model and specification that exist (never a raw config), the v1 property update
//! from named choices, the v2 event analysis (every page of events read and summed up), and
//! the region check a create may ask for (`check_region`): the endpoint's detected region must
//! be the plan's, else the create is refused before anything is planned.

use serde_json::{Map, Value, json};

use super::pools::problems;
use super::services::{GET_SERVICE, GET_SERVICE_V1};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

const LIST_MODELS: &str = "ma_svc1_list_models";
const LIST_SPECS: &str = "ma_svc1_get_specifications";
const EVENTS: &str = "ma_svc_get_events";
const DETECT: &str = "ma_region_detect";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

fn texts(body: &Value, list: &str, key: &str) -> Vec<String> {
    body[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i[key].as_str().map(str::to_owned))
        .collect()
}

/// `ma.svc1_full_update`: the service exists, the model and the specification are offered;
/// fills `config` (one model at weight 100) and shows the change.
pub(crate) async fn svc1_full_update(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("service_id").unwrap_or_default();
    let svc = ctx
        .read(&call(GET_SERVICE_V1, json!({"service_id": id})))
        .await?
        .body;
    let model = ctx.arg_str("model_id").unwrap_or_default();
    let spec = ctx.arg_str("specification").unwrap_or_default();
    let count = ctx
        .args
        .get("instance_count")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let models = ctx
        .read(&call(LIST_MODELS, json!({"limit": 280})))
        .await?
        .body;
    let specs = ctx.read(&call(LIST_SPECS, json!({}))).await?.body;
    let mut errors = Vec::new();
    let known_models = texts(&models, "models", "model_id");
    if !known_models.contains(&model) {
        errors.push(format!(
            "model `{model}` does not exist; the models: {}",
            known_models.join(", ")
        ));
    }
    let known_specs = texts(&specs, "specifications", "specification");
    if !known_specs.contains(&spec) {
        errors.push(format!(
            "specification `{spec}` is not offered; the specifications: {}",
            known_specs.join(", ")
        ));
    }
    problems(errors)?;
    let target =
        json!([{"model_id": model, "specification": spec, "instance_count": count, "weight": 100}]);
    ctx.diff.insert(
        "config".into(),
        json!({"current": svc["config"], "target": target}),
    );
    ctx.checks.push(Check::ok(
        "cost",
        json!({"note": format!("{count} instance(s) of {spec}, billed while the service runs"), "status": svc["status"]}),
    ));
    ctx.args.insert("config".into(), target);
    Ok(())
}

/// `ma.svc1_property`: at least one property, the service exists; fills
/// `additional_properties`.
pub(crate) async fn svc1_property(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("service_id").unwrap_or_default();
    let topic = ctx.arg_str("smn_topic_urn");
    let lts = ctx.args.get("lts_logs").and_then(Value::as_bool);
    let mut errors = Vec::new();
    if topic.is_none() && lts.is_none() {
        errors.push("give smn_topic_urn, lts_logs or both".to_owned());
    }
    if let Some(t) = &topic
        && !t.starts_with("urn:smn:")
    {
        errors.push(format!(
            "smn_topic_urn `{t}` must be an SMN topic URN (urn:smn:<region>:<project>:<topic>)"
        ));
    }
    problems(errors)?;
    let svc = ctx
        .read(&call(GET_SERVICE_V1, json!({"service_id": id})))
        .await?
        .body;
    let mut props = Map::new();
    if let Some(t) = topic {
        props.insert(
            "smn_notification".into(),
            json!({"topic_urn": t, "events": [1, 2, 3, 4]}),
        );
    }
    if let Some(on) = lts {
        props.insert(
            "log_report_channels".into(),
            if on {
                json!([{"type": "LTS"}])
            } else {
                json!([])
            },
        );
    }
    ctx.diff.insert(
        "additional_properties".into(),
        json!({"current": svc.get("additional_properties"), "target": props}),
    );
    ctx.args
        .insert("additional_properties".into(), Value::Object(props));
    Ok(())
}

/// `ma.svc_region_check`: with `check_region`, the endpoint's detected region must be the
/// plan's region; a detection that fails or answers no region refuses the create.
pub(crate) async fn svc_region_check(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    if ctx.args.get("check_region").and_then(Value::as_bool) != Some(true) {
        return Ok(());
    }
    let region = ctx.region();
    let refused = |why: String| {
        ToolFailure::new(
            FailureKind::ValidationError,
            format!("the region check failed: {why}; the service was not planned"),
        )
        .with_hint("check the credentials' region and project (ma_region_detect), or create without check_region")
    };
    let detected = match ctx.read(&call(DETECT, json!({}))).await {
        Ok(answer) => answer.body,
        Err(failure) => {
            return Err(refused(format!(
                "the region cannot be detected ({})",
                failure.message
            )));
        }
    };
    let found = detected["region_id"].as_str().unwrap_or_default();
    if found.is_empty() {
        return Err(refused(
            "the region cannot be detected (no region_id)".into(),
        ));
    }
    if !region.is_empty() && found != region {
        return Err(refused(format!(
            "the endpoint answers for {found}, the plan is for {region}"
        )));
    }
    ctx.checks.push(Check::ok(
        "region",
        json!({"detected": found, "project_id": detected["project_id"], "endpoint": detected["endpoint"]}),
    ));
    Ok(())
}

/// `ma.svc_analyze_events`: every event of a v2 service (all pages), counted by type, the
/// latest abnormal one, and a verdict read with the service's status.
pub(crate) async fn analyze_events(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let id = ctx.arg_str("service_id").unwrap_or_default();
    let svc = ctx
        .read(&call(GET_SERVICE, json!({"service_id": id})))
        .await?
        .body;
    let mut events = Vec::new();
    let mut offset = 0;
    loop {
        let page = ctx
            .read(&call(
                EVENTS,
                json!({"service_id": id, "offset": offset, "limit": 500}),
            ))
            .await?
            .body;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        let total = page["total"].as_u64().unwrap_or(0);
        let got = data.len();
        events.extend(data);
        offset += got;
        if got == 0 || events.len() as u64 >= total || offset > 10_000 {
            break;
        }
    }
    let abnormal: Vec<&Value> = events
        .iter()
        .filter(|e| e["event_type"] == "abnormal")
        .collect();
    let latest = abnormal
        .iter()
        .max_by_key(|e| e["create_at"].as_i64().unwrap_or(0))
        .map(|e| json!({"time": e["create_at"], "info": e["event_info"]}));
    let status = svc["status"].as_str().unwrap_or_default().to_owned();
    let (verdict, advice) = match (status.as_str(), abnormal.is_empty()) {
        ("RUNNING", true) => ("healthy", "nothing to do"),
        ("FAILED" | "CONCERNING", _) | (_, false) => (
            "problems",
            "read the latest problem; ma_svc_get_events lists every event, ma_svc_update or a redeploy may fix it",
        ),
        ("STOPPED", true) => ("stopped", "ma_svc_start starts it again"),
        _ => ("in progress", "ma_svc_wait follows it until it is RUNNING"),
    };
    let result = json!({
        "service_id": id, "status": status, "verdict": verdict,
        "normal": events.len() - abnormal.len(), "abnormal": abnormal.len(),
        "latest_problem": latest, "advice": advice,
    });
    Ok(crate::catalog::project(&ctx.tool.output, &result))
}

/// Registers the inference part 3 guards and reader.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.svc1_full_update", needs: [], provides: [], calls: [GET_SERVICE_V1, LIST_MODELS, LIST_SPECS], svc1_full_update),
        crate::guard!("ma.svc1_property", needs: [], provides: [], calls: [GET_SERVICE_V1], svc1_property),
        crate::guard!("ma.svc_region_check", needs: [], provides: [], calls: [DETECT], svc_region_check),
    ]);
    registry.readers(&[crate::reader!(
        "ma.svc_analyze_events",
        calls: [GET_SERVICE, EVENTS],
        analyze_events
    )]);
}
