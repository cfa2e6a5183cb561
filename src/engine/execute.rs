//! Confirming a plan: the gate's claim, the execution journal entry (so a crash at any point
//! leaves a plan another runner can finish, [`super::journal`]), a read-back when an earlier
//! attempt's outcome is unknown, the re-check of every step against the live state, then the
//! steps in order, each result available to the next, with the declared rollbacks when a later
//! step fails.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::audit_events::Decision;
use super::journal::{self, Entry, PausePoint};
use super::{Channel, Engine, Outcome, canonical_digest, progress};
use crate::audit::AuditEvent;
use crate::catalog::ToolSpec;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::{Owner, Plan, Restored, Step};
use crate::operations::{OpStatus, Operation};
use crate::providers::{ProviderRequest, RetryMode};
use crate::signing::encoding::encode_path_segment;
use crate::toolsets::{Calls, ExecContext, ExecOutcome, GuardContext, Phase};

/// A failed execution: the failure, and whether nothing at all was done (so the same plan may be
/// confirmed again).
struct ExecutionFailure {
    failure: ToolFailure,
    nothing_done: bool,
}

impl Engine {
    /// Executes a pending plan of the caller's once, when `phrase` is its exact phrase.
    pub async fn confirm(
        &self,
        caller: &Owner,
        plan_id: &str,
        phrase: &str,
        channel: Channel,
    ) -> Outcome {
        /// Counts a confirmation while it runs, however it ends.
        struct Running<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        self.confirming
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _running = Running(&self.confirming);
        let result = self.confirm_inner(caller, plan_id, phrase, channel).await;
        self.finish(result)
    }

    async fn confirm_inner(
        &self,
        caller: &Owner,
        plan_id: &str,
        phrase: &str,
        channel: Channel,
    ) -> Result<Value, ToolFailure> {
        let events = self.events(caller);
        let plan = match self.gate.claim(
            caller,
            plan_id,
            phrase,
            channel == Channel::Human,
            SystemTime::now(),
        ) {
            Ok(plan) => plan,
            Err(refusal) => {
                let failure = ToolFailure::from(refusal);
                self.audit.record(events.refused(
                    "confirm",
                    None,
                    Some(plan_id.to_string()),
                    &failure,
                ));
                return Err(failure);
            }
        };
        // Fail closed: nothing is sent unless the confirmation is on record.
        if let Err(error) =
            self.audit
                .record_required(events.about("confirm", &plan, Decision::Confirmed))
        {
            return Err(self.unrecorded_confirmation(caller, plan, error));
        }
        let Some((toolset, tool)) = self.catalog.tool(&plan.tool) else {
            let failure = ToolFailure::new(
                FailureKind::ConfigError,
                "the plan's tool is no longer in the catalog",
            );
            self.audit
                .record(events.plan_failure(&plan, Decision::Refused, &failure));
            return Err(failure);
        };
        let calls = self.calls(toolset);
        let mut entry = match self.journal_entry(caller, &plan) {
            Ok(entry) => entry,
            Err(failure) => return Err(self.unjournaled_confirmation(caller, plan, failure)),
        };
        let executing = self.executing(&plan.id);
        self.pause(PausePoint::AfterTake).await;
        let result = self
            .execute_confirmed(caller, calls, tool, plan, &mut entry)
            .await;
        drop(executing);
        match &result {
            Ok(out) => entry.finish(OpStatus::Succeeded, "executed", out.clone()),
            Err(failure) => entry.finish(
                OpStatus::Failed,
                &failure.message,
                json!({"error": failure.text()}),
            ),
        }
        result
    }

