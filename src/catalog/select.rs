//! Which tools a server instance (or one connection) may reach, and which of them a session lists.
//!
//! Two questions, kept apart on purpose:
//! - **reach** (`--toolsets`, `--exclude-tools`, `--read-only`, narrowed per connection by the
//!   URL): a tool outside it is neither listed, found by search, nor callable; a call is refused.
//! - **listing** (per session): which reachable tools `tools/list` shows. By default that is the
//!   *core* of each default toolset, so the list stays small however many toolsets are installed;
//!   a toolset named explicitly (`--toolsets`, `/mcp/x/<toolset>`) or enabled by the session
//!   (`enable_toolset`) is listed in full. A reachable tool that is not listed is still found by
//!   `search_tools` and callable (by name or through `call_tool`) through the same gate.

use std::collections::{BTreeSet, HashSet};

use super::{Catalog, ToolSpec, ToolsetSpec};

/// A toolset or tool name that does not exist.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    /// `--toolsets` (or a URL) named something unknown.
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
    /// The toolsets were named (`--toolsets`, a URL): they are listed in full from the start.
    explicit: bool,
    /// Every write and destroy tool is hidden and refused.
    pub read_only: bool,
}

/// A session's own changes to its list (`enable_toolset`, `disable_toolset`): toolsets it lists
/// in full, and toolsets it lists none of. Kept as changes, so the same session seen through a
/// narrower URL still lists only what that URL reaches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toggles {
    enabled: BTreeSet<String>,
    disabled: BTreeSet<String>,
}

impl Toggles {
    /// Lists the toolset in full from now on.
    pub fn enable(&mut self, toolset: &str) {
        self.disabled.remove(toolset);
        self.enabled.insert(toolset.to_string());
    }

    /// Lists none of the toolset's tools from now on (they stay reachable through search).
    pub fn disable(&mut self, toolset: &str) {
        self.enabled.remove(toolset);
        self.disabled.insert(toolset.to_string());
    }
}

/// Names from `--toolsets` (or a URL) resolved against the catalog.
fn resolve_names(catalog: &Catalog, names: &[String]) -> Result<HashSet<String>, SelectionError> {
    let all: Vec<&ToolsetSpec> = catalog.toolsets.iter().map(|(s, _)| s).collect();
    let mut chosen = HashSet::new();
    for name in names {
        match name.as_str() {
            "all" => chosen.extend(all.iter().map(|s| s.name.clone())),
            "default" => chosen.extend(all.iter().filter(|s| s.default).map(|s| s.name.clone())),
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
    Ok(chosen)
}

impl Selection {
    /// Resolves the command-line choice against the catalog. No `--toolsets` reaches every
    /// toolset and lists the default list; named toolsets (`all`, `default`, names) are the only
    /// ones reached, and are listed in full.
    pub fn resolve(
        catalog: &Catalog,
        toolsets: &[String],
        exclude_tools: &[String],
        read_only: bool,
    ) -> Result<Self, SelectionError> {
        let explicit = !toolsets.is_empty();
        let chosen = if explicit {
            resolve_names(catalog, toolsets)?
        } else {
            resolve_names(catalog, &["all".to_string()])?
        };
        for name in exclude_tools {
            if !catalog.tools().any(|(_, t)| &t.name == name)
                && !super::is_builtin(name)
                && !super::is_discovery(name)
            {
                return Err(SelectionError::UnknownTool { name: name.clone() });
            }
        }
        Ok(Self {
            toolsets: chosen,
            excluded: exclude_tools.iter().cloned().collect(),
            explicit,
            read_only,
        })
    }

    /// This selection narrowed by a connection's URL (`/mcp/x/<toolsets>`, `/mcp/readonly`): the
    /// named toolsets that this selection reaches (listed in full), and read-only if either says
    /// so. Never wider than `self`; a toolset this selection does not reach is unknown here.
    pub fn narrowed(
        &self,
        catalog: &Catalog,
        toolsets: Option<&[String]>,
        read_only: bool,
    ) -> Result<Self, SelectionError> {
        let mut narrowed = self.clone();
        narrowed.read_only |= read_only;
        if let Some(names) = toolsets {
            let chosen = resolve_names(catalog, names)?;
            if let Some(outside) = names
                .iter()
                .find(|n| !matches!(n.as_str(), "all" | "default") && !self.toolsets.contains(*n))
            {
                return Err(SelectionError::UnknownToolset {
                    name: outside.clone(),
                    available: self.toolset_names().join(", "),
                });
            }
            narrowed.toolsets = chosen.intersection(&self.toolsets).cloned().collect();
            narrowed.explicit = true;
        }
        Ok(narrowed)
    }

    /// The reached toolsets, sorted.
    pub fn toolset_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.toolsets.iter().cloned().collect();
        names.sort();
        names
    }

    /// True when the toolset is reached.
    pub fn reaches(&self, toolset: &str) -> bool {
        self.toolsets.contains(toolset)
    }

    /// True when the tool may be found and called.
    pub fn exposes(&self, toolset: &ToolsetSpec, tool: &ToolSpec) -> bool {
        self.toolsets.contains(&toolset.name)
            && !self.excluded.contains(&tool.name)
            && !(self.read_only && tool.effect.is_mutation())
    }

    /// True when a session with these toggles lists every reachable tool of the toolset.
    pub fn lists_in_full(&self, toolset: &str, toggles: &Toggles) -> bool {
        self.toolsets.contains(toolset)
            && !toggles.disabled.contains(toolset)
            && (self.explicit || toggles.enabled.contains(toolset))
    }

    /// True when a session with these toggles lists the tool in `tools/list`: it is reachable, and
    /// its toolset is listed in full, or the tool is in the core of a default toolset.
    pub fn lists(&self, toolset: &ToolsetSpec, tool: &ToolSpec, toggles: &Toggles) -> bool {
        self.exposes(toolset, tool)
            && !toggles.disabled.contains(&toolset.name)
            && (self.lists_in_full(&toolset.name, toggles)
                || (toolset.default && toolset.is_core(&tool.name)))
    }

    /// True when a built-in gate tool (`confirm`, `cancel`, `list_plans`) is listed.
    pub fn exposes_builtin(&self, name: &str) -> bool {
        !self.read_only && !self.excluded.contains(name)
    }

    /// True when a discovery tool (`search_tools`, `call_tool`, the toolset tools) may be used;
    /// they only read or change the session's own list, so `--read-only` keeps them.
    pub fn exposes_discovery(&self, name: &str) -> bool {
        !self.excluded.contains(name)
    }

    /// True when the tool exists but is hidden by `--read-only` (so the refusal can say why).
    pub fn hidden_by_read_only(&self, tool: &ToolSpec) -> bool {
        self.read_only && tool.effect.is_mutation()
    }
}
