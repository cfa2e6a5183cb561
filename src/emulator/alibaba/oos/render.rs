//! Wire shapes of OOS, with the exact names of the SDK `*ResponseBody` models. OOS lists
//! are plain arrays (`Templates[]`, `Executions[]`). Per the SDK models, an execution's
//! `Parameters` is a JSON string in `StartExecution` and an object in `ListExecutions`;
//! `Outputs`, task `Outputs` and `Properties`, and package-state `Parameters` are JSON
//! strings.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::alibaba::oos::catalog::{PUBLISHER_ACCOUNT, PackageDef, Template, package};
use crate::emulator::alibaba::oos::models::{
    Execution, ExecutionState, PackageState, Status, TaskOutcome, TaskPlan,
};
use crate::emulator::core::clock::format_time;

/// The loop task of the installer, one per instance.
pub const TASK_NAME: &str = "configurePackage";
/// Its action.
pub const TASK_ACTION: &str = "ACS::ECS::ConfigureOOSPackageWithTemporaryURL";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The fields ListTemplates and GetTemplate share, for one version.
fn template_fields(t: &Template, version: &str) -> Map<String, Value> {
    let (popularity, executions) = t.popularity();
    object(json!({
        "TemplateId": t.id(),
        "TemplateName": t.name(),
        "TemplateVersion": version,
        "VersionName": "",
        "TemplateType": t.template_type(),
        "TemplateFormat": "JSON",
        "ShareType": "Public",
        "Description": t.description(),
        "CreatedBy": "ACS",
        "CreatedDate": t.created(),
        "UpdatedBy": "ACS",
        "UpdatedDate": t.updated(version),
        "Hash": t.hash(version),
        "HasTrigger": false,
        "ResourceGroupId": "",
        "Tags": {},
        "Popularity": popularity,
        "TotalExecutionCount": executions,
    }))
}

/// One `Templates[]` item (its latest version).
pub fn template_item(t: &Template) -> Value {
    let mut fields = template_fields(t, t.latest_version());
    fields.insert("IsFavorite".into(), json!(false));
    fields.insert("Publisher".into(), json!("Alibaba Cloud"));
    fields.insert(
        "Category".into(),
        json!(match t {
            Template::Package(_) => "Package",
            Template::Bulky => "Other",
        }),
    );
    fields.insert("Constraints".into(), json!("{}"));
    Value::Object(fields)
}

/// The `Template` object of GetTemplate.
pub fn template_detail(t: &Template, version: &str) -> Value {
    let mut fields = template_fields(t, version);
    fields.remove("Popularity");
    fields.remove("TotalExecutionCount");
    fields.insert("SharedAccounts".into(), json!(""));
    Value::Object(fields)
}

fn counters(e: &Execution, state: ExecutionState) -> Value {
    let count = |s: Status| {
        e.tasks
            .iter()
            .filter(|t| Execution::task_status(t, state) == s)
            .count()
    };
    json!({
        "Total": e.tasks.len(),
        "Success": count(Status::Success),
        "Failed": count(Status::Failed),
        "Running": count(Status::Running),
        "Cancelled": count(Status::Cancelled),
        "Waiting": 0,
        "Skipped": 0,
    })
}

/// `StatusReason` (and `StatusMessage`): why an execution failed or was cancelled.
fn status_reason(e: &Execution, state: ExecutionState) -> String {
    match state.status {
        Status::Running | Status::Success => String::new(),
        Status::Cancelled => "The execution was cancelled by a CancelExecution call.".to_owned(),
        Status::Failed => {
            let failures: Vec<String> = e
                .tasks
                .iter()
                .filter_map(|t| match &t.outcome {
                    TaskOutcome::Failed { message } => {
                        Some(format!("{}: {message}", t.instance_id))
                    }
                    TaskOutcome::Success { .. } => None,
                })
                .collect();
            format!(
                "Task {TASK_NAME} failed on {} of {} instances. {}",
                failures.len(),
                e.tasks.len(),
                failures.join(" ")
            )
        }
    }
}

/// `Outputs` once the execution ended: one command output (or failure) per instance.
fn outputs(e: &Execution, state: ExecutionState) -> String {
    if state.status == Status::Running {
        return "{}".to_owned();
    }
    let per_instance: Vec<Value> = e
        .tasks
        .iter()
        .map(|t| {
            let (status, text) = match (&t.outcome, Execution::task_status(t, state)) {
                (_, Status::Cancelled) => ("Cancelled", String::new()),
                (TaskOutcome::Success { output }, _) => ("Success", output.clone()),
                (TaskOutcome::Failed { message }, _) => ("Failed", message.clone()),
            };
            json!({"instanceId": t.instance_id, "status": status, "commandOutput": text})
        })
        .collect();
    json!({ "commandOutputs": per_instance }).to_string()
}