    /// Everything after the journal entry is written: the read-back of an unknown earlier
    /// outcome, the re-check, the steps, and the record.
    async fn execute_confirmed(
        &self,
        caller: &Owner,
        calls: Calls<'_>,
        tool: &ToolSpec,
        plan: Plan,
        entry: &mut Entry<'_>,
    ) -> Result<Value, ToolFailure> {
        let events = self.events(caller);
        if plan.outcome_unknown {
            // An earlier attempt's answer was lost: look before re-checking or sending anything,
            // so a change that took effect is reported as done instead of as a stale plan.
            progress::step("reading back the outcome of the earlier attempt");
            match self.read_back(calls, &plan).await {
                Ok(Some(outcome)) => {
                    entry.done(&plan.steps[0].id, &outcome);
                    return Ok(self.executed(
                        caller,
                        tool,
                        &plan,
                        vec![(plan.steps[0].id.clone(), outcome)],
                    ));
                }
                Ok(None) => {}
                Err(failure) => {
                    self.audit
                        .record(events.plan_failure(&plan, Decision::Refused, &failure));
                    return Err(self.keep_if_fault(caller, plan, failure));
                }
            }
        }
        progress::step("re-checking the live state before executing");
        if let Err(failure) = self.recheck(calls, tool, &plan).await {
            self.audit
                .record(events.plan_failure(&plan, Decision::Refused, &failure));
            return Err(self.keep_if_fault(caller, plan, failure));
        }
        let first_action = plan
            .steps
            .first()
            .map(|step| step.request.action.clone())
            .unwrap_or_default();
        progress::step(&format!("sending {first_action}"));
        match self
            .execute_steps(calls, &plan, entry, Vec::new(), None)
            .await
        {
            Ok(outcomes) => {
                self.pause(PausePoint::BeforeRecord).await;
                Ok(self.executed(caller, tool, &plan, outcomes))
            }
            Err(ExecutionFailure {
                failure,
                nothing_done,
            }) => {
                self.audit
                    .record(events.plan_failure(&plan, Decision::Failed, &failure));
                // Sending the plan again is safe when nothing was done and the step is
                // idempotent, the provider refused before acting, or an executor checks (by
                // reading back) before it would ever send again.
                let first = &plan.steps[0];
                let has_executor = first.executor.is_some();
                let safe_again = nothing_done
                    && (first.retry == RetryMode::Safe
                        || has_executor
                        || failure.kind.refused_before_acting());
                if safe_again {
                    let mut plan = plan;
                    plan.outcome_unknown = has_executor && outcome_unknown(&failure);
                    Err(self.keep_if_fault(caller, plan, failure))
                } else {
                    Err(failure)
                }
            }
        }
    }

    /// The read-back of the first step's executor, if it has one.
    async fn read_back(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
    ) -> Result<Option<ExecOutcome>, ToolFailure> {
        self.read_back_step(calls, plan, &plan.steps[0], &plan.steps[0].request)
            .await
    }

    /// The read-back of one step's executor, if it has one: whether its change took effect.
    async fn read_back_step(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        step: &Step,
        request: &ProviderRequest,
    ) -> Result<Option<ExecOutcome>, ToolFailure> {
        let Some(read_back) = step
            .executor
            .as_deref()
            .and_then(|name| self.registry.executor(name))
            .and_then(|executor| executor.read_back)
        else {
            return Ok(None);
        };
        let ctx = ExecContext {
            calls,
            request,
            plan_id: &plan.id,
            arguments: &plan.arguments,
        };
        read_back(&ctx).await
    }

    /// Records and shapes a successful execution.
    fn executed(
        &self,
        caller: &Owner,
        tool: &ToolSpec,
        plan: &Plan,
        outcomes: Vec<(String, ExecOutcome)>,
    ) -> Value {
        self.executed_noting(caller, tool, plan, outcomes, None)
    }

