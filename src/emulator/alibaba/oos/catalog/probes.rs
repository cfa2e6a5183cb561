//! What a version check prints on an instance where a package is installed, so a
//! `RunCommand` of `node -v` answers a version consistent with the installed package
//! state. Text only: nothing is run.

use serde_json::{Map, Value};

/// A version check a script can contain.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The package's `<Name>`.
    pub package: &'static str,
    /// The binary, for the "command not found" answer.
    pub binary: &'static str,
    /// Command lines that print the version (matched at the start of a script line).
    pub commands: &'static [&'static str],
    /// The output for the installed package's parameters.
    pub report: fn(&Map<String, Value>) -> String,
}

fn param<'a>(params: &'a Map<String, Value>, name: &str, default: &'a str) -> &'a str {
    params.get(name).and_then(Value::as_str).unwrap_or(default)
}

/// `line` -> the full release of that line (`"22"` -> `"22.13.1"`), or the line itself.
fn release<'a>(table: &[(&str, &'a str)], line: &'a str) -> &'a str {
    table
        .iter()
        .find(|(l, _)| *l == line)
        .map_or(line, |(_, full)| full)
}

fn node(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "22");
    let table = [
        ("16", "16.20.2"),
        ("18", "18.20.5"),
        ("20", "20.18.1"),
        ("22", "22.13.1"),
    ];
    format!("v{}", release(&table, line))
}

fn python(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "3.11");
    let table = [
        ("3.8", "3.8.18"),
        ("3.9", "3.9.19"),
        ("3.10", "3.10.14"),
        ("3.11", "3.11.9"),
        ("3.12", "3.12.4"),
    ];
    format!("Python {}", release(&table, line))
}

fn java(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "17");
    let table = [
        ("8", "1.8.0_422"),
        ("11", "11.0.24"),
        ("17", "17.0.12"),
        ("21", "21.0.4"),
    ];
    let full = release(&table, line);
    let runtime = if param(p, "vendor", "OpenJDK") == "Dragonwell" {
        "OpenJDK Runtime Environment (Alibaba Dragonwell Standard Edition)"
    } else {
        "OpenJDK Runtime Environment"
    };
    format!(
        "openjdk version \"{full}\" 2024-07-16\n{runtime} (build {full}+7)\nOpenJDK 64-Bit Server VM (build {full}+7, mixed mode, sharing)"
    )
}

fn golang(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "1.22");
    let table = [("1.21", "1.21.13"), ("1.22", "1.22.5"), ("1.23", "1.23.1")];
    format!("go version go{} linux/amd64", release(&table, line))
}

fn docker(_: &Map<String, Value>) -> String {
    "Docker version 26.1.4, build 5650f9b".to_owned()
}

fn nginx(_: &Map<String, Value>) -> String {
    "nginx version: nginx/1.24.0".to_owned()
}

fn git(_: &Map<String, Value>) -> String {
    "git version 2.43.0".to_owned()
}

fn redis(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "7.2");
    let table = [("6.2", "6.2.14"), ("7.0", "7.0.15"), ("7.2", "7.2.5")];
    format!(
        "Redis server v={} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=5b3e8b6a1c0d2f47",
        release(&table, line)
    )
}

fn mysql(p: &Map<String, Value>) -> String {
    let line = param(p, "version", "8.0");
    let table = [("5.7", "5.7.44"), ("8.0", "8.0.36")];
    format!(
        "mysql  Ver {} for Linux on x86_64 (MySQL Community Server - GPL)",
        release(&table, line)
    )
}

/// Every version check the emulator recognises.
pub static PROBES: &[Probe] = &[
    Probe {
        package: "node",
        binary: "node",
        commands: &["node -v", "node --version"],
        report: node,
    },
    Probe {
        package: "python",
        binary: "python3",
        commands: &[
            "python3 --version",
            "python3 -V",
            "python --version",
            "python -V",
        ],
        report: python,
    },
    Probe {
        package: "java",
        binary: "java",
        commands: &["java -version", "java --version"],
        report: java,
    },
    Probe {
        package: "golang",
        binary: "go",
        commands: &["go version"],
        report: golang,
    },
    Probe {
        package: "DockerCE",
        binary: "docker",
        commands: &["docker --version", "docker -v", "docker version"],
        report: docker,
    },
    Probe {
        package: "nginx",
        binary: "nginx",
        commands: &["nginx -v", "nginx -V"],
        report: nginx,
    },
    Probe {
        package: "Git",
        binary: "git",
        commands: &["git --version"],
        report: git,
    },
    Probe {
        package: "redis",
        binary: "redis-server",
        commands: &[
            "redis-server --version",
            "redis-server -v",
            "redis-cli --version",
        ],
        report: redis,
    },
    Probe {
        package: "mysql",
        binary: "mysql",
        commands: &["mysql --version", "mysql -V", "mysqld --version"],
        report: mysql,
    },
];

/// The probe a script line is, if any (`line` trimmed; `sudo` is ignored).
pub fn probe_for(line: &str) -> Option<&'static Probe> {
    let line = line.trim();
    let line = line.strip_prefix("sudo ").unwrap_or(line).trim_start();
    PROBES.iter().find(|p| {
        p.commands.iter().any(|c| {
            line == *c
                || line
                    .strip_prefix(c)
                    .is_some_and(|rest| rest.starts_with([' ', ';', '&', '|', '2']))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn version_lines_are_recognised_and_report_the_installed_release() {
        let node = probe_for("node -v").map(|p| (p.report)(&params(json!({"version": "20"}))));
        assert_eq!(node.as_deref(), Some("v20.18.1"));
        assert_eq!(
            probe_for("  sudo python3 --version 2>&1").map(|p| p.package),
            Some("python")
        );
        assert_eq!(
            probe_for("java -version 2>&1").map(|p| p.package),
            Some("java")
        );
        assert!(probe_for("node -velocity").is_none());
        assert!(probe_for("rm -rf /").is_none());
        let dragonwell = (java)(&params(json!({"version": "21", "vendor": "Dragonwell"})));
        assert!(dragonwell.contains("21.0.4") && dragonwell.contains("Dragonwell"));
    }
}
