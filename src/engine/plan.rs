//! Making a plan: guards against the live state, then the steps (the tool's own call and any
//! further declared steps), each with its idempotency token, provenance tag and rollback, and the
//! masked preview of every step. Sends nothing that changes state.

use std::time::SystemTime;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Engine, canonical_digest, render};
use crate::catalog::{
    ApiStyle, CallSpec, Location, PROVENANCE_KEY, StepSpec, ToolSpec, ToolsetSpec,
};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Owner, Plan, Step, new_plan_id};
use crate::providers::{ProviderRequest, RetryMode};
use crate::toolsets::{Calls, GuardContext, Phase};

/// The step id of a tool's own call.
pub(super) const MAIN_STEP: &str = "main";

/// The idempotency token of a step: derived from the plan id and the step, so every retry of the
/// same step carries the same token and no two steps share one. 32 hex digits, within every
/// provider's limit (Alibaba `ClientToken` takes up to 64 ASCII characters).
pub fn idempotency_token(plan_id: &str, step_id: &str) -> String {
    let digest = Sha256::digest(format!("{plan_id}/{step_id}").as_bytes());
    format!("sg{}", &hex::encode(digest)[..30])
}

/// What planning a mutation came to.
pub(super) enum Planned {
    /// A plan to show and confirm.
    Plan(Box<Plan>),
    /// Nothing to change: the live state already is what the composite tool would make.
    Settled(Value),
}

impl Engine {
    /// Validates, checks against the live API, and builds a plan.
    pub(super) async fn plan(
        &self,
        caller: &Owner,
        toolset: &ToolsetSpec,
        tool: &ToolSpec,
        args: Map<String, Value>,
        digest: &str,
    ) -> Result<Planned, ToolFailure> {
        let confirm = tool.confirm.as_ref().ok_or_else(|| {
            ToolFailure::new(FailureKind::ConfigError, "mutation without a confirm rule")
        })?;
        let calls = self.calls(toolset);
        let mut ctx = GuardContext::new(calls, tool, args, Phase::Plan)
            .with_memory(self.gate.memory().for_owner(caller));
        self.run_guards(&mut ctx, tool).await?;
        let id = new_plan_id();
        let steps = self.steps(calls, tool, &ctx.args, &id)?;
        if steps.is_empty() {
            // Every step of a composite plan was left out by its `when`: what it would make
            // already exists, so there is nothing to confirm. The record says what is reused.
            let source = json!({"arguments": ctx.args});
            return Ok(Planned::Settled(json!({
                "status": "nothing_to_do",
                "tool": tool.name,
                "result": crate::catalog::project(&tool.output, &source),
                "checks": ctx.checks,
                "diff": ctx.diff,
            })));
        }
        let dry_run = steps
            .iter()
            .map(|step| self.step_preview(calls, step, steps.len()))
            .collect::<Result<Vec<_>, _>>()?;
        let forced = ctx.force.is_some();
        let plain_phrase = render(&confirm.phrase, &ctx.args);
        let waiver = ctx
            .waiver
            .clone()
            .filter(|_| confirm.waived_phrase.is_some());
        let confirm_phrase = match (&ctx.force, &confirm.force_phrase, &confirm.waived_phrase) {
            (Some(_), Some(force), _) => render(force, &ctx.args),
            (None, _, Some(waived)) if waiver.is_some() => render(waived, &ctx.args),
            _ => plain_phrase.clone(),
        };
        let now = SystemTime::now();
        let mut summary = render(&confirm.summary, &ctx.args);
        if let Some(reason) = &ctx.force {
            summary.push_str(&format!(" (FORCE: {reason})"));
        }
        Ok(Planned::Plan(Box::new(Plan {
            id,
            owner: caller.clone(),
            tool: tool.name.clone(),
            toolset: toolset.name.clone(),
            target: render(&confirm.target, &ctx.args),
            summary,
            confirm_phrase,
            plain_phrase,
            forced,
            waiver,
            human_only: false,
            arguments_digest: digest.to_string(),
            dry_run,
            steps,
            outcome_unknown: false,
            checks: ctx.checks,
            diff: Value::Object(ctx.diff),
            state_digest: canonical_digest(&Value::Array(ctx.state)),
            arguments: ctx.args,
            created_at: now,
            expires_at: now + self.gate.ttl(),
        })))
    }

    /// What a step's preview shows: the masked request, and for composite plans the step id,
    /// its token and its rollback.
    fn step_preview(
        &self,
        calls: Calls<'_>,
        step: &Step,
        count: usize,
    ) -> Result<Value, ToolFailure> {
        let mut preview = calls.preview(&step.request)?;
        if count > 1
            && let Some(object) = preview.as_object_mut()
        {
            object.insert("step".into(), json!(step.id));
            if let Some(rollback) = &step.rollback {
                object.insert(
                    "rollback".into(),
                    json!({"method": rollback.method, "action": rollback.action, "path": rollback.path}),
                );
            }
        }
        Ok(preview)
    }

