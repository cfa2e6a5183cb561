//! Functions on the wire: CreateFunction, GetFunction, ListFunctions, UpdateFunction,
//! DeleteFunction, and DescribeRegions. Bodies are camelCase; the SDK always sends `"tags": []`.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::fc::models::Function;
use crate::emulator::alibaba::fc::{errors, rules};
use crate::emulator::alibaba::seed::ACCOUNT_ID;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_alnum};

/// The regions FC 3.0 is offered in (the demo subset).
pub const REGIONS: [(&str, &str); 5] = [
    ("cn-hangzhou", "华东1（杭州）"),
    ("cn-shanghai", "华东2（上海）"),
    ("cn-beijing", "华北2（北京）"),
    ("cn-shenzhen", "华南1（深圳）"),
    ("ap-southeast-1", "新加坡"),
];

/// The wire form of a function.
pub fn render(f: &Function, region: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("functionName".into(), json!(f.name));
    out.insert("functionId".into(), json!(f.id));
    out.insert(
        "functionArn".into(),
        json!(format!("acs:fc:{region}:{ACCOUNT_ID}:functions/{}", f.name)),
    );
    out.insert("runtime".into(), json!(f.runtime));
    out.insert("handler".into(), json!(f.handler));
    out.insert("memorySize".into(), json!(f.memory_size));
    out.insert("cpu".into(), json!(f.cpu));
    out.insert("timeout".into(), json!(f.timeout));
    out.insert("diskSize".into(), json!(f.disk_size));
    out.insert("description".into(), json!(f.description));
    out.insert(
        "environmentVariables".into(),
        Value::Object(f.environment.clone()),
    );
    out.insert("codeSize".into(), json!(f.code_size));
    out.insert("codeChecksum".into(), json!(f.code_checksum));
    if let Some(gpu) = &f.gpu_config {
        out.insert("gpuConfig".into(), gpu.clone());
    }
    out.insert("instanceConcurrency".into(), json!(1));
    out.insert("internetAccess".into(), json!(true));
    out.insert("state".into(), json!("Active"));
    out.insert("lastUpdateStatus".into(), json!("Successful"));
    out.insert("createdTime".into(), json!(format_time(f.created)));
    out.insert("lastModifiedTime".into(), json!(format_time(f.modified)));
    out.insert(
        "tags".into(),
        json!(
            f.tags
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect::<Vec<_>>()
        ),
    );
    out
}

fn int(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| errors::invalid(format!("{field} must be an integer."))),
    }
}

fn num(body: &Map<String, Value>, field: &str) -> Result<Option<f64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| errors::invalid(format!("{field} must be a number."))),
    }
}

fn text(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(errors::invalid(format!("{field} must be a string."))),
    }
}

