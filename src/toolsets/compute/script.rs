//! The compute skill's script check (seed-operations.md 3.4), before anything runs: a given path
//! must exist and hold something, the script must contain real logic (not only comments, `pass`
//! or TODO), a training script must reach a framework entry point, and what the environment must
//! provide (imports, data paths, package managers, background services) is noted. The script's
//! text is never echoed back: only what was found in it.

use serde_json::{Map, Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::GuardContext;

/// The largest script read from a path or taken as content (Cloud Assistant takes 16 KB after
/// Base64 for RunShellScript, 24 KB in total; anything near 1 MiB is not a script).
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// What the script is, as the agent expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// A shell script.
    Shell,
    /// A Python script.
    Python,
}

impl Language {
    fn as_str(self) -> &'static str {
        match self {
            Self::Shell => "shell",
            Self::Python => "python",
        }
    }

    /// The Cloud Assistant command type that runs it.
    pub fn command_type(self) -> &'static str {
        match self {
            Self::Shell => "RunShellScript",
            Self::Python => "RunPythonScript",
        }
    }
}

/// What the check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    /// Shell or Python.
    pub language: Language,
    /// Lines in all.
    pub lines: usize,
    /// Lines that do something.
    pub logic_lines: usize,
    /// Python modules imported.
    pub imports: Vec<String>,
    /// Absolute paths, `~/`, `./data` and object-store URLs it reads or writes.
    pub data_paths: Vec<String>,
    /// apt, yum, pip, npm...
    pub package_managers: Vec<String>,
    /// How it starts something that outlives it (nohup, systemctl, docker run -d, a server).
    pub background_services: Vec<String>,
    /// Framework entry points (fit, train, torch.distributed...).
    pub entry_points: Vec<String>,
}

impl Findings {
    /// True when the script starts a service that keeps running after it ends.
    pub fn long_running(&self) -> bool {
        !self.background_services.is_empty()
    }
}

fn is_filler(line: &str) -> bool {
    let lower = line.to_lowercase();
    matches!(
        lower.as_str(),
        "pass" | "..." | ":" | "true" | "exit 0" | "set -e" | "set -eu" | "set -euo pipefail"
    ) || lower.starts_with("todo")
        || lower.contains("not implemented")
        || lower == "raise notimplementederror"
        || lower == "raise notimplementederror()"
}

/// Python structure that does nothing by itself: a `def`/`class` header, the main guard, a
/// bare call of `main()`.
fn is_structure(line: &str) -> bool {
    ((line.starts_with("def ") || line.starts_with("class ") || line.starts_with("async def "))
        && line.ends_with(':'))
        || line.starts_with("if __name__")
        || line == "main()"
}

/// The lines that do something: no blanks, comments, shebang, docstring markers, filler
/// or bare structure.
fn logic_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .filter(|l| !matches!(*l, "\"\"\"" | "'''"))
        .filter(|l| !is_filler(l))
        .collect();
    if lines.iter().all(|l| is_structure(l)) {
        return Vec::new();
    }
    lines
}