    /// [`Self::executed`], with a note for the audit log's `reason` (a takeover says so).
    fn executed_noting(
        &self,
        caller: &Owner,
        tool: &ToolSpec,
        plan: &Plan,
        outcomes: Vec<(String, ExecOutcome)>,
        note: Option<String>,
    ) -> Value {
        let request_ids: Vec<String> = outcomes
            .iter()
            .filter_map(|(_, o)| o.response().request_id.clone())
            .collect();
        // A composite plan's result is a record across its steps (`vpc.VpcId|arguments.vpc_id`:
        // what a step created, or what the guards chose to reuse); a plain one projects the
        // tool's own answer.
        let source = if tool.is_composite() {
            composite_source(plan, &outcomes)
        } else {
            outcomes
                .first()
                .map(|(_, o)| o.response().body.clone())
                .unwrap_or_default()
        };
        let result = crate::catalog::project(&tool.output, &source);
        let recovery: Vec<String> = outcomes
            .iter()
            .filter_map(|(id, o)| o.recovery().map(|how| format!("{id}: {how}")))
            .collect();
        let recovered = match (note, recovery.is_empty()) {
            (Some(note), true) => Some(note),
            (Some(note), false) => Some(format!("{note}; {}", recovery.join("; "))),
            (None, false) => Some(recovery.join("; ")),
            (None, true) => None,
        };
        self.audit.record(self.events(caller).executed(
            plan,
            request_ids.clone(),
            &crate::catalog::redact_secrets(&tool.output, &result),
            recovered.clone(),
        ));
        let mut out = json!({
            "status": "executed",
            "plan_id": plan.id,
            "tool": plan.tool,
            "summary": plan.summary,
            "target": plan.target,
            "result": result,
            "request_ids": request_ids,
        });
        if let Some(object) = out.as_object_mut() {
            if tool.operation.is_some() {
                match self.begin_operation(caller, tool, plan, &source) {
                    Ok(view) => {
                        object.insert("operation".into(), view);
                    }
                    Err(failure) => {
                        // The change was made; only following it failed. Say so, never hide
                        // the execution behind the error.
                        object.insert("operation_error".into(), json!(failure.text()));
                    }
                }
            }
            if let Some(how) = recovered {
                object.insert("recovered".into(), json!(how));
            }
            if outcomes.len() > 1 {
                let steps: Vec<Value> = outcomes
                    .iter()
                    .map(|(id, o)| json!({"step": id, "request_id": o.response().request_id}))
                    .collect();
                object.insert("steps".into(), Value::Array(steps));
            }
        }
        out
    }

    /// After a provider fault the plan goes back to the store, so the human's confirmation is not
    /// lost: the same phrase works again until the plan expires. Putting it back never displaces
    /// a newer plan for the same resource: then this older plan is the one replaced.
    fn keep_if_fault(&self, caller: &Owner, plan: Plan, failure: ToolFailure) -> ToolFailure {
        if !failure.kind.is_provider_fault() {
            return failure;
        }
        let hint = format!(
            "nothing was lost: plan `{}` is still pending; once this is resolved, call `confirm` again with the same phrase (until {})",
            plan.id,
            crate::gate::rfc3339(plan.expires_at)
        );
        let kept = plan.clone();
        match self.gate.restore(plan) {
            Err(refusal) => {
                let mut failure = failure.add_hint(format!(
                    "plan `{}` was not run but could not be kept ({refusal}): plan again once the state store answers",
                    kept.id
                ));
                failure.retryable = false;
                failure
            }
            Ok(Restored::Pending) => failure.add_hint(hint),
            Ok(Restored::Superseded { by }) => {
                self.audit.record(AuditEvent {
                    reason: Some(format!(
                        "a newer plan for the same resource, `{by}`, was made while this one was being confirmed"
                    )),
                    ..self.events(caller).about("confirm", &kept, Decision::Replaced)
                });
                let mut failure = failure.with_hint(format!(
                    "plan `{}` will not run: it was superseded by the newer plan `{by}` for the same resource, made while this one was being confirmed; confirm `{by}` if that is the change wanted",
                    kept.id
                ));
                failure.retryable = false;
                failure
            }
        }
    }