    /// The plan's steps, exactly as they will be sent (later steps' references to earlier
    /// results stay as `{step.<id>.<path>}` until then).
    pub(super) fn steps(
        &self,
        calls: Calls<'_>,
        tool: &ToolSpec,
        args: &Map<String, Value>,
        plan_id: &str,
    ) -> Result<Vec<Step>, ToolFailure> {
        let mut steps = Vec::new();
        if let Some(call) = &tool.call {
            let main = calls.build(tool, args)?;
            let retry = if tool.is_idempotent() {
                RetryMode::Safe
            } else {
                RetryMode::NotAfterSend
            };
            let main_rollback = tool
                .rollback
                .as_ref()
                .map(|rollback| self.step_request(calls, rollback, args))
                .transpose()?;
            steps.push(self.step(
                MAIN_STEP,
                main,
                call,
                retry,
                tool.execute.clone(),
                main_rollback,
                plan_id,
            ));
        }
        // A step whose `when` argument is unset or false is not part of this plan (a guard
        // decided that what it would create already exists).
        let included = tool.steps.iter().filter(|spec| {
            spec.when
                .as_ref()
                .is_none_or(|name| args.get(name).is_some_and(truthy))
        });
        for spec in included {
            let request = self.step_request(calls, spec, args)?;
            let rollback = spec
                .rollback
                .as_deref()
                .map(|rollback| self.step_request(calls, rollback, args))
                .transpose()?;
            steps.push(self.step(
                &spec.id,
                request,
                &spec.call,
                RetryMode::NotAfterSend,
                spec.execute.clone(),
                rollback,
                plan_id,
            ));
        }
        Ok(steps)
    }

    fn step_request(
        &self,
        calls: Calls<'_>,
        spec: &StepSpec,
        args: &Map<String, Value>,
    ) -> Result<ProviderRequest, ToolFailure> {
        let service = calls.catalog().service(&spec.call.service).ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ConfigError,
                format!("unknown service `{}`", spec.call.service),
            )
        })?;
        let values: Vec<(Location, String, Value)> = spec
            .wire
            .iter()
            .map(|value| {
                (
                    value.location,
                    value.name.clone(),
                    fill_arguments(&value.value, args),
                )
            })
            .collect();
        crate::catalog::build_step_request(service, &spec.call, calls.user_agent(), args, &values)
            .map_err(|error| ToolFailure::new(FailureKind::ConfigError, error.to_string()))
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        id: &str,
        mut request: ProviderRequest,
        call: &CallSpec,
        mut retry: RetryMode,
        executor: Option<String>,
        rollback: Option<ProviderRequest>,
        plan_id: &str,
    ) -> Step {
        let token = idempotency_token(plan_id, id);
        if let Some(wire) = &call.client_token {
            put_value(&mut request, wire.location, &wire.name, json!(token));
            // With the provider's idempotency key a resend can never act twice.
            retry = RetryMode::Safe;
        }
        let provenance = call.provenance.as_ref().map(|spec| {
            add_provenance_tag(&mut request, spec.location, &spec.name, plan_id);
            plan_id.to_string()
        });
        Step {
            id: id.to_string(),
            request,
            retry,
            executor,
            idempotency_token: token,
            provenance,
            rollback,
        }
    }
}

/// Whether a `when` argument includes its step: `true`, a non-empty string or list, a non-zero
/// number.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::Object(map) => !map.is_empty(),
        Value::Null => false,
    }
}

