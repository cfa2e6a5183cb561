//! The skills' rules as code, one module per toolset, each registering its own guards and
//! executors ([`ToolsetRegistry`]). A guard runs before a plan is made (and again before it is
//! executed) and either adds what it verified to the plan or stops it with a clear failure; it
//! declares the facts it needs and provides, so the catalog loader can refuse guards out of order.
//! An executor sends one step when a plain call is not enough (recovery after a lost answer).
//!
//! Toolsets sit below the engine: they see the catalog, the gate's plain types and the
//! provider-neutral [`Calls`], never the engine or a provider's client.

pub mod autodl;
pub mod common;
pub mod compute;
pub mod ecs_extension;
pub mod modelarts;
mod operation_kind;
pub mod pai_quota;
mod reader;

pub use operation_kind::{Begun, OperationKind, PollContext, PollFn, Polled};
pub use reader::{Reader, ReaderFn};

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::catalog::{Catalog, GuardInfo, Registry, ToolSpec, build_request, validate_arguments};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Check, Memory};
use crate::providers::{
    BoxFuture, ProviderError, ProviderRequest, ProviderResponse, Providers, RetryMode,
};

/// Every toolset's `register`, in catalog order. A new toolset adds its module above and its
/// `register` here; everything else about it lives in its own folders.
const TOOLSETS: &[fn(&mut ToolsetRegistry)] = &[
    common::register,
    pai_quota::register,
    ecs_extension::register,
    autodl::register,
    modelarts::register,
    compute::register,
];

/// Whether a guard runs for a new plan or to re-check a stored one before execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Making a plan.
    Plan,
    /// Re-checking a plan about to be executed.
    Recheck,
}

/// Sends calls the catalog declares, through the configured providers. Guards and executors use
/// it instead of building requests by hand, so each call has one source of truth: its tool's
/// wire mapping in the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Calls<'a> {
    catalog: &'a Catalog,
    providers: &'a Providers,
    /// The calling toolset's skill name, for the user agent.
    user_agent: &'a str,
    /// Defaults for scope parameters the arguments do not give.
    scope_defaults: &'a BTreeMap<String, String>,
}

