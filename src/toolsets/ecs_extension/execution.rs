//! OOS executions: reading one (status, what it was asked, per-instance results), following one
//! as a long operation at the skill's cadence (every 20 s, at most 20 minutes), and its report.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::{GET_EXECUTION, LIST_RUNNING, LIST_TASKS, all_pages, declared};
use super::packages::short_name;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::operations::{OpStatus, Operation, rfc3339_ms};
use crate::toolsets::{Begun, GuardContext, OperationKind, PollContext, Polled};

/// How often the skill looks.
pub const POLL_INTERVAL: Duration = Duration::from_secs(20);
/// How long the skill follows an install before reporting it pending.
pub const MAX_WAIT: Duration = Duration::from_secs(20 * 60);

/// Text or JSON text as JSON (`Parameters` is a map in ListExecutions and a string elsewhere;
/// `Outputs` is a string).
fn json_field(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        Some(Value::String(_)) | None => Value::Null,
        Some(other) => other.clone(),
    }
}

/// One execution as the tools show it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionView {
    /// `exec-...`.
    pub execution_id: String,
    /// Running, Success, Failed, Cancelled (Pending / Waiting are not terminal).
    pub status: String,
    /// Why it failed or was cancelled.
    pub status_reason: Option<String>,
    /// `packageName` of its parameters.
    pub package_name: Option<String>,
    /// `packageVersion` of its parameters.
    pub package_version: Option<String>,
    /// `action` of its parameters (`install`).
    pub action: Option<String>,
    /// `targets.ResourceIds`.
    pub instance_ids: Vec<String>,
    /// The package's installation parameters it was given.
    pub parameters: Value,
    /// Its outputs, parsed.
    pub outputs: Value,
    /// StartDate.
    pub started_at: Option<String>,
    /// EndDate.
    pub ended_at: Option<String>,
}

impl ExecutionView {
    /// From one `Executions[]` item (or StartExecution's `Execution`).
    pub fn from_execution(execution: &Value) -> Self {
        let text = |key: &str| {
            execution
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let parameters = json_field(execution.get("Parameters"));
        let param_text = |key: &str| {
            parameters
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let instance_ids = parameters
            .pointer("/targets/ResourceIds")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            execution_id: text("ExecutionId").unwrap_or_default(),
            status: text("Status").unwrap_or_else(|| "Unknown".into()),
            status_reason: text("StatusReason").or_else(|| text("StatusMessage")),
            package_name: param_text("packageName"),
            package_version: param_text("packageVersion"),
            action: param_text("action"),
            instance_ids,
            parameters: parameters.get("parameters").cloned().unwrap_or(Value::Null),
            outputs: json_field(execution.get("Outputs")),
            started_at: text("StartDate"),
            ended_at: text("EndDate"),
        }
    }

    /// Success, Failed or Cancelled.
    pub fn terminal(&self) -> bool {
        matches!(self.status.as_str(), "Success" | "Failed" | "Cancelled")
    }

    /// The operation status it maps to.
    pub fn op_status(&self) -> OpStatus {
        match self.status.as_str() {
            "Success" => OpStatus::Succeeded,
            "Failed" => OpStatus::Failed,
            "Cancelled" => OpStatus::Cancelled,
            _ => OpStatus::Running,
        }
    }

    /// The agent-facing shape.
    pub fn view(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("execution_id".into(), json!(self.execution_id));
        out.insert("status".into(), json!(self.status));
        out.insert("terminal".into(), json!(self.terminal()));
        let optional = [
            ("status_reason", &self.status_reason),
            ("package_name", &self.package_name),
            ("package_version", &self.package_version),
            ("action", &self.action),
            ("started_at", &self.started_at),
            ("ended_at", &self.ended_at),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                out.insert(key.into(), json!(value));
            }
        }
        out.insert("instance_ids".into(), json!(self.instance_ids));
        out.insert("parameters".into(), self.parameters.clone());
        if !self.outputs.is_null() {
            out.insert("outputs".into(), self.outputs.clone());
        }
        out
    }
}

/// Which target a task execution worked on: the first target id found anywhere in it.
fn task_instance(task: &Value, targets: &[String]) -> Option<String> {
    let text = task.to_string();
    targets
        .iter()
        .find(|id| text.contains(id.as_str()))
        .cloned()
}

