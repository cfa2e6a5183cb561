//! The create request's rules: the template is complete and consistent (either CUDA schema:
//! the private cloud's `cuda_v`, or the public `cuda_v_from`/`cuda_v_to` + `dc_list`), and
//! which host can take one container of a template now.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::models::{EsdBackend, Host, Template};
use crate::emulator::autodl::front::business;
use crate::emulator::core::wire::ApiError;

/// The CUDA codes the private cloud accepts.
pub const CUDA_CODES: [u32; 7] = [111, 113, 116, 117, 118, 120, 122];

fn wrong(message: impl Into<String>) -> ApiError {
    business("RequestParameterIsWrong", message)
}

fn uint(map: &Map<String, Value>, key: &str) -> Result<u64, ApiError> {
    map.get(key).and_then(Value::as_u64).ok_or_else(|| {
        wrong(format!(
            "container_template.{key} is required and must be a non-negative integer"
        ))
    })
}

fn range(map: &Map<String, Value>, from: &str, to: &str) -> Result<(u64, u64), ApiError> {
    let (a, b) = (uint(map, from)?, uint(map, to)?);
    if a > b {
        return Err(wrong(format!(
            "container_template.{from} ({a}) is above {to} ({b})"
        )));
    }
    Ok((a, b))
}

fn small(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The template of a create request, checked.
pub fn template(raw: &Value) -> Result<Template, ApiError> {
    let map = raw
        .as_object()
        .ok_or_else(|| wrong("container_template is required and must be an object"))?;
    let gpu_name_set: Vec<String> = map
        .get("gpu_name_set")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if gpu_name_set.is_empty() {
        return Err(wrong(
            "container_template.gpu_name_set must name at least one GPU model",
        ));
    }
    let gpu_num = small(uint(map, "gpu_num")?);
    if gpu_num == 0 {
        return Err(wrong("container_template.gpu_num must be at least 1"));
    }
    let cuda_min = match (map.get("cuda_v"), map.get("cuda_v_from")) {
        (Some(code), _) => {
            let code = code.as_u64().map(small).unwrap_or(0);
            if !CUDA_CODES.contains(&code) {
                return Err(wrong(format!(
                    "container_template.cuda_v must be one of {CUDA_CODES:?}"
                )));
            }
            code
        }
        (None, Some(_)) => small(range(map, "cuda_v_from", "cuda_v_to")?.0),
        (None, None) => {
            return Err(wrong(
                "container_template needs cuda_v (or cuda_v_from and cuda_v_to)",
            ));
        }
    };
    let dc_list: Vec<String> = map
        .get("dc_list")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let cpu = range(map, "cpu_num_from", "cpu_num_to")?;
    let memory = range(map, "memory_size_from", "memory_size_to")?;
    let price = range(map, "price_from", "price_to")?;
    let text = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| wrong(format!("container_template.{key} is required")))
    };
    Ok(Template {
        gpu_name_set,
        gpu_num,
        cuda_min,
        cpu: (small(cpu.0), small(cpu.1)),
        memory: (small(memory.0), small(memory.1)),
        price,
        image_uuid: text("image_uuid")?,
        cmd: text("cmd")?,
        dc_list,
        raw: raw.clone(),
    })
}

/// Whether a host could ever take a container of `template` (GPU model, data centre, CUDA,
/// scheduling units inside the cpu and memory ranges, price inside the price range).
pub fn fits(host: &Host, template: &Template) -> bool {
    let n = template.gpu_num;
    template.gpu_name_set.contains(&host.gpu_name)
        && (template.dc_list.is_empty() || template.dc_list.contains(&host.data_center))
        && host.max_cuda >= template.cuda_min
        && host.gpus >= n
        && (template.cpu.0..=template.cpu.1).contains(&(host.unit_cpu() * n))
        && (template.memory.0..=template.memory.1).contains(&(host.unit_memory() * n))
        && (template.price.0..=template.price.1).contains(&host.price)
}

/// The host that takes one container of `template` now: it fits, is not blacklisted and has
/// the GPUs free (the one with the most free GPUs).
pub fn place<'a>(
    backend: &'a EsdBackend,
    template: &Template,
    now: OffsetDateTime,
) -> Option<&'a Host> {
    backend
        .hosts
        .iter()
        .filter(|h| fits(h, template) && !backend.blacklisted(&h.id, now))
        .filter(|h| backend.idle(h, now) >= template.gpu_num)
        .max_by_key(|h| backend.idle(h, now))
}

/// Why nothing can ever take the template, in the words the skill's `submission_error` uses.
pub fn no_host_reason(backend: &EsdBackend, template: &Template) -> String {
    let typed: Vec<&Host> = backend
        .hosts
        .iter()
        .filter(|h| template.gpu_name_set.contains(&h.gpu_name))
        .collect();
    if typed.is_empty() {
        return format!(
            "no machine has any of the GPU models {:?}",
            template.gpu_name_set
        );
    }
    let n = template.gpu_num;
    let mut why = Vec::new();
    if !typed
        .iter()
        .any(|h| (template.price.0..=template.price.1).contains(&h.price))
    {
        why.push(format!(
            "the price range {}..{} (milli-CNY per GPU-hour) matches no machine",
            template.price.0, template.price.1
        ));
    }
    if !typed
        .iter()
        .any(|h| (template.cpu.0..=template.cpu.1).contains(&(h.unit_cpu() * n)))
    {
        why.push(format!(
            "the cpu range {}..{} admits no {n}-GPU container of these machines",
            template.cpu.0, template.cpu.1
        ));
    }
    if !typed
        .iter()
        .any(|h| (template.memory.0..=template.memory.1).contains(&(h.unit_memory() * n)))
    {
        why.push(format!(
            "the memory range {}..{} GB admits no {n}-GPU container of these machines",
            template.memory.0, template.memory.1
        ));
    }
    if !typed.iter().any(|h| h.max_cuda >= template.cuda_min) {
        why.push(format!(
            "no machine's driver runs CUDA code {}",
            template.cuda_min
        ));
    }
    if why.is_empty() {
        why.push("no single machine combines every requirement".into());
    }
    why.join("; ")
}
