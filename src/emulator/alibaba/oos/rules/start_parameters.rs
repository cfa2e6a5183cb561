//! The `Parameters` of a `StartExecution` of the package installer, checked the way the
//! template declares them:
//! `{"regionId", "targets": {"Type": "ResourceIds", "RegionId", "ResourceIds": [...]},
//! "action": "install"|"uninstall", "packageName", "packageVersion"?, "parameters"?,
//! "rateControl"?, "OOSAssumeRole"?}`.
//!
//! Shape problems are all reported in one `InvalidParameter`; an unknown `packageName` is
//! `TemplateNotFound`; an unknown `packageVersion` and package parameters that do not
//! match the version's declared `Parameters` are `InvalidParameter` again.

use serde_json::{Map, Value};

use crate::emulator::alibaba::oos::catalog::{self, PackageDef, VersionDef};
use crate::emulator::alibaba::oos::errors;
use crate::emulator::alibaba::oos::models::PackageAction;
use crate::emulator::alibaba::oos::rules::package_parameters;
use crate::emulator::core::wire::ApiError;

/// The keys the installer template declares.
const KEYS: [&str; 8] = [
    "regionId",
    "targets",
    "action",
    "packageName",
    "packageVersion",
    "parameters",
    "rateControl",
    "OOSAssumeRole",
];

/// A valid install (or uninstall) request.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    /// The region of the instances (the call's region).
    pub region_id: String,
    /// The target instances, in the order given.
    pub instance_ids: Vec<String>,
    /// Install or uninstall.
    pub action: PackageAction,
    /// The package.
    pub package: &'static PackageDef,
    /// The version used (the latest when none was given).
    pub version: &'static VersionDef,
    /// The package parameters with defaults filled in.
    pub effective: Map<String, Value>,
}

fn string<'a>(
    params: &'a Map<String, Value>,
    key: &str,
    problems: &mut Vec<String>,
) -> Option<&'a str> {
    match params.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            problems.push(format!("{key} must be a string, got {other}"));
            None
        }
    }
}

fn targets(params: &Map<String, Value>, region: &str, problems: &mut Vec<String>) -> Vec<String> {
    let Some(targets) = params.get("targets") else {
        problems.push("targets is required: {\"Type\":\"ResourceIds\",\"RegionId\":...,\"ResourceIds\":[\"i-...\"]}".into());
        return Vec::new();
    };
    let Some(targets) = targets.as_object() else {
        problems.push(format!("targets must be a JSON object, got {targets}"));
        return Vec::new();
    };
    match targets.get("Type").and_then(Value::as_str) {
        Some("ResourceIds") => {}
        Some(other) => problems.push(format!(
            "targets.Type \"{other}\" is not supported here; use ResourceIds"
        )),
        None => problems.push("targets.Type is required and must be ResourceIds".into()),
    }
    match targets.get("RegionId") {
        None => {}
        Some(Value::String(r)) if r == region => {}
        Some(other) => problems.push(format!(
            "targets.RegionId {other} must be the region of the call, \"{region}\""
        )),
    }
    let ids: Vec<String> = match targets.get("ResourceIds") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(other) => {
            problems.push(format!(
                "targets.ResourceIds must be an array of instance ids, got {other}"
            ));
            return Vec::new();
        }
        None => {
            problems.push("targets.ResourceIds is required".into());
            return Vec::new();
        }
    };
    if ids.is_empty() {
        problems.push("targets.ResourceIds must name at least one instance".into());
    }
    let mut seen: Vec<&String> = Vec::new();
    for id in &ids {
        if seen.contains(&id) {
            problems.push(format!("targets.ResourceIds lists {id} twice"));
        }
        seen.push(id);
    }
    ids
}

/// Either a non-negative integer or a percentage string (`"10%"`).
fn count_or_percent(value: &Value) -> bool {
    value.is_u64()
        || value.as_str().is_some_and(|s| {
            s.strip_suffix('%')
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n <= 100)
        })
}

fn rate_control(params: &Map<String, Value>, problems: &mut Vec<String>) {
    let Some(rc) = params.get("rateControl").filter(|v| !v.is_null()) else {
        return;
    };
    let Some(rc) = rc.as_object() else {
        problems.push(format!("rateControl must be a JSON object, got {rc}"));
        return;
    };
    match rc.get("Mode").and_then(Value::as_str) {
        None | Some("Concurrency" | "Batch") => {}
        Some(other) => problems.push(format!(
            "rateControl.Mode \"{other}\" is not valid; valid values: Concurrency, Batch"
        )),
    }
    for key in ["Concurrency", "MaxErrors"] {
        if let Some(v) = rc.get(key)
            && !count_or_percent(v)
        {
            problems.push(format!(
                "rateControl.{key} must be a non-negative integer or a percentage such as \"10%\", got {v}"
            ));
        }
    }
    if rc.get("Concurrency").and_then(Value::as_u64) == Some(0) {
        problems.push("rateControl.Concurrency must be at least 1".into());
    }
}

fn invalid(problems: &[String]) -> ApiError {
    errors::invalid(format!(
        "The Parameters are not valid: {}.",
        problems.join("; ")
    ))
}