/// One execution. `parameters_as_string`: `StartExecution` (string) or `ListExecutions`
/// (object), as each SDK model types it.
pub fn execution(
    e: &Execution,
    now: OffsetDateTime,
    parameters_as_string: bool,
    template: &Template,
) -> Value {
    let state = e.state(now);
    let parameters = Value::Object(e.parameters.clone());
    let current: Vec<Value> = if state.status == Status::Running {
        e.tasks
            .iter()
            .map(|t| json!({"TaskName": TASK_NAME, "TaskAction": TASK_ACTION, "TaskExecutionId": t.id}))
            .collect()
    } else {
        Vec::new()
    };
    let reason = status_reason(e, state);
    let mut out = object(json!({
        "ExecutionId": e.id,
        "TemplateName": e.template_name,
        "TemplateVersion": e.template_version,
        "TemplateId": template.id(),
        "Category": "Other",
        "Mode": e.mode,
        "LoopMode": "Automatic",
        "SafetyCheck": e.safety_check,
        "Description": e.description,
        "Status": state.status.as_str(),
        "StatusMessage": reason,
        "StatusReason": reason,
        "Parameters": if parameters_as_string { Value::String(parameters.to_string()) } else { parameters },
        "Outputs": outputs(e, state),
        "Counters": counters(e, state),
        "CurrentTasks": current,
        "CreateDate": format_time(e.created),
        "StartDate": format_time(e.created),
        "UpdateDate": format_time(state.ended.unwrap_or(e.created)),
        "ExecutedBy": e.executed_by,
        "IsParent": false,
        "ParentExecutionId": "",
        "RamRole": e.parameters.get("OOSAssumeRole").and_then(Value::as_str).unwrap_or_default(),
        "ResourceGroupId": "",
        "Tags": e.tags,
        "Targets": e.parameters.get("targets").map(Value::to_string).unwrap_or_default(),
        "WaitingStatus": "",
    }));
    if let Some(ended) = state.ended {
        out.insert("EndDate".into(), json!(format_time(ended)));
    }
    Value::Object(out)
}

/// One `TaskExecutions[]` item: the installer's task on one instance at `now`.
pub fn task_item(
    e: &Execution,
    task: &TaskPlan,
    template: &Template,
    now: OffsetDateTime,
) -> Value {
    let state = e.state(now);
    let status = Execution::task_status(task, state);
    let (message, outputs) = match (&task.outcome, status) {
        (_, Status::Running) => (String::new(), "{}".to_owned()),
        (_, Status::Cancelled) => (
            "Cancelled by the CancelExecution of the execution.".to_owned(),
            "{}".to_owned(),
        ),
        (TaskOutcome::Success { output }, _) => {
            (String::new(), json!({"commandOutput": output}).to_string())
        }
        (TaskOutcome::Failed { message }, _) => (message.clone(), "{}".to_owned()),
    };
    let properties = json!({
        "regionId": e.parameters.get("regionId").cloned().unwrap_or(Value::Null),
        "instanceId": task.instance_id,
        "action": e.action,
        "packageName": e.package_name,
        "packageVersion": e.package_version,
        "parameters": e.effective_parameters,
    });
    let mut out = object(json!({
        "TaskExecutionId": task.id,
        "TaskName": TASK_NAME,
        "TaskAction": TASK_ACTION,
        "ExecutionId": e.id,
        "TemplateId": template.id(),
        "Status": status.as_str(),
        "StatusMessage": message,
        "Outputs": outputs,
        "Properties": properties.to_string(),
        "LoopItem": task.instance_id,
        "LoopBatchNumber": 1,
        "Loop": {},
        "ExtraData": {},
        "ChildExecutionId": "",
        "ParentTaskExecutionId": "",
        "CreateDate": format_time(e.created),
        "StartDate": format_time(e.created),
        "UpdateDate": format_time(state.ended.unwrap_or(e.created)),
    }));
    if let Some(ended) = state.ended {
        out.insert("EndDate".into(), json!(format_time(ended)));
    }
    Value::Object(out)
}

/// One `PackageStates[]` item.
pub fn package_state_item(s: &PackageState) -> Value {
    let def: Option<&PackageDef> = package(&s.template_name);
    let template = def.map(Template::Package);
    json!({
        "TemplateName": s.template_name,
        "TemplateVersion": s.template_version,
        "TemplateVersionName": "",
        "TemplateId": template.map(|t| t.id()).unwrap_or_default(),
        "TemplateCategory": def.and_then(|d| d.categories.first().copied()).unwrap_or("application"),
        "Description": template.map(|t| t.description()).unwrap_or_default(),
        "Publisher": PUBLISHER_ACCOUNT,
        "Parameters": Value::Object(s.parameters.clone()).to_string(),
        "ConfigurationInfo": "{}",
        "UpdateTime": format_time(s.updated),
    })
}
