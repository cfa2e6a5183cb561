//! The deployment config, checked before any plan with every problem reported at once
//! (seed-operations.md 5.2 and 5.4): both schemas (the seed's `cuda_v`, the newer
//! `cuda_v_from`/`cuda_v_to` + `dc_list`), the CUDA mapping, ranges, the deployment type, Job
//! parallelism, and the `cmd` linter. Pure: no call is sent here.

use serde_json::{Map, Value, json};

/// The CUDA codes AutoDL accepts, ascending (111 = CUDA 11.1).
pub const CUDA_CODES: [u32; 7] = [111, 113, 116, 117, 118, 120, 122];
/// The deployment types.
pub const TYPES: [&str; 3] = ["ReplicaSet", "Job", "Container"];

/// A checked config: the create body to send, and what the plan should say.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The body fields, CUDA resolved to integer codes.
    pub body: Map<String, Value>,
    /// What was resolved (the CUDA code chosen and why).
    pub resolved: Vec<String>,
    /// Pitfalls that do not stop the plan.
    pub warnings: Vec<String>,
}

impl Checked {
    /// `container_template`.
    pub fn template(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.body
            .get("container_template")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    /// An integer field of the template.
    pub fn number(&self, key: &str) -> u64 {
        self.template()
            .get(key)
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// `gpu_name_set`.
    pub fn gpu_names(&self) -> Vec<String> {
        crate::toolsets::string_list(self.template().get("gpu_name_set"))
    }
}

/// The smallest supported code at or above a requirement given as a code (`118`) or a
/// version (`"11.8"`, `11.8`, `"12"`); `Err` says why it cannot be mapped.
pub fn cuda_code(value: &Value) -> Result<(u32, Option<String>), String> {
    let wanted: f64 = match value {
        Value::Number(n) if n.as_u64().is_some_and(|c| c >= 100) => {
            let code = n.as_u64().unwrap_or(0) as f64;
            code / 10.0
        }
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(text) => text
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("`{text}` is not a CUDA version (use e.g. 118 or \"11.8\")"))?,
        other => {
            return Err(format!(
                "{other} is not a CUDA version (use e.g. 118 or \"11.8\")"
            ));
        }
    };
    let wanted_code = (wanted * 10.0).round() as u32;
    match CUDA_CODES.iter().find(|c| **c >= wanted_code) {
        Some(code) if *code == wanted_code && value.is_u64() => Ok((*code, None)),
        Some(code) => Ok((
            *code,
            Some(format!(
                "CUDA {value} -> code {code} (the smallest supported version at or above it; newer drivers run older CUDA)"
            )),
        )),
        None => Err(format!(
            "CUDA {value} is newer than any supported version (highest: 12.2 = 122)"
        )),
    }
}

/// The `cmd` pitfalls: refusals and warnings.
pub fn lint_cmd(cmd: &str) -> (Vec<String>, Vec<String>) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    if let (Some(and), Some(or)) = (cmd.find("&&"), cmd.rfind("||"))
        && and < or
    {
        errors.push("container_template.cmd uses `A && B || C`: a Job deployment then never stops; separate commands with `;` and test `$?` explicitly (`if [ $? -ne 0 ]; then ...; fi`), or end with `; true`".into());
    }
    let bare_amp = cmd.char_indices().any(|(i, c)| {
        c == '&'
            && !cmd[i..].starts_with("&&")
            && !cmd[..i].ends_with('&')
            && !cmd[..i].ends_with('>')
    });
    let keeps_alive = ["sleep infinity", "tail -f", "wait"]
        .iter()
        .any(|k| cmd.contains(k));
    if bare_amp && !keeps_alive {
        warnings.push("container_template.cmd sends a process to the background with `&` and nothing keeps the container alive: it shuts down when cmd returns; add `; sleep infinity` (or run in the foreground)".into());
    }
    if cmd.contains("conda activate") {
        warnings.push("container_template.cmd uses `conda activate`, which does not work in a non-interactive shell; call the env's interpreter, e.g. /root/miniconda3/envs/<env>/bin/python".into());
    }
    if !cmd.trim_start().starts_with("cd ") && !cmd.contains("&& cd ") && !cmd.contains("; cd ") {
        warnings.push("container_template.cmd does not `cd` first; relative paths start from an unknown directory (e.g. `cd /root && python app.py`)".into());
    }
    (errors, warnings)
}

fn int(map: &Map<String, Value>, key: &str, at: &str, errors: &mut Vec<String>) -> Option<u64> {
    match map.get(key) {
        None | Some(Value::Null) => {
            errors.push(format!("{at}{key} is required"));
            None
        }
        Some(v) => match v.as_u64() {
            Some(n) => Some(n),
            None => {
                errors.push(format!("{at}{key} must be a non-negative integer; got {v}"));
                None
            }
        },
    }
}

