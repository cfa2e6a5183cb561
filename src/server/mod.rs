//! The MCP face of the engine: the only module that speaks rmcp. It renders the catalog as tools,
//! works out who is calling (principal and session), and turns engine outcomes into results.

mod confirm;
mod confirm_page;
mod discovery;
pub mod economy;
pub mod framing;
mod http;
mod http_sessions;
mod limits;
mod notify;
mod skills;
mod sse;
mod stdio;
mod tools;

pub use http::{HttpLimits, HttpOptions, app as http_app, serve_http};
pub use limits::RateLimit;
pub use stdio::serve_stdio;
pub use tools::ToolDefinitions;

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, SubscriptionFilter,
    Tool,
};
use rmcp::service::{RequestContext, RoleServer};

use crate::catalog::Selection;
use crate::engine::{Engine, Outcome};
use crate::failure::FailureKind;
use crate::gate::Owner;

/// The identity an HTTP request was authenticated as; inserted by the auth middleware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal(pub String);

/// The server-issued session a message arrived on, put on the message by the transport once it
/// has checked the session is live (the `/mcp` session manager, the legacy SSE router). Plans are
/// bound to this, never to an `Mcp-Session-Id` header: on the stateless path that header is
/// whatever the client chose to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LiveSession(pub(crate) String);

/// The selection of the URL a request came through (`/mcp/x/<toolsets>`, `/mcp/readonly`),
/// already narrowed from the server's; put on the request by the HTTP router.
#[derive(Clone, Debug)]
pub(crate) struct UrlSelection(pub(crate) Arc<Selection>);

pub use crate::config::ServerSettings;

/// State shared by every handler instance (one per stdio process, per HTTP session, or per
/// stateless request): built once, cloned as an `Arc`.
#[derive(Debug)]
pub struct Shared {
    engine: Engine,
    /// Every tool definition, rendered once; each list picks from them.
    tools: ToolDefinitions,
    /// The server's selection, shared by every request that has no URL selection.
    selection: Arc<Selection>,
    /// Per-principal lists of sessionless callers, and change announcements.
    views: discovery::Views,
    /// The session id stdio uses: one process, one session.
    stdio_session: String,
    settings: ServerSettings,
    seal: confirm::StateSeal,
    skills: Vec<skills::ServedSkill>,
    pages: confirm_page::ConfirmPages,
    /// Tasks (SEP-2663) of clients that declare the extension; one manager for every handler
    /// instance, since 2026-07-28 requests each get their own.
    tasks: Tasks,
    /// Who created each task: a task is visible only to the session (or, for sessionless
    /// requests, the principal) that created it; to anyone else it does not exist.
    task_owners: std::sync::Mutex<HashMap<String, Owner>>,
}

/// The task manager, with a `Debug` that says how many tasks run.
struct Tasks(rmcp::task_manager::TaskManager);

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks")
            .field("running", &self.0.running_task_count())
            .finish()
    }
}

