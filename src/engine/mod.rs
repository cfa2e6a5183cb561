//! The engine: one entry point, [`Engine::call`], that every transport uses. Reads run at once;
//! mutations become plans; `confirm` executes a plan's stored requests after the gate and a
//! re-check of the state. Knows nothing about MCP.

mod digest;
mod failure;
mod progress;
mod request;

pub use digest::canonical_digest;
pub use failure::ToolFailure;
pub use progress::{Observer, observed};
pub use request::build_request;

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::audit::{AuditEvent, AuditLog};
use crate::catalog::{Catalog, GuardCall, Selection, ToolSpec, ToolsetSpec, validate_arguments};
use crate::gate::{Gate, Owner, Plan, Restored, new_plan_id};
use crate::providers::alibaba::AlibabaClient;
use crate::workflows::{self, GuardContext, Phase};

/// Who will confirm a plan: the model through the `confirm` tool (token flow), or the human through
/// the client's own form (elicitation, input-required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The two-call phrase flow.
    Token,
    /// Elicitation: the phrase comes from the human's answer, never from the model.
    Human,
}

/// What a tool call produced.
#[derive(Debug)]
pub enum Outcome {
    /// A structured success (read result, plan, or execution result).
    Success(Value),
    /// A refusal or failure the agent can act on.
    Failure(ToolFailure),
}

/// Settings the engine needs.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Region used when a call gives none.
    pub default_region: String,
    /// True when the providers point at the built-in emulator; every result says so.
    pub emulator: bool,
}

/// The engine.
#[derive(Debug)]
pub struct Engine {
    catalog: Catalog,
    selection: Selection,
    alibaba: Option<AlibabaClient>,
    gate: Gate,
    audit: AuditLog,
    settings: EngineSettings,
}

/// Why the provider is not configured.
const NO_CREDENTIALS: &str = "no Alibaba Cloud credentials are configured: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, use ~/.alibabacloud/credentials or ~/.aliyun/config.json, or run `skillgate serve --emulator`";

