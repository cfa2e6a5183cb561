//! The URL confirmation page (`--confirm-url`, HTTP deployments): a plan is approved by a human on
//! a page this server serves, behind a one-time secret in the link. With clients that support
//! URL-mode elicitation, the link goes to the human through the client and never to the model;
//! with others it is returned in the tool result for the user to open (the model then sees the
//! link, and the README says so). Either way the human types the phrase on the page, and the plan
//! runs through the same engine calls, checks and audit lines as every other path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use crate::engine::{Channel, Outcome};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Owner;

/// One page: which plan, whose, what it shows, and what happened.
#[derive(Clone, Debug)]
struct Page {
    plan_id: String,
    owner: Owner,
    plan: Value,
    created: Instant,
    outcome: Option<Value>,
}

/// Pending pages by secret.
#[derive(Debug, Default)]
pub(super) struct ConfirmPages {
    pages: Mutex<HashMap<String, Page>>,
    /// Base URL of this server as the human's browser reaches it (`http://127.0.0.1:8765`).
    base_url: Mutex<Option<String>>,
    ttl: Duration,
}

impl ConfirmPages {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            ..Self::default()
        }
    }

    /// Where the pages live; set once the HTTP listener is bound.
    pub(super) fn set_base_url(&self, base: String) {
        *self.base_url.lock().unwrap_or_else(|e| e.into_inner()) = Some(base);
    }

    /// True when pages can be offered (an HTTP listener is up).
    pub(super) fn available(&self) -> bool {
        self.base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Registers a plan and returns the page's URL (with its 256-bit secret).
    pub(super) fn open(&self, owner: &Owner, plan: &Value) -> Option<(String, String)> {
        let base = self
            .base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let plan_id = plan["plan_id"].as_str()?.to_string();
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.retain(|_, p| p.created.elapsed() < self.ttl * 2);
        pages.insert(
            secret.clone(),
            Page {
                plan_id: plan_id.clone(),
                owner: owner.clone(),
                plan: plan.clone(),
                created: Instant::now(),
                outcome: None,
            },
        );
        Some((format!("{base}/confirm/{secret}"), plan_id))
    }

    /// What happened on the page of a plan, if the human answered.
    pub(super) fn outcome_of(&self, plan_id: &str) -> Option<Value> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages
            .values()
            .find(|p| p.plan_id == plan_id)
            .and_then(|p| p.outcome.clone())
    }

    fn page(&self, secret: &str) -> Option<Page> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages
            .get(secret)
            .filter(|p| p.created.elapsed() < self.ttl)
            .cloned()
    }

    /// Takes a page for answering: single use, one atomic step.
    fn take_for_answer(&self, secret: &str) -> Option<Page> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let page = pages
            .get_mut(secret)
            .filter(|p| p.created.elapsed() < self.ttl && p.outcome.is_none())?;
        page.outcome = Some(json!({"status": "in_progress"}));
        Some(page.clone())
    }

    fn record(&self, secret: &str, outcome: Value) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(page) = pages.get_mut(secret) {
            page.outcome = Some(outcome);
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn document(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>{}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}}pre{{background:#f4f4f4;padding:.75rem;overflow:auto}}\
         .warn{{color:#8a4b00}}input[type=text]{{font-size:1.1rem;width:24rem}}</style></head><body>{}</body></html>",
        escape(title),
        body
    ))
}

fn gone() -> Response {
    (
        StatusCode::NOT_FOUND,
        document("Link not valid", "<h1>This confirmation link is not valid</h1><p>It was already used, it expired, or it never existed. Nothing was changed. Ask the assistant to plan the change again.</p>"),
    )
        .into_response()
}

/// GET `/confirm/{secret}`: the plan, and a field for the phrase.
async fn show(State(shared): State<Arc<Shared>>, Path(secret): Path<String>) -> Response {
    let Some(page) = shared.pages.page(&secret) else {
        return gone();
    };
    if let Some(outcome) = &page.outcome {
        let text = serde_json::to_string_pretty(outcome).unwrap_or_default();
        return document(
            "Already answered",
            &format!("<h1>Already answered</h1><pre>{}</pre>", escape(&text)),
        )
        .into_response();
    }
    let plan = &page.plan;
    let request = plan["dry_run"].get(0).cloned().unwrap_or(Value::Null);
    let warnings: Vec<String> = plan["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["result"] != "ok")
        .map(|c| {
            format!(
                "<li class=\"warn\">{}: {}</li>",
                escape(c["check"].as_str().unwrap_or("")),
                escape(&c["detail"].to_string())
            )
        })
        .collect();
    let body = format!(
        "<h1>Confirm: {summary}</h1><p>Target: <code>{target}</code>. Nothing has changed yet.</p>\
         <h2>Request that will be sent</h2><pre>{method} {url}\n\n{body}</pre>\
         <h2>Change</h2><pre>{diff}</pre><ul>{warnings}</ul>\
         <form method=\"post\"><p><label>To go ahead, type <code>{phrase}</code>:<br>\
         <input type=\"text\" name=\"phrase\" autocomplete=\"off\" autofocus></label></p>\
         <p><button type=\"submit\" name=\"action\" value=\"confirm\">Confirm</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></p></form>\
         <p>This link works once and expires at {expires}.</p>",
        summary = escape(plan["summary"].as_str().unwrap_or("")),
        target = escape(plan["target"].as_str().unwrap_or("")),
        method = escape(request["method"].as_str().unwrap_or("")),
        url = escape(request["url"].as_str().unwrap_or("")),
        body = escape(&serde_json::to_string_pretty(&request["body"]).unwrap_or_default()),
        diff = escape(&serde_json::to_string_pretty(&plan["diff"]).unwrap_or_default()),
        warnings = warnings.join(""),
        phrase = escape(plan["confirm_phrase"].as_str().unwrap_or("")),
        expires = escape(plan["expires_at"].as_str().unwrap_or("")),
    );
    document("Confirm a change", &body).into_response()
}

/// The human's answer.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    phrase: String,
    #[serde(default)]
    action: String,
}

/// POST `/confirm/{secret}`: confirm with the typed phrase, or cancel.
async fn answer(
    State(shared): State<Arc<Shared>>,
    Path(secret): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let Some(page) = shared.pages.take_for_answer(&secret) else {
        return gone();
    };
    let cancelling = answer.action == "cancel";
    let engine_shared = Arc::clone(&shared);
    let owner = page.owner.clone();
    let plan_id = page.plan_id.clone();
    let phrase = answer.phrase.clone();
    // Runs to its end even if the browser goes away.
    let outcome = tokio::spawn(async move {
        let engine = &engine_shared.engine;
        if cancelling {
            engine.cancel(&owner, &plan_id)
        } else {
            engine
                .confirm(&owner, &plan_id, &phrase, Channel::Human)
                .await
        }
    })
    .await
    .unwrap_or_else(|error| {
        Outcome::Failure(ToolFailure::new(
            FailureKind::InternalError,
            error.to_string(),
        ))
    });
    let (title, value) = match outcome {
        Outcome::Success(value) => (if cancelling { "Cancelled" } else { "Done" }, value),
        Outcome::Failure(failure) => ("Not done", failure.structured()),
    };
    shared.pages.record(&secret, value.clone());
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    document(
        title,
        &format!(
            "<h1>{}</h1><pre>{}</pre><p>You can close this page.</p>",
            escape(title),
            escape(&text)
        ),
    )
    .into_response()
}

/// The page routes; mounted outside the bearer-token layer (the secret is the credential) but
/// inside the Host/Origin checks.
pub(super) fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/confirm/{secret}", axum::routing::get(show).post(answer))
        .with_state(shared)
}
