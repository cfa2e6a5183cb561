//! What a Cloud Assistant command reports on one instance. The emulator NEVER runs the
//! script: it reads it as text, recognises version checks (`node -v`, `python3
//! --version`, `java -version` ...) and answers them from the packages OOS installed on
//! the instance; it prints what `echo`/`printf` (shell) or `print(...)` (Python) lines
//! print when their argument is a literal, answers `hostname`, `whoami`, `nproc` and
//! `pwd` from the instance's facts, and ends at `exit N` with that code. Anything else
//! prints nothing. (Cloud Assistant has no Python type: a Python script travels as a
//! shell script, e.g. a heredoc to `python3`.)

use serde_json::{Map, Value};

use crate::emulator::alibaba::ecs::models::{CommandOutcome, Instance, OsType};
use crate::emulator::alibaba::oos::catalog::probes::{Probe, probe_for};
use crate::emulator::alibaba::oos::catalog::{PUBLISHER_ACCOUNT, packages::PACKAGES};
use crate::emulator::alibaba::oos::models::PackageState;

/// The command types and the OS each runs on.
pub const COMMAND_TYPES: [(&str, OsType); 3] = [
    ("RunShellScript", OsType::Linux),
    ("RunBatScript", OsType::Windows),
    ("RunPowerShellScript", OsType::Windows),
];

fn failed(code: &str, info: String) -> CommandOutcome {
    CommandOutcome {
        output: String::new(),
        exit_code: 0,
        error_code: code.to_owned(),
        error_info: info,
    }
}

/// The installed package a probe reports on, with its parameters.
fn installed<'a>(probe: &Probe, states: &'a [PackageState]) -> Option<&'a Map<String, Value>> {
    let name = PACKAGES
        .iter()
        .find(|p| p.short_name == probe.package)
        .map(|p| format!("ACS-Extension-{}-{PUBLISHER_ACCOUNT}", p.short_name))?;
    states
        .iter()
        .find(|s| s.template_name == name)
        .map(|s| &s.parameters)
}

fn not_found(probe: &Probe, os: OsType, line_number: usize) -> (String, i64) {
    match os {
        OsType::Linux => (
            format!(
                "bash: line {line_number}: {}: command not found",
                probe.binary
            ),
            127,
        ),
        OsType::Windows => (
            format!(
                "'{}' is not recognized as an internal or external command,\r\noperable program or batch file.",
                probe.binary
            ),
            1,
        ),
    }
}

/// What one line does besides version checks.
enum LineEffect {
    Print(String),
    Exit(i64),
}

/// A quoted or bare literal, without its quotes; `None` when it expands something.
fn literal(text: &str) -> Option<String> {
    let text = text.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)));
    let value = unquoted.unwrap_or(text);
    (!value.contains('$') && !value.contains('`')).then(|| value.replace("\\n", "\n"))
}

fn line_effect(instance: &Instance, command_type: &str, line: &str) -> Option<LineEffect> {
    let line = line.trim();
    if command_type != "RunShellScript" {
        return None;
    }
    if let Some(code) = line.strip_prefix("exit ") {
        return code.trim().parse().ok().map(LineEffect::Exit);
    }
    if let Some(arg) = line.strip_prefix("echo ") {
        let arg = arg.trim_start_matches("-e ").trim_start_matches("-n ");
        return literal(arg).map(LineEffect::Print);
    }
    if let Some(arg) = line.strip_prefix("printf ") {
        return literal(arg).map(|t| LineEffect::Print(t.trim_end_matches('\n').to_owned()));
    }
    let fact = match line {
        "hostname" => instance.host_name.clone(),
        "whoami" => "root".to_owned(),
        "pwd" => "/root".to_owned(),
        "nproc" => instance.cpu.to_string(),
        _ => return None,
    };
    Some(LineEffect::Print(fact))
}

