//! The URL confirmation page (`--confirm-url`, HTTP deployments): a plan is approved by a human on
//! a page this server serves, behind a one-time secret in the link. With clients that support
//! URL-mode elicitation, the link goes to the human through the client and never to the model;
//! with others it is returned in the tool result for the user to open (the model then sees the
//! link, and the README says so). Either way the human types the phrase on the page, and the plan
//! runs through the same engine calls, checks and audit lines as every other path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

mod readable;
mod view;

use super::Shared;
use crate::engine::{Channel, Outcome};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Owner;
use crate::state::{PageRecord, PageStore, Stored};

/// Pending pages by secret, in a [`PageStore`] (memory, or the shared Redis so a link works on
/// every replica).
#[derive(Debug)]
pub(super) struct ConfirmPages {
    pages: Arc<dyn PageStore>,
    /// Base URL of this server as the human's browser reaches it (`http://127.0.0.1:8765`).
    base_url: Mutex<Option<String>>,
    ttl: Duration,
}

impl ConfirmPages {
    pub(super) fn new(ttl: Duration, pages: Arc<dyn PageStore>) -> Self {
        Self {
            pages,
            base_url: Mutex::new(None),
            ttl,
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

    /// Registers a plan and returns the page's URL (with its 256-bit secret); `None` when no
    /// listener serves pages or the page store does not answer.
    pub(super) fn open(&self, owner: &Owner, plan: &Value) -> Option<(String, String)> {
        let base = self
            .base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let plan_id = plan["plan_id"].as_str()?.to_string();
        let record = PageRecord {
            plan_id: plan_id.clone(),
            owner: owner.clone(),
            plan: plan.clone(),
            outcome: None,
        };
        if let Err(error) = self.pages.open(&secret, &record, self.ttl) {
            tracing::warn!(%error, "cannot register a confirmation page");
            return None;
        }
        Some((format!("{base}/confirm/{secret}"), plan_id))
    }

    /// What happened on the page of a plan, if the human answered.
    pub(super) fn outcome_of(&self, plan_id: &str) -> Option<Value> {
        self.pages.outcome_of(plan_id).ok().flatten()
    }

    fn page(&self, secret: &str) -> Stored<Option<PageRecord>> {
        self.pages.get(secret)
    }

    /// Takes a page for answering: single use, one atomic step.
    fn take_for_answer(&self, secret: &str) -> Stored<Option<PageRecord>> {
        self.pages.take_for_answer(secret)
    }

    fn record(&self, secret: &str, outcome: Value) {
        if let Err(error) = self.pages.record(secret, &outcome) {
            tracing::warn!(%error, "cannot record a confirmation page's outcome");
        }
    }
}

/// The page shown while the state store does not answer: nothing was done.
fn unavailable() -> Response {
    page(StatusCode::SERVICE_UNAVAILABLE, view::unavailable_page())
}

/// A page with the headers every confirmation page carries: the strict policy, no caching
/// (the page holds a one-time secret's plan), no referrer to other sites (the secret is in the
/// URL; `no-referrer` would also make the browser send `Origin: null` on the page's own form,
/// which the Origin check refuses), no framing.
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&view::content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn gone() -> Response {
    page(StatusCode::NOT_FOUND, view::gone_page())
}

/// How an outcome ended, read from its value.
fn ending(outcome: &Value) -> view::Ending {
    if outcome.get("error").is_some() {
        view::Ending::NotDone
    } else if outcome["status"] == "cancelled" {
        view::Ending::Cancelled
    } else {
        view::Ending::Done
    }
}

/// What the page marks beyond the plan's own fields.
fn facts(shared: &Shared, plan: &Value) -> view::Facts {
    let destructive = plan["tool"]
        .as_str()
        .and_then(|name| shared.engine.catalog().tool(name))
        .is_some_and(|(_, tool)| tool.effect == crate::catalog::Effect::Destroy);
    view::Facts {
        destructive,
        forced: view::Facts::forced(plan),
        emulator: plan["emulator"] == true || shared.engine.is_emulator(),
    }
}

/// GET `/confirm/{secret}`: the plan, and a field for the phrase; a used link says so (410).
async fn show(State(shared): State<Arc<Shared>>, Path(secret): Path<String>) -> Response {
    let entry = match shared.pages.page(&secret) {
        Ok(Some(entry)) => entry,
        Ok(None) => return gone(),
        Err(_) => return unavailable(),
    };
    let facts = facts(&shared, &entry.plan);
    let summary = entry.plan["summary"].as_str().unwrap_or("a change");
    if let Some(outcome) = &entry.outcome {
        let html = view::outcome_page(ending(outcome), outcome, summary, facts.emulator, true);
        return page(StatusCode::GONE, html);
    }
    page(StatusCode::OK, view::plan_page(&entry.plan, facts))
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
    let entry = match shared.pages.take_for_answer(&secret) {
        Ok(Some(entry)) => entry,
        Ok(None) => return gone(),
        Err(_) => return unavailable(),
    };
    let cancelling = answer.action == "cancel";
    let engine_shared = Arc::clone(&shared);
    let owner = entry.owner.clone();
    let plan_id = entry.plan_id.clone();
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
    let value = match outcome {
        Outcome::Success(value) => value,
        Outcome::Failure(failure) => failure.structured(),
    };
    shared.pages.record(&secret, value.clone());
    let facts = facts(&shared, &entry.plan);
    let summary = entry.plan["summary"].as_str().unwrap_or("a change");
    let html = view::outcome_page(ending(&value), &value, summary, facts.emulator, false);
    page(StatusCode::OK, html)
}

/// The page routes; mounted outside the bearer-token layer (the secret is the credential) but
/// inside the Host/Origin checks.
pub(super) fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/confirm/{secret}", axum::routing::get(show).post(answer))
        .with_state(shared)
}
