//! The README's tool reference, generated from the catalog so it cannot drift (a test fails when
//! the README is stale).

use crate::catalog::{Catalog, ParamType};

/// Markdown tables of every toolset and the gate's own tools.
pub fn tool_reference(catalog: &Catalog) -> String {
    let mut out = String::new();
    for (set, tools) in &catalog.toolsets {
        out.push_str(&format!(
            "### `{}`: {}{}\n\n{}\n\n| tool | effect | parameters | confirm phrase |\n|---|---|---|---|\n",
            set.name,
            set.title,
            if set.default { " (default)" } else { "" },
            set.description
        ));
        for tool in tools {
            let params: Vec<String> = tool
                .params
                .iter()
                .filter(|p| !p.hidden)
                .map(|p| {
                    let kind = match p.kind {
                        ParamType::String => "string",
                        ParamType::Integer => "integer",
                        ParamType::Boolean => "boolean",
                        ParamType::StringArray => "string[]",
                        ParamType::Object => "object",
                        ParamType::ObjectArray => "object[]",
                        ParamType::NodeSpecs => "node specs",
                        ParamType::Labels => "labels",
                    };
                    format!("`{}`{}: {kind}", p.name, if p.required { "" } else { "?" })
                })
                .collect();
            let phrase = tool
                .confirm
                .as_ref()
                .map(|c| match &c.force_phrase {
                    Some(force) => format!("`{}` (below usage: `{force}`)", c.phrase),
                    None => format!("`{}`", c.phrase),
                })
                .unwrap_or_else(|| "-".into());
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                tool.name,
                tool.effect.as_str(),
                if params.is_empty() {
                    "-".into()
                } else {
                    params.join(", ")
                },
                phrase
            ));
        }
        out.push('\n');
    }
    let mut scopes: Vec<&str> = catalog
        .services
        .values()
        .flat_map(|service| service.scope.iter().map(String::as_str))
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    if !scopes.is_empty() {
        let listed: Vec<String> = scopes.iter().map(|s| format!("`{s}?: string`")).collect();
        out.push_str(&format!(
            "Every tool also takes its service's scope: {}.\n\n",
            listed.join(", ")
        ));
    }
    out.push_str("### Gate tools (always present unless `--read-only`)\n\n| tool | what it does |\n|---|---|\n");
    out.push_str("| `confirm` | `plan_id`, `phrase`: executes a pending plan once when the phrase is exact; any other phrase cancels it |\n");
    out.push_str("| `cancel` | `plan_id`: drops a pending plan |\n");
    out.push_str("| `list_plans` | your pending plans, their phrases and expiry |\n");
    out
}
