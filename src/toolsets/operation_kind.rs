//! Long-operation kinds: how a toolset follows work that outlives a tool call.
//!
//! A kind says how to name the cloud resource an operation follows (from the executed plan, or
//! from a wait tool's arguments when the work was started elsewhere), how to poll it once, how
//! often and for how long, and how to report it. The engine's runner does the rest: the schedule,
//! the store, the deadline, progress and waiting.

use std::time::Duration;

use serde_json::{Map, Value};

use super::{Calls, DeclaredCall, scoped_arguments};
use crate::failure::ToolFailure;
use crate::operations::{OpStatus, Operation};
use crate::providers::{BoxFuture, ProviderResponse};

/// The resource an operation follows: a key unique per kind, and what polling needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Begun {
    /// `cn-hangzhou/exec-...`.
    pub key: String,
    /// Region, ids, what was asked.
    pub subject: Value,
}

/// What one poll found.
#[derive(Clone, Debug, PartialEq)]
pub struct Polled {
    /// Where the operation stands now.
    pub status: OpStatus,
    /// One line for people (`Running: 2 of 3 instances done`).
    pub message: String,
    /// The state read, as the kind's report reads it.
    pub snapshot: Value,
}

/// What a poll gets: the declared calls, in the operation's scope.
#[derive(Debug)]
pub struct PollContext<'a> {
    /// The declared calls.
    pub calls: Calls<'a>,
    /// The operation as stored.
    pub operation: &'a Operation,
}

impl PollContext<'_> {
    /// Sends a read through a tool's declared call, scoped by the subject's `region_id`.
    pub async fn read(&self, call: &DeclaredCall) -> Result<ProviderResponse, ToolFailure> {
        let mut scope = Map::new();
        if let Some(region) = self.operation.subject.get("region_id") {
            scope.insert("region_id".into(), region.clone());
        }
        self.calls
            .read(call.tool, scoped_arguments(scope, call))
            .await
    }
}

/// A poll's code.
pub type PollFn = for<'r, 's> fn(&'r PollContext<'s>) -> BoxFuture<'r, Result<Polled, ToolFailure>>;

/// One kind of long operation.
#[derive(Clone, Copy)]
pub struct OperationKind {
    /// The name catalogs use (`ecsext.execution`).
    pub name: &'static str,
    /// Catalog tools whose declared calls its poll sends.
    pub calls: &'static [&'static str],
    /// How often to poll (the skill's cadence).
    pub interval: Duration,
    /// How long to follow it before reporting it timed out.
    pub max_duration: Duration,
    /// The resource a confirmed plan started: from its arguments and its first step's answer.
    pub begin: fn(&Map<String, Value>, &Value) -> Result<Begun, ToolFailure>,
    /// The resource a wait tool's (validated) arguments name, for work started elsewhere.
    pub adopt: fn(&Map<String, Value>) -> Result<Begun, ToolFailure>,
    /// One look at the cloud.
    pub poll: PollFn,
    /// The answer for an operation in any state: progress while running, the report after.
    pub report: fn(&Operation) -> Value,
}

/// Declares a poll function from an async `fn(&PollContext) -> Result<Polled, ToolFailure>`.
#[macro_export]
macro_rules! poller {
    ($run:path) => {{
        fn run<'r, 's>(
            ctx: &'r $crate::toolsets::PollContext<'s>,
        ) -> $crate::providers::BoxFuture<
            'r,
            Result<$crate::toolsets::Polled, $crate::failure::ToolFailure>,
        > {
            Box::pin($run(ctx))
        }
        run
    }};
}