    /// Re-runs the plan's guards against the live state and rebuilds every step: a plan made
    /// against a state that has since changed is refused, never executed on stale assumptions.
    async fn recheck(
        &self,
        calls: Calls<'_>,
        tool: &ToolSpec,
        plan: &Plan,
    ) -> Result<(), ToolFailure> {
        let stale = |why: String| {
            ToolFailure::new(
                FailureKind::StalePlan,
                format!("the plan no longer matches the live state: {why}; nothing was done"),
            )
            .with_hint("plan again to see the current state")
        };
        let mut ctx = GuardContext::new(calls, tool, plan.arguments.clone(), Phase::Recheck)
            .with_memory(self.gate.memory().for_owner(&plan.owner));
        if let Err(failure) = self.run_guards(&mut ctx, tool).await {
            // A fault of the provider (permission, throttling, outage) says nothing about the state:
            // report it as it is, so a RAM denial still names the action to grant.
            if failure.kind.is_provider_fault() {
                return Err(failure);
            }
            return Err(stale(failure.message));
        }
        if let Some(reason) = ctx.force.as_ref().filter(|_| !plan.forced) {
            return Err(stale(format!(
                "{reason} since the plan, so it now needs the force phrase"
            )));
        }
        if canonical_digest(&Value::Array(ctx.state)) != plan.state_digest {
            return Err(stale(
                "the resource was changed by someone else since the plan".into(),
            ));
        }
        let today = self.steps(calls, tool, &ctx.args, &plan.id)?;
        if let Some(index) =
            (0..plan.steps.len().max(today.len())).find(|i| plan.steps.get(*i) != today.get(*i))
        {
            let id = plan
                .steps
                .get(index)
                .or(today.get(index))
                .map(|s| s.id.clone())
                .unwrap_or_default();
            return Err(stale(format!(
                "the request it would send today for step `{id}` differs from the one shown"
            )));
        }
        Ok(())
    }

    /// Sends the steps in order; a later step may use earlier answers. When a step fails after
    /// others succeeded, their rollbacks run in reverse order.
    ///
    /// `done` are steps already answered (a resumed plan's journal); `maybe_sent` names the step
    /// whose request may have left before a crash, which is settled without a blind resend.
    /// Each step is journaled as sending before it is sent and as done when it is answered.
    async fn execute_steps(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        entry: &mut Entry<'_>,
        done: Vec<(String, ExecOutcome)>,
        maybe_sent: Option<&str>,
    ) -> Result<Vec<(String, ExecOutcome)>, ExecutionFailure> {
        let mut outcomes = done;
        for step in plan.steps.iter().skip(outcomes.len()) {
            let result = match resolve(&step.request, &outcomes) {
                Ok(request) if maybe_sent == Some(step.id.as_str()) => {
                    self.settle_step(calls, plan, step, &request).await
                }
                Ok(request) => match entry.sending(&step.id) {
                    Ok(()) => self.execute_step(calls, plan, step, &request).await,
                    Err(failure) => Err(failure),
                },
                Err(failure) => Err(failure),
            };
            let result = match result {
                Ok(outcome) => {
                    self.pause(PausePoint::AfterSend).await;
                    entry.done(&step.id, &outcome);
                    outcomes.push((step.id.clone(), outcome));
                    self.await_ready(calls, plan, &step.id, &outcomes).await
                }
                Err(failure) => Err(failure),
            };
            match result {
                Ok(()) => {}
                Err(failure) => {
                    if outcomes.is_empty() {
                        return Err(ExecutionFailure {
                            failure,
                            nothing_done: true,
                        });
                    }
                    let rolled_back = self.roll_back(calls, plan, &outcomes).await;
                    let done: Vec<&str> = outcomes.iter().map(|(id, _)| id.as_str()).collect();
                    let failure = ToolFailure {
                        details: json!({
                            "failed_step": step.id,
                            "completed_steps": done,
                            "rollback": rolled_back,
                            "cause": failure.details,
                        }),
                        ..failure
                    }
                    .add_hint(format!(
                        "step `{}` failed after {} completed; the rollback results are in the details",
                        step.id,
                        done.join(", ")
                    ));
                    return Err(ExecutionFailure {
                        failure,
                        nothing_done: false,
                    });
                }
            }
        }
        Ok(outcomes)
    }

