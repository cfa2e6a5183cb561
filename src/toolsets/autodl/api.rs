//! The reads the AutoDL rules send, each through a catalog tool's declared call, and the
//! shapes they share (GPU stock in either shape, deployments, containers).

use serde_json::{Map, Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::providers::ProviderResponse;
use crate::toolsets::{DeclaredCall, ExecContext, GuardContext, PollContext};

/// Whoever is reading: a guard or reader, an executor, a poll (each reads in its own scope).
pub(crate) enum Reads<'a, 'b> {
    /// A guard or a reader.
    Guard(&'a GuardContext<'b>),
    /// An executor.
    Exec(&'a ExecContext<'b>),
    /// A long operation's poll.
    Poll(&'a PollContext<'b>),
}

impl Reads<'_, '_> {
    /// Sends a read through a declared call.
    pub(crate) async fn read(&self, call: DeclaredCall) -> Result<ProviderResponse, ToolFailure> {
        match self {
            Self::Guard(ctx) => ctx.read(&call).await,
            Self::Exec(ctx) => ctx.read(&call).await,
            Self::Poll(ctx) => ctx.read(&call).await,
        }
    }
}

pub(crate) const LIST_IMAGES: &str = "autodl_list_images";
pub(crate) const GPU_STOCK: &str = "autodl_gpu_stock";
pub(crate) const LIST_DEPLOYMENTS: &str = "autodl_list_deployments";
pub(crate) const LIST_CONTAINERS: &str = "autodl_list_containers";

/// The most pages any listing follows.
pub(crate) const MAX_PAGES: u64 = 50;

pub(crate) fn declared(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `data.list` of a page.
pub(crate) fn page_items(response: &ProviderResponse) -> Vec<Value> {
    response
        .body
        .pointer("/data/list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Whether there is a page after `index`.
pub(crate) fn more_pages(response: &ProviderResponse, index: u64) -> bool {
    let max = response
        .body
        .pointer("/data/max_page")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    !page_items(response).is_empty() && index < max
}

/// `{name: {idle, total}}` from either stock shape: an object keyed by model, or a list of
/// one-key objects.
pub(crate) fn stock(response: &ProviderResponse) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let mut add = |name: &str, v: &Value| {
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        out.push((name.to_string(), n("idle_gpu_num"), n("total_gpu_num")));
    };
    match response.body.get("data") {
        Some(Value::Object(map)) => map.iter().for_each(|(k, v)| add(k, v)),
        Some(Value::Array(items)) => {
            for item in items.iter().filter_map(Value::as_object) {
                item.iter().for_each(|(k, v)| add(k, v));
            }
        }
        _ => {}
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The stock as the tools show it.
pub(crate) fn stock_json(stock: &[(String, u64, u64)]) -> Value {
    Value::Array(
        stock
            .iter()
            .map(|(name, idle, total)| json!({"gpu_name": name, "idle": idle, "total": total}))
            .collect(),
    )
}

/// A deployment by uuid, through a `read` closure (guards, executors and polls all read).
pub(crate) async fn find_deployment(
    read: &Reads<'_, '_>,
    filter: Value,
) -> Result<Option<Value>, ToolFailure> {
    let answer = read.read(declared(LIST_DEPLOYMENTS, filter)).await?;
    Ok(page_items(&answer).into_iter().next())
}

/// Every deployment (all pages).
pub(crate) async fn all_deployments(read: &Reads<'_, '_>) -> Result<Vec<Value>, ToolFailure> {
    let mut out = Vec::new();
    for index in 1..=MAX_PAGES {
        let answer = read
            .read(declared(
                LIST_DEPLOYMENTS,
                json!({"page_index": index, "page_size": 100}),
            ))
            .await?;
        out.extend(page_items(&answer));
        if !more_pages(&answer, index) {
            break;
        }
    }
    Ok(out)
}

/// A deployment that does not exist: every uuid is listed.
pub(crate) fn no_deployment(uuid: &str, all: &[Value]) -> ToolFailure {
    let known: Vec<Value> = all
        .iter()
        .map(|d| json!({"deployment_uuid": d["uuid"], "name": d["name"], "deployment_type": d["deployment_type"]}))
        .collect();
    ToolFailure::new(
        FailureKind::NotFound,
        format!("no AutoDL deployment `{uuid}`"),
    )
    .with_details(json!({"available_deployments": known}))
    .with_hint("autodl_list_deployments lists them; nothing was planned")
}

/// One container by uuid with its deployment (containers are listed per deployment).
pub(crate) async fn find_container(
    read: &Reads<'_, '_>,
    container: &str,
) -> Result<(Value, Value), ToolFailure> {
    let deployments = all_deployments(read).await?;
    for deployment in &deployments {
        let uuid = deployment["uuid"].as_str().unwrap_or_default();
        let answer = read
            .read(declared(
                LIST_CONTAINERS,
                json!({"deployment_uuid": uuid, "container_uuid": container, "released": true}),
            ))
            .await?;
        if let Some(found) = page_items(&answer)
            .into_iter()
            .find(|c| c["uuid"].as_str() == Some(container))
        {
            return Ok((deployment.clone(), found));
        }
    }
    Err(ToolFailure::new(FailureKind::NotFound, format!("no container `{container}` in any deployment of this account"))
        .with_hint("autodl_list_containers {deployment_uuid} lists a deployment's containers; nothing was planned"))
}

/// A container without its secret: the password is dropped (and scrubbed from every other
/// field, should a command embed it), memory in GB, price in CNY per hour.
pub(crate) fn redacted_container(container: &Value) -> Map<String, Value> {
    let password = container
        .pointer("/info/root_password")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scrub = |v: &Value| match v.as_str() {
        Some(text) if !password.is_empty() => json!(text.replace(password, "****")),
        _ => v.clone(),
    };
    let mut out = Map::new();
    out.insert("container_uuid".into(), container["uuid"].clone());
    for key in [
        "deployment_uuid",
        "status",
        "machine_id",
        "data_center",
        "gpu_name",
        "gpu_num",
        "cpu_num",
        "image_uuid",
        "created_at",
        "started_at",
        "stopped_at",
    ] {
        out.insert(
            key.into(),
            container.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    let bytes = container["memory_size"].as_f64().unwrap_or(0.0);
    out.insert(
        "memory_gb".into(),
        json!((bytes / 1024f64.powi(3) * 10.0).round() / 10.0),
    );
    let price = container["price"].as_f64().unwrap_or(0.0);
    out.insert("price_cny_per_hour".into(), json!(price / 1000.0));
    out.insert(
        "ssh_command".into(),
        scrub(
            &container
                .pointer("/info/ssh_command")
                .cloned()
                .unwrap_or(Value::Null),
        ),
    );
    out.insert(
        "service_url".into(),
        scrub(
            &container
                .pointer("/info/service_url")
                .cloned()
                .unwrap_or(Value::Null),
        ),
    );
    out.insert(
        "root_password".into(),
        json!("hidden: autodl_reveal_container_password shows it after a CONFIRM-REVEAL"),
    );
    out
}