/// Checks the installer's `Parameters` for a call in `region`.
pub fn parse(params: &Map<String, Value>, region: &str) -> Result<InstallRequest, ApiError> {
    let mut problems = Vec::new();
    for key in params.keys() {
        if !KEYS.contains(&key.as_str()) {
            problems.push(format!(
                "{key} is not a parameter of {}; its parameters are {}",
                catalog::BULKY_TEMPLATE,
                KEYS.join(", ")
            ));
        }
    }
    if let Some(r) = string(params, "regionId", &mut problems)
        && r != region
    {
        problems.push(format!(
            "regionId \"{r}\" must be the region of the call, \"{region}\""
        ));
    }
    let instance_ids = targets(params, region, &mut problems);
    let action = match string(params, "action", &mut problems) {
        Some("install") => Some(PackageAction::Install),
        Some("uninstall") => Some(PackageAction::Uninstall),
        Some(other) => {
            problems.push(format!(
                "action \"{other}\" is not valid; valid values: install, uninstall"
            ));
            None
        }
        None => {
            problems.push("action is required: install or uninstall".into());
            None
        }
    };
    let package_name = string(params, "packageName", &mut problems);
    if package_name.is_none() && params.get("packageName").is_none_or(Value::is_null) {
        problems.push("packageName is required, e.g. ACS-Extension-node-1853370294850618".into());
    }
    let package_version = string(params, "packageVersion", &mut problems).filter(|v| !v.is_empty());
    string(params, "OOSAssumeRole", &mut problems);
    rate_control(params, &mut problems);
    let (Some(action), Some(package_name), true) = (action, package_name, problems.is_empty())
    else {
        return Err(invalid(&problems));
    };
    let package =
        catalog::package(package_name).ok_or_else(|| errors::template_not_found(package_name))?;
    let version = match package_version {
        None => package.latest(),
        Some(v) => package.version(v).ok_or_else(|| {
            let versions: Vec<&str> = package.versions.iter().map(|v| v.name).collect();
            invalid(&[format!(
                "packageVersion \"{v}\" does not exist for {package_name}; its versions are {}",
                versions.join(", ")
            )])
        })?,
    };
    let effective = package_parameters::check(package, version, params.get("parameters"))
        .map_err(|problems| invalid(&problems))?;
    Ok(InstallRequest {
        region_id: region.to_owned(),
        instance_ids,
        action,
        package,
        version,
        effective,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_json(v: Value) -> Result<InstallRequest, ApiError> {
        parse(v.as_object().unwrap_or(&Map::new()), "cn-hangzhou")
    }

    fn valid() -> Value {
        json!({
            "regionId": "cn-hangzhou",
            "OOSAssumeRole": "",
            "targets": {"ResourceIds": ["i-bp1lnpgy6293rikq0c8x"], "RegionId": "cn-hangzhou", "Type": "ResourceIds"},
            "rateControl": {"Mode": "Concurrency", "Concurrency": 1, "MaxErrors": 0},
            "action": "install",
            "packageName": "ACS-Extension-node-1853370294850618",
            "parameters": {"version": "20"},
        })
    }

    #[test]
    fn the_skill_shape_is_accepted_with_the_latest_version() {
        let request = parse_json(valid());
        let Ok(request) = request else {
            panic!("{request:?}");
        };
        assert_eq!(request.version.name, "v27");
        assert_eq!(request.effective["version"], "20");
        assert_eq!(request.instance_ids.len(), 1);
    }

    #[test]
    fn shape_problems_are_reported_together() {
        let mut bad = valid();
        bad["regionId"] = json!("cn-shanghai");
        bad["targets"]["Type"] = json!("Tags");
        bad["action"] = json!("upgrade");
        bad["extra"] = json!(1);
        let Err(error) = parse_json(bad) else {
            panic!("refused");
        };
        assert_eq!(error.code, "InvalidParameter");
        for needle in [
            "regionId",
            "targets.Type",
            "action \"upgrade\"",
            "extra is not a parameter",
        ] {
            assert!(
                error.message.contains(needle),
                "{needle}: {}",
                error.message
            );
        }
    }

    #[test]
    fn unknown_packages_versions_and_values_are_refused() {
        let mut unknown = valid();
        unknown["packageName"] = json!("ACS-Extension-nothing-1853370294850618");
        assert_eq!(
            parse_json(unknown).err().map(|e| e.code),
            Some("TemplateNotFound".into())
        );
        let mut version = valid();
        version["packageVersion"] = json!("v99");
        let error = parse_json(version)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(error.contains("v25, v26, v27"), "{error}");
        let mut old = valid();
        old["packageVersion"] = json!("v25");
        old["parameters"] = json!({"version": "22"});
        assert!(parse_json(old).is_err(), "v25 does not offer 22");
        let mut dup = valid();
        dup["targets"]["ResourceIds"] = json!(["i-bp1lnpgy6293rikq0c8x", "i-bp1lnpgy6293rikq0c8x"]);
        assert!(parse_json(dup).is_err());
    }
}