    /// Waits, bounded, until the step's resource is ready for the next step (its declared
    /// `ready` read shows the value), on the runner's time scale.
    async fn await_ready(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        step_id: &str,
        done: &[(String, ExecOutcome)],
    ) -> Result<(), ToolFailure> {
        let Some(ready) = self
            .catalog
            .tool(&plan.tool)
            .and_then(|(_, tool)| tool.steps.iter().find(|s| s.id == step_id))
            .and_then(|spec| spec.ready.as_ref())
        else {
            return Ok(());
        };
        let answers = answers_of(done);
        let lookup = |reference: &str| step_value(&answers, reference);
        let mut args = match fill_value(&Value::Object(ready.args.clone()), &lookup)? {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        for scope in ["region_id"] {
            if let Some(value) = plan.arguments.get(scope) {
                args.entry(scope).or_insert_with(|| value.clone());
            }
        }
        let every = self
            .operations
            .scaled(std::time::Duration::from_secs(ready.every_s.max(1)));
        let within = self
            .operations
            .scaled(std::time::Duration::from_secs(ready.within_s));
        let started = std::time::Instant::now();
        progress::step(&format!("waiting for step `{step_id}` to be ready"));
        loop {
            let body = calls
                .read(&ready.tool, Value::Object(args.clone()))
                .await?
                .body;
            let seen = crate::catalog::lookup(&body, &ready.path).cloned();
            if seen.as_ref() == Some(&ready.equals) {
                return Ok(());
            }
            if started.elapsed() >= within {
                return Err(ToolFailure::new(
                    FailureKind::Timeout,
                    format!(
                        "step `{step_id}` was not ready within {} s: `{}` is {} (waited for {})",
                        ready.within_s,
                        ready.path,
                        seen.unwrap_or(Value::Null),
                        ready.equals
                    ),
                ));
            }
            tokio::time::sleep(every).await;
        }
    }

    async fn execute_step(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        step: &Step,
        request: &ProviderRequest,
    ) -> Result<ExecOutcome, ToolFailure> {
        match step
            .executor
            .as_deref()
            .map(|name| self.registry.executor(name).ok_or(name))
        {
            Some(Ok(executor)) => {
                let ctx = ExecContext {
                    calls,
                    request,
                    plan_id: &plan.id,
                    arguments: &plan.arguments,
                };
                (executor.run)(&ctx).await
            }
            Some(Err(name)) => Err(ToolFailure::new(
                FailureKind::ConfigError,
                format!("unknown executor `{name}`"),
            )),
            None => calls
                .send(request, step.retry)
                .await
                .map(ExecOutcome::Executed)
                .map_err(ToolFailure::from),
        }
    }

    /// A step whose request may have reached the cloud before the process stopped: its
    /// read-back decides when it has one; otherwise it is resent only when resending is safe
    /// (the plan's idempotency token makes a repeat return the first result); otherwise it is
    /// reported as unknown and never resent.
    async fn settle_step(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        step: &Step,
        request: &ProviderRequest,
    ) -> Result<ExecOutcome, ToolFailure> {
        if let Some(outcome) = self.read_back_step(calls, plan, step, request).await? {
            return Ok(outcome);
        }
        let has_read_back = step
            .executor
            .as_deref()
            .and_then(|name| self.registry.executor(name))
            .is_some_and(|executor| executor.read_back.is_some());
        if has_read_back || step.retry == RetryMode::Safe {
            // Read back and not found (so never applied), or a resend the token makes safe.
            return self.execute_step(calls, plan, step, request).await;
        }
        Err(ToolFailure::new(
            FailureKind::Timeout,
            format!(
                "step `{}` ({}) may have been sent before skillgate stopped, and the API offers neither an idempotency token nor a read-back; it was not sent again",
                step.id, step.request.action
            ),
        )
        .with_hint("check the target in the console before planning the change again"))
    }

    /// Finishes a confirmed plan whose process stopped mid-execution (the runner found its
    /// journal entry with an expired lease): from where the journal says it stood.
    pub(super) async fn resume_execution(&self, operation: Operation) {
        let lease = self.operations.lease(journal::LEASE);
        let mut entry = Entry::resumed(self.operations.store.as_ref(), operation, lease);
        let Some((plan, caller)) = entry.subject() else {
            entry.finish(
                OpStatus::Failed,
                "the journal entry cannot be read",
                Value::Null,
            );
            return;
        };
        if self.is_executing(&plan.id) {
            let progress = entry.progress();
            let _ = entry.record(&progress, "still executing in this process");
            return;
        }
        let executing = self.executing(&plan.id);
        let mut progress = entry.progress();
        progress.resumed = progress.resumed.saturating_add(1);
        if entry
            .record(&progress, "resuming: the process that confirmed it stopped")
            .is_err()
        {
            return;
        }
        tracing::info!(plan = %plan.id, done = progress.done.len(), sending = ?progress.sending, "resuming a confirmed plan");
        let events = self.events(&caller);
        let Some((toolset, tool)) = self.catalog.tool(&plan.tool) else {
            entry.finish(
                OpStatus::Failed,
                "the plan's tool is no longer in the catalog",
                Value::Null,
            );
            return;
        };
        let calls = self.calls(toolset);
        let done: Vec<(String, ExecOutcome)> = progress
            .done
            .iter()
            .map(|step| (step.step.clone(), step.outcome()))
            .collect();
        if done.is_empty()
            && progress.sending.is_none()
            && let Err(failure) = self.recheck(calls, tool, &plan).await
        {
            self.audit
                .record(events.plan_failure(&plan, Decision::Refused, &failure));
            entry.finish(
                OpStatus::Failed,
                &failure.message,
                json!({"error": failure.text()}),
            );
            return;
        }
        let result = self
            .execute_steps(calls, &plan, &mut entry, done, progress.sending.as_deref())
            .await;
        drop(executing);
        match result {
            Ok(outcomes) => {
                self.pause(PausePoint::BeforeRecord).await;
                let note = format!(
                    "finished by {} after the process that confirmed it stopped",
                    self.operations.settings.holder
                );
                let out = self.executed_noting(&caller, tool, &plan, outcomes, Some(note));
                entry.finish(OpStatus::Succeeded, "executed after a takeover", out);
            }
            Err(ExecutionFailure { failure, .. }) => {
                self.audit
                    .record(events.plan_failure(&plan, Decision::Failed, &failure));
                entry.finish(
                    OpStatus::Failed,
                    &failure.message,
                    json!({"error": failure.text()}),
                );
            }
        }
    }

    /// Runs the rollbacks of completed steps, newest first; reports each result.
    async fn roll_back(
        &self,
        calls: Calls<'_>,
        plan: &Plan,
        done: &[(String, ExecOutcome)],
    ) -> Vec<Value> {
        let mut report = Vec::new();
        for (index, (id, _)) in done.iter().enumerate().rev() {
            let Some(rollback) = plan.steps.get(index).and_then(|s| s.rollback.as_ref()) else {
                report.push(json!({"step": id, "rollback": "none declared"}));
                continue;
            };
            let result = match resolve(rollback, done) {
                Ok(request) => calls
                    .send(&request, RetryMode::Safe)
                    .await
                    .map_err(ToolFailure::from),
                Err(failure) => Err(failure),
            };
            report.push(match result {
                Ok(response) => {
                    json!({"step": id, "rollback": "done", "request_id": response.request_id})
                }
                Err(failure) => json!({"step": id, "rollback": "failed", "error": failure.message}),
            });
        }
        report
    }
}

/// What a composite plan's record and operation read: `{"arguments": {...}, "<step>": answer}`.
fn composite_source(plan: &Plan, outcomes: &[(String, ExecOutcome)]) -> Value {
    let mut source = Map::new();
    source.insert("arguments".into(), Value::Object(plan.arguments.clone()));
    for (id, outcome) in outcomes {
        source.insert(id.clone(), outcome.response().body.clone());
    }
    Value::Object(source)
}

fn outcome_unknown(failure: &ToolFailure) -> bool {
    matches!(
        failure.kind,
        FailureKind::ProviderUnavailable | FailureKind::Timeout
    )
}

/// The request with every `{step.<id>.<dot.path>}` filled from the earlier answers: in the
/// path (percent-encoded), the query and the body.
fn answers_of(done: &[(String, ExecOutcome)]) -> Map<String, Value> {
    done.iter()
        .map(|(id, outcome)| (id.clone(), outcome.response().body.clone()))
        .collect()
}

/// `<step>.<path>` of the earlier answers.
fn step_value(answers: &Map<String, Value>, reference: &str) -> Result<Value, ToolFailure> {
    let (step, path) = reference.split_once('.').unwrap_or((reference, ""));
    answers
        .get(step)
        .and_then(|body| crate::catalog::lookup(body, path))
        .filter(|v| !v.is_null())
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                format!("step `{step}` answered without `{path}`, which a later step needs"),
            )
        })
}

