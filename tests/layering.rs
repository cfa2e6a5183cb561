//! The dependency rules of ARCHITECTURE.md, checked over the source text: a rule that is only
//! written down erodes one convenient import at a time. Each rule names the folder it governs,
//! what may not appear there, and why. Comments and `#[cfg(test)]` modules are skipped, so a
//! test may build what the code under it may not name.

use std::path::{Path, PathBuf};

struct Rule {
    /// Folders (or files) under `src/` the rule governs.
    within: &'static [&'static str],
    /// Folders exempt from it.
    except: &'static [&'static str],
    /// Substrings that may not appear in code there.
    forbidden: &'static [&'static str],
    /// Why.
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        within: &[""],
        except: &["server"],
        forbidden: &["rmcp::", "use rmcp"],
        why: "only src/server speaks MCP; everything below it is transport-agnostic",
    },
    Rule {
        within: &["engine", "gate", "catalog", "toolsets"],
        except: &[],
        forbidden: &[
            "providers::alibaba",
            "providers::huawei",
            "providers::autodl",
            "AlibabaClient",
            "HuaweiClient",
            "AutoDlClient",
        ],
        why: "the engine, gate, catalog and toolsets name no provider: they hold providers by id behind the Provider trait",
    },
    Rule {
        within: &["toolsets", "catalog", "gate", "providers", "signing"],
        except: &[],
        forbidden: &["crate::engine", "crate::server"],
        why: "toolsets and everything below them never import the engine or the server",
    },
    Rule {
        within: &["emulator"],
        except: &[],
        forbidden: &[
            "crate::providers",
            "crate::engine",
            "crate::toolsets",
            "crate::server",
        ],
        why: "the emulator only sees the wire: it never imports the clients it is meant to check",
    },
    Rule {
        within: &["signing"],
        except: &[],
        forbidden: &[
            "std::fs",
            "std::net",
            "tokio",
            "reqwest",
            "std::io::stdin",
            "SystemTime::now",
        ],
        why: "signing is pure: no I/O and no clock, so it is tested with fixed vectors",
    },
    Rule {
        within: &[""],
        except: &["app.rs", "main.rs"],
        forbidden: &[
            "std::env::var",
            "env::var_os",
            "std::env::args",
            "env::vars()",
        ],
        why: "the environment is read only at the entry point and handed down as values",
    },
    Rule {
        within: &[
            "server",
            "engine",
            "gate",
            "toolsets",
            "providers",
            "catalog",
        ],
        except: &[],
        forbidden: &["crate::cli"],
        why: "settings arrive resolved (src/config.rs); nothing below the edges depends on the CLI parser",
    },
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments and without `#[cfg(test)]` modules (to the end of the file
/// when the module is the last item, as this project writes them) or files that are test
/// modules themselves (`*_tests.rs`, `tests.rs`).
fn code_of(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.ends_with("_tests.rs") || name == "tests.rs" {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push_str(line.split(" //").next().unwrap_or_default());
        out.push('\n');
    }
    out
}

#[test]
fn the_dependency_rules_hold() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "found the sources ({} files)",
        files.len()
    );
    let mut broken = Vec::new();
    for rule in RULES {
        for file in &files {
            let relative = file
                .strip_prefix(&src)
                .unwrap_or(file)
                .to_string_lossy()
                .replace('\\', "/");
            let governed = rule.within.iter().any(|w| {
                w.is_empty()
                    || relative == *w
                    || relative.starts_with(&format!("{w}/"))
                    || relative == format!("{w}.rs")
            });
            let exempt = rule
                .except
                .iter()
                .any(|e| relative == *e || relative.starts_with(&format!("{e}/")));
            if !governed || exempt {
                continue;
            }
            let code = code_of(file);
            for (number, line) in code.lines().enumerate() {
                for needle in rule.forbidden {
                    if line.contains(needle) {
                        broken.push(format!(
                            "src/{relative}:{} names `{needle}`: {}",
                            number + 1,
                            rule.why
                        ));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layering rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    // The rules are only worth something if the scan finds what it looks for.
    let dir = std::env::temp_dir().join(format!("layering-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("x.rs");
    std::fs::write(
        &file,
        "// use rmcp::model;\nuse rmcp::model;\n#[cfg(test)]\nmod tests { use rmcp::x; }\n",
    )
    .expect("write");
    let code = code_of(&file);
    assert_eq!(code.matches("rmcp::").count(), 1, "{code}");
    let _ = std::fs::remove_dir_all(&dir);
}
