//! The engine: one entry point, [`Engine::call`], that every transport uses, plus typed
//! [`Engine::confirm`], [`Engine::cancel`] and [`Engine::list_plans`]. Reads run at once;
//! mutations become plans of steps; a confirmation executes a plan's stored steps after the gate
//! and a re-check of the state. Knows nothing about MCP, and names no provider: it holds them by
//! id and asks the toolsets' registry for guards and executors.
//!
//! - [`plan`](self): validation, guards, the steps and their previews.
//! - `execute`: confirm, re-check, the steps in order with rollback, the outcome.
//! - `audit_events`: every audit record, built in one place.
//! - `render`: one-pass templates.

mod audit_events;
mod digest;
mod execute;
mod journal;
mod operations;
mod plan;
mod progress;
mod render;

pub use audit_events::Decision;
pub use digest::canonical_digest;
pub use journal::PausePoint;
pub use operations::OperationSettings;
pub use progress::{Observer, observed};
pub use render::render;

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::audit::AuditLog;
use crate::catalog::{Catalog, GuardCall, Selection, ToolSpec, ToolsetSpec, validate_arguments};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Gate, Owner, Plan};
use crate::providers::Providers;
use crate::toolsets::{Calls, GuardContext, ToolsetRegistry};
use audit_events::Events;

/// Who will confirm a plan: the model through the `confirm` tool (token flow), or the human through
/// the client's own form (elicitation, input-required, the confirmation page).
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
#[derive(Clone, Debug, Default)]
pub struct EngineSettings {
    /// Values of scope parameters a call does not give (`region_id` from `--region`).
    pub scope_defaults: BTreeMap<String, String>,
    /// True when the providers point at the built-in emulator; every result says so.
    pub emulator: bool,
    /// The long-operation facility's cadence scale, wait budget and runner name.
    pub operations: OperationSettings,
    /// A test hook (`SKILLGATE_TEST_PAUSE_AT`): where a confirmation stops so a test can kill
    /// the process there. `None` in every real run.
    pub pause_at: Option<PausePoint>,
}

/// What an engine is assembled from.
#[derive(Debug)]
pub struct EngineParts {
    /// The loaded catalog.
    pub catalog: Catalog,
    /// Which tools are exposed.
    pub selection: Selection,
    /// The configured provider clients.
    pub providers: Providers,
    /// Every toolset's guards and executors.
    pub registry: ToolsetRegistry,
    /// Plans and their rules.
    pub gate: Gate,
    /// Where decisions are recorded.
    pub audit: AuditLog,
    /// Where long operations are kept.
    pub operations: std::sync::Arc<dyn crate::operations::OperationStore>,
    /// The rest.
    pub settings: EngineSettings,
}

