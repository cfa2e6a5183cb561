//! Confirmation through the human rather than the model, chosen per call from `--confirm` and what
//! the client declares:
//! - 2025-06-18..2025-11-25 clients with `elicitation`: the mutating call sends an elicitation form
//!   showing the plan and asking the human to type the phrase; the call returns once they answer.
//! - 2026-07-28 clients with `elicitation`: the call returns an input-required result (SEP-2322)
//!   carrying the form and a sealed `requestState`; the client's retry with the human's answer
//!   executes. The state is HMAC-sealed, bound to principal + tool + argument digest, expires with
//!   the plan, and is consumed server-side, so a replay is refused.
//! - everyone else: the token flow (two calls), unless `--confirm elicit`, which fails closed.
//!
//! Every path goes through the same engine calls, so plans, re-checks and audit lines are the same.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ElicitRequest, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationSchema, InputRequest, InputRequests,
    InputRequiredResult, ProtocolVersion, RequestStateCodec, SealOptions,
};
use rmcp::service::{RequestContext, RoleServer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::into_result;
use crate::config::ConfirmMode;
use crate::engine::{Channel, Engine, Outcome, canonical_digest};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Owner;

/// How a mutating call is confirmed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// Plan now, `confirm` later.
    Token,
    /// Server-to-client elicitation inside the call.
    Elicitation,
    /// Input-required result and retry (2026-07-28).
    InputRequired,
    /// `--confirm elicit` and the client cannot elicit.
    Refuse,
}

/// Picks the route for a call.
pub(super) fn route(mode: ConfirmMode, context: &RequestContext<RoleServer>) -> Route {
    if mode == ConfirmMode::Token {
        return Route::Token;
    }
    let modern = context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    let can_elicit = context
        .client_capabilities()
        .is_some_and(|c| c.elicitation.is_some());
    match (can_elicit, modern, mode) {
        (true, true, _) => Route::InputRequired,
        (true, false, _) => Route::Elicitation,
        (false, _, ConfirmMode::Elicit) => Route::Refuse,
        (false, _, _) => Route::Token,
    }
}

/// What is sealed into `requestState`: which plan, and a one-time nonce.
#[derive(Debug, Serialize, Deserialize)]
struct PendingConfirmation {
    plan_id: String,
    nonce: String,
}

/// The sealing key and where consumed nonces are kept (shared by every replica under
/// `--state redis://...`).
pub(super) struct StateSeal {
    codec: RequestStateCodec,
    consumed: Arc<dyn crate::state::NonceStore>,
    ttl: Duration,
}

impl std::fmt::Debug for StateSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateSeal")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl StateSeal {
    /// A seal with a key (at least 32 bytes; shared by every replica) and the state lifetime.
    pub(super) fn new(
        key: &[u8],
        ttl: Duration,
        consumed: Arc<dyn crate::state::NonceStore>,
    ) -> anyhow::Result<Self> {
        let codec = RequestStateCodec::try_new(key.to_vec())
            .map_err(|e| anyhow::anyhow!("request-state key: {e}"))?;
        Ok(Self {
            codec,
            consumed,
            ttl,
        })
    }

    /// Marks a nonce used; false when it already was (a replay). One atomic step of the store,
    /// kept twice as long as a sealed state lives.
    fn consume(&self, nonce: &str) -> crate::state::Stored<bool> {
        self.consumed.consume(nonce, self.ttl * 2)
    }
}

fn associated_data(caller: &Owner, tool: &str, arguments: &Map<String, Value>) -> String {
    format!(
        "{}|{tool}|{}",
        caller.principal,
        canonical_digest(&Value::Object(arguments.clone()))
    )
}

