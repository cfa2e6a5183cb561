//! The tool list's economy: the default list within its budget (the same figures `skillgate tools
//! --budget` and `scripts/bench` print), every catalog tool reachable from it, the selection rules,
//! and one snapshot file per tool definition (`tests/snapshots/tools/<name>.json`) that fails on
//! drift; `SKILLGATE_UPDATE_SNAPSHOTS=1 cargo test --test tool_economy` rewrites them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use skillgate::catalog::search::{Entry, rank};
use skillgate::catalog::{Catalog, Registry, Selection, Toggles};
use skillgate::server::ToolDefinitions;
use skillgate::server::economy::{self, ListSize};
use skillgate::toolsets::ToolsetRegistry;

fn registry() -> Registry {
    ToolsetRegistry::all().catalog_registry(skillgate::providers::KINDS.iter().map(|k| k.id))
}

fn catalog() -> Catalog {
    Catalog::embedded(&registry()).expect("the built-in catalog loads")
}

fn names(tools: &[rmcp::model::Tool]) -> Vec<String> {
    tools.iter().map(|t| t.name.to_string()).collect()
}

fn resolve(catalog: &Catalog, toolsets: &[&str], exclude: &[&str], read_only: bool) -> Selection {
    let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Selection::resolve(catalog, &own(toolsets), &own(exclude), read_only).expect("resolves")
}

#[test]
fn the_default_list_is_within_budget_with_every_toolset_installed() {
    let catalog = catalog();
    let figures = economy::figures(&catalog).expect("figures");
    assert!(
        figures.default.within_budget(),
        "default list: {:?} over the budget {:?}; shrink a default toolset's `core`",
        figures.default,
        figures.budget
    );
    assert!(
        figures.default_dynamic.within_budget(),
        "default list with --dynamic-toolsets: {:?}",
        figures.default_dynamic
    );
    assert_eq!(figures.catalog_tools, catalog.tools().count());
    assert_eq!(figures.toolsets.len(), catalog.toolsets.len());
    // The figures are the list a server with no flags serves, byte for byte.
    let definitions = ToolDefinitions::new(&catalog);
    let served = definitions.list(
        &catalog,
        &resolve(&catalog, &[], &[], false),
        &Toggles::default(),
        false,
    );
    assert_eq!(ListSize::of(&served), figures.default);
    // Every reachable tool is either listed or found through the listed search tools.
    let listed = names(&served);
    assert!(
        listed.contains(&"search_tools".to_string()) && listed.contains(&"call_tool".to_string())
    );
}

