//! The tool-list budget and the figures measured against it: the default `tools/list` (no
//! `--toolsets`, with and without `--dynamic-toolsets`) and each toolset's own list
//! (`--toolsets <name>`, `/mcp/x/<name>`), by count and by compact JSON size.
//!
//! One function computes them from the same definitions the server lists, so `skillgate tools
//! --budget` (which `scripts/bench` prints) and the tests that hold the budget read the same
//! numbers a client receives.

use serde::Serialize;

use super::tools::ToolDefinitions;
use crate::catalog::{Catalog, Selection, SelectionError, Toggles};

/// The most tools the default list may hold: Cursor passes the first 40 on.
pub const BUDGET_TOOLS: usize = 40;
/// The most bytes the default list's `tools` array may take as compact JSON (15 KB, read
/// strictly as 15,000 bytes): it is sent to the model on every turn.
pub const BUDGET_BYTES: usize = 15_000;

/// The size of one list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ListSize {
    /// How many tools.
    pub tools: usize,
    /// The `tools` array as compact JSON, in bytes.
    pub bytes: usize,
}

impl ListSize {
    /// The size of a list of definitions, serialized as `tools/list` sends them.
    pub fn of(tools: &[rmcp::model::Tool]) -> Self {
        Self {
            tools: tools.len(),
            bytes: serde_json::to_vec(tools).map_or(0, |bytes| bytes.len()),
        }
    }

    /// True when within the budget.
    pub fn within_budget(&self) -> bool {
        self.tools <= BUDGET_TOOLS && self.bytes <= BUDGET_BYTES
    }
}

/// One toolset's figures.
#[derive(Clone, Debug, Serialize)]
pub struct ToolsetFigures {
    /// The toolset.
    pub name: String,
    /// Its catalog tools.
    pub tools: usize,
    /// How many of them the default list holds (its core, for a default toolset).
    pub in_default_list: usize,
    /// The list `--toolsets <name>` (or `/mcp/x/<name>`) serves, gate tools included.
    pub list: ListSize,
}

/// Every figure.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// The budget the default lists are held to.
    pub budget: ListSize,
    /// Every catalog tool of every installed toolset.
    pub catalog_tools: usize,
    /// The default list: no `--toolsets`, every toolset installed and reachable.
    pub default: ListSize,
    /// The same with `--dynamic-toolsets`.
    pub default_dynamic: ListSize,
    /// Per toolset.
    pub toolsets: Vec<ToolsetFigures>,
}

/// The figures of a catalog, with the server's own definitions and selection rules.
pub fn figures(catalog: &Catalog) -> Result<Figures, SelectionError> {
    let definitions = ToolDefinitions::new(catalog);
    let none = Toggles::default();
    let everything = Selection::resolve(catalog, &[], &[], false)?;
    let default = definitions.list(catalog, &everything, &none, false);
    let default_dynamic = definitions.list(catalog, &everything, &none, true);
    let mut toolsets = Vec::new();
    for (set, tools) in &catalog.toolsets {
        let only = Selection::resolve(catalog, std::slice::from_ref(&set.name), &[], false)?;
        let in_default_list = tools
            .iter()
            .filter(|tool| everything.lists(set, tool, &none))
            .count();
        toolsets.push(ToolsetFigures {
            name: set.name.clone(),
            tools: tools.len(),
            in_default_list,
            list: ListSize::of(&definitions.list(catalog, &only, &none, false)),
        });
    }
    Ok(Figures {
        budget: ListSize {
            tools: BUDGET_TOOLS,
            bytes: BUDGET_BYTES,
        },
        catalog_tools: catalog.tools().count(),
        default: ListSize::of(&default),
        default_dynamic: ListSize::of(&default_dynamic),
        toolsets,
    })
}

/// The figures as a small table, for `skillgate tools --budget`.
pub fn table(figures: &Figures) -> String {
    let verdict = |size: &ListSize| {
        if size.within_budget() {
            "within"
        } else {
            "OVER"
        }
    };
    let mut lines = vec![
        format!(
            "budget: the default list holds at most {} tools and {} bytes (compact JSON)",
            figures.budget.tools, figures.budget.bytes
        ),
        format!("{:<44} {:>6} {:>8}  budget", "list", "tools", "bytes"),
        format!(
            "{:<44} {:>6} {:>8}  {}",
            format!(
                "default ({} catalog tools reachable)",
                figures.catalog_tools
            ),
            figures.default.tools,
            figures.default.bytes,
            verdict(&figures.default)
        ),
        format!(
            "{:<44} {:>6} {:>8}  {}",
            "default with --dynamic-toolsets",
            figures.default_dynamic.tools,
            figures.default_dynamic.bytes,
            verdict(&figures.default_dynamic)
        ),
    ];
    for set in &figures.toolsets {
        lines.push(format!(
            "{:<44} {:>6} {:>8}  ({} of its {} tools in the default list)",
            format!("--toolsets {}", set.name),
            set.list.tools,
            set.list.bytes,
            set.in_default_list,
            set.tools
        ));
    }
    lines.join("\n")
}