impl<'a> Calls<'a> {
    /// Calls for one toolset.
    pub fn new(
        catalog: &'a Catalog,
        providers: &'a Providers,
        user_agent: &'a str,
        scope_defaults: &'a BTreeMap<String, String>,
    ) -> Self {
        Self {
            catalog,
            providers,
            user_agent,
            scope_defaults,
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// The calling toolset's skill name (user agent).
    pub fn user_agent(&self) -> &'a str {
        self.user_agent
    }

    /// The request tool `name` sends for `arguments` (validated as an agent's would be).
    pub fn request(
        &self,
        name: &str,
        arguments: &Map<String, Value>,
    ) -> Result<ProviderRequest, ToolFailure> {
        let (_, tool) = self.catalog.tool(name).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ConfigError,
                format!("the catalog has no tool `{name}`"),
            )
        })?;
        let args = validate_arguments(tool, arguments, self.scope_defaults)?;
        self.build(tool, &args)
    }

    /// Like [`Calls::request`], plus values for the tool's hidden parameters (a page token, a
    /// built parameter document): what guards and readers fill in, never what an agent passes.
    pub fn request_filled(
        &self,
        name: &str,
        arguments: &Map<String, Value>,
        filled: &Map<String, Value>,
    ) -> Result<ProviderRequest, ToolFailure> {
        let (_, tool) = self.catalog.tool(name).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ConfigError,
                format!("the catalog has no tool `{name}`"),
            )
        })?;
        let mut args = validate_arguments(tool, arguments, self.scope_defaults)?;
        for (key, value) in filled {
            if !tool.param(key).is_some_and(|p| p.hidden) {
                return Err(ToolFailure::new(
                    FailureKind::ConfigError,
                    format!("`{key}` is not a hidden parameter of `{name}`"),
                ));
            }
            args.insert(key.clone(), value.clone());
        }
        self.build(tool, &args)
    }

    /// Sends a read through tool `name`'s declared call with hidden parameters filled in.
    pub async fn read_filled(
        &self,
        name: &str,
        arguments: Value,
        filled: &Map<String, Value>,
    ) -> Result<ProviderResponse, ToolFailure> {
        let arguments = match arguments {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let request = self.request_filled(name, &arguments, filled)?;
        self.send(&request, RetryMode::Safe)
            .await
            .map_err(ToolFailure::from)
    }

    /// The request of `tool` for already validated arguments.
    pub fn build(
        &self,
        tool: &ToolSpec,
        args: &Map<String, Value>,
    ) -> Result<ProviderRequest, ToolFailure> {
        let call = tool.own_call()?;
        let service = self.catalog.service(&call.service).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ConfigError,
                format!("unknown service `{}`", call.service),
            )
        })?;
        build_request(service, tool, self.user_agent, args)
            .map_err(|error| ToolFailure::new(FailureKind::ConfigError, error.to_string()))
    }

    /// Sends a read through tool `name`'s declared call, retried on passing faults.
    pub async fn read(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<ProviderResponse, ToolFailure> {
        let arguments = match arguments {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let request = self.request(name, &arguments)?;
        self.send(&request, RetryMode::Safe)
            .await
            .map_err(ToolFailure::from)
    }

    /// Sends one request through its provider.
    pub async fn send(
        &self,
        request: &ProviderRequest,
        retry: RetryMode,
    ) -> Result<ProviderResponse, ProviderError> {
        let provider = self.providers.get(&request.provider).map_err(|why| {
            ProviderError::local(
                crate::providers::ErrorKind::NotConfigured,
                "skillgate",
                &request.action,
                why.to_string(),
            )
        })?;
        provider.send(request, retry).await
    }

    /// The dry-run preview of a request (credentials masked).
    pub fn preview(&self, request: &ProviderRequest) -> Result<Value, ToolFailure> {
        self.providers
            .get(&request.provider)
            .map(|provider| provider.preview(request))
            .map_err(|why| ToolFailure::new(FailureKind::ConfigError, why.to_string()))
    }
}

/// A read through a catalog tool's declared call: the tool's wire mapping is the one source of
/// truth for the request.
#[derive(Clone, Debug)]
pub struct DeclaredCall {
    /// The catalog tool.
    pub tool: &'static str,
    /// Its arguments (snake_case, as an agent would pass them); the scope is added.
    pub args: Value,
}

/// `scope` with `call`'s arguments on top.
pub(crate) fn scoped_arguments(scope: Map<String, Value>, call: &DeclaredCall) -> Value {
    let mut merged = scope;
    if let Value::Object(map) = &call.args {
        merged.extend(map.clone());
    }
    Value::Object(merged)
}

/// What guards read and write while a plan is being made.
#[derive(Debug)]
pub struct GuardContext<'a> {
    /// The declared calls.
    pub calls: Calls<'a>,
    /// The tool being planned.
    pub tool: &'a ToolSpec,
    /// Validated arguments; guards replace names with resolved IDs and fill hidden parameters.
    pub args: Map<String, Value>,
    /// The parameter names written after the guard's name in the catalog (`exactly_one_of(a, b)`).
    pub guard_args: Vec<String>,
    /// What was verified, shown in the plan.
    pub checks: Vec<Check>,
    /// Current vs target, shown in the plan.
    pub diff: Map<String, Value>,
    /// The state the plan depends on; its digest is compared at confirmation.
    pub state: Vec<Value>,
    /// Why this change needs the force phrase, when it does.
    pub force: Option<String>,
    /// Facts loaded by earlier guards (`quota`, `parent`), read with [`GuardContext::fact`].
    facts: HashMap<&'static str, Value>,
    /// Plan or re-check.
    pub phase: Phase,
    /// The caller's session notes (a product lock), when the engine hands them down.
    pub memory: Option<Memory>,
    /// The user's own words waiving the confirmation a guard would otherwise ask for (the compute
    /// skill's "no confirmation needed"), when a guard accepted the tool's explicit waiver
    /// argument: the plan records it and uses the tool's `waived_phrase`. The server never sets
    /// it by itself, and a human confirmation channel ignores it.
    pub waiver: Option<String>,
}

impl<'a> GuardContext<'a> {
    /// A fresh context.
    pub fn new(
        calls: Calls<'a>,
        tool: &'a ToolSpec,
        args: Map<String, Value>,
        phase: Phase,
    ) -> Self {
        Self {
            calls,
            tool,
            args,
            guard_args: Vec::new(),
            checks: Vec::new(),
            diff: Map::new(),
            state: Vec::new(),
            force: None,
            facts: HashMap::new(),
            phase,
            memory: None,
            waiver: None,
        }
    }

    /// The same context with the caller's session notes.
    pub fn with_memory(mut self, memory: Memory) -> Self {
        self.memory = Some(memory);
        self
    }

    /// The region of this call.
    pub fn region(&self) -> String {
        self.arg_str("region_id").unwrap_or_default()
    }

    /// The scope arguments (`region_id`), to pass on to the reads a guard sends.
    pub fn scope(&self) -> Map<String, Value> {
        self.tool
            .scope
            .iter()
            .filter_map(|key| Some((key.clone(), self.args.get(key)?.clone())))
            .collect()
    }