fn tags(body: &Map<String, Value>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(items) = body.get("tags").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let items = items
        .as_array()
        .ok_or_else(|| errors::invalid("tags must be an array of {Key, Value}."))?;
    items
        .iter()
        .map(|t| {
            let key = t
                .get("Key")
                .or_else(|| t.get("key"))
                .and_then(Value::as_str);
            let value = t
                .get("Value")
                .or_else(|| t.get("value"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            key.map(|k| (k.to_owned(), value.to_owned()))
                .ok_or_else(|| errors::invalid("every tag needs a Key."))
        })
        .collect()
}

fn valid_name(name: &str) -> bool {
    let first = name.chars().next();
    (1..=128).contains(&name.len())
        && first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `POST /2023-03-30/functions`.
pub fn create_function(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = text(&body, "functionName")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| errors::invalid("functionName is required."))?;
    if !valid_name(&name) {
        return Err(errors::invalid(format!(
            "functionName '{name}' is invalid: 1-128 letters, digits, '_' or '-', starting with a letter or '_'."
        )));
    }
    let runtime = text(&body, "runtime")?
        .filter(|r| !r.is_empty())
        .ok_or_else(|| errors::invalid("runtime is required."))?;
    let handler = text(&body, "handler")?
        .filter(|h| !h.is_empty())
        .ok_or_else(|| errors::invalid("handler is required."))?;
    let code = match body.get("code") {
        Some(Value::Object(c)) => c.clone(),
        _ => return Err(errors::invalid("code is required.")),
    };
    let (code_size, code_checksum) = rules::code_package(&code)?;
    let memory_size = int(&body, "memorySize")?.unwrap_or(512);
    let cpu = num(&body, "cpu")?.unwrap_or(0.35);
    rules::check_resources(memory_size, cpu)?;
    let timeout = int(&body, "timeout")?.unwrap_or(3);
    let disk_size = int(&body, "diskSize")?.unwrap_or(512);
    rules::check_limits(timeout, disk_size)?;
    let environment = match body.get("environmentVariables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(errors::invalid("environmentVariables must be an object.")),
    };
    let tags = tags(&body)?;
    if ctx.state.function(&name).is_some() {
        return Err(errors::function_exists(&name));
    }
    let function = Function {
        id: format!(
            "{}-{}-{}",
            random_alnum(8).to_lowercase(),
            random_alnum(4).to_lowercase(),
            random_alnum(12).to_lowercase()
        ),
        name,
        runtime,
        handler,
        memory_size,
        cpu,
        timeout,
        disk_size,
        description: text(&body, "description")?.unwrap_or_default(),
        environment,
        code_size,
        code_checksum,
        gpu_config: body.get("gpuConfig").filter(|v| !v.is_null()).cloned(),
        tags,
        created: ctx.now,
        modified: ctx.now,
        seeded: false,
    };
    let out = render(&function, &req.region);
    ctx.state.functions.push(function);
    Ok(out)
}

/// `GET /2023-03-30/functions/{FunctionName}`.
pub fn get_function(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    ctx.state
        .function(name)
        .map(|f| render(f, &req.region))
        .ok_or_else(|| errors::function_not_found(name))
}

/// `GET /2023-03-30/functions`: `prefix`, `runtime`, `limit` (default 20, at most 100) and an
/// opaque `nextToken` (the name to start after).
pub fn list_functions(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    let limit = req.query_u64("limit")?.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(errors::invalid("limit must be between 1 and 100."));
    }
    let prefix = req.query_nonempty("prefix").unwrap_or_default();
    let runtime = req.query_nonempty("runtime");
    let after = req.query_nonempty("nextToken");
    let mut selected: Vec<&Function> = ctx
        .state
        .functions
        .iter()
        .filter(|f| f.name.starts_with(prefix))
        .filter(|f| runtime.is_none_or(|r| f.runtime == r))
        .filter(|f| after.is_none_or(|a| f.name.as_str() > a))
        .collect();
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    let limit = usize::try_from(limit).unwrap_or(20);
    let more = selected.len() > limit;
    selected.truncate(limit);
    let mut out = Map::new();
    out.insert(
        "functions".into(),
        Value::Array(
            selected
                .iter()
                .map(|f| Value::Object(render(f, &req.region)))
                .collect(),
        ),
    );
    if more && let Some(last) = selected.last() {
        out.insert("nextToken".into(), json!(last.name));
    }
    Ok(out)
}

/// `PUT /2023-03-30/functions/{FunctionName}`: memory, CPU, timeout, disk, handler, runtime,
/// description, environment and code; the limits are checked on the result.
pub fn update_function(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?.to_owned();
    let body = req.json_body()?;
    let now = ctx.now;
    let mut f = ctx
        .state
        .function(&name)
        .cloned()
        .ok_or_else(|| errors::function_not_found(&name))?;
    if let Some(m) = int(&body, "memorySize")? {
        f.memory_size = m;
    }
    if let Some(c) = num(&body, "cpu")? {
        f.cpu = c;
    }
    if let Some(t) = int(&body, "timeout")? {
        f.timeout = t;
    }
    if let Some(d) = int(&body, "diskSize")? {
        f.disk_size = d;
    }
    rules::check_resources(f.memory_size, f.cpu)?;
    rules::check_limits(f.timeout, f.disk_size)?;
    if let Some(h) = text(&body, "handler")? {
        f.handler = h;
    }
    if let Some(r) = text(&body, "runtime")? {
        f.runtime = r;
    }
    if let Some(d) = text(&body, "description")? {
        f.description = d;
    }
    if let Some(Value::Object(env)) = body.get("environmentVariables") {
        f.environment = env.clone();
    }
    if let Some(Value::Object(code)) = body.get("code") {
        let (size, sum) = rules::code_package(code)?;
        f.code_size = size;
        f.code_checksum = sum;
    }
    f.modified = now;
    let out = render(&f, &req.region);
    if let Some(slot) = ctx.state.functions.iter_mut().find(|x| x.name == name) {
        *slot = f;
    }
    Ok(out)
}

/// `DELETE /2023-03-30/functions/{FunctionName}`: the function, its async config and its
/// tasks. (The real answer is an empty 204; this emulator answers `{RequestId}`.)
pub fn delete_function(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?;
    if ctx.state.function(name).is_none() {
        return Err(errors::function_not_found(name));
    }
    ctx.state.functions.retain(|f| f.name != name);
    ctx.state.configs.retain(|c| c.function != name);
    ctx.state.tasks.retain(|t| t.function != name);
    Ok(Map::new())
}

/// `GET /2023-03-30/regions` → `{Regions: {Region: [{RegionId, LocalName}]}}`.
pub fn describe_regions(
    _ctx: &mut Ctx<'_>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let regions: Vec<Value> = REGIONS
        .iter()
        .map(|(id, name)| json!({"RegionId": id, "LocalName": name}))
        .collect();
    let mut out = Map::new();
    out.insert("Regions".into(), json!({"Region": regions}));
    Ok(out)
}
