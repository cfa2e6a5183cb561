//! Cloud Assistant: the post-install version check (a fixed, read-only command per package, never
//! one an agent writes) and invocation results with their output decoded.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::api::{INVOCATION_RESULTS, declared};
use super::packages::short_name;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::{ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext};

/// How many times, one second apart, the version check looks for its results before answering
/// with the invocation id instead.
const RESULT_LOOKS: u32 = 15;

/// The fixed version command of a package, by its short name.
pub fn version_command(package_name: &str) -> Option<&'static str> {
    let short = short_name(package_name).to_lowercase();
    Some(match short.as_str() {
        "node" | "nodejs" => "node -v",
        "python" | "python3" => "python3 --version",
        "java" | "openjdk" => "java -version 2>&1",
        "golang" | "go" => "go version",
        "dockerce" | "docker" => "docker --version",
        "nginx" => "nginx -v 2>&1",
        "git" => "git --version",
        "redis" => "redis-server --version",
        "mysql" => "mysql --version",
        _ => return None,
    })
}

/// The package short names with a known version command.
const KNOWN: &str = "node, python, java, golang, DockerCE, nginx, Git, redis, mysql";

/// The first version-looking token of a command's output: `v20.11.1` -> `20.11.1`.
pub fn version_in(output: &str) -> Option<String> {
    output
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|token| token.trim_matches('.'))
        .find(|token| {
            token.chars().next().is_some_and(|c| c.is_ascii_digit()) && token.contains('.')
        })
        .or_else(|| {
            output
                .split(|c: char| !c.is_ascii_digit())
                .find(|t| !t.is_empty())
        })
        .map(str::to_string)
}

/// `20` matches `20.11.1`; `3.10` matches `3.10.12` but not `3.1.0`.
pub fn version_matches(expected: &str, actual: &str) -> bool {
    let expected: Vec<&str> = expected.trim().trim_start_matches('v').split('.').collect();
    let actual: Vec<&str> = actual.split('.').collect();
    expected.len() <= actual.len() && expected.iter().zip(&actual).all(|(e, a)| e == a)
}

/// Guard of `ecsext_verify_version`: chooses the command; refuses packages without one.
pub(crate) async fn choose_version_command(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let package = ctx.arg_str("package_name").unwrap_or_default();
    let Some(command) = version_command(&package) else {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("no fixed version command is known for `{package}`; known packages: {KNOWN}"),
        )
        .with_hint("check the package with ecsext_list_instance_package_states instead; nothing was planned"));
    };
    let ids = ctx.arg_strings("instance_ids");
    ctx.args.insert("command_content".into(), json!(command));
    ctx.checks.push(Check::ok(
        "read_only_command",
        json!({"command": command, "instances": ids, "why": "the command only prints a version; nothing is installed or changed"}),
    ));
    ctx.diff.insert("command".into(), json!(command));
    Ok(())
}

fn decode(output: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(output.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| output.to_string())
}

/// The per-instance rows of a DescribeInvocationResults answer, outputs decoded.
pub fn result_rows(body: &Value) -> Vec<Value> {
    body.pointer("/Invocation/InvocationResults/InvocationResult")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or_default();
                    let mut out = json!({
                        "instance_id": text("InstanceId"),
                        "status": text("InvocationStatus"),
                        "exit_code": row.get("ExitCode"),
                        "output": decode(text("Output")),
                    });
                    if !text("ErrorInfo").is_empty() || !text("ErrorCode").is_empty() {
                        out["error"] = json!(
                            format!("{} {}", text("ErrorCode"), text("ErrorInfo"))
                                .trim()
                                .to_string()
                        );
                    }
                    if !text("FinishedTime").is_empty() {
                        out["finished_at"] = json!(text("FinishedTime"));
                    }
                    out
                })
                .collect()
        })
        .unwrap_or_default()
}

fn finished(status: &str) -> bool {
    matches!(
        status,
        "Finished" | "Success" | "Failed" | "Stopped" | "Timeout" | "Error" | "Invalid" | "Aborted"
    )
}