/// The outcome of `script` (already decoded) of `command_type` on `instance`, given the
/// packages installed there.
pub fn synthesise(
    instance: &Instance,
    command_type: &str,
    script: &str,
    states: &[PackageState],
) -> CommandOutcome {
    if !instance.cloud_assistant_ok() {
        return failed(
            "ClientNotRunning",
            format!(
                "The Cloud Assistant agent is not running on {}; the command was not delivered.",
                instance.id
            ),
        );
    }
    let fits = COMMAND_TYPES
        .iter()
        .any(|(t, os)| *t == command_type && *os == instance.os_type);
    if !fits {
        return failed(
            "CommandNotApplicable",
            format!(
                "The command type {command_type} does not apply to {} ({} instance).",
                instance.id,
                instance.os_type.as_str()
            ),
        );
    }
    let mut lines = Vec::new();
    let mut exit_code = 0;
    for (index, line) in script.lines().enumerate() {
        let Some(probe) = probe_for(line) else {
            match line_effect(instance, command_type, line) {
                Some(LineEffect::Print(text)) => lines.push(text),
                Some(LineEffect::Exit(code)) => {
                    exit_code = code;
                    break;
                }
                None => {}
            }
            continue;
        };
        let (text, code) = match installed(probe, states) {
            Some(params) => ((probe.report)(params), 0),
            None => not_found(probe, instance.os_type, index + 1),
        };
        lines.push(text);
        exit_code = code;
    }
    let mut output = lines.join("\n");
    if !output.is_empty() {
        output.push('\n');
    }
    let (error_code, error_info) = if exit_code == 0 {
        (String::new(), String::new())
    } else {
        (
            "ExitCodeNonzero".to_owned(),
            format!("The command exited with a non-zero exit code: {exit_code}."),
        )
    };
    CommandOutcome {
        output,
        exit_code,
        error_code,
        error_info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::ecs::seed::{I_APP_01, I_OPS_01, I_WIN_01, demo_hangzhou};
    use serde_json::json;
    use time::OffsetDateTime;

    fn node_20() -> PackageState {
        PackageState {
            template_name: "ACS-Extension-node-1853370294850618".into(),
            template_version: "v27".into(),
            parameters: json!({"version": "20"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            updated: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn version_checks_answer_from_the_installed_packages() {
        let ecs = demo_hangzhou(OffsetDateTime::now_utc());
        let Some(app) = ecs.instance(I_APP_01) else {
            panic!("seed has app-01");
        };
        let out = synthesise(
            app,
            "RunShellScript",
            "#!/bin/bash\nnode -v\n",
            &[node_20()],
        );
        assert_eq!(out.output, "v20.18.1\n");
        assert!(out.succeeded());
        let missing = synthesise(
            app,
            "RunShellScript",
            "node -v\npython3 --version",
            &[node_20()],
        );
        assert_eq!(missing.exit_code, 127);
        assert_eq!(missing.error_code, "ExitCodeNonzero");
        assert!(missing.output.contains("python3: command not found"));
        let other = synthesise(app, "RunShellScript", "rm -rf / --no-preserve-root", &[]);
        assert!(other.succeeded() && other.output.is_empty());
        let echo = synthesise(
            app,
            "RunShellScript",
            "echo \"training done\"\necho $HOME\nnproc\nexit 3\necho never",
            &[],
        );
        assert_eq!(echo.output, "training done\n4\n");
        assert_eq!(
            (echo.exit_code, echo.error_code.as_str()),
            (3, "ExitCodeNonzero")
        );
        let quoted = synthesise(
            app,
            "RunShellScript",
            "echo 'single quoted'\nprintf \"no newline\"",
            &[],
        );
        assert_eq!(quoted.output, "single quoted\nno newline\n");
    }

    #[test]
    fn offline_agents_and_wrong_command_types_fail_without_output() {
        let ecs = demo_hangzhou(OffsetDateTime::now_utc());
        let (Some(ops), Some(win)) = (ecs.instance(I_OPS_01), ecs.instance(I_WIN_01)) else {
            panic!("seed has ops-01 and win-01");
        };
        assert_eq!(
            synthesise(ops, "RunShellScript", "node -v", &[]).error_code,
            "ClientNotRunning"
        );
        assert_eq!(
            synthesise(win, "RunShellScript", "node -v", &[]).error_code,
            "CommandNotApplicable"
        );
        assert!(synthesise(win, "RunPowerShellScript", "echo hi", &[]).succeeded());
    }
}