/// One line per task execution: the instance, its status and its error.
fn instance_results(tasks: &[Value], targets: &[String]) -> Vec<Value> {
    tasks
        .iter()
        .map(|task| {
            let text = |key: &str| task.get(key).and_then(Value::as_str).unwrap_or_default();
            let mut line = json!({
                "task": text("TaskName"),
                "status": text("Status"),
            });
            if let Some(instance) = task_instance(task, targets) {
                line["instance_id"] = json!(instance);
            }
            if !text("StatusMessage").is_empty() {
                line["message"] = json!(text("StatusMessage"));
            }
            let outputs = json_field(task.get("Outputs"));
            if !outputs.is_null() {
                line["outputs"] = outputs;
            }
            if !text("EndDate").is_empty() {
                line["ended_at"] = json!(text("EndDate"));
            }
            line
        })
        .collect()
}

/// ListExecutions for one id; `NotFound` (ExecutionNotFound) when it has none.
async fn read_execution(
    read: impl AsyncFnOnce(
        crate::toolsets::DeclaredCall,
    ) -> Result<crate::providers::ProviderResponse, ToolFailure>,
    execution_id: &str,
) -> Result<Value, ToolFailure> {
    let answer = read(declared(
        GET_EXECUTION,
        json!({"execution_id": execution_id}),
    ))
    .await?;
    answer
        .body
        .get("Executions")
        .and_then(Value::as_array)
        .and_then(|items| {
            items
                .iter()
                .find(|e| e.get("ExecutionId").and_then(Value::as_str) == Some(execution_id))
        })
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("no OOS execution `{execution_id}` in this region (ExecutionNotFound)"),
            )
            .with_hint("check the region and the id; ecsext_list_running_executions lists running installs")
        })
}

/// `ecsext_get_execution`.
pub(crate) async fn get_execution(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let id = ctx.arg_str("execution_id").unwrap_or_default();
    let execution = read_execution(async |call| ctx.read(&call).await, &id).await?;
    let view = ExecutionView::from_execution(&execution);
    let tasks = all_pages(
        ctx,
        LIST_TASKS,
        json!({"execution_id": id}),
        "TaskExecutions",
    )
    .await?;
    let mut out = view.view();
    out.insert(
        "instances".into(),
        Value::Array(instance_results(&tasks, &view.instance_ids)),
    );
    Ok(out)
}

/// `ecsext_list_running_executions`.
pub(crate) async fn list_running_executions(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let wanted = ctx.arg_str("package_name").map(|p| p.to_lowercase());
    let executions = all_pages(ctx, LIST_RUNNING, json!({}), "Executions").await?;
    let rows: Vec<Value> = executions
        .iter()
        .map(ExecutionView::from_execution)
        .filter(|e| {
            wanted.as_ref().is_none_or(|w| {
                e.package_name
                    .as_ref()
                    .is_some_and(|p| p.to_lowercase() == *w || short_name(p).to_lowercase() == *w)
            })
        })
        .map(|e| {
            json!({
                "execution_id": e.execution_id,
                "package_name": e.package_name,
                "instance_ids": e.instance_ids,
                "action": e.action,
                "started_at": e.started_at,
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("executions".into(), Value::Array(rows));
    Ok(out)
}

/// Guard of `ecsext_cancel_execution`: the execution exists and is still running.
pub(crate) async fn check_cancellable(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("execution_id").unwrap_or_default();
    let execution = read_execution(async |call| ctx.read(&call).await, &id).await?;
    let view = ExecutionView::from_execution(&execution);
    if view.terminal() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "execution `{id}` already ended ({}); there is nothing to cancel",
                view.status
            ),
        )
        .with_hint("ecsext_get_execution shows its result; nothing was planned"));
    }
    ctx.checks.push(Check::ok(
        "execution_running",
        json!({"execution_id": id, "status": view.status, "package_name": view.package_name, "instance_ids": view.instance_ids}),
    ));
    ctx.diff.insert(
        "status".into(),
        json!({"current": view.status, "target": "Cancelled"}),
    );
    ctx.state
        .push(json!({"execution_id": id, "status": view.status}));
    Ok(())
}

