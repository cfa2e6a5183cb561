//! The last inference v1 extras (seed-operations.md 6.5), outside every SDK: a v1 service's
//! additional properties (kept by [`super::services_v1::update`] through
//! [`set_properties`]), its internal (VPC) channel, and the AI Gallery models the account
//! subscribed to, with their versions. The subscriptions are a constant catalog: the emulator
//! has no gallery to subscribe from.

use serde_json::{Map, Value, json};

use super::page;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::extras_state::ExtrasState;
use crate::emulator::huawei::modelarts::models::ModelArtsBackend;

/// The keys `additional_properties` may carry.
const PROPERTY_KEYS: &[&str] = &["smn_notification", "log_report_channels"];

/// The subscribed gallery models: `(subscription id, title, model type, versions)`.
const SUBSCRIPTIONS: &[(&str, &str, &str, &[&str])] = &[
    (
        "sub-7f3a1c2e-resnet50",
        "ResNet-50 image classification",
        "PyTorch",
        &["1.0.0", "1.1.0"],
    ),
    (
        "sub-2b9d4e6f-yolov5",
        "YOLOv5 object detection",
        "PyTorch",
        &["2.0.0"],
    ),
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("ModelArts.3501", message)
}

/// Stores a v1 service's `additional_properties` after checking its keys.
pub fn set_properties(extras: &mut ExtrasState, id: &str, props: &Value) -> Result<(), ApiError> {
    let map = props
        .as_object()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| invalid("additional_properties must be a non-empty object."))?;
    let unknown: Vec<&str> = map
        .keys()
        .filter(|k| !PROPERTY_KEYS.contains(&k.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(format!(
            "additional_properties takes {}; unknown: {}",
            PROPERTY_KEYS.join(", "),
            unknown.join(", ")
        )));
    }
    let entry = extras
        .svc1_properties
        .entry(id.to_owned())
        .or_insert_with(|| json!({}));
    for (k, v) in map {
        entry[k] = v.clone();
    }
    Ok(())
}

/// `GET /v1/{project_id}/services/{service_id}/internal-channel`: the in-VPC address of a
/// running v1 service (empty otherwise).
pub fn internal_channel(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("service_id")?;
    let svc = ctx
        .state
        .infra
        .services_v1
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.3502",
                format!("Service {id} does not exist."),
            )
        })?;
    let status = svc.phase.status(ctx.now);
    let running = status == "running";
    Ok(object(json!({
        "service_id": svc.id, "status": status, "enabled": running,
        "internal_address": if running { format!("http://{}.infer-v1.svc.cluster.local:8080", svc.id) } else { String::new() },
        "protocol": "HTTP",
    })))
}

/// `GET /v1/{project_id}/subscriptions`: the subscribed gallery models.
pub fn list_subscriptions(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 50, 280)?;
    let items: Vec<Value> = SUBSCRIPTIONS
        .iter()
        .map(|(id, title, kind, versions)| {
            json!({"subscription_id": id, "title": title, "model_type": kind, "status": "active", "version_count": versions.len()})
        })
        .collect();
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(object(
        json!({"total_count": total, "count": page.len(), "subscriptions": page}),
    ))
}

/// `GET /v1/{project_id}/subscriptions/{subscription_id}/versions`.
pub fn list_subscription_versions(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("subscription_id")?;
    let (_, _, _, versions) = SUBSCRIPTIONS.iter().find(|s| s.0 == id).ok_or_else(|| {
        ApiError::new(
            404,
            "ModelArts.3503",
            format!("Subscription {id} does not exist."),
        )
    })?;
    let items: Vec<Value> = versions
        .iter()
        .map(|v| json!({"version_id": format!("{id}-v{}", v.replace('.', "-")), "version": v, "status": "published"}))
        .collect();
    Ok(object(
        json!({"subscription_id": id, "total_count": items.len(), "versions": items}),
    ))
}