/// `{param}` inside a step's string values filled from the arguments; `{step.…}` is left for
/// execution time.
fn fill_arguments(value: &Value, args: &Map<String, Value>) -> Value {
    match value {
        Value::String(text)
            if text.starts_with('{') && text.ends_with('}') && !text.starts_with("{step.") =>
        {
            // A whole-value reference keeps the argument's type (a list stays a list).
            args.get(&text[1..text.len() - 1])
                .cloned()
                .unwrap_or(Value::Null)
        }
        Value::String(text) if !text.contains("{step.") => Value::String(render(text, args)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| fill_arguments(v, args)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_arguments(v, args)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Puts a value where the API takes it (query or body).
fn put_value(request: &mut ProviderRequest, location: Location, name: &str, value: Value) {
    match location {
        Location::Body if request.style != ApiStyle::Rpc => {
            if let Some(body) = request.body.as_mut().and_then(Value::as_object_mut) {
                body.insert(name.to_string(), value);
            } else {
                let mut body = Map::new();
                body.insert(name.to_string(), value);
                request.body = Some(Value::Object(body));
            }
        }
        Location::Header => {
            request.headers.push((
                name.to_string(),
                value.as_str().unwrap_or_default().to_string(),
            ));
        }
        _ => {
            request.query.retain(|(key, _)| key != name);
            request.query.push((
                name.to_string(),
                value.as_str().unwrap_or_default().to_string(),
            ));
        }
    }
}

/// Adds the `skillgate.plan` tag (replacing any the arguments carried): a `[{Key, Value}]` list in
/// a JSON body, or the flattened `Name.N.Key`/`Name.N.Value` pair of an RPC query. Shown in the dry
/// run, so nothing is hidden.
fn add_provenance_tag(
    request: &mut ProviderRequest,
    location: Location,
    name: &str,
    plan_id: &str,
) {
    if location == Location::Body && request.style != ApiStyle::Rpc && name.contains('.') {
        // A dotted name is a string map inside the body (PAI-DLC `Settings.Tags`): the plan id
        // goes in as one more key, since that API takes no tag list.
        let Some(mut node) = request.body.as_mut() else {
            return;
        };
        for part in name.split('.') {
            let Some(map) = node.as_object_mut() else {
                return;
            };
            node = map.entry(part).or_insert_with(|| json!({}));
        }
        if let Some(map) = node.as_object_mut() {
            map.insert(PROVENANCE_KEY.into(), json!(plan_id));
        }
        return;
    }
    if location == Location::Body && request.style != ApiStyle::Rpc {
        let Some(body) = request.body.as_mut().and_then(Value::as_object_mut) else {
            return;
        };
        let labels = body.entry(name).or_insert_with(|| json!([]));
        if let Some(list) = labels.as_array_mut() {
            list.retain(|l| l.get("Key").and_then(Value::as_str) != Some(PROVENANCE_KEY));
            list.push(json!({"Key": PROVENANCE_KEY, "Value": plan_id}));
        }
        return;
    }
    let prefix = format!("{name}.");
    let used = request
        .query
        .iter()
        .filter_map(|(key, _)| {
            key.strip_prefix(&prefix)?
                .split('.')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let next = used + 1;
    request
        .query
        .push((format!("{name}.{next}.Key"), PROVENANCE_KEY.to_string()));
    request
        .query
        .push((format!("{name}.{next}.Value"), plan_id.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc() -> ProviderRequest {
        ProviderRequest::new(
            "alibaba",
            "ecs",
            "2014-05-26",
            ApiStyle::Rpc,
            "RunInstances",
            "POST",
            "ecs.cn-hangzhou.aliyuncs.com",
        )
        .query("Tag.1.Key", "env")
        .query("Tag.1.Value", "dev")
    }

    #[test]
    fn tokens_are_stable_per_step_and_differ_between_steps() {
        let a = idempotency_token("plan-1", "main");
        assert_eq!(a, idempotency_token("plan-1", "main"));
        assert_ne!(a, idempotency_token("plan-1", "vswitch"));
        assert_ne!(a, idempotency_token("plan-2", "main"));
        assert!(a.len() <= 64 && a.is_ascii());
    }

    #[test]
    fn provenance_tags_follow_the_apis_shape() {
        let mut request = rpc();
        add_provenance_tag(&mut request, Location::Query, "Tag", "plan-9");
        assert_eq!(request.query_value("Tag.2.Key"), Some(PROVENANCE_KEY));
        assert_eq!(request.query_value("Tag.2.Value"), Some("plan-9"));
        let mut roa = ProviderRequest::new(
            "alibaba",
            "paistudio",
            "2022-01-12",
            ApiStyle::Roa,
            "CreateQuota",
            "POST",
            "pai.cn-hangzhou.aliyuncs.com",
        )
        .body(json!({"Labels": [{"Key": PROVENANCE_KEY, "Value": "forged"}]}));
        add_provenance_tag(&mut roa, Location::Body, "Labels", "plan-9");
        assert_eq!(
            roa.body,
            Some(json!({"Labels": [{"Key": PROVENANCE_KEY, "Value": "plan-9"}]}))
        );
    }

    #[test]
    fn a_dotted_provenance_name_is_a_tag_map_inside_the_body() {
        let mut dlc = ProviderRequest::new(
            "alibaba",
            "pai-dlc",
            "2020-12-03",
            ApiStyle::Roa,
            "CreateJob",
            "POST",
            "pai-dlc.cn-hangzhou.aliyuncs.com",
        )
        .body(json!({"DisplayName": "train", "Settings": {"Tags": {"team": "a", PROVENANCE_KEY: "forged"}}}));
        add_provenance_tag(&mut dlc, Location::Body, "Settings.Tags", "plan-9");
        assert_eq!(
            dlc.body,
            Some(
                json!({"DisplayName": "train", "Settings": {"Tags": {"team": "a", PROVENANCE_KEY: "plan-9"}}})
            )
        );
        let mut bare = dlc.clone().body(json!({"DisplayName": "train"}));
        add_provenance_tag(&mut bare, Location::Body, "Settings.Tags", "plan-9");
        assert_eq!(
            bare.body,
            Some(json!({"DisplayName": "train", "Settings": {"Tags": {PROVENANCE_KEY: "plan-9"}}}))
        );
    }

    #[test]
    fn step_values_take_arguments_and_leave_step_references() {
        let args = json!({"name": "web", "zones": ["a", "b"]});
        let args = args.as_object().expect("object");
        assert_eq!(fill_arguments(&json!("{zones}"), args), json!(["a", "b"]));
        assert_eq!(fill_arguments(&json!("vsw-{name}"), args), json!("vsw-web"));
        assert_eq!(
            fill_arguments(&json!("{step.vpc.VpcId}"), args),
            json!("{step.vpc.VpcId}")
        );
    }
}
