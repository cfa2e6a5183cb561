//! Guards and executors: the skills' rules as code. A guard runs before a plan is made (and again
//! before it is executed) and either adds what it verified to the plan or stops it with a clear
//! failure. An executor sends a plan's stored requests when a single plain call is not enough.

mod common;
pub mod pai;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::catalog::{Registry, ToolSpec};
use crate::engine::ToolFailure;
use crate::gate::Check;
use crate::providers::alibaba::{AlibabaClient, ApiRequest, ApiResponse, RetryMode};

pub use crate::catalog::GuardCall;

/// Whether a guard runs for a new plan or to re-check a stored one before execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Making a plan.
    Plan,
    /// Re-checking a plan about to be executed.
    Recheck,
}

/// What guards read and write while a plan is being made.
#[derive(Debug)]
pub struct GuardContext<'a> {
    /// The provider client.
    pub client: &'a AlibabaClient,
    /// The tool being planned.
    pub tool: &'a ToolSpec,
    /// Validated arguments; guards replace names with resolved IDs and fill hidden parameters.
    pub args: Map<String, Value>,
    /// What was verified, shown in the plan.
    pub checks: Vec<Check>,
    /// Current vs target, shown in the plan.
    pub diff: Map<String, Value>,
    /// The state the plan depends on; its digest is compared at confirmation.
    pub state: Vec<Value>,
    /// Why this change needs the force phrase, when it does.
    pub force: Option<String>,
    /// Facts fetched by earlier guards (`quota`, `workspace`), so later ones need not fetch again.
    pub facts: HashMap<&'static str, Value>,
    /// Plan or re-check.
    pub phase: Phase,
}

impl<'a> GuardContext<'a> {
    /// A fresh context.
    pub fn new(
        client: &'a AlibabaClient,
        tool: &'a ToolSpec,
        args: Map<String, Value>,
        phase: Phase,
    ) -> Self {
        Self {
            client,
            tool,
            args,
            checks: Vec::new(),
            diff: Map::new(),
            state: Vec::new(),
            force: None,
            facts: HashMap::new(),
            phase,
        }
    }

    /// The region of this call.
    pub fn region(&self) -> String {
        self.args
            .get("region_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
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

    /// Sends a read request (retried on passing faults).
    pub async fn read(&self, request: &ApiRequest) -> Result<ApiResponse, ToolFailure> {
        self.client
            .call(request, RetryMode::Safe)
            .await
            .map_err(ToolFailure::from)
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

/// Every guard the catalog may name.
pub const GUARDS: &[&str] = &[
    "exactly_one_of",
    "at_least_one_of",
    "pai.resolve_resource_groups",
    "pai.homogeneous_resource_groups",
    "pai.node_specs_bindable",
    "pai.resolve_parent",
    "pai.node_specs_within_parent",
    "pai.load_quota",
    "pai.quota_name_unused",
    "pai.scale_resource_groups",
    "pai.scale_capacity",
    "pai.usage_below_target",
    "pai.update_rules",
    "pai.delete_order",
    "pai.load_workspace",
    "pai.attach_binding",
    "pai.detach_binding",
    "pai.binding_exists",
];

/// Every executor the catalog may name.
pub const EXECUTORS: &[&str] = &[
    "pai.create_quota",
    "pai.delete_quota",
    "pai.attach_workspace",
    "pai.detach_workspace",
];

/// What the catalog is checked against at startup.
pub fn registry() -> Registry {
    Registry {
        guards: GUARDS.iter().copied().collect(),
        executors: EXECUTORS.iter().copied().collect(),
        products: ["paistudio", "aiworkspace"].into_iter().collect(),
    }
}

/// Runs one guard.
pub async fn run_guard(ctx: &mut GuardContext<'_>, call: &GuardCall) -> Result<(), ToolFailure> {
    match call.name.as_str() {
        "exactly_one_of" => common::exactly_one_of(ctx, &call.args),
        "at_least_one_of" => common::at_least_one_of(ctx, &call.args),
        "pai.resolve_resource_groups" => pai::groups::resolve_resource_groups(ctx).await,
        "pai.homogeneous_resource_groups" => pai::groups::homogeneous_resource_groups(ctx).await,
        "pai.node_specs_bindable" => pai::capacity::node_specs_bindable(ctx).await,
        "pai.resolve_parent" => pai::quotas::resolve_parent(ctx).await,
        "pai.node_specs_within_parent" => pai::capacity::node_specs_within_parent(ctx).await,
        "pai.load_quota" => pai::quotas::load_quota(ctx).await,
        "pai.quota_name_unused" => pai::quotas::quota_name_unused(ctx).await,
        "pai.scale_resource_groups" => pai::groups::scale_resource_groups(ctx).await,
        "pai.scale_capacity" => pai::capacity::scale_capacity(ctx).await,
        "pai.usage_below_target" => pai::usage::usage_below_target(ctx).await,
        "pai.update_rules" => pai::update::update_rules(ctx),
        "pai.delete_order" => pai::quotas::delete_order(ctx).await,
        "pai.load_workspace" => pai::workspaces::load_workspace(ctx).await,
        "pai.attach_binding" => pai::workspaces::attach_binding(ctx).await,
        "pai.detach_binding" => pai::workspaces::detach_binding(ctx).await,
        "pai.binding_exists" => pai::workspaces::binding_exists(ctx).await,
        other => Err(ToolFailure::new(
            "config_error",
            format!("unknown guard `{other}`"),
        )),
    }
}

/// Adjusts a planned request before it is stored (e.g. a provenance label carrying the plan id).
pub fn prepare_request(executor: Option<&str>, request: &mut ApiRequest, plan_id: &str) {
    if executor == Some("pai.create_quota") {
        pai::create::add_provenance_label(request, plan_id);
    }
}

/// Sends a plan's stored requests and returns the responses.
pub async fn execute(
    client: &AlibabaClient,
    tool: &ToolSpec,
    requests: &[ApiRequest],
    plan_id: &str,
) -> Result<Vec<ApiResponse>, ToolFailure> {
    let mut responses = Vec::with_capacity(requests.len());
    for request in requests {
        let response = match tool.execute.as_deref() {
            Some("pai.create_quota") => pai::create::create_quota(client, request, plan_id).await?,
            Some("pai.delete_quota") => pai::quotas::delete_quota(client, request).await?,
            Some("pai.detach_workspace") => {
                pai::workspaces::detach_workspace(client, request).await?
            }
            Some("pai.attach_workspace") => {
                pai::workspaces::attach_workspace(client, request).await?
            }
            _ => {
                let retry = if tool.is_idempotent() {
                    RetryMode::Safe
                } else {
                    RetryMode::NotAfterSend
                };
                client
                    .call(request, retry)
                    .await
                    .map_err(ToolFailure::from)?
            }
        };
        responses.push(response);
    }
    Ok(responses)
}
