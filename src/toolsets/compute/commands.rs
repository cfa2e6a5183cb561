//! Cloud Assistant runs (seed-operations.md 3.8): the script from its content or its path
//! (exactly one), checked like `cp_validate_script`, sent Base64-encoded to a Running instance;
//! and the invocation output decoded from Base64 for the agent. The emulator synthesises the
//! output; nothing anywhere executes the script but the real instance.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::api::{DESCRIBE_INSTANCES, INVOCATION_RESULTS, declared};
use super::script::{Language, inspect, load};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// The most output kept per instance in a result (the API keeps up to 24 KiB).
pub const MAX_OUTPUT_CHARS: usize = 24 * 1024;

/// Decodes Cloud Assistant's Base64 output; text that is not Base64 is returned as it came.
pub fn decode_output(encoded: &str) -> String {
    let text = BASE64
        .decode(encoded.trim())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|_| encoded.to_string());
    if text.chars().count() > MAX_OUTPUT_CHARS {
        let tail: String = text
            .chars()
            .rev()
            .take(MAX_OUTPUT_CHARS)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("[output truncated to its last {MAX_OUTPUT_CHARS} characters]\n{tail}")
    } else {
        text
    }
}

/// Wraps a Python script for `RunShellScript`: Cloud Assistant has no Python command type, so
/// the script is fed to `python3` on standard input, unchanged.
fn python_as_shell(script: &str) -> String {
    let mut marker = "SKILLGATE_PY".to_string();
    while script.contains(&marker) {
        marker.push('_');
    }
    format!("python3 - <<'{marker}'\n{script}\n{marker}\n")
}

/// Guard: loads and checks the script, sets the Base64 `CommandContent` and the wire `Type`, and
/// requires the instance to be Running with Cloud Assistant online.
pub async fn command(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let path = ctx.arg_str("script_path");
    let content = ctx.arg_str("command_content");
    if path.is_some() == content.is_some() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "give exactly one of `command_content` (the script) and `script_path` (a local file)",
        ));
    }
    let (text, source) = load(path.as_deref(), content.as_deref())?;
    let asked = ctx.arg_str("command_type");
    let expected = match asked.as_deref() {
        Some("RunPythonScript") => Some("python"),
        Some("RunShellScript") => Some("shell"),
        _ => None,
    };
    let findings = inspect(&text, expected)?;
    let (wire_type, script) = match (asked.as_deref(), findings.language) {
        (Some(kind @ ("RunBatScript" | "RunPowerShellScript")), _) => (kind, text.clone()),
        (_, Language::Python) => ("RunShellScript", python_as_shell(&text)),
        (_, Language::Shell) => ("RunShellScript", text.clone()),
    };
    let instance_id = ctx.arg_str("instance_id").unwrap_or_default();
    let body = ctx
        .read(&declared(
            DESCRIBE_INSTANCES,
            json!({"instance_ids": [instance_id]}),
        ))
        .await?
        .body;
    let instance = body
        .pointer("/Instances/Instance/0")
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!(
                    "instance `{instance_id}` does not exist in {}; nothing was planned",
                    ctx.region()
                ),
            )
        })?;
    let status = instance["Status"].as_str().unwrap_or_default();
    if status != "Running" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("instance `{instance_id}` is {status}: Cloud Assistant runs scripts only on Running instances"),
        )
        .with_hint("wait with cp_ecs_wait_instance_running, then plan the run again"));
    }
    ctx.args.insert(
        "content_b64".into(),
        json!(BASE64.encode(script.as_bytes())),
    );
    ctx.args.insert("wire_type".into(), json!(wire_type));
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    ctx.checks.push(Check::ok(
        "instance_running",
        json!({"instance_id": instance_id, "status": status}),
    ));
    ctx.state
        .push(json!({"instance": instance_id, "status": status}));
    ctx.diff.insert(
        "script".into(),
        json!({
            "source": source,
            "language": match findings.language { Language::Python => "python", Language::Shell => "shell" },
            "type": wire_type,
            "lines": findings.lines,
            "sha256": digest,
            "long_running": findings.long_running(),
        }),
    );
    Ok(())
}

/// Reader: the invocation results with each `Output` decoded.
pub async fn invocation_results(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let mut args = json!({"invoke_id": ctx.arg_str("invoke_id")});
    if let Some(instance) = ctx.arg_str("instance_id") {
        args["instance_id"] = json!(instance);
    }
    let response = ctx.read(&declared(INVOCATION_RESULTS, args)).await?;
    let mut body = response.body;
    if let Some(items) = body
        .pointer_mut("/Invocation/InvocationResults/InvocationResult")
        .and_then(Value::as_array_mut)
    {
        for item in items {
            if let Some(encoded) = item.get("Output").and_then(Value::as_str) {
                let decoded = decode_output(encoded);
                item["Output"] = json!(decoded);
            }
        }
    }
    let mut out = crate::catalog::project(&ctx.tool.output, &body);
    if let Some(id) = response.request_id {
        out.insert("request_id".into(), json!(id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_decoded_and_python_is_fed_to_python3() {
        assert_eq!(decode_output(&BASE64.encode("hi\n")), "hi\n");
        assert_eq!(decode_output("not base64!"), "not base64!");
        let wrapped = python_as_shell("print('SKILLGATE_PY')");
        assert!(
            wrapped.starts_with("python3 - <<'SKILLGATE_PY_'"),
            "{wrapped}"
        );
    }
}