/// The form the human sees: the plan in words, and one field for the phrase.
fn form(plan: &Value) -> (String, ElicitationSchema) {
    let phrase = plan["confirm_phrase"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut lines = vec![
        format!(
            "skillgate wants to {}.",
            plan["summary"].as_str().unwrap_or("make a change")
        ),
        format!("Target: {}", plan["target"].as_str().unwrap_or("?")),
    ];
    if let Some(request) = plan["dry_run"].get(0) {
        lines.push(format!(
            "Request: {} {}",
            request["method"].as_str().unwrap_or("?"),
            request["url"].as_str().unwrap_or("?")
        ));
        if !request["body"].is_null() {
            lines.push(format!("Body: {}", request["body"]));
        }
    }
    if plan["diff"].as_object().is_some_and(|d| !d.is_empty()) {
        lines.push(format!("Change: {}", plan["diff"]));
    }
    for check in plan["checks"].as_array().into_iter().flatten() {
        if check["result"] != "ok" {
            lines.push(format!(
                "{}: {} {}",
                check["result"], check["check"], check["detail"]
            ));
        }
    }
    lines.push(format!(
        "Nothing has changed yet. To go ahead, type exactly: {phrase}"
    ));
    let schema = ElicitationSchema::builder()
        .required_string_property("phrase", |s| {
            s.title("Confirmation phrase")
                .description(format!("Type {phrase} to confirm; anything else cancels."))
        })
        .build_unchecked();
    (lines.join("\n"), schema)
}

fn declined(what: &str) -> CallToolResult {
    into_result(Outcome::Failure(ToolFailure::new(
        FailureKind::ConfirmationDeclined,
        format!("{what}; the plan is cancelled and nothing changed"),
    )))
}

async fn cancel(engine: &Engine, caller: &Owner, plan_id: &str) {
    let _ = engine.cancel(caller, plan_id);
}

/// Confirms with the human's answer, or cancels.
async fn settle(
    engine: &Engine,
    caller: &Owner,
    plan_id: &str,
    answer: Option<ElicitResult>,
) -> CallToolResult {
    let typed = match &answer {
        Some(ElicitResult {
            action: ElicitationAction::Accept,
            content: Some(content),
            ..
        }) => content
            .get("phrase")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    match (typed, answer.map(|a| a.action)) {
        (Some(phrase), _) => into_result(
            engine
                .confirm(caller, plan_id, &phrase, Channel::Human)
                .await,
        ),
        (None, Some(ElicitationAction::Decline)) => {
            cancel(engine, caller, plan_id).await;
            declined("the user declined")
        }
        (None, Some(ElicitationAction::Cancel)) => {
            cancel(engine, caller, plan_id).await;
            declined("the user cancelled")
        }
        (None, _) => {
            cancel(engine, caller, plan_id).await;
            declined("no confirmation phrase came back")
        }
    }
}

/// Plans on the human channel; a failure is returned as the call's result.
async fn plan(
    engine: &Engine,
    caller: &Owner,
    name: &str,
    arguments: Map<String, Value>,
) -> Result<Value, CallToolResult> {
    match engine
        .call_via(caller, name, arguments, Channel::Human)
        .await
    {
        Outcome::Success(plan) => Ok(plan),
        failure @ Outcome::Failure(_) => Err(into_result(failure)),
    }
}

/// The legacy route: elicit inside the call.
pub(super) async fn by_elicitation(
    engine: &Engine,
    caller: &Owner,
    request: CallToolRequestParams,
    context: &RequestContext<RoleServer>,
    timeout: Duration,
) -> CallToolResult {
    let arguments = request.arguments.unwrap_or_default();
    let plan = match plan(engine, caller, &request.name, arguments).await {
        Ok(plan) => plan,
        Err(result) => return result,
    };
    let plan_id = plan["plan_id"].as_str().unwrap_or_default().to_string();
    let (message, requested_schema) = form(&plan);
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema,
    };
    match context
        .peer
        .create_elicitation_with_timeout(params, Some(timeout))
        .await
    {
        Ok(answer) => settle(engine, caller, &plan_id, Some(answer)).await,
        Err(error) => {
            tracing::warn!(%error, "confirmation form failed");
            cancel(engine, caller, &plan_id).await;
            declined("the confirmation form was not answered (timeout or client error)")
        }
    }
}

/// The 2026-07-28 route: input-required, then the retry with the human's answer.
pub(super) async fn by_input_required(
    engine: &Engine,
    seal: &StateSeal,
    caller: &Owner,
    request: CallToolRequestParams,
) -> CallToolResponse {
    let arguments = request.arguments.clone().unwrap_or_default();
    let aad = associated_data(caller, &request.name, &arguments);
    let Some(sealed) = request.request_state.as_deref() else {
        let plan = match plan(engine, caller, &request.name, arguments).await {
            Ok(plan) => plan,
            Err(result) => return CallToolResponse::Complete(result),
        };
        let pending = PendingConfirmation {
            plan_id: plan["plan_id"].as_str().unwrap_or_default().to_string(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        };
        let state = match seal.codec.seal_json_with(
            &pending,
            &SealOptions::new()
                .associated_data(aad.as_bytes())
                .ttl(seal.ttl),
        ) {
            Ok(state) => state,
            Err(error) => {
                cancel(engine, caller, &pending.plan_id).await;
                return CallToolResponse::Complete(into_result(Outcome::Failure(
                    ToolFailure::new(
                        FailureKind::ConfigError,
                        format!("cannot seal the confirmation state: {error}"),
                    ),
                )));
            }
        };
        let (message, requested_schema) = form(&plan);
        let mut requests = InputRequests::new();
        requests.insert(
            "confirm".into(),
            InputRequest::Elicitation(ElicitRequest::new(
                ElicitRequestParams::FormElicitationParams {
                    meta: None,
                    message,
                    requested_schema,
                },
            )),
        );
        return CallToolResponse::InputRequired(InputRequiredResult::new(
            Some(requests),
            Some(state),
        ));
    };
    let refused = |message: String| {
        CallToolResponse::Complete(into_result(Outcome::Failure(
            ToolFailure::new(FailureKind::ConfirmationStateInvalid, message)
                .with_hint("call the tool again without requestState to get a fresh plan"),
        )))
    };
    let pending: PendingConfirmation = match seal.codec.open_json_with(sealed, aad.as_bytes()) {
        Ok(pending) => pending,
        Err(error) => {
            return refused(format!(
                "the confirmation state was refused ({error}): it was altered, expired, or belongs to other arguments or another caller; nothing changed"
            ));
        }
    };
    match seal.consume(&pending.nonce) {
        Ok(true) => {}
        Ok(false) => {
            return refused(
                "this confirmation state was already used; nothing was done again".into(),
            );
        }
        Err(unavailable) => {
            return CallToolResponse::Complete(into_result(Outcome::Failure(ToolFailure::from(
                unavailable,
            ))));
        }
    }
    let answer = request
        .input_responses
        .as_ref()
        .and_then(|responses| responses.get("confirm"))
        .and_then(|value| serde_json::from_value::<ElicitResult>(value.clone()).ok());
    CallToolResponse::Complete(settle(engine, caller, &pending.plan_id, answer).await)
}

/// The `--confirm-url` route: plan, open a one-time page, and either hand the link to the human
/// through URL-mode elicitation (then report what they did) or return it for the user to open.
pub(super) async fn by_page(
    shared: &super::Shared,
    caller: &Owner,
    request: CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let engine = &shared.engine;
    let arguments = request.arguments.unwrap_or_default();
    let plan = match plan(engine, caller, &request.name, arguments).await {
        Ok(plan) => plan,
        Err(result) => return result,
    };
    let Some((url, plan_id)) = shared.pages.open(caller, &plan) else {
        let plan_id = plan["plan_id"].as_str().unwrap_or_default().to_string();
        cancel(engine, caller, &plan_id).await;
        return into_result(Outcome::Failure(ToolFailure::new(
            FailureKind::ConfigError,
            "the confirmation page is not available",
        )));
    };
    let modern = context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    let url_mode = !modern
        && context
            .peer
            .supported_elicitation_modes()
            .contains(&rmcp::service::ElicitationMode::Url);
    let summary = plan["summary"].as_str().unwrap_or("a change").to_string();
    if url_mode {
        let params = ElicitRequestParams::UrlElicitationParams {
            meta: None,
            message: format!("Review and confirm on this page: {summary}"),
            url,
            elicitation_id: plan_id.clone(),
        };
        let answer = context
            .peer
            .create_elicitation_with_timeout(params, Some(shared.settings.confirmation_timeout))
            .await;
        if let Some(outcome) = shared.pages.outcome_of(&plan_id) {
            let failed = outcome.get("error").is_some();
            let result = if failed {
                CallToolResult::structured_error(outcome)
            } else {
                CallToolResult::structured(outcome)
            };
            return result;
        }
        if matches!(
            answer,
            Ok(ElicitResult {
                action: ElicitationAction::Decline | ElicitationAction::Cancel,
                ..
            })
        ) {
            cancel(engine, caller, &plan_id).await;
            return declined("the user declined");
        }
        return into_result(Outcome::Success(json!({
            "status": "awaiting_human",
            "plan_id": plan_id,
            "summary": summary,
            "next_step": "The user has not answered on the confirmation page yet; nothing has changed. The page stays valid until the plan expires.",
        })));
    }
    into_result(Outcome::Success(json!({
        "status": "awaiting_human",
        "plan_id": plan_id,
        "summary": summary,
        "confirm_url": url,
        "expires_at": plan["expires_at"],
        "next_step": "Nothing has changed. Give this link to the user: they review the exact request and type the phrase on the page. The link works once. Check the result afterwards with a read tool.",
    })))
}