// ------------------------------------------------------------------ the long operation

fn subject_text(op: &Operation, key: &str) -> String {
    op.subject
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let region = args
        .get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let execution_id = answer
        .pointer("/Execution/ExecutionId")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "StartExecution answered without an ExecutionId",
            )
        })?;
    let mut subject = Map::new();
    subject.insert("region_id".into(), json!(region));
    subject.insert("execution_id".into(), json!(execution_id));
    for key in [
        "package_name",
        "package_version",
        "instance_ids",
        "parameters",
    ] {
        if let Some(value) = args.get(key) {
            subject.insert(key.into(), value.clone());
        }
    }
    Ok(Begun {
        key: format!("{region}/{execution_id}"),
        subject: Value::Object(subject),
    })
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let region = args
        .get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let execution_id = args
        .get("execution_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Begun {
        key: format!("{region}/{execution_id}"),
        subject: json!({"region_id": region, "execution_id": execution_id}),
    })
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = subject_text(ctx.operation, "execution_id");
    let execution = read_execution(async |call| ctx.read(&call).await, &id).await?;
    let view = ExecutionView::from_execution(&execution);
    // Task results are read on every poll: the report shows per-instance progress too.
    let tasks_answer = ctx
        .read(&declared(
            LIST_TASKS,
            json!({"execution_id": id, "max_results": 100}),
        ))
        .await?;
    let tasks = tasks_answer
        .body
        .get("TaskExecutions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let targets = if view.instance_ids.is_empty() {
        crate::toolsets::string_list(ctx.operation.subject.get("instance_ids"))
    } else {
        view.instance_ids.clone()
    };
    let results = instance_results(&tasks, &targets);
    let done = results
        .iter()
        .filter(|r| {
            matches!(
                r["status"].as_str(),
                Some("Success" | "Failed" | "Cancelled")
            )
        })
        .count();
    let message = match view.op_status() {
        OpStatus::Running => format!(
            "{}: {done} of {} task(s) finished",
            view.status,
            results.len().max(targets.len())
        ),
        _ => format!(
            "{}{}",
            view.status,
            view.status_reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
    };
    Ok(Polled {
        status: view.op_status(),
        message,
        snapshot: json!({"execution": Value::Object(view.view()), "instances": results}),
    })
}

/// Two or three next steps that fit how it ended.
fn suggestions(status: OpStatus, package: &str, region: &str, id: &str) -> Vec<String> {
    match status {
        OpStatus::Succeeded => vec![
            format!("verify the installed version with ecsext_verify_version (package_name `{package}`)"),
            "if the package runs a service (Nginx, BT Panel, Docker), open its port in the instance's security group".into(),
            "ecsext_list_instance_package_states shows the package on each instance".into(),
        ],
        OpStatus::Failed => vec![
            "read each instance's message above: a stopped instance, an unsupported OS or a full disk are the usual causes".into(),
            format!("ecsext_get_execution {{region_id: {region}, execution_id: {id}}} shows the execution's outputs"),
            "fix the cause and install again (a new plan); instances that succeeded keep the package".into(),
        ],
        OpStatus::Cancelled => vec![
            "instances whose task finished before the cancellation keep the package".into(),
            "install again to finish the remaining instances".into(),
        ],
        OpStatus::TimedOut | OpStatus::Running => vec![
            format!("check it later with ecsext_get_execution {{region_id: {region}, execution_id: {id}}}, or `aliyun oos ListExecutions --RegionId {region} --ExecutionId {id}`"),
            "a long install (large packages, many instances at concurrency 1) can take longer than 20 minutes".into(),
            "cancel it with ecsext_cancel_execution if it is stuck".into(),
        ],
    }
}