impl std::ops::Deref for Tasks {
    type Target = rmcp::task_manager::TaskManager;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Resolves on Ctrl-C or SIGTERM (what an orchestrator sends a replica before it kills it).
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
                return;
            }
            Err(error) => tracing::warn!(%error, "cannot listen for SIGTERM; Ctrl-C still stops"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// How long shutdown waits for the operation runner to record the poll it is in.
const HAND_OVER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

impl Shared {
    /// The end of a graceful shutdown, once no request is in flight: the operation runner
    /// records its poll and takes no other lease, so another replica follows what is left. The
    /// audit log has nothing to flush: every record is written and fsync'd before its answer.
    pub(crate) async fn wind_down(&self) {
        self.engine.hand_over_operations(HAND_OVER_PATIENCE).await;
        tracing::info!("stopped: requests finished, long operations handed over");
    }
}

/// How long a task and its result are kept: longer than the longest cloud job a toolset follows
/// (2-hour training jobs), so a task is never aborted by its own TTL.
const TASK_TTL_MS: u64 = 3 * 60 * 60 * 1000;

impl Shared {
    /// Renders every tool definition once.
    pub fn new(
        engine: Engine,
        settings: ServerSettings,
        stores: crate::state::SessionStores,
    ) -> anyhow::Result<Arc<Self>> {
        let tools = ToolDefinitions::new(engine.catalog());
        let selection = Arc::new(engine.selection().clone());
        let seal = confirm::StateSeal::new(
            &settings.state_key,
            settings.confirmation_timeout,
            stores.nonces,
        )?;
        let skills = skills::load(&engine.selection().toolset_names());
        let pages = confirm_page::ConfirmPages::new(settings.confirmation_timeout, stores.pages);
        let shared = Arc::new(Self {
            engine,
            tools,
            selection,
            views: discovery::Views::new(stores.toggles),
            stdio_session: uuid::Uuid::new_v4().to_string(),
            settings,
            seal,
            skills,
            pages,
            tasks: Tasks(rmcp::task_manager::TaskManager::new()),
            task_owners: std::sync::Mutex::new(HashMap::new()),
        });
        // One runner per process follows every long operation, whoever started it and whether
        // or not anyone waits (a restart picks up what the store holds).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let runner = Arc::clone(&shared);
            runtime.spawn(async move { runner.engine.run_operations().await });
        }
        Ok(shared)
    }

    /// Records who created a task, forgetting tasks the manager no longer keeps.
    fn own_task(&self, task_id: &str, owner: Owner) {
        let mut owners = self.task_owners.lock().unwrap_or_else(|e| e.into_inner());
        owners.retain(|id, _| self.tasks.get_task(id).is_ok());
        owners.insert(task_id.to_string(), owner);
    }

    /// The caller's own task, or the very error an unknown task id gets.
    fn caller_task(&self, caller: &Owner, task_id: &str) -> Result<(), ErrorData> {
        let owners = self.task_owners.lock().unwrap_or_else(|e| e.into_inner());
        match owners.get(task_id) {
            Some(owner) if owner.matches(caller) => Ok(()),
            _ => Err(ErrorData::invalid_params(
                format!("unknown task: {task_id}"),
                None,
            )),
        }
    }

    /// Sets where confirmation pages are reached; only an HTTP listener can serve them.
    pub(crate) fn pages_base_url(&self, base: String) {
        if self.settings.confirm_url {
            self.pages.set_base_url(base);
        }
    }

    /// The server's selection narrowed by a URL (`/mcp/x/<toolsets>`, `/mcp/readonly`).
    pub(crate) fn url_selection(
        &self,
        toolsets: Option<&[String]>,
        read_only: bool,
    ) -> Result<Selection, crate::catalog::SelectionError> {
        self.selection
            .narrowed(self.engine.catalog(), toolsets, read_only)
    }

    /// The default `tools/list` of this server: what a new session sees.
    pub fn default_tools(&self) -> Vec<Tool> {
        self.tools.list(
            self.engine.catalog(),
            &self.selection,
            &crate::catalog::Toggles::default(),
            self.settings.dynamic_toolsets,
        )
    }
}

/// The rmcp handler. One instance per stdio process, per legacy HTTP session, or per stateless
/// request; only the logging level lives here, everything else is shared.
#[derive(Clone, Debug)]
pub struct Skillgate {
    shared: Arc<Shared>,
    log_level: notify::SessionLogLevel,
    /// This session's list (stdio, an HTTP session, a legacy SSE session); sessionless requests
    /// use their principal's instead.
    view: Arc<discovery::SessionView>,
}

impl Skillgate {
    /// A handler over shared state.
    pub fn new(shared: Arc<Shared>) -> Self {
        let view = shared.views.of_session(&uuid::Uuid::new_v4().to_string());
        Self {
            shared,
            log_level: notify::SessionLogLevel::default(),
            view,
        }
    }