fn range(map: &Map<String, Value>, from: &str, to: &str, errors: &mut Vec<String>) {
    let at = "container_template.";
    if let (Some(a), Some(b)) = (int(map, from, at, errors), int(map, to, at, errors))
        && a > b
    {
        errors.push(format!("{at}{from} ({a}) must be <= {at}{to} ({b})"));
    }
}

/// Checks a config object; all problems at once.
pub fn check(config: &Map<String, Value>) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    let mut warnings = Vec::new();
    let known = [
        "name",
        "deployment_type",
        "replica_num",
        "parallelism_num",
        "reuse_container",
        "reuse_container_scope",
        "container_template",
    ];
    for key in config.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(format!(
            "`{key}` is not a config field; allowed: {}",
            known.join(", ")
        ));
    }
    match config.get("name").and_then(Value::as_str).map(str::trim) {
        Some(name) if !name.is_empty() && name.len() <= 48 => {}
        Some(name) if !name.is_empty() => errors.push(format!(
            "name is {} characters; at most 48 (skillgate adds a 9-character plan suffix)",
            name.len()
        )),
        _ => errors.push("name is required (a non-empty string)".into()),
    }
    let kind = config.get("deployment_type").and_then(Value::as_str);
    match kind {
        Some(k) if TYPES.contains(&k) => {}
        Some(k) => errors.push(format!("deployment_type must be exactly one of ReplicaSet, Job, Container (case-sensitive); got `{k}`")),
        None => errors.push("deployment_type is required: ReplicaSet, Job or Container".into()),
    }
    let replicas = match kind {
        Some("ReplicaSet" | "Job") => int(config, "replica_num", "", &mut errors),
        _ => config.get("replica_num").and_then(Value::as_u64),
    };
    if matches!(kind, Some("ReplicaSet" | "Job")) && replicas == Some(0) {
        errors.push("replica_num must be at least 1".into());
    }
    if kind == Some("Job") {
        match int(config, "parallelism_num", "", &mut errors) {
            Some(0) => errors.push("parallelism_num must be at least 1".into()),
            Some(p) if replicas.is_some_and(|r| p > r) => errors.push(format!(
                "parallelism_num ({p}) must be <= replica_num ({})",
                replicas.unwrap_or(0)
            )),
            _ => {}
        }
    }
    if config
        .get("reuse_container")
        .is_some_and(|v| !v.is_boolean())
    {
        errors.push("reuse_container must be true or false".into());
    }
    if config.get("reuse_container").and_then(Value::as_bool) == Some(true) {
        warnings.push("reuse_container: a reused container keeps the old container's files (they are not wiped)".into());
    }
    let mut body = config.clone();
    let Some(template) = config.get("container_template").and_then(Value::as_object) else {
        errors.push("container_template is required (an object)".into());
        return Err(errors);
    };
    let mut template = template.clone();
    let at = "container_template.";
    let names = template.get("gpu_name_set").and_then(Value::as_array);
    if !names.is_some_and(|n| {
        !n.is_empty() && n.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    }) {
        errors.push(format!(
            "{at}gpu_name_set must be a non-empty list of GPU model names, e.g. [\"RTX 4090\"]"
        ));
    }
    if int(&template, "gpu_num", at, &mut errors) == Some(0) {
        errors.push(format!("{at}gpu_num must be at least 1"));
    }
    match (template.get("cuda_v").cloned(), template.contains_key("cuda_v_from") || template.contains_key("cuda_v_to")) {
        (Some(_), true) => errors.push(format!("{at}: give either cuda_v (private cloud) or cuda_v_from/cuda_v_to with dc_list, not both")),
        (Some(value), false) => match cuda_code(&value) {
            Ok((code, note)) => {
                template.insert("cuda_v".into(), json!(code));
                resolved.extend(note);
            }
            Err(why) => errors.push(format!("{at}cuda_v: {why}")),
        },
        (None, true) => {
            let mut codes = Vec::new();
            for key in ["cuda_v_from", "cuda_v_to"] {
                match template.get(key).map(cuda_code) {
                    Some(Ok((code, note))) => {
                        template.insert(key.into(), json!(code));
                        resolved.extend(note.map(|n| format!("{key}: {n}")));
                        codes.push(code);
                    }
                    Some(Err(why)) => errors.push(format!("{at}{key}: {why}")),
                    None => errors.push(format!("{at}{key} is required with the cuda_v_from/cuda_v_to schema")),
                }
            }
            if let [from, to] = codes[..]
                && from > to
            {
                errors.push(format!("{at}cuda_v_from ({from}) must be <= cuda_v_to ({to})"));
            }
            let dcs = template.get("dc_list").and_then(Value::as_array);
            if dcs.is_none_or(|d| d.is_empty()) {
                errors.push(format!("{at}dc_list must be a non-empty list of data centres (e.g. [\"westDC2\"]) with the cuda_v_from/cuda_v_to schema"));
            }
        }
        (None, false) => errors.push(format!("{at}cuda_v is required (e.g. 118 or \"11.8\"; or cuda_v_from/cuda_v_to with dc_list)")),
    }
    range(&template, "cpu_num_from", "cpu_num_to", &mut errors);
    range(&template, "memory_size_from", "memory_size_to", &mut errors);
    range(&template, "price_from", "price_to", &mut errors);
    if template
        .get("memory_size_from")
        .and_then(Value::as_u64)
        .is_some_and(|m| m > 1 << 20)
    {
        errors.push(format!("{at}memory_size_from/to are in GB, not bytes"));
    }
    if template
        .get("memory_size_from")
        .and_then(Value::as_u64)
        .is_some_and(|m| m > 64)
    {
        warnings.push(format!("{at}memory_size_from is a floor: above 64 GB it may exclude most hosts' units; keep it low (1-8)"));
    }
    for key in ["image_uuid", "cmd"] {
        if template
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            errors.push(format!("{at}{key} is required (a non-empty string)"));
        }
    }
    if let Some(cmd) = template.get("cmd").and_then(Value::as_str) {
        let (bad, warn) = lint_cmd(cmd);
        errors.extend(bad);
        warnings.extend(warn);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    body.insert("container_template".into(), Value::Object(template));
    Ok(Checked {
        body,
        resolved,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(template: Value) -> Map<String, Value> {
        json!({"name": "x", "deployment_type": "ReplicaSet", "replica_num": 1, "container_template": template})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn template() -> Value {
        json!({"gpu_name_set": ["RTX 4090"], "gpu_num": 1, "cuda_v": 118, "cpu_num_from": 1, "cpu_num_to": 64,
               "memory_size_from": 1, "memory_size_to": 256, "price_from": 100, "price_to": 9000,
               "image_uuid": "image-1", "cmd": "cd /root && python app.py"})
    }

    #[test]
    fn cuda_versions_map_to_the_smallest_code_at_or_above() {
        assert_eq!(cuda_code(&json!(118)).map(|c| c.0), Ok(118));
        assert_eq!(cuda_code(&json!("11.8")).map(|c| c.0), Ok(118));
        assert_eq!(cuda_code(&json!("11.4")).map(|c| c.0), Ok(116));
        assert_eq!(cuda_code(&json!(12.1)).map(|c| c.0), Ok(122));
        assert_eq!(cuda_code(&json!(119)).map(|c| c.0), Ok(120));
        assert!(cuda_code(&json!("12.4")).is_err());
        assert!(cuda_code(&json!("eleven")).is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = template();
        bad["cpu_num_from"] = json!(10);
        bad["cpu_num_to"] = json!(2);
        bad["cmd"] = json!("ls /data && process || echo fallback");
        bad.as_object_mut().map(|t| t.remove("image_uuid"));
        let mut cfg = config(bad);
        cfg.insert("deployment_type".into(), json!("Job"));
        cfg.insert("parallelism_num".into(), json!(3));
        let errors = check(&cfg).expect_err("invalid");
        let text = errors.join("\n");
        for needle in [
            "cpu_num_from (10) must be <=",
            "image_uuid is required",
            "&& B || C",
            "parallelism_num (3) must be <= replica_num (1)",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }

    #[test]
    fn both_schemas_are_accepted_and_the_linter_warns() {
        let ok = check(&config(template())).expect("valid");
        assert_eq!(ok.template()["cuda_v"], 118);
        let mut newer = template();
        newer.as_object_mut().map(|t| t.remove("cuda_v"));
        newer["cuda_v_from"] = json!("11.8");
        newer["cuda_v_to"] = json!(122);
        newer["dc_list"] = json!(["westDC2"]);
        newer["cmd"] = json!("nohup python app.py &");
        let checked = check(&config(newer.clone())).expect("valid");
        assert_eq!(checked.template()["cuda_v_from"], 118);
        let warnings = checked.warnings.join("\n");
        assert!(warnings.contains("background"), "{warnings}");
        assert!(warnings.contains("does not `cd`"), "{warnings}");
        newer.as_object_mut().map(|t| t.remove("dc_list"));
        assert!(check(&config(newer)).is_err_and(|e| e.join(" ").contains("dc_list")));
    }
}