fn report(op: &Operation) -> Value {
    let execution = op.snapshot.get("execution").cloned().unwrap_or(Value::Null);
    let field = |key: &str| {
        execution
            .get(key)
            .cloned()
            .filter(|v| !v.is_null())
            .or_else(|| op.subject.get(key).cloned())
            .unwrap_or(Value::Null)
    };
    let region = subject_text(op, "region_id");
    let id = subject_text(op, "execution_id");
    let package = field("package_name");
    let status_text = match op.status {
        OpStatus::Running => execution
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("Running")
            .to_string(),
        OpStatus::Succeeded => "Success".into(),
        OpStatus::Failed => execution
            .get("status")
            .and_then(Value::as_str)
            .filter(|s| *s == "Failed")
            .map_or_else(|| format!("Failed ({})", op.message), str::to_string),
        OpStatus::Cancelled => "Cancelled".into(),
        // The skill's limit, whatever cadence scale the server runs at.
        OpStatus::TimedOut => format!(
            "Pending (timed out after {} minutes)",
            MAX_WAIT.as_secs() / 60
        ),
    };
    let completed = if op.status.is_terminal() && op.status != OpStatus::TimedOut {
        field("ended_at")
            .as_str()
            .map_or_else(|| rfc3339_ms(op.updated_ms), str::to_string)
    } else {
        "N/A - still running".into()
    };
    json!({"report": {
        "extension": package,
        "package_version": field("package_version"),
        "region_id": region,
        "targets": field("instance_ids"),
        "parameters": field("parameters"),
        "execution_id": id,
        "status": status_text,
        "status_reason": execution.get("status_reason"),
        "completed_at": completed,
        "outputs": execution.get("outputs"),
        "instances": op.snapshot.get("instances").cloned().unwrap_or_else(|| json!([])),
        "suggestions": suggestions(op.status, package.as_str().unwrap_or_default(), &region, &id),
    }})
}

/// The OOS execution kind.
pub(crate) fn kind() -> OperationKind {
    OperationKind {
        name: "ecsext.execution",
        calls: &[GET_EXECUTION, LIST_TASKS],
        interval: POLL_INTERVAL,
        max_duration: MAX_WAIT,
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executions_are_read_from_either_parameter_shape() {
        let document = json!({"targets": {"ResourceIds": ["i-bp1abcdefghij"], "Type": "ResourceIds"}, "action": "install", "packageName": "ACS-Extension-node-1853370294850618", "parameters": {"version": "20"}});
        let as_map = json!({"ExecutionId": "exec-1", "Status": "Running", "Parameters": document});
        let as_text = json!({"ExecutionId": "exec-1", "Status": "Running", "Parameters": document.to_string(), "Outputs": "{\"ok\":true}"});
        for execution in [as_map, as_text] {
            let view = ExecutionView::from_execution(&execution);
            assert_eq!(
                view.package_name.as_deref(),
                Some("ACS-Extension-node-1853370294850618")
            );
            assert_eq!(view.instance_ids, ["i-bp1abcdefghij"]);
            assert_eq!(view.parameters, json!({"version": "20"}));
            assert!(!view.terminal());
        }
        let done = ExecutionView::from_execution(
            &json!({"ExecutionId": "e", "Status": "Failed", "StatusReason": "disk full"}),
        );
        assert_eq!(done.op_status(), OpStatus::Failed);
        assert_eq!(done.status_reason.as_deref(), Some("disk full"));
    }

    #[test]
    fn task_results_name_their_instance() {
        let tasks = vec![
            json!({"TaskName": "installPackage", "Status": "Failed", "StatusMessage": "No space left on device", "LoopItem": "i-bp1abcdefghij"}),
        ];
        let results = instance_results(&tasks, &["i-bp1abcdefghij".to_string()]);
        assert_eq!(results[0]["instance_id"], "i-bp1abcdefghij");
        assert_eq!(results[0]["message"], "No space left on device");
    }

    #[test]
    fn a_timed_out_report_says_pending_with_a_manual_check() {
        let mut op = Operation::new(
            "ecsext.execution",
            "local",
            "ecsext_install",
            None,
            "cn-hangzhou/exec-1".into(),
            json!({"region_id": "cn-hangzhou", "execution_id": "exec-1", "package_name": "ACS-Extension-node-1853370294850618"}),
            0,
            20 * 60_000,
            0,
        );
        op.status = OpStatus::TimedOut;
        let report = report(&op);
        assert_eq!(
            report["report"]["status"],
            "Pending (timed out after 20 minutes)"
        );
        assert_eq!(report["report"]["completed_at"], "N/A - still running");
        assert!(
            report["report"]["suggestions"][0]
                .as_str()
                .unwrap_or_default()
                .contains("ListExecutions")
        );
    }
}