    /// A string argument.
    pub fn arg_str(&self, name: &str) -> Option<String> {
        self.args
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// A list-of-strings argument (empty when absent).
    pub fn arg_strings(&self, name: &str) -> Vec<String> {
        string_list(self.args.get(name))
    }

    /// Sends a read through a tool's declared call in this call's scope.
    pub async fn read(&self, call: &DeclaredCall) -> Result<ProviderResponse, ToolFailure> {
        self.calls
            .read(call.tool, scoped_arguments(self.scope(), call))
            .await
    }

    /// Sends a read through a tool's declared call in this call's scope, with hidden parameters
    /// (a page token) filled in.
    pub async fn read_filled(
        &self,
        call: &DeclaredCall,
        filled: &Map<String, Value>,
    ) -> Result<ProviderResponse, ToolFailure> {
        self.calls
            .read_filled(call.tool, scoped_arguments(self.scope(), call), filled)
            .await
    }

    /// Records a fact for later guards (declared in the guard's `provides`).
    pub fn provide(&mut self, name: &'static str, value: Value) {
        self.facts.insert(name, value);
    }

    /// A fact an earlier guard loaded. Missing means the catalog ordered guards wrongly, which
    /// the loader refuses; answering with an error (never an empty default) keeps a mistake
    /// from passing silently.
    pub fn fact(&self, name: &str) -> Result<&Value, ToolFailure> {
        self.facts.get(name).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::InternalError,
                format!("guard needs `{name}`, which no earlier guard loaded; nothing was planned"),
            )
        })
    }
}

/// The strings of a JSON array (empty for anything else).
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A guard's code.
pub type GuardFn =
    for<'r, 's> fn(&'r mut GuardContext<'s>) -> BoxFuture<'r, Result<(), ToolFailure>>;

/// One registered guard.
#[derive(Clone, Copy)]
pub struct Guard {
    /// The name catalogs use (`pai.load_quota`).
    pub name: &'static str,
    /// Facts it needs and provides, calls it sends.
    pub info: GuardInfo,
    /// The check.
    pub run: GuardFn,
}

/// What one executed step came to.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecOutcome {
    /// Sent and answered.
    Executed(ProviderResponse),
    /// The answer was lost, and reading back proved the change took effect.
    Recovered {
        /// What the read-back found, shaped like the call's own answer.
        response: ProviderResponse,
        /// How it was verified, for the audit log.
        how: String,
    },
    /// The target was already in the plan's end state (deleted, detached) when the step ran.
    AlreadyDone {
        /// An answer shaped like the call's own.
        response: ProviderResponse,
        /// What was found.
        how: String,
    },
}

impl ExecOutcome {
    /// The answer.
    pub fn response(&self) -> &ProviderResponse {
        match self {
            Self::Executed(response)
            | Self::Recovered { response, .. }
            | Self::AlreadyDone { response, .. } => response,
        }
    }

    /// How the outcome was established when it was not a plain answer.
    pub fn recovery(&self) -> Option<&str> {
        match self {
            Self::Executed(_) => None,
            Self::Recovered { how, .. } | Self::AlreadyDone { how, .. } => Some(how),
        }
    }
}

/// What an executor gets: the calls, the step's request and the plan it belongs to.
#[derive(Debug)]
pub struct ExecContext<'a> {
    /// The declared calls.
    pub calls: Calls<'a>,
    /// The step's request, exactly as previewed (earlier steps' results filled in).
    pub request: &'a ProviderRequest,
    /// The plan id (provenance tag value).
    pub plan_id: &'a str,
    /// The plan's resolved arguments.
    pub arguments: &'a Map<String, Value>,
}

impl ExecContext<'_> {
    /// Sends a read through a tool's declared call in the plan's scope (its `region_id`).
    pub async fn read(&self, call: &DeclaredCall) -> Result<ProviderResponse, ToolFailure> {
        let scope: Map<String, Value> = self
            .request
            .scope
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.calls
            .read(call.tool, scoped_arguments(scope, call))
            .await
    }

    /// Sends the step's request once more, or for the first time, with `retry`.
    pub async fn send(&self, retry: RetryMode) -> Result<ProviderResponse, ProviderError> {
        self.calls.send(self.request, retry).await
    }
}

/// An executor's code.
pub type ExecutorFn =
    for<'r, 's> fn(&'r ExecContext<'s>) -> BoxFuture<'r, Result<ExecOutcome, ToolFailure>>;

/// Reads back whether a step already took effect (after an attempt whose outcome is unknown):
/// `Some` with how it was established, `None` when it did not happen.
pub type ReadBackFn =
    for<'r, 's> fn(&'r ExecContext<'s>) -> BoxFuture<'r, Result<Option<ExecOutcome>, ToolFailure>>;

/// One registered executor.
#[derive(Clone, Copy)]
pub struct Executor {
    /// The name catalogs use (`pai.create_quota`).
    pub name: &'static str,
    /// The code.
    pub run: ExecutorFn,
    /// How to tell, without sending, that an earlier attempt took effect.
    pub read_back: Option<ReadBackFn>,
}

