//! Long operations: cloud work that takes minutes (an OOS execution, a queued GPU submit, an
//! instance starting) and must never hold a tool call for that long.
//!
//! A confirmed change that starts one gets an [`Operation`] record with a handle (`op-...`);
//! the engine's runner polls it on its toolset's cadence until it ends or its deadline passes,
//! and wait tools watch the record instead of the cloud. Records live behind
//! [`OperationStore`], so they survive a restart (SQLite under `--state-dir`) and a shared store
//! can replace the embedded one later without the engine or the toolsets noticing.

mod sqlite;
mod store;

pub use sqlite::SqliteOperationStore;
pub use store::{Inserted, OperationStore, StoreError};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where an operation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Still in progress in the cloud (or waiting for its turn).
    Running,
    /// Finished and did what was asked.
    Succeeded,
    /// Finished without doing (all of) what was asked.
    Failed,
    /// Cancelled, by the user or in the cloud.
    Cancelled,
    /// Still not finished when its deadline passed; the cloud may still finish it.
    TimedOut,
}

impl OpStatus {
    /// True once nothing more will be polled.
    pub fn is_terminal(self) -> bool {
        self != Self::Running
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "timed_out" => Self::TimedOut,
            _ => return None,
        })
    }
}

/// One long operation, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The handle agents pass around (`op-` + 16 hex).
    pub id: String,
    /// The kind that knows how to follow it (`ecsext.execution`).
    pub kind: String,
    /// The principal it belongs to; sessions do not survive a restart, principals do.
    pub owner: String,
    /// The tool that started (or adopted) it.
    pub tool: String,
    /// The confirmed plan that started it, if one did.
    pub plan_id: Option<String>,
    /// The cloud resource it follows, unique per kind (`cn-hangzhou/exec-...`).
    pub key: String,
    /// What the kind needs to poll and report (region, ids, what was asked).
    pub subject: Value,
    /// Where it stands.
    pub status: OpStatus,
    /// One line for people: the latest progress.
    pub message: String,
    /// The latest state read from the cloud, as the kind shapes it.
    pub snapshot: Value,
    /// The final report, once terminal.
    pub report: Option<Value>,
    /// Unix milliseconds.
    pub created_ms: u64,
    /// Unix milliseconds of the last change.
    pub updated_ms: u64,
    /// When following it stops (the kind's maximum duration after creation).
    pub deadline_ms: u64,
    /// When the runner polls it next.
    pub next_poll_ms: u64,
    /// Polls made.
    pub polls: u32,
    /// Polls in a row that failed (throttling, outage); reset by a good one.
    pub poll_failures: u32,
    /// The runner currently following it, and until when (a lease, for shared stores).
    pub lease_holder: Option<String>,
    /// Unix milliseconds the lease ends.
    pub lease_until_ms: u64,
    /// Bumped by every update; updates compare it, so two writers never overwrite each other.
    pub version: u64,
}

impl Operation {
    /// A new running operation.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: &str,
        owner: &str,
        tool: &str,
        plan_id: Option<String>,
        key: String,
        subject: Value,
        now_ms: u64,
        deadline_ms: u64,
        next_poll_ms: u64,
    ) -> Self {
        Self {
            id: format!("op-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            kind: kind.to_string(),
            owner: owner.to_string(),
            tool: tool.to_string(),
            plan_id,
            key,
            subject,
            status: OpStatus::Running,
            message: "started".into(),
            snapshot: Value::Null,
            report: None,
            created_ms: now_ms,
            updated_ms: now_ms,
            deadline_ms,
            next_poll_ms,
            polls: 0,
            poll_failures: 0,
            lease_holder: None,
            lease_until_ms: 0,
            version: 0,
        }
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 text of Unix milliseconds, for people.
pub fn rfc3339_ms(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.replace_nanosecond(0)
                .ok()?
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