/// The engine.
#[derive(Debug)]
pub struct Engine {
    catalog: Catalog,
    selection: Selection,
    providers: Providers,
    registry: ToolsetRegistry,
    gate: Gate,
    audit: AuditLog,
    operations: operations::Operations,
    settings: EngineSettings,
    /// Plans this process is executing now, so its own runner never resumes one of them when a
    /// slow step outlasts the journal lease.
    executing: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Confirmations executing now (a graceful shutdown waits for them).
    confirming: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Engine {
    /// Assembles an engine.
    pub fn new(parts: EngineParts) -> Self {
        let EngineParts {
            catalog,
            selection,
            providers,
            registry,
            gate,
            audit,
            operations,
            settings,
        } = parts;
        Self {
            catalog,
            selection,
            providers,
            registry,
            gate,
            audit,
            operations: operations::Operations::new(operations, settings.operations.clone()),
            settings,
            executing: Default::default(),
            confirming: Default::default(),
        }
    }

    /// Waits until no confirmation is executing, at most `patience` (graceful shutdown).
    pub async fn confirmations_done(&self, patience: std::time::Duration) {
        use std::sync::atomic::Ordering;
        let deadline = tokio::time::Instant::now() + patience;
        while self.confirming.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Where long operations are kept (`skillgate status`).
    pub fn operation_store(&self) -> &dyn crate::operations::OperationStore {
        self.operations.store.as_ref()
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
        crate::catalog::is_builtin(name) || self.catalog.tool(name).is_some()
    }

    /// True when the named tool is an exposed write or destroy tool.
    pub fn is_mutation(&self, name: &str) -> bool {
        self.catalog
            .tool(name)
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

    fn events<'a>(&self, caller: &'a Owner) -> Events<'a> {
        Events {
            caller,
            emulator: self.settings.emulator,
        }
    }

    fn calls<'a>(&'a self, toolset: &'a ToolsetSpec) -> Calls<'a> {
        Calls::new(
            &self.catalog,
            &self.providers,
            &toolset.user_agent,
            &self.settings.scope_defaults,
        )
    }

    /// Runs one tool call for a caller, on the token channel.
    pub async fn call(&self, caller: &Owner, name: &str, arguments: Map<String, Value>) -> Outcome {
        self.call_via(caller, name, arguments, Channel::Token).await
    }

    /// Runs one tool call for a caller on a confirmation channel. The gate's own tools take
    /// their arguments as JSON here (from the model); transports that already hold typed values
    /// call [`Engine::confirm`], [`Engine::cancel`] and [`Engine::list_plans`] directly.
    pub async fn call_via(
        &self,
        caller: &Owner,
        name: &str,
        arguments: Map<String, Value>,
        channel: Channel,
    ) -> Outcome {
        match name {
            "confirm" | "cancel" | "list_plans" if !self.selection.exposes_builtin(name) => {
                let failure = self.hidden_failure(name);
                self.audit
                    .record(self.events(caller).refused(name, None, None, &failure));
                self.finish(Err(failure))
            }
            "confirm" => match gate_args(&arguments, &["plan_id", "phrase"]) {
                Ok(values) => self.confirm(caller, &values[0], &values[1], channel).await,
                Err(failure) => self.refuse_gate_call(caller, name, &arguments, failure),
            },
            "cancel" => match gate_args(&arguments, &["plan_id"]) {
                Ok(values) => self.cancel(caller, &values[0]),
                Err(failure) => self.refuse_gate_call(caller, name, &arguments, failure),
            },
            "list_plans" => self.list_plans(caller),
            _ => {
                let result = self
                    .call_catalog_tool(caller, name, &arguments, channel)
                    .await;
                self.finish(result)
            }
        }
    }

    /// Marks a result with where it came from.
    fn finish(&self, result: Result<Value, ToolFailure>) -> Outcome {
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

    fn refuse_gate_call(
        &self,
        caller: &Owner,
        name: &str,
        arguments: &Map<String, Value>,
        failure: ToolFailure,
    ) -> Outcome {
        let plan_id = arguments
            .get("plan_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let digest = Some(canonical_digest(&Value::Object(arguments.clone())));
        self.audit
            .record(self.events(caller).refused(name, digest, plan_id, &failure));
        self.finish(Err(failure))
    }

    /// Records a refusal decided outside the engine (a transport that cannot confirm), so every
    /// refusal reaches the audit log.
    pub(crate) fn audit_refusal(
        &self,
        caller: &Owner,
        tool: &str,
        digest: Option<String>,
        plan_id: Option<String>,
        failure: &ToolFailure,
    ) {
        self.audit
            .record(self.events(caller).refused(tool, digest, plan_id, failure));
    }

    /// Refuses a tool the caller's connection does not reach (its URL selects fewer toolsets, or
    /// read-only, where the server would allow it), with the refusal a hidden tool gets, audited
    /// like one.
    pub fn refuse_unreachable(
        &self,
        caller: &Owner,
        name: &str,
        arguments: &Map<String, Value>,
        read_only: bool,
    ) -> Outcome {
        let mutates = crate::catalog::is_builtin(name) || self.is_mutation(name);
        let failure = if read_only && mutates {
            ToolFailure::new(
                FailureKind::ReadOnly,
                format!("this connection is read-only; `{name}` changes things and is refused"),
            )
        } else {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("no tool `{name}` in this connection's tool selection"),
            )
        };
        let digest = Some(canonical_digest(&Value::Object(arguments.clone())));
        self.audit
            .record(self.events(caller).refused(name, digest, None, &failure));
        self.finish(Err(failure))
    }

    fn hidden_failure(&self, name: &str) -> ToolFailure {
        if self.selection.read_only {
            ToolFailure::new(
                FailureKind::ReadOnly,
                format!("skillgate runs with --read-only; `{name}` changes things and is refused"),
            )
        } else {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("no tool `{name}` in this server's tool list"),
            )
        }
    }

    async fn call_catalog_tool(
        &self,
        caller: &Owner,
        name: &str,
        arguments: &Map<String, Value>,
        channel: Channel,
    ) -> Result<Value, ToolFailure> {
        let Some((toolset, tool)) = self.catalog.tool(name) else {
            return Err(self.hidden_failure(name));
        };
        if !self.selection.exposes(toolset, tool) {
            // Hidden by --read-only or --exclude-tools: refused, and the refusal is audited.
            let failure = self.hidden_failure(&tool.name);
            let digest = Some(canonical_digest(&Value::Object(arguments.clone())));
            self.audit
                .record(self.events(caller).refused(name, digest, None, &failure));
            return Err(failure);
        }
        let args = match validate_arguments(tool, arguments, &self.settings.scope_defaults) {
            Ok(args) => args,
            Err(error) => {
                let failure = ToolFailure::from(error);
                if tool.effect.is_mutation() {
                    let digest = Some(canonical_digest(&Value::Object(arguments.clone())));
                    self.audit
                        .record(self.events(caller).refused(name, digest, None, &failure));
                }
                return Err(failure);
            }
        };
        if tool.wait.is_some() {
            return self.wait_operation(caller, toolset, tool, &args).await;
        }
        if !tool.effect.is_mutation() {
            return self.read(caller, toolset, tool, args).await;
        }
        let digest = canonical_digest(&Value::Object(args.clone()));
        match self.plan(caller, toolset, tool, args, &digest).await {
            Ok(plan::Planned::Settled(answer)) => Ok(answer),
            Ok(plan::Planned::Plan(mut plan)) => {
                plan.human_only = channel == Channel::Human;
                if plan.human_only && plan.waiver.take().is_some() {
                    // The human confirms in their own form: a waiver the model relayed changes
                    // nothing there, so the plain phrase stands.
                    plan.confirm_phrase = plan.plain_phrase.clone();
                    plan.checks.push(crate::gate::Check::warning(
                        "waiver_ignored",
                        json!("the human confirms in the client's form, so the relayed waiver is not used"),
                    ));
                }
                let view = serde_json::to_value(plan.view()).map_err(|error| {
                    ToolFailure::new(
                        FailureKind::InternalError,
                        format!("the plan could not be shown: {error}"),
                    )
                })?;
                let events = self.events(caller);
                // A plan that is not on record is never stored, so it can never be confirmed.
                self.audit.record_required(events.planned(&plan))?;
                if let Some(replaced) = self.gate.store(*plan).map_err(ToolFailure::from)? {
                    self.audit.record(events.replaced(
                        &tool.name,
                        &replaced,
                        "a newer plan for the same resource",
                    ));
                }
                Ok(view)
            }
            Err(failure) => {
                self.audit.record(
                    self.events(caller)
                        .refused(name, Some(digest), None, &failure),
                );
                Err(failure)
            }
        }
    }

    async fn read(
        &self,
        caller: &Owner,
        toolset: &ToolsetSpec,
        tool: &ToolSpec,
        args: Map<String, Value>,
    ) -> Result<Value, ToolFailure> {
        let calls = self.calls(toolset);
        let mut ctx = GuardContext::new(calls, tool, args, crate::toolsets::Phase::Plan)
            .with_memory(self.gate.memory().for_owner(caller));
        self.run_guards(&mut ctx, tool).await?;
        if let Some(name) = &tool.read {
            let reader = self.registry.reader(name).ok_or_else(|| {
                ToolFailure::new(FailureKind::ConfigError, format!("unknown reader `{name}`"))
            })?;
            return (reader.run)(&mut ctx).await.map(Value::Object);
        }
        let request = calls.build(tool, &ctx.args)?;
        progress::step(&format!("sending {}", tool.own_call()?.action));
        let response = calls
            .send(&request, crate::providers::RetryMode::Safe)
            .await
            .map_err(ToolFailure::from)?;
        let mut out = crate::catalog::project(&tool.output, &response.body);
        if let Some(id) = response.request_id {
            out.insert("request_id".into(), json!(id));
        }
        Ok(Value::Object(out))
    }

    /// Runs a tool's guards in catalog order.
    async fn run_guards(
        &self,
        ctx: &mut GuardContext<'_>,
        tool: &ToolSpec,
    ) -> Result<(), ToolFailure> {
        for text in &tool.guards {
            let call = GuardCall::parse(text).ok_or_else(|| {
                ToolFailure::new(FailureKind::ConfigError, format!("bad guard `{text}`"))
            })?;
            let guard = self.registry.guard(&call.name).ok_or_else(|| {
                ToolFailure::new(
                    FailureKind::ConfigError,
                    format!("unknown guard `{}`", call.name),
                )
            })?;
            progress::step(&format!("checking {}", call.name));
            ctx.guard_args = call.args;
            (guard.run)(ctx).await?;
        }
        Ok(())
    }

    /// Drops a plan of the caller's, or stops following a running long operation of the
    /// caller's when given its `op-...` handle (a queued submit that has not submitted yet then
    /// never does).
    pub fn cancel(&self, caller: &Owner, plan_id: &str) -> Outcome {
        if plan_id.starts_with("op-") {
            let result = self.cancel_operation(caller, plan_id);
            return self.finish(result);
        }
        let result = match self.gate.cancel(caller, plan_id, SystemTime::now()) {
            Ok(plan) => {
                self.audit.record(
                    self.events(caller)
                        .about("cancel", &plan, Decision::Cancelled),
                );
                Ok(json!({"status": "cancelled", "plan_id": plan.id, "summary": plan.summary}))
            }
            Err(refusal) => {
                let failure = ToolFailure::from(refusal);
                self.audit.record(self.events(caller).refused(
                    "cancel",
                    None,
                    Some(plan_id.to_string()),
                    &failure,
                ));
                Err(failure)
            }
        };
        self.finish(result)
    }

    /// The caller's pending plans.
    pub fn list_plans(&self, caller: &Owner) -> Outcome {
        let result = self
            .gate
            .list(caller, SystemTime::now())
            .map(|plans| json!({"plans": plans.iter().map(Plan::listing).collect::<Vec<_>>()}))
            .map_err(ToolFailure::from);
        self.finish(result)
    }
}

/// The string arguments of a gate tool; every one that is missing or not a string is named.
fn gate_args(arguments: &Map<String, Value>, names: &[&str]) -> Result<Vec<String>, ToolFailure> {
    let mut values = Vec::new();
    let mut wrong = Vec::new();
    for name in names {
        match arguments.get(*name).and_then(Value::as_str) {
            Some(value) => values.push(value.to_string()),
            None => wrong.push(format!("`{name}`")),
        }
    }
    if wrong.is_empty() {
        return Ok(values);
    }
    Err(ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "{} {} required and must be {}",
            wrong.join(", "),
            if wrong.len() == 1 { "is" } else { "are" },
            if wrong.len() == 1 {
                "a string"
            } else {
                "strings"
            }
        ),
    )
    .with_hint("nothing was confirmed, cancelled or changed"))
}