/// `ecsext_describe_invocation_results`.
pub(crate) async fn invocation_results(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let mut args = json!({"invoke_id": ctx.arg_str("invoke_id").unwrap_or_default()});
    if let Some(instance) = ctx.arg_str("instance_id") {
        args["instance_id"] = json!(instance);
    }
    let answer = ctx.read(&declared(INVOCATION_RESULTS, args)).await?;
    let mut out = Map::new();
    out.insert("results".into(), Value::Array(result_rows(&answer.body)));
    Ok(out)
}

/// The executor of `ecsext_verify_version`: runs the command, then looks for its results for a
/// bounded time and compares each instance's version with the one asked for.
pub(crate) async fn verify_version(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let sent = ctx.send(RetryMode::Safe).await.map_err(ToolFailure::from)?;
    let invoke_id = sent
        .body
        .get("InvokeId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let expected = ctx
        .arguments
        .get("expected_version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let targets = crate::toolsets::string_list(ctx.arguments.get("instance_ids"));
    let mut rows = Vec::new();
    let mut done = false;
    for look in 0..RESULT_LOOKS {
        if look > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let answer = ctx
            .read(&declared(
                INVOCATION_RESULTS,
                json!({"invoke_id": invoke_id}),
            ))
            .await?;
        rows = result_rows(&answer.body);
        done = !rows.is_empty()
            && targets.iter().all(|id| {
                rows.iter().any(|r| {
                    r["instance_id"].as_str() == Some(id.as_str())
                        && finished(r["status"].as_str().unwrap_or_default())
                })
            });
        if done {
            break;
        }
    }
    let results: Vec<Value> = rows
        .into_iter()
        .map(|mut row| {
            let actual = version_in(row["output"].as_str().unwrap_or_default());
            row["requested"] = json!(expected);
            row["actual"] = json!(actual);
            if let (Some(expected), Some(actual)) = (&expected, &actual) {
                row["matches"] = json!(version_matches(expected, actual));
            }
            row
        })
        .collect();
    let mut body = json!({
        "InvokeId": invoke_id,
        "finished": done,
        "results": results,
    });
    if !done {
        body["next"] = json!(format!(
            "not every instance has answered yet: call ecsext_describe_invocation_results with invoke_id `{invoke_id}`"
        ));
    }
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: sent.status,
        request_id: sent.request_id,
        body,
    }))
}

/// No read-back: the command only reads, and its ClientToken makes a resend return the same
/// invocation.
pub(crate) async fn verify_version_read_back(
    _ctx: &ExecContext<'_>,
) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_found_and_compared() {
        assert_eq!(version_in("v20.11.1\n").as_deref(), Some("20.11.1"));
        assert_eq!(version_in("Python 3.10.12").as_deref(), Some("3.10.12"));
        assert_eq!(
            version_in("openjdk version \"17.0.9\" 2023-10-17").as_deref(),
            Some("17.0.9")
        );
        assert_eq!(
            version_in("go version go1.22.3 linux/amd64").as_deref(),
            Some("1.22.3")
        );
        assert!(version_matches("20", "20.11.1"));
        assert!(version_matches("3.10", "3.10.12"));
        assert!(!version_matches("3.1", "3.10.12"));
        assert!(!version_matches("18", "20.11.1"));
    }

    #[test]
    fn only_known_packages_have_a_command() {
        assert_eq!(
            version_command("ACS-Extension-node-1853370294850618"),
            Some("node -v")
        );
        assert_eq!(
            version_command("ACS-Extension-DockerCE-1853370294850618"),
            Some("docker --version")
        );
        assert_eq!(
            version_command("ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618"),
            None
        );
    }

    #[test]
    fn outputs_are_decoded() {
        let body = json!({"Invocation": {"InvocationResults": {"InvocationResult": [
            {"InstanceId": "i-1", "InvocationStatus": "Success", "ExitCode": 0, "Output": "djIwLjExLjEK"}
        ]}}});
        let rows = result_rows(&body);
        assert_eq!(rows[0]["output"], "v20.11.1\n");
    }
}
