//! Which tools a server instance exposes: `--toolsets`, `--exclude-tools`, `--read-only`.
//! Hidden tools are also refused when called, so hiding is never the only line of defence.

use std::collections::HashSet;

use super::{Catalog, ToolSpec, ToolsetSpec};

/// A toolset or tool name that does not exist.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    /// `--toolsets` named something unknown.
    #[error("unknown toolset `{name}`; available: {available} (or `all`, `default`)")]
    UnknownToolset {
        /// The name given.
        name: String,
        /// Comma-separated list.
        available: String,
    },
    /// `--exclude-tools` named something unknown.
    #[error("unknown tool `{name}` in --exclude-tools; see `skillgate tools`")]
    UnknownTool {
        /// The name given.
        name: String,
    },
}

/// The resolved choice of tools.
#[derive(Clone, Debug)]
pub struct Selection {
    toolsets: HashSet<String>,
    excluded: HashSet<String>,
    /// Every write and destroy tool is hidden and refused.
    pub read_only: bool,
}

impl Selection {
    /// Resolves the command-line choice against the catalog.
    pub fn resolve(
        catalog: &Catalog,
        toolsets: &[String],
        exclude_tools: &[String],
        read_only: bool,
    ) -> Result<Self, SelectionError> {
        let all: Vec<&ToolsetSpec> = catalog.toolsets.iter().map(|(s, _)| s).collect();
        let mut chosen = HashSet::new();
        let requested: Vec<&str> = if toolsets.is_empty() {
            vec!["default"]
        } else {
            toolsets.iter().map(String::as_str).collect()
        };
        for name in requested {
            match name {
                "all" => chosen.extend(all.iter().map(|s| s.name.clone())),
                "default" => {
                    chosen.extend(all.iter().filter(|s| s.default).map(|s| s.name.clone()))
                }
                other if all.iter().any(|s| s.name == other) => {
                    chosen.insert(other.to_string());
                }
                other => {
                    return Err(SelectionError::UnknownToolset {
                        name: other.to_string(),
                        available: all
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        for name in exclude_tools {
            if !catalog.tools().any(|(_, t)| &t.name == name) && !crate::catalog::is_builtin(name) {
                return Err(SelectionError::UnknownTool { name: name.clone() });
            }
        }
        Ok(Self {
            toolsets: chosen,
            excluded: exclude_tools.iter().cloned().collect(),
            read_only,
        })
    }

    /// The chosen toolsets, sorted.
    pub fn toolset_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.toolsets.iter().cloned().collect();
        names.sort();
        names
    }

    /// True when the tool is listed and may be called.
    pub fn exposes(&self, toolset: &ToolsetSpec, tool: &ToolSpec) -> bool {
        self.toolsets.contains(&toolset.name)
            && !self.excluded.contains(&tool.name)
            && !(self.read_only && tool.effect.is_mutation())
    }

    /// True when a built-in gate tool (`confirm`, `cancel`, `list_plans`) is listed.
    pub fn exposes_builtin(&self, name: &str) -> bool {
        !self.read_only && !self.excluded.contains(name)
    }

    /// True when the tool exists but is hidden by `--read-only` (so the refusal can say why).
    pub fn hidden_by_read_only(&self, tool: &ToolSpec) -> bool {
        self.read_only && tool.effect.is_mutation()
    }
}
