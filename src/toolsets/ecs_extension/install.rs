//! `ecsext_install`: every check before a plan, all problems reported at once, and the
//! StartExecution parameter document built as JSON in code.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::api::{
    ASSISTANT_STATUS, DESCRIBE_INSTANCES, DESCRIBE_REGIONS, LIST_RUNNING, all_pages, declared,
};
use super::catalog_reads::{load_template, resolve_package};
use super::execution::ExecutionView;
use super::packages::{self, Package, TemplateParameter};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// The most instances one install may target (the skill's limit).
pub const MAX_INSTANCES: usize = 50;

/// `^i-[a-zA-Z0-9]{10,30}$`.
pub fn valid_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|rest| {
        (10..=30).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// Problems with the instance id list itself: format, count, duplicates.
pub fn instance_id_problems(ids: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if ids.is_empty() || ids.len() > MAX_INSTANCES {
        problems.push(format!(
            "`instance_ids` must hold 1 to {MAX_INSTANCES} ids; got {}",
            ids.len()
        ));
    }
    let bad: Vec<&str> = ids
        .iter()
        .filter(|id| !valid_instance_id(id))
        .map(String::as_str)
        .collect();
    if !bad.is_empty() {
        problems.push(format!(
            "not ECS instance ids (`i-` and 10 to 30 letters or digits): {}",
            bad.join(", ")
        ));
    }
    let mut seen = BTreeSet::new();
    let duplicates: BTreeSet<&str> = ids
        .iter()
        .filter(|id| !seen.insert(id.as_str()))
        .map(String::as_str)
        .collect();
    if !duplicates.is_empty() {
        problems.push(format!(
            "listed more than once: {}",
            duplicates.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    problems
}

/// Problems with a rate control object: `{Mode: Concurrency|Batch, Concurrency, MaxErrors}`.
pub fn rate_control_problems(rate: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let count_or_percent = |value: &Value, minimum: u64| match value {
        Value::Number(n) => n.as_u64().is_some_and(|n| n >= minimum),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| p <= 100),
        _ => false,
    };
    for (key, value) in rate {
        match key.as_str() {
            "Mode" => {
                if !matches!(value.as_str(), Some("Concurrency" | "Batch")) {
                    problems.push(format!(
                        "`rate_control.Mode` must be `Concurrency` or `Batch`; got {value}"
                    ));
                }
            }
            "Concurrency" => {
                if !count_or_percent(value, 1) {
                    problems.push(format!(
                        "`rate_control.Concurrency` must be a whole number of at least 1 or a percentage like \"10%\"; got {value}"
                    ));
                }
            }
            "MaxErrors" => {
                if !count_or_percent(value, 0) {
                    problems.push(format!(
                        "`rate_control.MaxErrors` must be a whole number or a percentage like \"10%\"; got {value}"
                    ));
                }
            }
            "Batch" => {
                if !value.is_array() {
                    problems.push("`rate_control.Batch` must be a list of batch sizes".into());
                }
            }
            other => problems.push(format!(
                "`rate_control.{other}` is not a rate control field; allowed: `Mode`, `Concurrency`, `MaxErrors`, `Batch`"
            )),
        }
    }
    problems
}

/// What StartExecution is asked to do.
#[derive(Clone, Debug, PartialEq)]
pub struct InstallRequest<'a> {
    /// The region of the instances.
    pub region_id: &'a str,
    /// The targets.
    pub instance_ids: &'a [String],
    /// The exact package template name.
    pub package_name: &'a str,
    /// The template version, pinned to what the plan showed.
    pub package_version: &'a str,
    /// The installation parameters given (template defaults apply to the rest).
    pub parameters: Option<&'a Map<String, Value>>,
    /// Rate control, defaulted to one instance at a time, no errors tolerated.
    pub rate_control: Option<&'a Map<String, Value>>,
    /// The RAM role OOS assumes ("" is the caller).
    pub assume_role: &'a str,
}

/// The StartExecution `Parameters` document, as JSON text built from values (never by
/// concatenating strings, so no value can change the document's shape).
pub fn execution_parameters(request: &InstallRequest<'_>) -> String {
    let rate_control = request.rate_control.cloned().unwrap_or_else(|| {
        let mut rate = Map::new();
        rate.insert("Mode".into(), json!("Concurrency"));
        rate.insert("Concurrency".into(), json!(1));
        rate.insert("MaxErrors".into(), json!(0));
        rate
    });
    json!({
        "regionId": request.region_id,
        "targets": {
            "ResourceIds": request.instance_ids,
            "RegionId": request.region_id,
            "Type": "ResourceIds",
        },
        "rateControl": rate_control,
        "OOSAssumeRole": request.assume_role,
        "action": "install",
        "packageName": request.package_name,
        "packageVersion": request.package_version,
        "parameters": request.parameters.map_or(Value::Null, |p| Value::Object(p.clone())),
    })
    .to_string()
}

/// What the region, instance and Cloud Assistant reads found.
struct Targets {
    problems: Vec<String>,
    /// `{InstanceId, Status}` of each target, for the plan's state digest.
    state: Vec<Value>,
    details: Vec<Value>,
}

async fn check_region(ctx: &GuardContext<'_>, region: &str) -> Result<Option<String>, ToolFailure> {
    // Regions are listed through the default endpoint: a region that does not exist has no
    // endpoint of its own to ask.
    let answer = ctx
        .read(&declared(
            DESCRIBE_REGIONS,
            json!({"region_id": "cn-hangzhou"}),
        ))
        .await?;
    let regions: Vec<String> = answer
        .body
        .pointer("/Regions/Region")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r.get("RegionId").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if regions.iter().any(|r| r == region) {
        return Ok(None);
    }
    Ok(Some(format!(
        "region `{region}` is not an ECS region; known: {}",
        regions.join(", ")
    )))
}

async fn check_targets(ctx: &GuardContext<'_>, ids: &[String]) -> Result<Targets, ToolFailure> {
    let mut targets = Targets {
        problems: Vec::new(),
        state: Vec::new(),
        details: Vec::new(),
    };
    let wanted: Vec<String> = ids
        .iter()
        .filter(|id| valid_instance_id(id))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if wanted.is_empty() {
        return Ok(targets);
    }
    let answer = ctx
        .read(&declared(
            DESCRIBE_INSTANCES,
            json!({"instance_ids": wanted, "page_size": 100}),
        ))
        .await?;
    let found: Vec<Value> = answer
        .body
        .pointer("/Instances/Instance")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let status_of = |id: &str| {
        found
            .iter()
            .find(|i| i.get("InstanceId").and_then(Value::as_str) == Some(id))
            .map(|i| {
                (
                    i.get("Status")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    i.get("OSType")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    i.get("InstanceName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            })
    };
    let region = ctx.region();
    let mut missing = Vec::new();
    let mut not_running = Vec::new();
    let mut present = Vec::new();
    for id in &wanted {
        match status_of(id) {
            None => missing.push(id.clone()),
            Some((status, os, name)) => {
                targets
                    .state
                    .push(json!({"InstanceId": id, "Status": status}));
                targets.details.push(
                    json!({"instance_id": id, "name": name, "status": status, "os_type": os}),
                );
                if status == "Running" {
                    present.push(id.clone());
                } else {
                    not_running.push(format!("{id} ({status})"));
                }
            }
        }
    }
    if !missing.is_empty() {
        targets.problems.push(format!(
            "not found in {region} (EntityNotExists.Instance): {}",
            missing.join(", ")
        ));
    }
    if !not_running.is_empty() {
        targets.problems.push(format!(
            "not Running (InvalidInstance.NotRunning; start them first): {}",
            not_running.join(", ")
        ));
    }
    if present.is_empty() {
        return Ok(targets);
    }
    let answer = ctx
        .read(&declared(
            ASSISTANT_STATUS,
            json!({"instance_ids": present}),
        ))
        .await?;
    let statuses: Vec<Value> = answer
        .body
        .pointer("/InstanceCloudAssistantStatusSet/InstanceCloudAssistantStatus")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let unhealthy: Vec<&String> = present
        .iter()
        .filter(|id| {
            !statuses.iter().any(|s| {
                s.get("InstanceId").and_then(Value::as_str) == Some(id.as_str())
                    && s.get("CloudAssistantStatus").and_then(Value::as_str) == Some("true")
            })
        })
        .collect();
    if !unhealthy.is_empty() {
        targets.problems.push(format!(
            "Cloud Assistant is not running on: {} (OOS installs through it; restart the agent or the instance)",
            unhealthy
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(targets)
}

/// The package, its version and its declared parameters; a problem instead when the name or
/// version does not resolve.
async fn check_package(
    ctx: &GuardContext<'_>,
    wanted: &str,
    version: Option<&str>,
) -> Result<Result<(Package, Vec<TemplateParameter>), String>, ToolFailure> {
    let package = match resolve_package(ctx, wanted).await {
        Ok(package) => package,
        Err(failure)
            if matches!(
                failure.kind,
                FailureKind::NotFound | FailureKind::AmbiguousMatch
            ) =>
        {
            let listed = match &failure.details {
                Value::Object(map) => map
                    .values()
                    .next()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            return Ok(Err(format!("{}{listed}", failure.message)));
        }
        Err(failure) => return Err(failure),
    };
    match load_template(ctx, &package.name, version).await {
        Ok(found) => Ok(Ok(found)),
        Err(failure) if failure.kind == FailureKind::NotFound => Ok(Err(format!(
            "package `{}` has no version `{}` (TemplateNotFound); latest is `{}`",
            package.name,
            version.unwrap_or("latest"),
            package.version
        ))),
        Err(failure) => Err(failure),
    }
}

/// Running installs of the same package on any of the same instances.
async fn running_duplicates(
    ctx: &GuardContext<'_>,
    package_name: &str,
    ids: &[String],
) -> Result<Vec<Value>, ToolFailure> {
    let executions = all_pages(ctx, LIST_RUNNING, json!({}), "Executions").await?;
    Ok(executions
        .iter()
        .map(ExecutionView::from_execution)
        .filter(|e| e.package_name.as_deref() == Some(package_name))
        .filter(|e| e.instance_ids.iter().any(|id| ids.contains(id)))
        .map(|e| {
            json!({
                "execution_id": e.execution_id,
                "instance_ids": e.instance_ids,
                "started_at": e.started_at,
            })
        })
        .collect())
}

/// The guard: validates everything, reports every problem at once, and builds the request.
pub(crate) async fn check_install(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let region = ctx.region();
    let ids = ctx.arg_strings("instance_ids");
    let wanted = ctx.arg_str("package_name").unwrap_or_default();
    let version = ctx.arg_str("package_version");
    let given: Option<Map<String, Value>> = ctx
        .args
        .get("parameters")
        .and_then(Value::as_object)
        .cloned();
    let rate: Option<Map<String, Value>> = ctx
        .args
        .get("rate_control")
        .and_then(Value::as_object)
        .cloned();

    let mut problems = instance_id_problems(&ids);
    if let Some(rate) = &rate {
        problems.extend(rate_control_problems(rate));
    }
    let region_problem = check_region(ctx, &region).await?;
    let mut targets = None;
    match region_problem {
        Some(problem) => problems.push(problem),
        None => {
            let found = check_targets(ctx, &ids).await?;
            problems.extend(found.problems.iter().cloned());
            targets = Some(found);
        }
    }
    let package = match check_package(ctx, &wanted, version.as_deref()).await? {
        Ok(found) => Some(found),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if let Some((_, declared_params)) = &package {
        problems.extend(packages::parameter_problems(
            declared_params,
            given.as_ref().unwrap_or(&Map::new()),
        ));
    }
    if !problems.is_empty() {
        let count = problems.len();
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "the install cannot be planned ({count} problem{}): {}",
                if count == 1 { "" } else { "s" },
                problems.join("; ")
            ),
        )
        .with_details(json!({"problems": problems}))
        .with_hint("fix every problem listed and call again; nothing was planned or changed"));
    }
    let (Some((package, declared_params)), Some(targets)) = (package, targets) else {
        return Err(ToolFailure::new(
            FailureKind::InternalError,
            "the install checks ended without a package or targets; nothing was planned",
        ));
    };
    let given_map = given.clone().unwrap_or_default();
    let defaults = packages::defaults_applied(&declared_params, &given_map);
    let duplicates = running_duplicates(ctx, &package.name, &ids).await?;

    let assume_role = ctx.arg_str("oos_assume_role").unwrap_or_default();
    let document = execution_parameters(&InstallRequest {
        region_id: &region,
        instance_ids: &ids,
        package_name: &package.name,
        package_version: &package.version,
        parameters: given.as_ref(),
        rate_control: rate.as_ref(),
        assume_role: &assume_role,
    });
    ctx.args.insert("package_name".into(), json!(package.name));
    ctx.args
        .insert("package_version".into(), json!(package.version));
    ctx.args
        .insert("execution_parameters".into(), json!(document));

    if wanted != package.name {
        ctx.checks.push(Check::ok(
            "package_resolved",
            json!({"asked": wanted, "package_name": package.name, "display_name": package.display_name}),
        ));
    }
    ctx.checks
        .push(Check::ok("region_exists", json!({"region_id": region})));
    ctx.checks.push(Check::ok(
        "instances_running_with_cloud_assistant",
        json!({"instances": targets.details}),
    ));
    ctx.checks.push(Check::ok(
        "parameters_match_template",
        json!({
            "given": given_map,
            "template_defaults_applied": defaults,
            "declared": declared_params.iter().map(TemplateParameter::view).collect::<Vec<_>>(),
        }),
    ));
    if duplicates.is_empty() {
        ctx.checks.push(Check::ok(
            "no_running_install",
            json!({"package_name": package.name}),
        ));
    } else {
        let first = duplicates[0]["execution_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        ctx.checks.push(Check::warning(
            "running_install_exists",
            json!({
                "executions": duplicates,
                "meaning": format!(
                    "an install of this package on some of these instances is already running; confirming starts a NEW execution beside it. To follow the running one instead, do not confirm: cancel this plan and call ecsext_wait_execution with execution_id `{first}`"
                ),
            }),
        ));
    }
    ctx.diff.insert(
        "install".into(),
        json!({
            "region_id": region,
            "instance_ids": ids,
            "package_name": package.name,
            "display_name": package.display_name,
            "package_version": package.version,
            "parameters": given_map,
            "template_defaults_applied": defaults,
        }),
    );
    // What the confirmation re-checks: the targets' state and the package version shown.
    ctx.state.push(json!({"instances": targets.state}));
    ctx.state
        .push(json!({"package": package.name, "version": package.version}));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_checked_for_format_count_and_duplicates() {
        let ok: Vec<String> = vec!["i-bp1abcdefghij".into()];
        assert!(instance_id_problems(&ok).is_empty());
        let many: Vec<String> = (0..51).map(|n| format!("i-bp1abcde{n:05}")).collect();
        assert_eq!(instance_id_problems(&many).len(), 1);
        let bad: Vec<String> = vec![
            "i-short".into(),
            "vm-bp1abcdefghij".into(),
            "i-bp1abcdefghij".into(),
            "i-bp1abcdefghij".into(),
        ];
        let problems = instance_id_problems(&bad);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("i-short") && problems[0].contains("vm-bp1abcdefghij"));
        assert!(problems[1].contains("more than once: i-bp1abcdefghij"));
        assert!(!instance_id_problems(&[]).is_empty());
    }

    #[test]
    fn rate_control_is_checked() {
        let ok: Map<String, Value> = serde_json::from_value(
            json!({"Mode": "Concurrency", "Concurrency": 5, "MaxErrors": "10%"}),
        )
        .expect("map");
        assert!(rate_control_problems(&ok).is_empty());
        let bad: Map<String, Value> =
            serde_json::from_value(json!({"Mode": "Fast", "Concurrency": 0, "Speed": 1}))
                .expect("map");
        assert_eq!(rate_control_problems(&bad).len(), 3);
    }

    #[test]
    fn the_parameter_document_is_json_built_from_values() {
        let ids = vec!["i-bp1abcdefghij".to_string()];
        let params: Map<String, Value> =
            serde_json::from_value(json!({"version": "20\",\"action\":\"uninstall"})).expect("map");
        let text = execution_parameters(&InstallRequest {
            region_id: "cn-hangzhou",
            instance_ids: &ids,
            package_name: "ACS-Extension-node-1853370294850618",
            package_version: "v27",
            parameters: Some(&params),
            rate_control: None,
            assume_role: "",
        });
        let document: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            document["action"], "install",
            "a value cannot change the document's shape"
        );
        assert_eq!(
            document["parameters"]["version"],
            "20\",\"action\":\"uninstall"
        );
        assert_eq!(
            document["targets"],
            json!({"ResourceIds": ["i-bp1abcdefghij"], "RegionId": "cn-hangzhou", "Type": "ResourceIds"})
        );
        assert_eq!(
            document["rateControl"],
            json!({"Mode": "Concurrency", "Concurrency": 1, "MaxErrors": 0})
        );
        assert_eq!(document["packageVersion"], "v27");
        assert_eq!(document["regionId"], "cn-hangzhou");
    }
}
