//! GPU stock, in both shapes the sources show: an object keyed by GPU model (the private
//! cloud, `GET`) and a list of one-key objects (the public region call).

use serde_json::{Map, Value, json};

use super::{body, data, fresh};
use crate::emulator::autodl::esd::models::EsdBackend;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `GET /api/v1/dev/machine/gpu_stock`.
pub fn gpu_stock(
    ctx: &mut Ctx<'_, EsdBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let ctx = fresh(ctx);
    let stock: Map<String, Value> = ctx
        .state
        .stock(ctx.now)
        .into_iter()
        .map(|(name, (idle, total))| (name, json!({"idle_gpu_num": idle, "total_gpu_num": total})))
        .collect();
    data(Value::Object(stock))
}

/// `POST /api/v1/dev/machine/region/gpu_stock` (`gpu_name_set`, `dc_list` filters).
pub fn region_gpu_stock(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let ctx = fresh(ctx);
    let list = |key: &str| -> Vec<String> {
        b.get(key)
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (names, dcs) = (list("gpu_name_set"), list("dc_list"));
    let mut stock: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    for host in &ctx.state.hosts {
        if (!names.is_empty() && !names.contains(&host.gpu_name))
            || (!dcs.is_empty() && !dcs.contains(&host.data_center))
        {
            continue;
        }
        let entry = stock.entry(host.gpu_name.clone()).or_default();
        entry.0 += ctx.state.idle(host, ctx.now);
        entry.1 += host.gpus;
    }
    let items: Vec<Value> = stock
        .into_iter()
        .map(|(name, (idle, total))| json!({name: {"idle_gpu_num": idle, "total_gpu_num": total}}))
        .collect();
    data(Value::Array(items))
}