fn detect_language(text: &str) -> Language {
    let first = text.lines().next().unwrap_or_default();
    if first.starts_with("#!") {
        return if first.contains("python") {
            Language::Python
        } else {
            Language::Shell
        };
    }
    let python = text.lines().map(str::trim).any(|l| {
        l.starts_with("import ")
            || (l.starts_with("from ") && l.contains(" import "))
            || l.starts_with("def ")
            || l.starts_with("print(")
            || l.starts_with("if __name__")
    });
    if python {
        Language::Python
    } else {
        Language::Shell
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Checks a script's text.
pub fn inspect(text: &str, expected_kind: Option<&str>) -> Result<Findings, ToolFailure> {
    let logic = logic_lines(text);
    if logic.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ScriptIncomplete,
            "the script has no executable logic: only comments, blank lines, `pass` or TODO",
        )
        .with_hint("ask the user for the complete script; never fill it in yourself"));
    }
    let language = match expected_kind {
        Some("python") => Language::Python,
        Some("shell") => Language::Shell,
        _ => detect_language(text),
    };
    let mut findings = Findings {
        language,
        lines: text.lines().count(),
        logic_lines: logic.len(),
        imports: Vec::new(),
        data_paths: Vec::new(),
        package_managers: Vec::new(),
        background_services: Vec::new(),
        entry_points: Vec::new(),
    };
    for line in &logic {
        let lower = line.to_lowercase();
        if let Some(rest) = line.strip_prefix("import ") {
            for module in rest.split(',') {
                let name = module.split_whitespace().next().unwrap_or_default();
                let root = name.split('.').next().unwrap_or_default();
                if !root.is_empty() {
                    push_unique(&mut findings.imports, root.to_string());
                }
            }
        } else if let Some(rest) = line.strip_prefix("from ")
            && let Some((module, _)) = rest.split_once(" import ")
        {
            let root = module.trim().split('.').next().unwrap_or_default();
            if !root.is_empty() && !root.starts_with('.') {
                push_unique(&mut findings.imports, root.to_string());
            }
        }
        for (needle, manager) in [
            ("apt-get ", "apt"),
            ("apt ", "apt"),
            ("yum ", "yum"),
            ("dnf ", "dnf"),
            ("pip install", "pip"),
            ("pip3 install", "pip"),
            ("npm ", "npm"),
            ("conda install", "conda"),
        ] {
            if lower.starts_with(needle)
                || lower.contains(&format!(" {needle}"))
                || lower.contains(&format!("&& {needle}"))
            {
                push_unique(&mut findings.package_managers, manager.to_string());
            }
        }
        for (needle, what) in [
            ("nohup ", "nohup"),
            ("systemctl start", "systemctl start"),
            ("systemctl enable", "systemctl enable"),
            ("docker run -d", "docker run -d"),
            ("pm2 start", "pm2"),
            ("uvicorn ", "uvicorn server"),
            ("gunicorn ", "gunicorn server"),
            ("flask run", "flask server"),
            ("app.run(", "a Python web server (app.run)"),
            ("serve_forever", "a Python server (serve_forever)"),
            ("http.server", "a Python HTTP server"),
            ("npm start", "npm start"),
        ] {
            if lower.contains(needle) {
                push_unique(&mut findings.background_services, what.to_string());
            }
        }
        if lower.ends_with(" &") && !lower.ends_with("&&") {
            push_unique(
                &mut findings.background_services,
                "a background job (&)".into(),
            );
        }
        for (needle, what) in [
            (".fit(", "fit()"),
            (".train(", "train()"),
            ("train(", "train()"),
            ("torch.distributed", "torch.distributed"),
            ("torchrun", "torchrun"),
            ("deepspeed", "deepspeed"),
            ("accelerate launch", "accelerate launch"),
            ("trainer.train", "Trainer.train()"),
        ] {
            if lower.contains(needle) {
                push_unique(&mut findings.entry_points, what.to_string());
            }
        }
        for word in line.split(|c: char| {
            c.is_whitespace() || matches!(c, '"' | '\'' | '(' | ')' | ',' | '=' | ';')
        }) {
            let path = word.trim_end_matches([':', '.']);
            let looks_like_data = [
                "oss://", "s3://", "hdfs://", "~/", "./data", "/data/", "/mnt/", "/home/",
                "/root/", "/opt/", "/srv/", "/tmp/", "/var/",
            ]
            .iter()
            .any(|p| path.starts_with(p))
                && path.len() > 2;
            if looks_like_data {
                push_unique(&mut findings.data_paths, path.to_string());
            }
        }
    }
    if expected_kind == Some("training") && findings.entry_points.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ScriptIncomplete,
            "a training script must reach a framework entry point (fit(), train(), torch.distributed, torchrun...); none was found",
        )
        .with_details(json!({"imports": findings.imports}))
        .with_hint("ask the user for the training entry point; never add one yourself"));
    }
    Ok(findings)
}

/// The script a call names: its content, or the file at its path (which must exist and hold
/// something). Shared by the check and by the tools that run a script.
pub fn load(
    path: Option<&str>,
    content: Option<&str>,
) -> Result<(String, &'static str), ToolFailure> {
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        let not_found = |why: &str| {
            ToolFailure::new(
                FailureKind::ScriptNotFound,
                format!("Script not found: {path} ({why})"),
            )
            .with_hint(
                "ask the user for the right path or the script itself; never invent a replacement",
            )
        };
        let meta = std::fs::metadata(path).map_err(|_| not_found("no such file"))?;
        if !meta.is_file() {
            return Err(not_found("not a file"));
        }
        if meta.len() == 0 {
            return Err(not_found("the file is empty"));
        }
        if meta.len() > MAX_SCRIPT_BYTES as u64 {
            return Err(ToolFailure::new(
                FailureKind::ValidationError,
                format!("{path} is larger than {MAX_SCRIPT_BYTES} bytes, which is not a script"),
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|_| not_found("not readable as UTF-8 text"))?;
        return Ok((text, "path"));
    }
    let text = content.unwrap_or_default();
    if text.len() > MAX_SCRIPT_BYTES {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("the script is larger than {MAX_SCRIPT_BYTES} bytes"),
        ));
    }
    Ok((text.to_string(), "content"))
}

