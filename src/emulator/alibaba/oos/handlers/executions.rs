//! `StartExecution`, `ListExecutions` and `CancelExecution` of the package installer.

use rand::Rng;
use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::models::EcsBackend;
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::oos::catalog::{BULKY_TEMPLATE, BULKY_VERSION, Template};
use crate::emulator::alibaba::oos::errors;
use crate::emulator::alibaba::oos::models::{EXECUTION_RUN, Execution, Status, TaskPlan};
use crate::emulator::alibaba::oos::render;
use crate::emulator::alibaba::oos::rules::{outcome, start_parameters};
use crate::emulator::alibaba::seed::ACCOUNT_ID;
use crate::emulator::core::paging::TokenPage;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `prefix` and 20 random lowercase hex digits (`exec-...`, `task-...`).
fn hex_id(prefix: &str) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..20)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect();
    format!("{prefix}{tail}")
}

/// The installer template a StartExecution names, or why it cannot run.
fn installer(req: &ApiRequest) -> Result<Template, ApiError> {
    if req.query_nonempty("TemplateContent").is_some()
        || req.query_nonempty("TemplateURL").is_some()
    {
        return Err(errors::invalid(format!(
            "The emulator runs public templates by TemplateName only; use TemplateName={BULKY_TEMPLATE}."
        )));
    }
    let name = req
        .query_nonempty("TemplateName")
        .ok_or_else(errors::missing_template_name)?;
    let template = Template::find(name).ok_or_else(|| errors::template_not_found(name))?;
    if let Template::Package(_) = template {
        return Err(errors::invalid(format!(
            "{name} is a Package template and is not executed directly: start {BULKY_TEMPLATE} with Parameters.packageName = \"{name}\"."
        )));
    }
    if let Some(v) = req.query_nonempty("TemplateVersion")
        && v != BULKY_VERSION
    {
        return Err(errors::template_version_not_found(
            name,
            v,
            &[BULKY_VERSION],
        ));
    }
    Ok(template)
}

fn mode(req: &ApiRequest) -> Result<String, ApiError> {
    match req.query_nonempty("Mode").unwrap_or("Automatic") {
        m @ ("Automatic" | "Debug") => Ok(m.to_owned()),
        other => Err(errors::invalid(format!(
            "Mode \"{other}\" is not valid; valid values: Automatic, Debug."
        ))),
    }
}

fn client_token(req: &ApiRequest) -> Result<Option<String>, ApiError> {
    match req.query_nonempty("ClientToken") {
        None => Ok(None),
        Some(t) if t.len() <= 64 && t.is_ascii() => Ok(Some(t.to_owned())),
        Some(_) => Err(errors::invalid(
            "ClientToken must be 1 to 64 ASCII characters.",
        )),
    }
}

fn started(
    execution: &Execution,
    template: &Template,
    now: time::OffsetDateTime,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "Execution".into(),
        render::execution(execution, now, true, template),
    );
    out
}

/// Starts the installer on the target instances. The same ClientToken with the same
/// template, mode and Parameters returns the execution it started, and creates nothing.
pub fn start_execution(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let region = region::of_call(req)?;
    let template = installer(req)?;
    let mode = mode(req)?;
    let params = req
        .json_object("Parameters")
        .map_err(|e| errors::invalid(e.to_string()))?
        .unwrap_or_default();
    let tags = req
        .json_object("Tags")
        .map_err(|e| errors::invalid(e.to_string()))?
        .unwrap_or_default();
    let token = client_token(req)?;
    if let Some(token) = &token
        && let Some(id) = ctx.state.client_tokens.get(token)
        && let Some(existing) = ctx.state.execution(id)
    {
        if existing.parameters != params || existing.mode != mode {
            return Err(errors::token_reused(token, id));
        }
        return Ok(started(existing, &template, ctx.now));
    }
    let request = start_parameters::parse(&params, region)?;
    if ctx.siblings.get::<EcsBackend>().is_some() {
        ctx.siblings.get_mut::<EcsBackend>().settle(ctx.now);
    }
    let ecs = ctx.siblings.get::<EcsBackend>();
    let missing: Vec<String> = request
        .instance_ids
        .iter()
        .filter(|id| ecs.and_then(|e| e.instance(id)).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(errors::instances_not_found(&missing, region));
    }
    let now = ctx.now;
    let tasks: Vec<TaskPlan> = request
        .instance_ids
        .iter()
        .filter_map(|id| ecs.and_then(|e| e.instance(id)))
        .map(|instance| TaskPlan {
            id: hex_id("task-"),
            instance_id: instance.id.clone(),
            outcome: outcome::decide(
                instance,
                &request,
                &ctx.state.package_states(&instance.id, now),
            ),
        })
        .collect();
    let execution = Execution {
        id: hex_id("exec-"),
        template_name: template.name(),
        template_version: BULKY_VERSION.to_owned(),
        mode,
        safety_check: req
            .query_nonempty("SafetyCheck")
            .unwrap_or("ConfirmEveryHighRiskAction")
            .to_owned(),
        description: req
            .query_nonempty("Description")
            .unwrap_or_default()
            .to_owned(),
        parameters: params,
        tags,
        package_name: request.package.template_name(),
        package_version: request.version.name.to_owned(),
        action: request.action,
        effective_parameters: request.effective,
        executed_by: ACCOUNT_ID.to_owned(),
        created: now,
        progress: ctx.progress(&EXECUTION_RUN),
        manual_done_at: None,
        cancelled_at: None,
        tasks,
    };
    let out = started(&execution, &template, now);
    if let Some(token) = token {
        ctx.state.client_tokens.insert(token, execution.id.clone());
    }
    ctx.state.executions.push(execution);
    Ok(out)
}

