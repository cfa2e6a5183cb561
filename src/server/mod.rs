//! The MCP face of the engine: the only module that speaks rmcp. It renders the catalog as tools,
//! works out who is calling (principal and session), and turns engine outcomes into results.

mod confirm;
mod confirm_page;
mod framing;
mod http;
mod limits;
mod notify;
mod skills;
mod sse;
mod stdio;
mod tools;

pub use http::{HttpLimits, HttpOptions, app as http_app, serve_http};
pub use limits::RateLimit;
pub use stdio::serve_stdio;

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};

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

pub use crate::config::ServerSettings;

/// State shared by every handler instance (one per stdio process, per HTTP session, or per
/// stateless request): built once, cloned as an `Arc`.
#[derive(Debug)]
pub struct Shared {
    engine: Engine,
    tools: Vec<Tool>,
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

/// How long a task and its result are kept: longer than the longest cloud job a toolset follows
/// (2-hour training jobs), so a task is never aborted by its own TTL.
const TASK_TTL_MS: u64 = 3 * 60 * 60 * 1000;

impl Shared {
    /// Renders the tool list once.
    pub fn new(engine: Engine, settings: ServerSettings) -> anyhow::Result<Arc<Self>> {
        let tools = tools::render(&engine);
        let seal = confirm::StateSeal::new(&settings.state_key, settings.confirmation_timeout)?;
        let skills = skills::load(&engine.selection().toolset_names());
        let pages = confirm_page::ConfirmPages::new(settings.confirmation_timeout);
        Ok(Arc::new(Self {
            engine,
            tools,
            stdio_session: uuid::Uuid::new_v4().to_string(),
            settings,
            seal,
            skills,
            pages,
            tasks: Tasks(rmcp::task_manager::TaskManager::new()),
            task_owners: std::sync::Mutex::new(HashMap::new()),
        }))
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

    /// The rendered tool list.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }
}

/// The rmcp handler. One instance per stdio process, per legacy HTTP session, or per stateless
/// request; only the logging level lives here, everything else is shared.
#[derive(Clone, Debug)]
pub struct Skillgate {
    shared: Arc<Shared>,
    log_level: notify::SessionLogLevel,
}

impl Skillgate {
    /// A handler over shared state.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            log_level: notify::SessionLogLevel::default(),
        }
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

const INSTRUCTIONS: &str = "skillgate runs cloud operations behind a confirmation gate. Read tools run at once. A write or destroy tool never changes anything on its first call: it returns a plan (status confirmation_required) with the exact request, the checks and a confirm_phrase. Show the plan to the user and wait for the user to type the phrase in their own message; then call `confirm` with plan_id and that exact phrase. Never type the phrase on the user's behalf. One change per plan; plans expire.";

impl ServerHandler for Skillgate {
    fn get_info(&self) -> ServerConfig {
        #[allow(deprecated)] // logging: still what 2025 clients use (SEP-2577 deprecates it)
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_logging()
            .enable_resources()
            .enable_skills()
            .enable_tasks()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("skillgate", env!("CARGO_PKG_VERSION")).with_title("skillgate"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.shared.tools.clone()))
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
        self.shared.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
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
                        Ok(into_result(
                            shared.engine.call(&caller, &name, arguments).await,
                        ))
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
