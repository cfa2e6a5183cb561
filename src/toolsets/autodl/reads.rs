//! Readers: the GPU stock in one shape, and containers without their passwords.

use serde_json::{Map, Value, json};

use super::api::{GPU_STOCK, LIST_CONTAINERS, declared, redacted_container, stock, stock_json};
use crate::failure::ToolFailure;
use crate::toolsets::GuardContext;

/// `autodl_gpu_stock`: `[{gpu_name, idle, total}]` whichever shape the API answered.
pub(crate) async fn gpu_stock(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let answer = ctx.read(&declared(GPU_STOCK, json!({}))).await?;
    let mut out = Map::new();
    out.insert("gpus".into(), stock_json(&stock(&answer)));
    Ok(out)
}

/// `autodl_list_containers`: the tool's own call, every password replaced by a pointer to the
/// confirmed reveal.
pub(crate) async fn list_containers(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let args = Value::Object(ctx.args.clone());
    let answer = ctx.read(&declared(LIST_CONTAINERS, args)).await?;
    let containers: Vec<Value> = super::api::page_items(&answer)
        .iter()
        .map(|c| Value::Object(redacted_container(c)))
        .collect();
    let mut out = Map::new();
    out.insert("containers".into(), Value::Array(containers));
    out.insert(
        "max_page".into(),
        answer
            .body
            .pointer("/data/max_page")
            .cloned()
            .unwrap_or(Value::Null),
    );
    out.insert(
        "total".into(),
        answer
            .body
            .pointer("/data/result_total")
            .cloned()
            .unwrap_or(Value::Null),
    );
    Ok(out)
}
