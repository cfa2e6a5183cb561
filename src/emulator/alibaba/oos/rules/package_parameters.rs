//! A package's installation `parameters` checked against the version's declared
//! `Content.Parameters`: no unknown keys, required keys present, the right types, values
//! within `AllowedValues` and bounds. Every problem is reported at once; the template
//! defaults fill what was not given.

use serde_json::{Map, Value};

use crate::emulator::alibaba::oos::catalog::{PackageDef, ParamDef, ParamKind, VersionDef};

/// How a parameter is described in messages: `version (String, default "22", allowed: 18, 20, 22)`.
fn describe(p: &ParamDef) -> String {
    let mut out = format!("{} ({}", p.name, p.kind.as_str());
    match p.default {
        Some(d) => out.push_str(&format!(", default {}", p.kind.typed(d))),
        None => out.push_str(", required"),
    }
    if !p.allowed.is_empty() {
        out.push_str(&format!(", allowed: {}", p.allowed.join(", ")));
    }
    if let Some((min, max)) = p.range {
        out.push_str(&format!(", {min} to {max}"));
    }
    out.push(')');
    out
}

/// What is wrong with one given value, if anything.
fn check_value(p: &ParamDef, value: &Value) -> Option<String> {
    let type_ok = match p.kind {
        ParamKind::String => value.is_string(),
        ParamKind::Number => value.is_i64() || value.is_u64(),
        ParamKind::Boolean => value.is_boolean(),
    };
    if !type_ok {
        return Some(format!(
            "parameters.{} must be a {}, got {value}",
            p.name,
            p.kind.as_str()
        ));
    }
    if !p.allowed.is_empty() && !p.allowed.iter().any(|a| p.kind.typed(a) == *value) {
        return Some(format!(
            "parameters.{} {value} is not allowed; allowed values: {}",
            p.name,
            p.allowed.join(", ")
        ));
    }
    if let (Some((min, max)), Some(n)) = (p.range, value.as_i64())
        && !(min..=max).contains(&n)
    {
        return Some(format!(
            "parameters.{} must be between {min} and {max}, got {n}",
            p.name
        ));
    }
    None
}

/// The effective parameters (given values plus defaults), or every problem found.
pub fn check(
    package: &PackageDef,
    version: &VersionDef,
    given: Option<&Value>,
) -> Result<Map<String, Value>, Vec<String>> {
    let empty = Map::new();
    let given = match given {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(vec![format!(
                "parameters must be a JSON object of the package's installation parameters, got {other}"
            )]);
        }
    };
    let mut problems = Vec::new();
    let declared = if version.params.is_empty() {
        "it takes no parameters".to_owned()
    } else {
        let list: Vec<String> = version.params.iter().map(describe).collect();
        format!("its parameters are {}", list.join("; "))
    };
    for key in given.keys() {
        if !version.params.iter().any(|p| p.name == key) {
            problems.push(format!(
                "parameters.{key} is not a parameter of {} {}; {declared}",
                package.template_name(),
                version.name
            ));
        }
    }
    let mut effective = Map::new();
    for p in version.params {
        match (given.get(p.name), p.default) {
            (Some(value), _) => match check_value(p, value) {
                Some(problem) => problems.push(problem),
                None => {
                    effective.insert(p.name.to_owned(), value.clone());
                }
            },
            (None, Some(default)) => {
                effective.insert(p.name.to_owned(), p.kind.typed(default));
            }
            (None, None) => problems.push(format!(
                "parameters.{} is required by {} {}",
                p.name,
                package.template_name(),
                version.name
            )),
        }
    }
    if problems.is_empty() {
        Ok(effective)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::oos::catalog::package;
    use serde_json::json;

    fn run(name: &str, given: Value) -> Result<Map<String, Value>, Vec<String>> {
        let Some(p) = package(name) else {
            panic!("{name} is in the catalog");
        };
        check(p, p.latest(), Some(&given))
    }

    #[test]
    fn defaults_fill_what_was_not_given() {
        let effective = run(
            "ACS-Extension-java-1853370294850618",
            json!({"version": "21"}),
        );
        assert_eq!(
            effective,
            Ok(json!({"version": "21", "vendor": "OpenJDK"})
                .as_object()
                .cloned()
                .unwrap_or_default())
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = run(
            "ACS-Extension-node-1853370294850618",
            json!({"version": "23", "prefix": "/opt"}),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("parameters.prefix is not a parameter"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("allowed values: 18, 20, 22"))
        );
    }

    #[test]
    fn types_required_keys_and_bounds_are_checked() {
        let port = run(
            "ACS-Extension-nginx-1853370294850618",
            json!({"port": "80"}),
        );
        assert!(port.err().unwrap_or_default()[0].contains("must be a Number"));
        let range = run(
            "ACS-Extension-nginx-1853370294850618",
            json!({"port": 70000}),
        );
        assert!(range.err().unwrap_or_default()[0].contains("between 1 and 65535"));
        let required = run("ACS-Extension-ossfs-1853370294850618", json!({}));
        assert!(required.err().unwrap_or_default()[0].contains("parameters.bucket is required"));
        let flag = run(
            "ACS-Extension-DockerCE-1853370294850618",
            json!({"useAliyunMirror": false}),
        );
        assert_eq!(flag.map(|m| m["useAliyunMirror"].clone()), Ok(json!(false)));
    }
}