fn resolve(
    request: &ProviderRequest,
    done: &[(String, ExecOutcome)],
) -> Result<ProviderRequest, ToolFailure> {
    let answers = answers_of(done);
    let lookup = |reference: &str| step_value(&answers, reference);
    let mut out = request.clone();
    out.path = fill_text(
        &request
            .path
            .replace("%7Bstep.", "{step.")
            .replace("%7D", "}"),
        &lookup,
        true,
    )?;
    for (_, value) in &mut out.query {
        *value = fill_text(value, &lookup, false)?;
    }
    if let Some(body) = &request.body {
        out.body = Some(fill_value(body, &lookup)?);
    }
    Ok(out)
}

fn fill_value(
    value: &Value,
    lookup: &dyn Fn(&str) -> Result<Value, ToolFailure>,
) -> Result<Value, ToolFailure> {
    Ok(match value {
        Value::String(text) => match text
            .strip_prefix("{step.")
            .and_then(|t| t.strip_suffix('}'))
        {
            Some(reference) if !reference.contains('}') => lookup(reference)?,
            _ => Value::String(fill_text(text, lookup, false)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| fill_value(v, lookup))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), fill_value(v, lookup)?)))
                .collect::<Result<_, ToolFailure>>()?,
        ),
        other => other.clone(),
    })
}