/// What the agent should know about a script before it runs.
fn notes(findings: &Findings, expected_kind: Option<&str>) -> Vec<String> {
    let mut notes = Vec::new();
    if !findings.imports.is_empty() {
        notes.push(format!(
            "the environment must provide the imported modules: {}",
            findings.imports.join(", ")
        ));
    }
    if !findings.data_paths.is_empty() {
        notes.push(format!(
            "the script reads or writes these paths; make sure they exist on the target: {}",
            findings.data_paths.join(", ")
        ));
    }
    if findings.package_managers.iter().any(|m| m == "apt") {
        notes.push("it installs with apt: choose an Ubuntu or Debian image family (acs:ubuntu_22_04_x64); check again if the image changes".into());
    }
    if findings
        .package_managers
        .iter()
        .any(|m| m == "yum" || m == "dnf")
    {
        notes.push("it installs with yum/dnf: keep the default Alibaba Cloud Linux image family (or CentOS/Anolis); check again if the image changes".into());
    }
    if findings.long_running() {
        notes.push(format!(
            "it starts a service that keeps running ({}): keep the instance (cp_ecs_run_command_and_wait) and report its hourly cost; never a one-shot cleanup",
            findings.background_services.join(", ")
        ));
    } else if expected_kind == Some("service") {
        notes.push("a service must start in the background (nohup, systemd, docker run -d): Cloud Assistant stops a command at its timeout".into());
    } else {
        notes.push("a one-shot script: run it with cp_ecs_run_command_and_cleanup, which releases what was created for it".into());
    }
    notes.push(
        "scripts run through Cloud Assistant (or the FC/K8s/DLC command); UserData is never used"
            .into(),
    );
    notes
}

/// The `cp_validate_script` answer.
pub async fn validate_script(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let expected = ctx.arg_str("expected_kind");
    let (text, source) = load(
        ctx.arg_str("script_path").as_deref(),
        ctx.arg_str("script_content").as_deref(),
    )?;
    let findings = inspect(&text, expected.as_deref())?;
    let mut out = Map::new();
    out.insert("valid".into(), json!(true));
    out.insert("source".into(), json!(source));
    out.insert("language".into(), json!(findings.language.as_str()));
    out.insert(
        "command_type".into(),
        json!(findings.language.command_type()),
    );
    out.insert("lines".into(), json!(findings.lines));
    out.insert("logic_lines".into(), json!(findings.logic_lines));
    out.insert("imports".into(), json!(findings.imports));
    out.insert("data_paths".into(), json!(findings.data_paths));
    out.insert("package_managers".into(), json!(findings.package_managers));
    out.insert("entry_points".into(), json!(findings.entry_points));
    out.insert("long_running".into(), json!(findings.long_running()));
    out.insert(
        "background_services".into(),
        json!(findings.background_services),
    );
    out.insert("notes".into(), json!(notes(&findings, expected.as_deref())));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_filler_scripts_are_incomplete() {
        for text in [
            "",
            "# just a comment\n\n",
            "#!/bin/sh\n# TODO\n",
            "def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n",
        ] {
            let kind = inspect(text, None).map(|_| ()).map_err(|f| f.kind);
            assert_eq!(kind, Err(FailureKind::ScriptIncomplete), "{text:?}");
        }
        assert!(inspect("def main():\n    print('hi')\n", None).is_ok());
    }

    #[test]
    fn findings_name_imports_paths_and_services() {
        let script = "import torch, numpy as np\nfrom transformers import Trainer\nmodel.fit(x)\ndata = open('/data/train.csv')\n";
        let f = inspect(script, Some("training")).expect("valid");
        assert_eq!(f.language, Language::Python);
        assert_eq!(f.imports, vec!["torch", "numpy", "transformers"]);
        assert_eq!(f.data_paths, vec!["/data/train.csv"]);
        assert!(f.entry_points.contains(&"fit()".to_string()));
        let service = inspect(
            "#!/bin/bash\napt-get install -y nginx\nnohup python3 -m http.server 80 &\n",
            None,
        )
        .expect("valid");
        assert!(service.long_running());
        assert_eq!(service.package_managers, vec!["apt"]);
        let no_entry = inspect("import torch\nprint(torch.__version__)\n", Some("training"));
        assert_eq!(
            no_entry.map(|_| ()).map_err(|f| f.kind),
            Err(FailureKind::ScriptIncomplete)
        );
    }

    #[test]
    fn a_missing_or_empty_path_is_not_found() {
        let dir = std::env::temp_dir().join(format!("cp-script-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let empty = dir.join("empty.sh");
        std::fs::write(&empty, "").expect("write");
        let full = dir.join("run.sh");
        std::fs::write(&full, "echo hi\n").expect("write");
        let kind = |p: &std::path::Path| load(p.to_str(), None).map(|_| ()).map_err(|f| f.kind);
        assert_eq!(kind(&dir.join("nope.sh")), Err(FailureKind::ScriptNotFound));
        assert_eq!(kind(&empty), Err(FailureKind::ScriptNotFound));
        assert_eq!(load(full.to_str(), None).expect("read").0, "echo hi\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