    /// What this request may reach: the URL's selection, else the server's.
    fn scope(&self, ctx: &RequestContext<RoleServer>) -> Arc<Selection> {
        ctx.extensions
            .get::<::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<UrlSelection>())
            .map_or_else(
                || Arc::clone(&self.shared.selection),
                |url| Arc::clone(&url.0),
            )
    }

    /// Whose list this request reads and changes: the session's, or for a sessionless HTTP
    /// request (2026-07-28, `--stateless`) its principal's. Never one list for everybody.
    fn view(&self, ctx: &RequestContext<RoleServer>) -> Arc<discovery::SessionView> {
        match ctx.extensions.get::<::http::request::Parts>() {
            Some(parts) if ctx.extensions.get::<LiveSession>().is_none() => {
                let principal = parts
                    .extensions
                    .get::<Principal>()
                    .map_or("local", |p| p.0.as_str());
                self.shared.views.of_principal(principal)
            }
            _ => Arc::clone(&self.view),
        }
    }

    /// True when a discovery tool is offered here: search always (unless excluded), the toolset
    /// tools with `--dynamic-toolsets`.
    fn offers_discovery(&self, scope: &Selection, name: &str) -> bool {
        crate::catalog::is_discovery(name)
            && scope.exposes_discovery(name)
            && (matches!(name, "search_tools" | "call_tool")
                || self.shared.settings.dynamic_toolsets)
    }

    /// True when the request's selection reaches the tool (catalog or gate).
    fn reaches(&self, scope: &Selection, name: &str) -> bool {
        if crate::catalog::is_builtin(name) {
            return scope.exposes_builtin(name);
        }
        self.shared
            .engine
            .catalog()
            .tool(name)
            .is_some_and(|(set, tool)| scope.exposes(set, tool))
    }

    /// Who is calling: the authenticated principal (or `local`), and the live server-issued
    /// session the request came through, if any. Plans are bound to this.
    fn caller(&self, ctx: &RequestContext<RoleServer>) -> Owner {
        match ctx.extensions.get::<::http::request::Parts>() {
            Some(parts) => {
                let principal = parts
                    .extensions
                    .get::<Principal>()
                    .map(|p| p.0.clone())
                    .unwrap_or_else(|| "local".to_string());
                let session = ctx.extensions.get::<LiveSession>().map(|s| s.0.clone());
                Owner { principal, session }
            }
            None => Owner {
                principal: "local".into(),
                session: Some(self.shared.stdio_session.clone()),
            },
        }
    }
}

const INSTRUCTIONS: &str = "skillgate runs cloud operations behind a confirmation gate. Read tools run at once. A write or destroy tool never changes anything on its first call: it returns a plan (status confirmation_required) with the exact request, the checks and a confirm_phrase. Show the plan to the user and wait for the user to type the phrase in their own message; then call `confirm` with plan_id and that exact phrase. Never type the phrase on the user's behalf. One change per plan; plans expire. Not every tool is listed: search_tools finds the others, and call_tool (or a direct call by name) runs them through the same gate.";