#[test]
fn every_catalog_tool_is_reachable_in_two_calls_from_the_default_list() {
    let catalog = catalog();
    let entries = || {
        catalog
            .tools()
            .map(|(_, tool)| Entry::of(tool))
            .collect::<Vec<_>>()
    };
    for (_, tool) in catalog.tools() {
        let by_name = rank(&tool.name, entries(), 5);
        assert_eq!(
            by_name.first().map(|(e, _)| e.name),
            Some(tool.name.as_str()),
            "search by name"
        );
        let by_title = rank(&tool.title, entries(), 5);
        assert!(
            by_title.iter().any(|(e, _)| e.name == tool.name),
            "searching \"{}\" does not find {} in the first 5: {:?}",
            tool.title,
            tool.name,
            by_title.iter().map(|(e, _)| e.name).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_default_list_is_the_gate_the_search_and_each_default_toolsets_core() {
    let catalog = catalog();
    let definitions = ToolDefinitions::new(&catalog);
    let default = resolve(&catalog, &[], &[], false);
    let listed = names(&definitions.list(&catalog, &default, &Toggles::default(), false));
    // Discovery and gate tools come first: clients that keep only the first N tools keep them.
    assert_eq!(
        listed[..5],
        [
            "search_tools",
            "call_tool",
            "confirm",
            "cancel",
            "list_plans"
        ]
    );
    for (set, tool) in catalog.tools() {
        assert_eq!(
            listed.contains(&tool.name),
            set.default && set.is_core(&tool.name),
            "{} in the default list",
            tool.name
        );
    }
    // Dynamic toolsets add their three tools, nothing else.
    let dynamic = names(&definitions.list(&catalog, &default, &Toggles::default(), true));
    assert_eq!(dynamic.len(), listed.len() + 3);
    for name in ["list_toolsets", "enable_toolset", "disable_toolset"] {
        assert!(dynamic.contains(&name.to_string()) && !listed.contains(&name.to_string()));
    }
}

#[test]
fn named_toolsets_are_listed_in_full_and_bound_what_is_reached() {
    let catalog = catalog();
    let definitions = ToolDefinitions::new(&catalog);
    let extra = resolve(&catalog, &["pai-quota-extra"], &[], false);
    let listed = names(&definitions.list(&catalog, &extra, &Toggles::default(), false));
    assert_eq!(
        listed,
        [
            "confirm",
            "cancel",
            "list_plans",
            "pai_quota_get_workspace",
            "pai_quota_update_workspace_resource"
        ],
        "every reachable tool is listed, so search is not offered"
    );
    let (set, tool) = catalog.tool("pai_quota_list").expect("tool");
    assert!(
        !extra.exposes(set, tool),
        "a toolset not named is not reached"
    );
    // `--toolsets default` is the old default: the default toolsets in full.
    let old = resolve(&catalog, &["default"], &[], false);
    let listed = names(&definitions.list(&catalog, &old, &Toggles::default(), false));
    for (set, tool) in catalog.tools() {
        assert_eq!(listed.contains(&tool.name), set.default, "{}", tool.name);
    }
}

#[test]
fn a_url_narrows_and_never_widens() {
    let catalog = catalog();
    let server = resolve(&catalog, &["pai-quota"], &["pai_quota_delete"], false);
    let narrowed = server
        .narrowed(&catalog, Some(&["pai-quota".to_string()]), true)
        .expect("narrows");
    assert!(narrowed.read_only);
    let (set, delete) = catalog.tool("pai_quota_delete").expect("tool");
    assert!(!narrowed.exposes(set, delete), "still excluded");
    let (set, scale) = catalog.tool("pai_quota_scale").expect("tool");
    assert!(!narrowed.exposes(set, scale), "read-only through the URL");
    assert!(
        server
            .narrowed(&catalog, Some(&["pai-quota-extra".to_string()]), false)
            .is_err(),
        "a URL cannot reach a toolset the server does not"
    );
    assert!(
        server
            .narrowed(&catalog, Some(&["nope".to_string()]), false)
            .is_err()
    );
    let all = server
        .narrowed(&catalog, Some(&["all".to_string()]), false)
        .expect("all");
    assert_eq!(
        all.toolset_names(),
        ["pai-quota"],
        "`all` is all the server reaches"
    );
}

#[test]
fn toggles_enable_and_disable_a_toolset_for_one_session() {
    let catalog = catalog();
    let definitions = ToolDefinitions::new(&catalog);
    let default = resolve(&catalog, &[], &[], false);
    let mut toggles = Toggles::default();
    toggles.enable("pai-quota-extra");
    let listed = names(&definitions.list(&catalog, &default, &toggles, true));
    assert!(listed.contains(&"pai_quota_update_workspace_resource".to_string()));
    assert!(
        !listed.contains(&"pai_quota_list_workspaces".to_string()),
        "pai-quota is still its core"
    );
    toggles.disable("pai-quota");
    let listed = names(&definitions.list(&catalog, &default, &toggles, true));
    assert!(
        !listed
            .iter()
            .any(|n| n.starts_with("pai_quota_") && !n.contains("workspace"))
    );
    assert!(
        listed.contains(&"search_tools".to_string()),
        "disabled tools stay reachable through search"
    );
    // Read-only hides mutations from every list, enabled or not.
    let read_only = resolve(&catalog, &[], &[], true);
    let listed = names(&definitions.list(&catalog, &read_only, &toggles, true));
    assert!(!listed.contains(&"pai_quota_update_workspace_resource".to_string()));
    assert!(!listed.contains(&"confirm".to_string()));
    assert!(listed.contains(&"pai_quota_get_workspace".to_string()));
}

// ----------------------------------------------------------------------------------- snapshots

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tools")
}

/// Every tool definition as MCP serves it, pretty JSON, by file name.
fn current_snapshots() -> BTreeMap<String, String> {
    let catalog = catalog();
    ToolDefinitions::new(&catalog)
        .all()
        .map(|tool| {
            let value = serde_json::to_value(tool).expect("a tool serializes");
            let text = serde_json::to_string_pretty(&value).expect("pretty") + "\n";
            (format!("{}.json", tool.name), text)
        })
        .collect()
}

#[test]
fn every_tool_definition_matches_its_snapshot() {
    let dir = snapshot_dir();
    let current = current_snapshots();
    if std::env::var("SKILLGATE_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("snapshot dir");
        for entry in std::fs::read_dir(&dir).expect("snapshot dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !current.contains_key(&name) {
                std::fs::remove_file(&path).expect("remove a stale snapshot");
            }
        }
        for (name, text) in &current {
            std::fs::write(dir.join(name), text).expect("write a snapshot");
        }
        return;
    }
    let mut drift = Vec::new();
    for (name, text) in &current {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(on_disk) if on_disk == *text => {}
            Ok(on_disk) => {
                let was: Value = serde_json::from_str(&on_disk).unwrap_or(Value::Null);
                let now: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                let fields: Vec<&str> = [
                    "name",
                    "title",
                    "description",
                    "inputSchema",
                    "outputSchema",
                    "annotations",
                ]
                .into_iter()
                .filter(|f| was.get(f) != now.get(f))
                .collect();
                drift.push(format!("{name}: changed ({})", fields.join(", ")));
            }
            Err(_) => drift.push(format!("{name}: no snapshot")),
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !current.contains_key(&name) {
            drift.push(format!("{name}: snapshot of a tool that no longer exists"));
        }
    }
    assert!(
        drift.is_empty(),
        "tool definitions drifted from tests/snapshots/tools/:\n  {}\nreview the change, then run SKILLGATE_UPDATE_SNAPSHOTS=1 cargo test --test tool_economy",
        drift.join("\n  ")
    );
}

#[test]
fn every_snapshot_carries_annotations_and_an_output_schema() {
    for (name, text) in current_snapshots() {
        let value: Value = serde_json::from_str(&text).expect("json");
        let annotations = &value["annotations"];
        assert!(
            annotations["readOnlyHint"].is_boolean(),
            "{name}: readOnlyHint"
        );
        assert!(
            annotations["openWorldHint"].is_boolean(),
            "{name}: openWorldHint"
        );
        if annotations["readOnlyHint"] == false {
            assert!(
                annotations["destructiveHint"].is_boolean(),
                "{name}: destructiveHint"
            );
            assert!(
                annotations["idempotentHint"].is_boolean(),
                "{name}: idempotentHint"
            );
        }
        assert_eq!(
            value["outputSchema"]["type"], "object",
            "{name}: outputSchema"
        );
        assert_eq!(
            value["inputSchema"]["type"], "object",
            "{name}: inputSchema"
        );
    }
}