impl Engine {
    /// Assembles an engine.
    pub fn new(
        catalog: Catalog,
        selection: Selection,
        alibaba: Option<AlibabaClient>,
        gate: Gate,
        audit: AuditLog,
        settings: EngineSettings,
    ) -> Self {
        Self {
            catalog,
            selection,
            alibaba,
            gate,
            audit,
            settings,
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The tool selection.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// True for catalog tools (listed or hidden by the selection) and the gate's own tools.
    pub fn knows_tool(&self, name: &str) -> bool {
        crate::catalog::is_builtin(name) || self.find(name).is_some()
    }

    /// True when the named tool is an exposed write or destroy tool.
    pub fn is_mutation(&self, name: &str) -> bool {
        self.find(name)
            .is_some_and(|(_, tool)| tool.effect.is_mutation())
    }

    /// True when results come from the emulator.
    pub fn is_emulator(&self) -> bool {
        self.settings.emulator
    }

    /// The exposed catalog tools, in catalog order.
    pub fn exposed_tools(&self) -> impl Iterator<Item = (&ToolsetSpec, &ToolSpec)> {
        self.catalog
            .tools()
            .filter(|(set, tool)| self.selection.exposes(set, tool))
    }

    fn find(&self, name: &str) -> Option<(&ToolsetSpec, &ToolSpec)> {
        self.catalog.tools().find(|(_, tool)| tool.name == name)
    }

    /// Runs one tool call for a caller, on the token channel.
    pub async fn call(&self, caller: &Owner, name: &str, arguments: Map<String, Value>) -> Outcome {
        self.call_via(caller, name, arguments, Channel::Token).await
    }

    /// Runs one tool call for a caller on a confirmation channel.
    pub async fn call_via(
        &self,
        caller: &Owner,
        name: &str,
        arguments: Map<String, Value>,
        channel: Channel,
    ) -> Outcome {
        let result = match name {
            "confirm" | "cancel" | "list_plans" if !self.selection.exposes_builtin(name) => {
                Err(self.hidden_failure(name))
            }
            "confirm" => self.confirm(caller, &arguments, channel).await,
            "cancel" => self.cancel(caller, &arguments),
            "list_plans" => Ok(self.list_plans(caller)),
            _ => {
                self.call_catalog_tool(caller, name, &arguments, channel)
                    .await
            }
        };
        match result {
            Ok(mut value) => {
                if let Some(object) = value.as_object_mut() {
                    object.insert("emulator".into(), json!(self.settings.emulator));
                }
                Outcome::Success(value)
            }
            Err(mut failure) => {
                failure.emulator = self.settings.emulator;
                Outcome::Failure(failure)
            }
        }
    }

    fn hidden_failure(&self, name: &str) -> ToolFailure {
        if self.selection.read_only {
            ToolFailure::new(
                "read_only",
                format!("skillgate runs with --read-only; `{name}` changes things and is refused"),
            )
        } else {
            ToolFailure::new(
                "not_found",
                format!("no tool `{name}` in this server's tool list"),
            )
        }
    }

    fn client(&self) -> Result<&AlibabaClient, ToolFailure> {
        self.alibaba
            .as_ref()
            .ok_or_else(|| ToolFailure::new("config_error", NO_CREDENTIALS))
    }

    async fn call_catalog_tool(
        &self,
        caller: &Owner,
        name: &str,
        arguments: &Map<String, Value>,
        channel: Channel,
    ) -> Result<Value, ToolFailure> {
        let Some((toolset, tool)) = self
            .find(name)
            .filter(|(set, tool)| self.selection.exposes(set, tool))
        else {
            if let Some((_, tool)) = self
                .find(name)
                .filter(|(_, t)| self.selection.hidden_by_read_only(t))
            {
                let failure = self.hidden_failure(&tool.name);
                self.audit_refusal(caller, name, None, None, &failure);
                return Err(failure);
            }
            return Err(self.hidden_failure(name));
        };
        let args = match validate_arguments(tool, arguments, &self.settings.default_region) {
            Ok(args) => args,
            Err(error) => {
                let failure = ToolFailure::from(error);
                if tool.effect.is_mutation() {
                    self.audit_refusal(
                        caller,
                        name,
                        Some(canonical_digest(&Value::Object(arguments.clone()))),
                        None,
                        &failure,
                    );
                }
                return Err(failure);
            }
        };
        let client = self.client()?;
        if !tool.effect.is_mutation() {
            return self.read(client, tool, args).await;
        }
        let digest = canonical_digest(&Value::Object(args.clone()));
        match self
            .plan(client, caller, toolset, tool, args, &digest)
            .await
        {
            Ok(mut plan) => {
                plan.human_only = channel == Channel::Human;
                let view = serde_json::to_value(plan.view()).unwrap_or_default();
                self.audit.record(AuditEvent {
                    principal: caller.principal.clone(),
                    session: caller.session.clone(),
                    tool: tool.name.clone(),
                    arguments_digest: Some(digest),
                    plan_id: Some(plan.id.clone()),
                    target: Some(plan.target.clone()),
                    decision: "planned".into(),
                    reason: plan.forced.then(|| "force phrase required".to_string()),
                    emulator: self.settings.emulator,
                    ..AuditEvent::default()
                });
                if let Some(replaced) = self.gate.store(plan) {
                    self.audit.record(AuditEvent {
                        principal: caller.principal.clone(),
                        session: caller.session.clone(),
                        tool: tool.name.clone(),
                        plan_id: Some(replaced),
                        decision: "replaced".into(),
                        reason: Some("a newer plan for the same resource".into()),
                        emulator: self.settings.emulator,
                        ..AuditEvent::default()
                    });
                }
                Ok(view)
            }
            Err(failure) => {
                self.audit_refusal(caller, name, Some(digest), None, &failure);
                Err(failure)
            }
        }
    }

    async fn read(
        &self,
        client: &AlibabaClient,
        tool: &ToolSpec,
        args: Map<String, Value>,
    ) -> Result<Value, ToolFailure> {
        let mut ctx = GuardContext::new(client, tool, args, Phase::Plan);
        run_guards(&mut ctx, tool).await?;
        let request = build_request(tool, &ctx.args)?;
        progress::step(&format!("sending {}", tool.call.action));
        let response = ctx.read(&request).await?;
        let mut out = crate::catalog::project(&tool.output, &response.body);
        if let Some(id) = response.request_id {
            out.insert("request_id".into(), json!(id));
        }
        Ok(Value::Object(out))
    }

    /// Validates, checks against the live API, and builds a plan. Sends nothing that changes state.
    async fn plan(
        &self,
        client: &AlibabaClient,
        caller: &Owner,
        toolset: &ToolsetSpec,
        tool: &ToolSpec,
        args: Map<String, Value>,
        digest: &str,
    ) -> Result<Plan, ToolFailure> {
        let confirm = tool
            .confirm
            .as_ref()
            .ok_or_else(|| ToolFailure::new("config_error", "mutation without a confirm rule"))?;
        let mut ctx = GuardContext::new(client, tool, args, Phase::Plan);
        run_guards(&mut ctx, tool).await?;
        let id = new_plan_id();
        let mut request = build_request(tool, &ctx.args)?;
        workflows::prepare_request(tool.execute.as_deref(), &mut request, &id);
        let forced = ctx.force.is_some();
        let plain_phrase = render(&confirm.phrase, &ctx.args);
        let confirm_phrase = match (&ctx.force, &confirm.force_phrase) {
            (Some(_), Some(force)) => render(force, &ctx.args),
            _ => plain_phrase.clone(),
        };
        let now = SystemTime::now();
        let mut summary = render(&confirm.summary, &ctx.args);
        if let Some(reason) = &ctx.force {
            summary.push_str(&format!(" (FORCE: {reason})"));
        }
        Ok(Plan {
            id,
            owner: caller.clone(),
            tool: tool.name.clone(),
            toolset: toolset.name.clone(),
            target: render(&confirm.target, &ctx.args),
            summary,
            confirm_phrase,
            plain_phrase,
            forced,
            human_only: false,
            arguments_digest: digest.to_string(),
            dry_run: vec![client.preview(&request)],
            requests: vec![request],
            checks: ctx.checks,
            diff: Value::Object(ctx.diff),
            state_digest: canonical_digest(&Value::Array(ctx.state)),
            arguments: ctx.args,
            created_at: now,
            expires_at: now + self.gate.ttl(),
        })
    }

    async fn confirm(
        &self,
        caller: &Owner,
        arguments: &Map<String, Value>,
        channel: Channel,
    ) -> Result<Value, ToolFailure> {
        let plan_id = string_arg(arguments, "plan_id")?;
        let phrase = string_arg(arguments, "phrase")?;
        let plan = match self.gate.claim(
            caller,
            &plan_id,
            &phrase,
            channel == Channel::Human,
            SystemTime::now(),
        ) {
            Ok(plan) => plan,
            Err(refusal) => {
                let failure = ToolFailure::from(refusal);
                self.audit_refusal(caller, "confirm", None, Some(plan_id), &failure);
                return Err(failure);
            }
        };
        let event = |decision: &str| AuditEvent {
            principal: caller.principal.clone(),
            session: caller.session.clone(),
            tool: "confirm".into(),
            plan_tool: Some(plan.tool.clone()),
            arguments_digest: Some(plan.arguments_digest.clone()),
            plan_id: Some(plan.id.clone()),
            target: Some(plan.target.clone()),
            decision: decision.into(),
            emulator: self.settings.emulator,
            ..AuditEvent::default()
        };
        self.audit.record(event("confirmed"));
        let client = self.client()?;
        let tool = self.find(&plan.tool).map(|(_, t)| t).ok_or_else(|| {
            ToolFailure::new(
                "config_error",
                "the plan's tool is no longer in the catalog",
            )
        })?;
        progress::step("re-checking the live state before executing");
        if let Err(failure) = self.recheck(client, tool, &plan).await {
            self.audit.record(AuditEvent {
                reason: Some(format!("{}: {}", failure.kind, failure.message)),
                ..event("refused")
            });
            return Err(self.keep_if_fault(plan, failure));
        }
        progress::step(&format!("sending {}", tool.call.action));
        match workflows::execute(client, tool, &plan.requests, &plan.id).await {
            Ok(responses) => {
                let request_ids: Vec<String> = responses
                    .iter()
                    .filter_map(|r| r.request_id.clone())
                    .collect();
                let result = responses
                    .last()
                    .map(|r| crate::catalog::project(&tool.output, &r.body))
                    .unwrap_or_default();
                let recovered = responses.iter().any(|r| {
                    ["Recovered", "AlreadyDeleted", "AlreadyDetached"]
                        .iter()
                        .any(|k| r.body.get(*k).is_some())
                });
                self.audit.record(AuditEvent {
                    request_ids: request_ids.clone(),
                    outcome: Value::Object(result.clone()),
                    reason: recovered
                        .then(|| "first answer lost; outcome verified by reading back".to_string()),
                    ..event("executed")
                });
                Ok(json!({
                    "status": "executed",
                    "plan_id": plan.id,
                    "tool": plan.tool,
                    "summary": plan.summary,
                    "target": plan.target,
                    "result": result,
                    "request_ids": request_ids,
                }))
            }
            Err(failure) => {
                self.audit.record(AuditEvent {
                    reason: Some(format!("{}: {}", failure.kind, failure.message)),
                    ..event("failed")
                });
                // Sending the plan again is safe when the operation is idempotent, when the
                // provider refused before doing anything, or when the executor verified that
                // the create did not happen (it checks again next time).
                let safe_again = tool.is_idempotent()
                    || tool.execute.is_some()
                    || matches!(
                        failure.kind,
                        "throttled" | "permission_denied" | "auth_error"
                    );
                if safe_again {
                    Err(self.keep_if_fault(plan.clone(), failure))
                } else {
                    Err(failure)
                }
            }
        }
    }

    /// After a provider fault the plan goes back to the store, so the human's confirmation is not
    /// lost: the same phrase works again until the plan expires.
    fn keep_if_fault(&self, plan: Plan, failure: ToolFailure) -> ToolFailure {
        if !is_provider_fault(&failure) {
            return failure;
        }
        let hint = format!(
            "nothing was lost: plan `{}` is still pending; once this is resolved, call `confirm` again with the same phrase (until {})",
            plan.id,
            crate::gate::rfc3339(plan.expires_at)
        );
        let (id, tool, target, owner) = (
            plan.id.clone(),
            plan.tool.clone(),
            plan.target.clone(),
            plan.owner.clone(),
        );
        if let Restored::Superseded { by } = self.gate.restore(plan) {
            self.audit.record(AuditEvent {
                principal: owner.principal,
                session: owner.session,
                tool: "confirm".into(),
                plan_tool: Some(tool),
                plan_id: Some(id.clone()),
                target: Some(target),
                decision: "replaced".into(),
                reason: Some(format!("a newer plan for the same resource, `{by}`, was made while this one was being confirmed")),
                emulator: self.settings.emulator,
                ..AuditEvent::default()
            });
            let mut failure = failure.with_hint(format!("plan `{id}` will not run: it was superseded by the newer plan `{by}` for the same resource, made while this one was being confirmed; confirm `{by}` if that is the change wanted"));
            failure.retryable = false;
            return failure;
        }
        match failure.hint.clone() {
            Some(first) => failure.with_hint(format!("{first}; {hint}")),
            None => failure.with_hint(hint),
        }
    }

    /// Re-runs the plan's guards against the live state: a plan made against a state that has
    /// since changed is refused, never executed on stale assumptions.
    async fn recheck(
        &self,
        client: &AlibabaClient,
        tool: &ToolSpec,
        plan: &Plan,
    ) -> Result<(), ToolFailure> {
        let stale = |why: String| {
            ToolFailure::new(
                "stale_plan",
                format!("the plan no longer matches the live state: {why}; nothing was done"),
            )
            .with_hint("plan again to see the current state")
        };
        let mut ctx = GuardContext::new(client, tool, plan.arguments.clone(), Phase::Recheck);
        if let Err(failure) = run_guards(&mut ctx, tool).await {
            // A fault of the provider (permission, throttling, outage) says nothing about the state:
            // report it as it is, so a RAM denial still names the action to grant.
            if is_provider_fault(&failure) {
                return Err(failure);
            }
            return Err(stale(failure.message));
        }
        if ctx.force.is_some() && !plan.forced {
            return Err(stale(format!(
                "{} since the plan, so it now needs the force phrase",
                ctx.force.unwrap_or_default()
            )));
        }
        if canonical_digest(&Value::Array(ctx.state)) != plan.state_digest {
            return Err(stale(
                "the resource was changed by someone else since the plan".into(),
            ));
        }
        let mut request = build_request(tool, &ctx.args)?;
        workflows::prepare_request(tool.execute.as_deref(), &mut request, &plan.id);
        if plan.requests.first() != Some(&request) {
            return Err(stale(
                "the request it would send today differs from the one shown".into(),
            ));
        }
        Ok(())
    }

    fn cancel(&self, caller: &Owner, arguments: &Map<String, Value>) -> Result<Value, ToolFailure> {
        let plan_id = string_arg(arguments, "plan_id")?;
        match self.gate.cancel(caller, &plan_id, SystemTime::now()) {
            Ok(plan) => {
                self.audit.record(AuditEvent {
                    principal: caller.principal.clone(),
                    session: caller.session.clone(),
                    tool: "cancel".into(),
                    plan_tool: Some(plan.tool.clone()),
                    plan_id: Some(plan.id.clone()),
                    target: Some(plan.target.clone()),
                    decision: "cancelled".into(),
                    emulator: self.settings.emulator,
                    ..AuditEvent::default()
                });
                Ok(json!({"status": "cancelled", "plan_id": plan.id, "summary": plan.summary}))
            }
            Err(refusal) => {
                let failure = ToolFailure::from(refusal);
                self.audit_refusal(caller, "cancel", None, Some(plan_id), &failure);
                Err(failure)
            }
        }
    }

    fn list_plans(&self, caller: &Owner) -> Value {
        let plans: Vec<Value> = self
            .gate
            .list(caller, SystemTime::now())
            .iter()
            .map(Plan::listing)
            .collect();
        json!({"plans": plans})
    }

    /// Records a refusal (decision `refused`, with the failure as the reason).
    pub(crate) fn audit_refusal(
        &self,
        caller: &Owner,
        tool: &str,
        digest: Option<String>,
        plan_id: Option<String>,
        failure: &ToolFailure,
    ) {
        self.audit.record(AuditEvent {
            principal: caller.principal.clone(),
            session: caller.session.clone(),
            tool: tool.into(),
            arguments_digest: digest,
            plan_id,
            decision: "refused".into(),
            reason: Some(format!("{}: {}", failure.kind, failure.message)),
            emulator: self.settings.emulator,
            ..AuditEvent::default()
        });
    }
}

/// Failures that come from the provider or its reachability rather than from the state.
fn is_provider_fault(failure: &ToolFailure) -> bool {
    matches!(
        failure.kind,
        "permission_denied" | "throttled" | "timeout" | "provider_unavailable" | "auth_error"
    )
}

async fn run_guards(ctx: &mut GuardContext<'_>, tool: &ToolSpec) -> Result<(), ToolFailure> {
    for guard in &tool.guards {
        let call = GuardCall::parse(guard)
            .ok_or_else(|| ToolFailure::new("config_error", format!("bad guard `{guard}`")))?;
        progress::step(&format!("checking {}", call.name));
        workflows::run_guard(ctx, &call).await?;
    }
    Ok(())
}

fn string_arg(arguments: &Map<String, Value>, name: &str) -> Result<String, ToolFailure> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ToolFailure::new(
                "validation_error",
                format!("`{name}` is required and must be a string"),
            )
        })
}

/// Fills `{name}` stand-ins from the arguments.
fn render(template: &str, args: &Map<String, Value>) -> String {
    let mut out = template.to_string();
    for name in crate::catalog::template_fields(template) {
        let value = match args.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}