impl ServerHandler for Skillgate {
    fn get_info(&self) -> ServerConfig {
        #[allow(deprecated)] // logging: still what 2025 clients use (SEP-2577 deprecates it)
        let builder = ServerCapabilities::builder()
            .enable_tools()
            .enable_logging()
            .enable_resources()
            .enable_skills()
            .enable_tasks();
        let capabilities = if self.shared.settings.dynamic_toolsets {
            builder.enable_tool_list_changed().build()
        } else {
            builder.build()
        };
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("skillgate", env!("CARGO_PKG_VERSION")).with_title("skillgate"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let scope = self.scope(&context);
        let tools = self.shared.tools.list(
            self.shared.engine.catalog(),
            &scope,
            &self.view(&context).toggles(),
            self.shared.settings.dynamic_toolsets,
        );
        // Lists differ per session and principal: rmcp marks them private for 2026-07-28 peers.
        Ok(ListToolsResult::with_all_items(tools))
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.log_level.set(request.level);
        Ok(())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourcesResult, ErrorData> {
        let resources = self.shared.skills.iter().map(skills::resource).collect();
        Ok(rmcp::model::ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ReadResourceResponse, ErrorData> {
        let served = self
            .shared
            .skills
            .iter()
            .find(|s| s.uri == request.uri)
            .ok_or_else(|| {
                ErrorData::resource_not_found(
                    format!("no resource `{}`", request.uri),
                    Some(serde_json::json!({"uri": request.uri})),
                )
            })?;
        let contents = rmcp::model::ResourceContents::text(served.text.clone(), served.uri.clone())
            .with_mime_type("text/markdown");
        Ok(rmcp::model::ReadResourceResponse::Complete(
            rmcp::model::ReadResourceResult::new(vec![contents]),
        ))
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListSkillsResult, ErrorData> {
        let skills = self.shared.skills.iter().map(|s| s.skill.clone()).collect();
        Ok(rmcp::model::ListSkillsResult::with_all_items(skills))
    }

    async fn get_skill(
        &self,
        request: rmcp::model::GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetSkillResult, ErrorData> {
        self.shared
            .skills
            .iter()
            .find(|s| s.uri == request.uri)
            .map(|s| rmcp::model::GetSkillResult::new(s.skill.clone()))
            .ok_or_else(|| {
                ErrorData::invalid_params(format!("no skill at `{}`", request.uri), None)
            })
    }

    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, ErrorData> {
        self.shared
            .caller_task(&self.caller(&context), &request.task_id)?;
        self.shared
            .tasks
            .get_task(&request.task_id)
            .map(rmcp::model::GetTaskResult::new)
    }

    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.shared
            .caller_task(&self.caller(&context), &request.task_id)?;
        self.shared
            .tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.shared
            .caller_task(&self.caller(&context), &request.task_id)?;
        // A confirmed change is not interrupted half-way; cancellation is recorded and the
        // task finishes (see the task's final state).
        self.shared.tasks.cancel_task(&request.task_id)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        // Used for SEP-2243 header checks: any tool the server reaches (listed or not).
        let scope = &self.shared.selection;
        let offered = self.reaches(scope, name) || self.offers_discovery(scope, name);
        offered
            .then(|| self.shared.tools.get(name).cloned())
            .flatten()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let scope = self.scope(&context);
        if self.offers_discovery(&scope, &request.name) {
            return self.discover(&scope, request, context).await;
        }
        self.dispatch(&scope, request, context).await
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        // Only the tool list changes, and only with --dynamic-toolsets.
        (self.shared.settings.dynamic_toolsets && requested.tools_list_changed == Some(true))
            .then(|| SubscriptionFilter::builder().tools_list_changed().build())
    }

    async fn listen(
        &self,
        subscription: rmcp::service::SubscriptionContext,
    ) -> Result<(), ErrorData> {
        let key = self.view(subscription.request_context()).key().to_string();
        let mut changes = self.shared.views.subscribe();
        loop {
            tokio::select! {
                () = subscription.cancelled() => return Ok(()),
                change = changes.recv() => match change {
                    Ok(changed) if changed == key => {
                        if subscription.sink().notify_tool_list_changed().await.is_err() {
                            return Ok(());
                        }
                    }
                    Ok(_) => {}
                    // Missed announcements: say the list changed rather than stay silent.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        if subscription.sink().notify_tool_list_changed().await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}

impl Skillgate {
    /// One catalog or gate tool call, reached directly or through `call_tool`: the request's
    /// selection first, then the confirmation route, then the engine.
    async fn dispatch(
        &self,
        scope: &Selection,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.caller(&context);
        if !self.shared.engine.knows_tool(&request.name) {
            // An unknown name is a client bug, not something the model can fix: a protocol error.
            return Err(ErrorData::invalid_params(
                format!("tool not found: `{}`", request.name),
                None,
            ));
        }
        if !self.reaches(scope, &request.name) {
            // Outside what this connection's URL selects: refused (and audited) as a hidden tool.
            let arguments = request.arguments.clone().unwrap_or_default();
            let outcome = self.shared.engine.refuse_unreachable(
                &caller,
                &request.name,
                &arguments,
                scope.read_only,
            );
            return Ok(CallToolResponse::Complete(into_result(outcome)));
        }
        let shared = &self.shared;
        let engine = &shared.engine;
        if engine.is_mutation(&request.name)
            && shared.settings.confirm_url
            && shared.pages.available()
        {
            let result = confirm::by_page(shared, &caller, request.clone(), &context).await;
            return Ok(CallToolResponse::Complete(result));
        }
        if engine.is_mutation(&request.name) {
            let response = match confirm::route(shared.settings.confirm, &context) {
                confirm::Route::Token => None,
                confirm::Route::Refuse => {
                    let failure = crate::failure::ToolFailure::new(
                        FailureKind::ConfirmationUnavailable,
                        format!(
                            "`{}` refused: the server runs with --confirm elicit (changes are confirmed by the human through MCP elicitation) and this client does not declare elicitation; nothing was planned or changed",
                            request.name
                        ),
                    )
                    .with_hint("use a client with elicitation, or ask the operator to run with --confirm token");
                    let digest = crate::engine::canonical_digest(&serde_json::Value::Object(
                        request.arguments.clone().unwrap_or_default(),
                    ));
                    engine.audit_refusal(&caller, &request.name, Some(digest), None, &failure);
                    Some(CallToolResponse::Complete(into_result(Outcome::Failure(
                        failure,
                    ))))
                }
                confirm::Route::Elicitation => Some(CallToolResponse::Complete(
                    confirm::by_elicitation(
                        engine,
                        &caller,
                        request.clone(),
                        &context,
                        shared.settings.confirmation_timeout,
                    )
                    .await,
                )),
                confirm::Route::InputRequired => Some(
                    confirm::by_input_required(engine, &shared.seal, &caller, request.clone())
                        .await,
                ),
            };
            if let Some(response) = response {
                return Ok(response);
            }
        }
        let arguments = request.arguments.unwrap_or_default();
        let name = request.name.to_string();
        if engine.is_mutation(&name) || name == "confirm" || name == "cancel" {
            // Once a change may be under way it runs to its end and is audited, whatever the
            // client does: a cancelled request must not leave a change without its record.
            let shared = Arc::clone(shared);
            let as_task = name == "confirm"
                && context
                    .client_capabilities()
                    .is_some_and(|c| c.supports_tasks());
            if as_task {
                // The execution runs as a task the client polls; it finishes and is audited even if
                // the client goes away.
                let options = rmcp::task_manager::TaskOptions::new()
                    .with_ttl_ms(Some(TASK_TTL_MS))
                    .with_poll_interval_ms(1000)
                    .with_status_message("executing the confirmed plan");
                let owner = caller.clone();
                let task = self.shared.tasks.spawn(options, move |_task| {
                    Box::pin(async move {
                        let outcome = shared.engine.call(&caller, &name, arguments).await;
                        Ok(into_result(follow_in_task(&shared.engine, outcome).await))
                    })
                });
                self.shared.own_task(&task.task_id, owner);
                return Ok(CallToolResponse::Task(rmcp::model::CreateTaskResult::new(
                    task,
                )));
            }
            let notes = notify::start(&context, &self.log_level, &name);
            let observer = notes.observer();
            let work = tokio::spawn(async move {
                notify::Notifications::run(observer, shared.engine.call(&caller, &name, arguments))
                    .await
            });
            let outcome = work.await;
            notes.finish().await;
            let outcome = outcome.map_err(|error| {
                ErrorData::internal_error(format!("tool task failed: {error}"), None)
            })?;
            return Ok(CallToolResponse::Complete(into_result(outcome)));
        }
        let notes = notify::start(&context, &self.log_level, &name);
        let work =
            notify::Notifications::run(notes.observer(), engine.call(&caller, &name, arguments));
        let outcome = tokio::select! {
            outcome = work => outcome,
            () = context.ct.cancelled() => return Err(ErrorData::internal_error("cancelled by the client", None)),
        };
        notes.finish().await;
        Ok(CallToolResponse::Complete(into_result(outcome)))
    }

    /// A discovery tool call (`search_tools`, `call_tool`, the toolset tools).
    async fn discover(
        &self,
        scope: &Selection,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name == "call_tool" {
            let inner = match discovery::unwrap_call(&request) {
                Ok(inner) => inner,
                Err(refusal) => return Ok(CallToolResponse::Complete(self.marked(refusal))),
            };
            if !self.shared.engine.knows_tool(&inner.name) {
                // Through call_tool an unknown name is the model's mistake: a tool error it can read.
                let failure = crate::failure::ToolFailure::new(
                    FailureKind::NotFound,
                    format!(
                        "no tool `{}`; search_tools finds tools by what they do",
                        inner.name
                    ),
                );
                return Ok(CallToolResponse::Complete(into_result(Outcome::Failure(
                    failure,
                ))));
            }
            return self.dispatch(scope, inner, context).await;
        }
        let view = self.view(&context);
        let request_view = discovery::Request {
            catalog: self.shared.engine.catalog(),
            selection: scope,
            definitions: &self.shared.tools,
            view: &view,
            views: &self.shared.views,
            dynamic: self.shared.settings.dynamic_toolsets,
        };
        let arguments = request.arguments.unwrap_or_default();
        let result = match request.name.as_ref() {
            "search_tools" => request_view.search(&arguments),
            "list_toolsets" => request_view.list_toolsets(),
            name => {
                let (result, changed) = request_view.toggle(&arguments, name == "enable_toolset");
                if changed && !discovery::is_modern(&context) {
                    // A legacy session hears it on its own channel; 2026-07-28 clients through
                    // subscriptions/listen (announced above).
                    if let Err(error) = context.peer.notify_tool_list_changed().await {
                        tracing::debug!(%error, "could not send tools/list_changed");
                    }
                }
                result
            }
        };
        Ok(CallToolResponse::Complete(self.marked(result)))
    }

    /// Says whether the server runs against the emulator, as every engine result does.
    fn marked(&self, mut result: CallToolResult) -> CallToolResult {
        let emulator = serde_json::Value::Bool(self.shared.engine.is_emulator());
        match result.structured_content.take() {
            Some(serde_json::Value::Object(mut object)) => {
                object.insert("emulator".into(), emulator);
                if result.is_error == Some(true) {
                    // The text is the failure's own sentence; only the structure gains the flag.
                    result.structured_content = Some(serde_json::Value::Object(object));
                    result
                } else {
                    CallToolResult::structured(serde_json::Value::Object(object))
                }
            }
            other => {
                result.structured_content = other;
                result
            }
        }
    }
}

/// A confirmation run as a task that started a long operation stays `working` until the
/// operation ends, so the client's task is the install itself; its result carries the report.
async fn follow_in_task(engine: &crate::engine::Engine, outcome: Outcome) -> Outcome {
    let Outcome::Success(mut value) = outcome else {
        return outcome;
    };
    let running = value
        .pointer("/operation/operation_status")
        .and_then(serde_json::Value::as_str)
        == Some("running");
    let id = value
        .pointer("/operation/operation_id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    if let (true, Some(id)) = (running, id)
        && let Some(view) = engine.follow_operation(&id).await
        && let Some(object) = value.as_object_mut()
    {
        object.insert("operation".into(), view);
    }
    Outcome::Success(value)
}

/// The one place an engine outcome becomes an MCP result.
fn into_result(outcome: Outcome) -> CallToolResult {
    match outcome {
        Outcome::Success(value) => CallToolResult::structured(value),
        Outcome::Failure(failure) => {
            let mut result = CallToolResult::structured_error(failure.structured());
            result.content = vec![ContentBlock::text(failure.text())];
            result
        }
    }
}
