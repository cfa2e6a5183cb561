//! FC's limits and the synthesised answer of an invoke.
//!
//! Limits (FC 3.0 docs): memory 128..=32768 MB in steps of 64, vCPU 0.05..=16 in steps of 0.05,
//! memory in GB over vCPU within [1, 4], timeout 1..=86400 s, disk 512 or 10240 MB, zipped code
//! at most 50 MB.
//!
//! The answer: the emulator NEVER runs code. When the payload is a JSON object carrying a script
//! (`script`, or base64 `script_b64`, with `type` shell or python), the script is read as text:
//! literal `echo` / `printf` (shell) and `print("...")` (Python) lines are what it prints, and
//! `exit N` / `sys.exit(N)` ends it with that code. Anything else prints nothing. Any other
//! payload is echoed back.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::errors;
use super::models::RunOutcome;
use crate::emulator::core::wire::ApiError;

/// Checks memory, CPU and their ratio.
pub fn check_resources(memory: i64, cpu: f64) -> Result<(), ApiError> {
    if !(128..=32768).contains(&memory) || memory % 64 != 0 {
        return Err(errors::invalid(format!(
            "memorySize {memory} is invalid: it must be a multiple of 64 between 128 and 32768 (MB)."
        )));
    }
    let steps = cpu / 0.05;
    if !(0.05..=16.0).contains(&cpu) || (steps - steps.round()).abs() > 1e-6 {
        return Err(errors::invalid(format!(
            "cpu {cpu} is invalid: it must be a multiple of 0.05 between 0.05 and 16 (vCPU)."
        )));
    }
    let ratio = memory as f64 / 1024.0 / cpu;
    if !(1.0 - 1e-9..=4.0 + 1e-9).contains(&ratio) {
        return Err(errors::invalid(format!(
            "the ratio of memorySize (GB) to cpu must be between 1 and 4; got {memory} MB / {cpu} vCPU = {ratio:.2}."
        )));
    }
    Ok(())
}

/// Checks the timeout and the disk size.
pub fn check_limits(timeout: i64, disk: i64) -> Result<(), ApiError> {
    if !(1..=86_400).contains(&timeout) {
        return Err(errors::invalid(format!(
            "timeout {timeout} is invalid: it must be between 1 and 86400 (seconds)."
        )));
    }
    if disk != 512 && disk != 10_240 {
        return Err(errors::invalid(format!(
            "diskSize {disk} is invalid: it must be 512 or 10240 (MB)."
        )));
    }
    Ok(())
}

/// The decoded size and a checksum of `code.zipFile` (base64 of a zip archive).
pub fn code_package(code: &Map<String, Value>) -> Result<(i64, String), ApiError> {
    let Some(zip) = code.get("zipFile").and_then(Value::as_str) else {
        if code.get("ossBucketName").and_then(Value::as_str).is_some() {
            return Ok((0, "0".into()));
        }
        return Err(errors::invalid(
            "code must carry zipFile (base64 of a zip) or ossBucketName and ossObjectName.",
        ));
    };
    let bytes = STANDARD
        .decode(zip.trim())
        .map_err(|_| errors::invalid("code.zipFile is not valid base64."))?;
    if bytes.len() > 52_428_800 {
        return Err(errors::code_too_large(bytes.len()));
    }
    if !bytes.starts_with(b"PK") {
        return Err(errors::invalid("code.zipFile is not a zip archive."));
    }
    let sum = bytes.iter().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(*b))
    });
    Ok((
        i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sum.to_string(),
    ))
}

fn literal(text: &str) -> Option<String> {
    let text = text.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)));
    let value = unquoted.unwrap_or(text);
    (!value.contains('$') && !value.contains('`')).then(|| value.replace("\\n", "\n"))
}

/// What a script prints and its exit code, read as text.
pub fn read_script(script: &str, python: bool) -> (String, i64) {
    let mut out = Vec::new();
    for line in script.lines().map(str::trim) {
        if python {
            if let Some(arg) = line
                .strip_prefix("print(")
                .and_then(|l| l.strip_suffix(')'))
            {
                if let Some(text) = literal(arg).filter(|_| arg.starts_with(['"', '\''])) {
                    out.push(text);
                }
            } else if let Some(code) = line
                .strip_prefix("sys.exit(")
                .and_then(|l| l.strip_suffix(')'))
            {
                return (out.join("\n"), code.trim().parse().unwrap_or(1));
            }
        } else if let Some(code) = line.strip_prefix("exit ") {
            return (out.join("\n"), code.trim().parse().unwrap_or(1));
        } else if let Some(arg) = line.strip_prefix("echo ") {
            if let Some(text) = literal(arg.trim_start_matches("-e ").trim_start_matches("-n ")) {
                out.push(text);
            }
        } else if let Some(arg) = line.strip_prefix("printf ")
            && let Some(text) = literal(arg)
        {
            out.push(text.trim_end_matches('\n').to_owned());
        }
    }
    (out.join("\n"), 0)
}

/// The synthesised answer to `payload` (raw bytes) of the function `name`.
pub fn synthesise(name: &str, payload: &[u8]) -> RunOutcome {
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(payload).ok();
    let script = parsed.as_ref().and_then(|p| {
        p.get("script")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                p.get("script_b64")
                    .and_then(Value::as_str)
                    .and_then(|b| STANDARD.decode(b.trim()).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            })
    });
    let Some(script) = script else {
        let mut body = Map::new();
        body.insert("function".into(), json!(name));
        body.insert(
            "echo".into(),
            parsed.map_or_else(|| json!(String::from_utf8_lossy(payload)), Value::Object),
        );
        return RunOutcome {
            body,
            failed: false,
            error: String::new(),
        };
    };
    let python = parsed
        .as_ref()
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("python"));
    let (stdout, exit_code) = read_script(&script, python);
    let mut body = Map::new();
    body.insert("exit_code".into(), json!(exit_code));
    body.insert("stdout".into(), json!(stdout));
    body.insert(
        "stderr".into(),
        json!(if exit_code == 0 {
            String::new()
        } else {
            format!("script exited with code {exit_code}")
        }),
    );
    RunOutcome {
        failed: exit_code != 0,
        error: if exit_code == 0 {
            String::new()
        } else {
            format!("script exited with code {exit_code}")
        },
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_steps_are_checked() {
        assert!(check_resources(512, 0.35).is_ok());
        assert!(check_resources(128, 0.05).is_ok());
        assert!(check_resources(2048, 1.0).is_ok());
        assert!(check_resources(4096, 0.5).is_err());
        assert!(check_resources(100, 0.1).is_err());
        assert!(check_resources(512, 0.33).is_err());
    }

    #[test]
    fn scripts_are_read_not_run() {
        assert_eq!(
            read_script("echo hi\nexit 3\necho no", false),
            ("hi".into(), 3)
        );
        assert_eq!(
            read_script("import sys\nprint('ok')\nprint(x)\nsys.exit(0)", true),
            ("ok".into(), 0)
        );
        let out = synthesise("f", br#"{"script_b64":"ZWNobyBoZWxsbw==","type":"shell"}"#);
        assert_eq!(out.body["stdout"], "hello");
        assert!(!out.failed);
        let echo = synthesise("f", b"plain");
        assert_eq!(echo.body["echo"], "plain");
    }
}
