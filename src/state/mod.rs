//! Where the server's short-lived protocol state lives, behind small interfaces: consumed
//! sealed-state nonces, per-session tool selections and confirmation-page links. Plans
//! ([`crate::gate::PlanStore`]) and long operations ([`crate::operations::OperationStore`]) have
//! their own interfaces in their own layers; [`redis`] implements all five for replicas that share
//! one Redis (`--state redis://...`), and the memory stores here are the embedded default.
//!
//! Single use is always one atomic step of the store, never a read followed by a write.

pub mod memory;
pub mod redis;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Toggles;
use crate::gate::Owner;

pub use memory::{MemoryNonces, MemoryPages, MemoryToggles};

/// A shared store that cannot be reached or answered with an error. The message names no URL and
/// no password: it is shown to agents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the shared state store is unavailable ({reason})")]
pub struct StateUnavailable {
    /// What went wrong, in the client library's words (never the URL or the password).
    pub reason: String,
}

impl StateUnavailable {
    /// An unavailability with its reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// What a store answers.
pub type Stored<T> = Result<T, StateUnavailable>;

/// Consumed `requestState` nonces: a sealed state is accepted once.
pub trait NonceStore: Send + Sync + std::fmt::Debug {
    /// Marks `nonce` used for `ttl` (longer than the sealed state lives); false when it already
    /// was (a replay). One atomic step.
    fn consume(&self, nonce: &str, ttl: Duration) -> Stored<bool>;
}

/// Per-session (or, sessionless, per-principal) tool-list changes (`enable_toolset`,
/// `disable_toolset`), by the view's key.
pub trait ToggleStore: Send + Sync + std::fmt::Debug {
    /// The view's changes so far (none for a view never changed).
    fn load(&self, view: &str) -> Stored<Toggles>;
    /// Lists `toolset` in full (`enabled`) or not at all from now on. One atomic step per
    /// toolset, so two changes never overwrite each other.
    fn set(&self, view: &str, toolset: &str, enabled: bool) -> Stored<()>;
}

/// One confirmation page: which plan, whose, what it shows, and what happened on it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageRecord {
    /// The plan the page confirms.
    pub plan_id: String,
    /// Whose plan it is (the page acts as them).
    pub owner: Owner,
    /// The plan as shown.
    pub plan: Value,
    /// What the human's answer came to; `{"status": "in_progress"}` while it runs.
    #[serde(default)]
    pub outcome: Option<Value>,
}

/// Confirmation pages by their one-time secret.
pub trait PageStore: Send + Sync + std::fmt::Debug {
    /// Registers a page for `ttl` (the plan's lifetime).
    fn open(&self, secret: &str, page: &PageRecord, ttl: Duration) -> Stored<()>;
    /// A page that has not expired.
    fn get(&self, secret: &str) -> Stored<Option<PageRecord>>;
    /// Takes an unanswered page for answering (its outcome becomes `in_progress`): single use,
    /// one atomic step, so two answers (on two replicas) never both run.
    fn take_for_answer(&self, secret: &str) -> Stored<Option<PageRecord>>;
    /// Records what the answer came to.
    fn record(&self, secret: &str, outcome: &Value) -> Stored<()>;
    /// What happened on the page of a plan, if the human answered.
    fn outcome_of(&self, plan_id: &str) -> Stored<Option<Value>>;
}

/// The protocol-state stores a server runs with.
#[derive(Clone, Debug)]
pub struct SessionStores {
    /// Consumed sealed-state nonces.
    pub nonces: Arc<dyn NonceStore>,
    /// Shared tool-list changes; `None` keeps each session's list in its own handler (the
    /// embedded default, where a session lives in one process).
    pub toggles: Option<Arc<dyn ToggleStore>>,
    /// Confirmation pages.
    pub pages: Arc<dyn PageStore>,
}

impl SessionStores {
    /// The embedded default: everything in this process's memory.
    pub fn memory(ttl: Duration) -> Self {
        Self {
            nonces: Arc::new(MemoryNonces::default()),
            toggles: None,
            pages: Arc::new(MemoryPages::new(ttl)),
        }
    }
}