/// Every guard and executor of every toolset.
#[derive(Clone, Default)]
pub struct ToolsetRegistry {
    guards: BTreeMap<&'static str, Guard>,
    executors: BTreeMap<&'static str, Executor>,
    readers: BTreeMap<&'static str, Reader>,
    operations: BTreeMap<&'static str, OperationKind>,
}

impl std::fmt::Debug for ToolsetRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolsetRegistry")
            .field("guards", &self.guards.keys().collect::<Vec<_>>())
            .field("executors", &self.executors.keys().collect::<Vec<_>>())
            .field("readers", &self.readers.keys().collect::<Vec<_>>())
            .field("operations", &self.operations.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ToolsetRegistry {
    /// Every toolset's guards and executors.
    pub fn all() -> Self {
        let mut registry = Self::default();
        for register in TOOLSETS {
            register(&mut registry);
        }
        registry
    }

    /// Adds guards.
    pub fn guards(&mut self, guards: &[Guard]) {
        for guard in guards {
            self.guards.insert(guard.name, *guard);
        }
    }

    /// Adds executors.
    pub fn executors(&mut self, executors: &[Executor]) {
        for executor in executors {
            self.executors.insert(executor.name, *executor);
        }
    }

    /// Adds readers.
    pub fn readers(&mut self, readers: &[Reader]) {
        for reader in readers {
            self.readers.insert(reader.name, *reader);
        }
    }

    /// Adds long-operation kinds.
    pub fn operations(&mut self, kinds: &[OperationKind]) {
        for kind in kinds {
            self.operations.insert(kind.name, *kind);
        }
    }

    /// The reader with this name.
    pub fn reader(&self, name: &str) -> Option<&Reader> {
        self.readers.get(name)
    }

    /// The long-operation kind with this name.
    pub fn operation(&self, name: &str) -> Option<&OperationKind> {
        self.operations.get(name)
    }

    /// The guard with this name.
    pub fn guard(&self, name: &str) -> Option<&Guard> {
        self.guards.get(name)
    }

    /// The executor with this name.
    pub fn executor(&self, name: &str) -> Option<&Executor> {
        self.executors.get(name)
    }

    /// What the catalog loader checks catalogs against.
    pub fn catalog_registry(&self, providers: impl IntoIterator<Item = &'static str>) -> Registry {
        Registry {
            guards: self.guards.values().map(|g| (g.name, g.info)).collect(),
            executors: self.executors.keys().copied().collect(),
            readers: self.readers.values().map(|r| (r.name, r.calls)).collect(),
            operations: self
                .operations
                .values()
                .map(|k| (k.name, k.calls))
                .collect(),
            providers: providers.into_iter().collect(),
        }
    }
}

/// Declares a guard from an async function `fn(&mut GuardContext) -> Result<(), ToolFailure>`.
#[macro_export]
macro_rules! guard {
    ($name:literal, needs: [$($need:expr),*], provides: [$($provide:expr),*], calls: [$($call:expr),*], $run:path) => {{
        fn run<'r, 's>(
            ctx: &'r mut $crate::toolsets::GuardContext<'s>,
        ) -> $crate::providers::BoxFuture<'r, Result<(), $crate::failure::ToolFailure>> {
            Box::pin($run(ctx))
        }
        $crate::toolsets::Guard {
            name: $name,
            info: $crate::catalog::GuardInfo {
                needs: &[$($need),*],
                provides: &[$($provide),*],
                calls: &[$($call),*],
            },
            run,
        }
    }};
}

/// Declares an executor from an async function `fn(&ExecContext) -> Result<ExecOutcome,
/// ToolFailure>` and its read-back `fn(&ExecContext) -> Result<Option<ExecOutcome>, ToolFailure>`.
#[macro_export]
macro_rules! executor {
    ($name:literal, $run:path, read_back: $read_back:path) => {{
        fn run<'r, 's>(
            ctx: &'r $crate::toolsets::ExecContext<'s>,
        ) -> $crate::providers::BoxFuture<
            'r,
            Result<$crate::toolsets::ExecOutcome, $crate::failure::ToolFailure>,
        > {
            Box::pin($run(ctx))
        }
        fn read_back<'r, 's>(
            ctx: &'r $crate::toolsets::ExecContext<'s>,
        ) -> $crate::providers::BoxFuture<
            'r,
            Result<Option<$crate::toolsets::ExecOutcome>, $crate::failure::ToolFailure>,
        > {
            Box::pin($read_back(ctx))
        }
        $crate::toolsets::Executor {
            name: $name,
            run,
            read_back: Some(read_back),
        }
    }};
}