fn fill_text(
    text: &str,
    lookup: &dyn Fn(&str) -> Result<Value, ToolFailure>,
    encode: bool,
) -> Result<String, ToolFailure> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{step.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{step.".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let value = lookup(&after[..end])?;
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        out.push_str(&if encode {
            encode_path_segment(&text)
        } else {
            text
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ApiStyle, ProviderResponse};

    #[test]
    fn later_steps_take_earlier_answers() {
        let vpc = ExecOutcome::Executed(ProviderResponse {
            status: 200,
            request_id: Some("r1".into()),
            body: json!({"VpcId": "vpc-1", "Nested": {"Id": "a/b"}}),
        });
        let request = ProviderRequest::new(
            "alibaba",
            "vpc",
            "2016-04-28",
            ApiStyle::Rpc,
            "CreateVSwitch",
            "POST",
            "vpc.cn-hangzhou.aliyuncs.com",
        )
        .query("VpcId", "{step.vpc.VpcId}")
        .query("Name", "vsw-{step.vpc.VpcId}");
        let done = vec![("vpc".to_string(), vpc)];
        let resolved = resolve(&request, &done).expect("resolved");
        assert_eq!(resolved.query_value("VpcId"), Some("vpc-1"));
        assert_eq!(resolved.query_value("Name"), Some("vsw-vpc-1"));
        let mut roa = request.clone();
        roa.path = "/x/%7Bstep.vpc.Nested.Id%7D".into();
        roa.body = Some(json!({"Vpc": "{step.vpc.VpcId}"}));
        let resolved = resolve(&roa, &done).expect("resolved");
        assert_eq!(resolved.path, "/x/a%2Fb");
        assert_eq!(resolved.body, Some(json!({"Vpc": "vpc-1"})));
        let missing = request.clone().query("X", "{step.vpc.Missing}");
        assert!(resolve(&missing, &done).is_err());
    }
}