fn status_filter(req: &ApiRequest) -> Result<Option<&str>, ApiError> {
    const STATUSES: [&str; 8] = [
        "Running",
        "Started",
        "Success",
        "Failed",
        "Waiting",
        "Cancelled",
        "Pending",
        "Skipped",
    ];
    match req.query_nonempty("Status") {
        None => Ok(None),
        Some(s) if STATUSES.contains(&s) => Ok(Some(s)),
        Some(s) => Err(errors::invalid(format!(
            "Status \"{s}\" is not valid; valid values: {}.",
            STATUSES.join(", ")
        ))),
    }
}

/// Executions filtered by `ExecutionId`, `TemplateName` (substring), `Status`, `Mode` and
/// `ResourceId` (an instance among the targets); newest first unless
/// `SortOrder=Ascending`; paged by `MaxResults` (1-100, default 50) and `NextToken`.
pub fn list_executions(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let page = TokenPage::from_request(req, 1, 100, 50)?;
    let status = status_filter(req)?;
    let now = ctx.now;
    let id = req.query_nonempty("ExecutionId");
    let name = req.query_nonempty("TemplateName");
    let mode = req.query_nonempty("Mode");
    let resource = req.query_nonempty("ResourceId");
    let mut selected: Vec<&Execution> = ctx
        .state
        .executions
        .iter()
        .filter(|e| id.is_none_or(|id| e.id == id))
        .filter(|e| name.is_none_or(|n| e.template_name.contains(n)))
        .filter(|e| mode.is_none_or(|m| e.mode == m))
        .filter(|e| resource.is_none_or(|r| e.instance_ids().contains(&r)))
        .filter(|e| status.is_none_or(|s| e.state(now).status.as_str() == s))
        .collect();
    selected.sort_by_key(|e| e.created);
    if req.query_nonempty("SortOrder") != Some("Ascending") {
        selected.reverse();
    }
    let (items, next) = page.slice(&selected);
    let executions: Vec<Value> = items
        .iter()
        .map(|e| {
            let template = Template::find(&e.template_name).unwrap_or(Template::Bulky);
            render::execution(e, now, false, &template)
        })
        .collect();
    let mut out = Map::new();
    out.insert("Executions".into(), Value::Array(executions));
    out.insert("TotalCount".into(), json!(selected.len()));
    out.insert("MaxResults".into(), json!(page.size));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(out)
}

/// Cancels a Running execution; a finished one is `IncorrectExecutionStatus`.
pub fn cancel_execution(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::of_call(req)?;
    let id = req
        .query_nonempty("ExecutionId")
        .ok_or_else(|| ApiError::missing("ExecutionId"))?;
    let now = ctx.now;
    let execution = ctx
        .state
        .executions
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| errors::execution_not_found(id))?;
    let status = execution.state(now).status;
    if status != Status::Running {
        return Err(errors::not_cancellable(id, status.as_str()));
    }
    execution.cancelled_at = Some(now);
    Ok(Map::new())
}
