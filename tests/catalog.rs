//! Whole-catalog invariants: every rule is checked over every tool, not left to good intentions.

use std::collections::HashSet;

use skillgate::catalog::{
    ApiStyle, Catalog, Effect, Registry, Selection, input_schema, output_schema,
};
use skillgate::toolsets::ToolsetRegistry;

fn registry() -> Registry {
    ToolsetRegistry::all().catalog_registry(skillgate::providers::KINDS.iter().map(|k| k.id))
}

fn catalog() -> Catalog {
    Catalog::embedded(&registry()).expect("the built-in catalog loads")
}

/// Every embedded catalog file (parts included), with the pai-quota `tools.toml` replaced by
/// `pai_quota`: guards may read through another toolset's tools, so a catalog is checked whole.
fn sources_with(pai_quota: String) -> Vec<(String, String)> {
    skillgate::catalog::embedded_sources()
        .into_iter()
        .map(|(file, text)| {
            if file == "tools/pai-quota/tools.toml" {
                (file, pai_quota.clone())
            } else {
                (file, text)
            }
        })
        .collect()
}

#[test]
fn every_tool_has_a_description_title_and_consistent_effect() {
    let catalog = catalog();
    for (set, tool) in catalog.tools() {
        assert!(!tool.title.is_empty(), "{}: title", tool.name);
        // ROA reads use GET and ROA mutations do not; RPC calls are all `POST /`.
        let roa = tool
            .call
            .as_ref()
            .and_then(|call| catalog.service(&call.service))
            .is_some_and(|s| s.style == ApiStyle::Roa);
        let method = tool.call.as_ref().map(|call| call.method());
        assert!(
            !tool.description.is_empty() && tool.description.len() <= 240,
            "{}: description",
            tool.name
        );
        let prefix = set
            .prefix
            .clone()
            .unwrap_or_else(|| format!("{}_", set.name.replace('-', "_")));
        assert!(tool.name.starts_with(&prefix), "{}: prefix", tool.name);
        match tool.effect {
            Effect::Read => {
                assert!(
                    tool.confirm.is_none(),
                    "{}: a read tool has no confirm rule",
                    tool.name
                );
                assert!(
                    !roa || matches!(method, Some("GET")),
                    "{}: reads use GET",
                    tool.name
                );
            }
            Effect::Write | Effect::Destroy => {
                let confirm = tool
                    .confirm
                    .as_ref()
                    .expect("mutations have a confirm rule");
                // `确认删除 <service_name>` is the ModelArts skill's own phrase for a v1 delete.
                assert!(
                    confirm.phrase.starts_with("CONFIRM")
                        || confirm.phrase.starts_with("确认删除 "),
                    "{}: phrase",
                    tool.name
                );
                assert!(
                    !roa || !matches!(method, Some("GET")),
                    "{}: mutations do not use GET",
                    tool.name
                );
                assert!(
                    tool.example.is_some(),
                    "{}: mutations carry an example for the gate sweep",
                    tool.name
                );
            }
        }
    }
}

#[test]
fn the_pai_phrases_follow_the_skill() {
    let catalog = catalog();
    let phrase = |name: &str| {
        catalog
            .tools()
            .find(|(_, t)| t.name == name)
            .and_then(|(_, t)| t.confirm.clone())
            .unwrap_or_else(|| panic!("{name} has a confirm rule"))
    };
    assert_eq!(
        phrase("pai_quota_create_root").phrase,
        "CONFIRM-CREATE {quota_name}"
    );
    assert_eq!(
        phrase("pai_quota_create_child").phrase,
        "CONFIRM-CREATE {quota_name}"
    );
    for name in [
        "pai_quota_update",
        "pai_quota_delete",
        "pai_quota_attach_workspace",
        "pai_quota_detach_workspace",
    ] {
        assert_eq!(phrase(name).phrase, "CONFIRM {quota_id}", "{name}");
    }
    let scale = phrase("pai_quota_scale");
    assert_eq!(scale.phrase, "CONFIRM {quota_id}");
    assert_eq!(
        scale.force_phrase.as_deref(),
        Some("CONFIRM-FORCE {quota_id}")
    );
}

#[test]
fn the_issue_tool_names_are_all_present() {
    let names: HashSet<String> = catalog().tools().map(|(_, t)| t.name.clone()).collect();
    for name in [
        "pai_quota_list",
        "pai_quota_get",
        "pai_quota_create_root",
        "pai_quota_create_child",
        "pai_quota_scale",
        "pai_quota_update",
        "pai_quota_delete",
        "pai_quota_list_workloads",
        "pai_quota_list_active_user_usages",
        "pai_quota_attach_workspace",
        "pai_quota_detach_workspace",
        "pai_quota_list_workspaces",
        "pai_quota_list_workspace_resources",
        "pai_quota_list_resource_groups",
        "pai_quota_get_resource_group",
        "pai_quota_list_node_types",
        "pai_quota_get_workspace",
        "pai_quota_update_workspace_resource",
    ] {
        assert!(names.contains(name), "missing {name}");
    }
}

#[test]
fn input_schemas_are_objects_without_type_arrays_or_top_level_combinators() {
    for (_, tool) in catalog().tools() {
        let schema = serde_json::Value::Object(input_schema(tool));
        assert_eq!(schema["type"], "object", "{}", tool.name);
        for scope in &tool.scope {
            assert!(
                schema["properties"][scope].is_object(),
                "{}: {scope}",
                tool.name
            );
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            assert!(schema.get(key).is_none(), "{}: top-level {key}", tool.name);
        }
        let text = schema.to_string();
        assert!(
            !text.contains("\"type\":[") && !text.contains("\"null\""),
            "{}: nullable type arrays",
            tool.name
        );
        let output = serde_json::Value::Object(output_schema(tool));
        assert!(
            output.get("required").is_none(),
            "{}: output fields stay optional",
            tool.name
        );
        assert!(
            output.get("additionalProperties").is_none(),
            "{}: the output schema stays open, so error and emulator fields fit",
            tool.name
        );
    }
}

#[test]
fn read_only_hides_every_mutation() {
    let catalog = catalog();
    let selection = Selection::resolve(&catalog, &["all".into()], &[], true).expect("resolves");
    for (set, tool) in catalog.tools() {
        assert_eq!(
            selection.exposes(set, tool),
            !tool.effect.is_mutation(),
            "{}",
            tool.name
        );
    }
    assert!(!selection.exposes_builtin("confirm"));
}

#[test]
fn unknown_toolsets_and_tools_are_refused_with_the_choices() {
    let catalog = catalog();
    let error = Selection::resolve(&catalog, &["nope".into()], &[], false).expect_err("refused");
    assert!(error.to_string().contains("pai-quota"), "{error}");
    assert!(Selection::resolve(&catalog, &[], &["pai_quota_nope".into()], false).is_err());
}

#[test]
fn a_broken_catalog_fails_with_file_tool_and_field() {
    let good = skillgate::catalog::EMBEDDED_TOOLSETS
        .iter()
        .find(|(folder, _, _)| *folder == "pai-quota")
        .map(|(_, text, _)| *text)
        .expect("the pai-quota catalog");
    let cases = [
        (
            good.replacen("effect = \"read\"", "effect = \"reed\"", 1),
            "effect",
        ),
        (
            good.replacen("\"pai.load_quota\"", "\"pai.load_qouta\"", 1),
            "unknown guard `pai.load_qouta`",
        ),
        (
            good.replacen(
                "phrase = \"CONFIRM {quota_id}\"",
                "phrase = \"CONFIRM {quota}\"",
                1,
            ),
            "unknown parameter `quota`",
        ),
        (
            good.replacen(
                "path = \"/api/v1/quotas/{QuotaId}\"",
                "path = \"/api/v1/quotas/{Id}\"",
                1,
            ),
            "call.path",
        ),
        (
            good.replacen(
                "name = \"pai_quota_list_workspaces\"",
                "name = \"quota_list_workspaces\"",
                1,
            ),
            "start with `pai_quota_`",
        ),
        (
            good.replacen(
                "guards = [\"pai.load_quota\", \"pai.delete_order\"]",
                "guards = [\"pai.delete_order\", \"pai.load_quota\"]",
                1,
            ),
            "guard `pai.delete_order` needs the fact `quota`, which no guard before it loads",
        ),
        (
            good.replacen(
                "service = \"paistudio\", action = \"GetQuota\"",
                "service = \"pai-typo\", action = \"GetQuota\"",
                1,
            ),
            "unknown service `pai-typo`",
        ),
        (
            good.replacen("provider = \"alibaba\"", "provider = \"alibabacloud\"", 1),
            "unknown provider `alibabacloud`",
        ),
        (
            good.replacen("example = { quota_id = \"quotalingjun00001\" }\n", "", 1),
            "needs an example argument block",
        ),
        (
            good.replacen(
                "call = { service = \"paistudio\", action = \"DeleteQuota\", method = \"DELETE\", path = \"/api/v1/quotas/{QuotaId}\" }\n",
                "",
                1,
            ),
            "a write or destroy tool needs a provider call",
        ),
        (
            good.replacen(
                "call = { service = \"paistudio\", action = \"ListQuotas\", method = \"GET\", path = \"/api/v1/quotas/\" }\n",
                "",
                1,
            ),
            "a tool without a call is answered by a reader",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, good, "the case for `{expected}` changes the catalog");
        let error = Catalog::from_sources(sources_with(text), &registry())
            .expect_err("a broken catalog is refused");
        let message = error.to_string();
        assert!(
            message.starts_with("tools/pai-quota/tools.toml"),
            "{message}"
        );
        assert!(
            message.contains(expected),
            "expected `{expected}` in: {message}"
        );
    }
}

#[test]
fn the_tool_reference_pages_and_the_readme_links_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = catalog();
    let pages = skillgate::docs::pages(&catalog);
    let dir = root.join(skillgate::docs::DOCS_DIR);
    for (name, text) in &pages {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == *text,
            "{}/{name} is stale: run `cargo run -q -- tools --docs docs/tools`",
            skillgate::docs::DOCS_DIR
        );
    }
    // A page for a toolset that is gone is stale too.
    for entry in std::fs::read_dir(&dir).expect("docs/tools") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        assert!(
            pages.iter().any(|(page, _)| *page == name),
            "docs/tools/{name} belongs to no toolset: run `cargo run -q -- tools --docs docs/tools` and delete it"
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let begin = "<!-- BEGIN TOOL REFERENCE (generated by `skillgate tools --markdown`) -->\n";
    let end = "<!-- END TOOL REFERENCE -->";
    let start = readme.find(begin).expect("begin marker") + begin.len();
    let stop = readme.find(end).expect("end marker");
    assert!(
        readme[start..stop].trim() == skillgate::docs::readme_block(&catalog).trim(),
        "README.md tool reference links are stale: run `cargo run -q -- tools --markdown` and paste it between the markers"
    );
    for (set, _) in &catalog.toolsets {
        let link = format!(
            "({}/{})",
            skillgate::docs::DOCS_DIR,
            skillgate::docs::page_name(set)
        );
        assert!(
            readme.contains(&link),
            "README links no page for `{}`",
            set.name
        );
    }
}

/// What one description may cost: every byte of `tools/list` is sent to the model on every turn.
const DESCRIPTION_BUDGET: usize = 120;
const PARAM_DESCRIPTION_BUDGET: usize = 60;

#[test]
fn descriptions_are_one_short_sentence_and_shared_parameters_are_left_to_the_skill() {
    for (set, tool) in catalog().tools() {
        let d = &tool.description;
        assert!(
            d.chars().count() <= DESCRIPTION_BUDGET,
            "{}: description is {} characters, over the budget of {DESCRIPTION_BUDGET}: say what it does and when, in one sentence; move the rest to tools/{}/SKILL.md",
            tool.name,
            d.chars().count(),
            set.name
        );
        let sentences = d.trim_end_matches('.').matches(". ").count() + 1;
        assert_eq!(
            sentences, 1,
            "{}: one sentence, not {sentences}: {d}",
            tool.name
        );
        assert!(
            d.ends_with('.'),
            "{}: a sentence ends with a full stop",
            tool.name
        );
        for param in &tool.params {
            let text = param.description.as_deref().unwrap_or("");
            assert!(
                text.chars().count() <= PARAM_DESCRIPTION_BUDGET,
                "{}.{}: parameter description over {PARAM_DESCRIPTION_BUDGET} characters",
                tool.name,
                param.name
            );
            // Region and paging are described once, in the toolset's skill text.
            if matches!(
                param.name.as_str(),
                "region_id" | "page_number" | "page_size"
            ) {
                assert!(
                    param.description.is_none(),
                    "{}.{}: shared parameter described in the tool; say it once in tools/{}/SKILL.md",
                    tool.name,
                    param.name,
                    set.name
                );
            }
        }
    }
    // ... and each toolset's skill text does describe the ones its tools take.
    let catalog = catalog();
    for (folder, _, skill) in skillgate::catalog::EMBEDDED_TOOLSETS {
        let Some((_, tools)) = catalog.toolsets.iter().find(|(set, _)| set.name == *folder) else {
            continue;
        };
        let skill = skill.unwrap_or_default();
        for shared in ["region_id", "page_number", "page_size"] {
            let used = tools
                .iter()
                .any(|t| t.scope.iter().any(|s| s == shared) || t.param(shared).is_some());
            if used {
                assert!(
                    skill.contains(&format!("`{shared}`")),
                    "tools/{folder}/SKILL.md does not describe `{shared}`"
                );
            }
        }
    }
}

#[test]
fn a_core_names_tools_of_its_own_toolset_and_stays_small() {
    let pai = skillgate::catalog::EMBEDDED_TOOLSETS
        .iter()
        .find(|(folder, _, _)| *folder == "pai-quota")
        .map(|(_, text, _)| *text)
        .expect("the pai-quota catalog");
    let stranger = pai.replacen(
        "core = [\"pai_quota_list\"",
        "core = [\"pai_quota_get_workspace\"",
        1,
    );
    assert_ne!(
        stranger, pai,
        "the pai-quota core starts with pai_quota_list"
    );
    let error = Catalog::from_sources(sources_with(stranger), &registry())
        .expect_err("a core naming another toolset's tool is refused");
    assert!(error.to_string().contains("toolset.core"), "{error}");
    let long = pai.replacen(
        "core = [\"pai_quota_list\"",
        "core = [\"pai_quota_list\", \"pai_quota_list_workloads\"",
        1,
    );
    let error = Catalog::from_sources(sources_with(long), &registry())
        .expect_err("a core of six is refused");
    assert!(error.to_string().contains("at most"), "{error}");
}

#[test]
fn the_readme_error_types_are_current() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let begin = "<!-- BEGIN ERROR TYPES (generated by `skillgate tools --errors`) -->\n";
    let end = "<!-- END ERROR TYPES -->";
    let start = readme.find(begin).expect("begin marker") + begin.len();
    let stop = readme.find(end).expect("end marker");
    assert!(
        readme[start..stop].trim() == skillgate::failure::error_reference().trim(),
        "README.md error types are stale: run `cargo run -q -- tools --errors` and paste it between the markers"
    );
}

/// `/api/v1/quotas/{QuotaId}` and `/api/v1/quotas/{Id}` are the same route.
fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
        .trim_end_matches('/')
        .to_string()
}

#[test]
fn every_declared_call_has_an_emulator_route() {
    // The two tables are written separately (tools/*/tools.toml and the emulator's routes), so
    // neither can hide the other's mistake; this is where they must agree.
    let catalog = catalog();
    let routes = skillgate::emulator::route_table();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (_, tool) in catalog.tools() {
        let calls = tool
            .call
            .iter()
            .chain(tool.steps.iter().map(|s| &s.call))
            .chain(
                tool.steps
                    .iter()
                    .filter_map(|s| s.rollback.as_ref().map(|r| &r.call)),
            )
            .chain(tool.rollback.iter().map(|r| &r.call));
        for call in calls {
            let service = catalog.service(&call.service).expect("declared service");
            checked += 1;
            let found = routes.iter().any(|route| {
                route.provider == service.provider
                    && route.service == service.id
                    && route.version == service.version
                    && route.action == call.action
                    && route.method.eq_ignore_ascii_case(call.method())
                    && path_shape(route.path) == path_shape(call.path())
            });
            if !found {
                missing.push(format!(
                    "{}: {} {} {} {} {}",
                    tool.name,
                    service.provider,
                    service.id,
                    call.action,
                    call.method(),
                    call.path()
                ));
            }
        }
    }
    assert!(
        checked >= catalog.tools().filter(|(_, t)| t.call.is_some()).count(),
        "checked {checked} calls"
    );
    assert!(
        missing.is_empty(),
        "calls without an emulator route:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_coverage_check_notices_a_missing_route() {
    let routes = skillgate::emulator::route_table();
    assert!(
        !routes
            .iter()
            .any(|r| r.action == "NoSuchAction" || path_shape(r.path) == "/api/v1/nowhere"),
        "the table has no made-up route"
    );
    assert_eq!(path_shape("/api/v1/quotas/{QuotaId}/"), "/api/v1/quotas/{}");
}

/// The pai-quota `tools.toml` cut before its last `[[tool]]`: `(head, last tool)`.
fn pai_quota_split() -> (String, String) {
    let text = skillgate::catalog::EMBEDDED_TOOLSETS
        .iter()
        .find(|(folder, _, _)| *folder == "pai-quota")
        .map(|(_, text, _)| *text)
        .expect("the pai-quota catalog");
    let at = text.rfind("[[tool]]").expect("a tool");
    (text[..at].to_string(), text[at..].to_string())
}

#[test]
fn a_part_file_adds_tools_to_the_toolset_of_its_folder() {
    let whole = catalog();
    let (head, last) = pai_quota_split();
    let mut sources = sources_with(head);
    sources.push(("tools/pai-quota/extra.toml".into(), last.clone()));
    let split = Catalog::from_sources(sources, &registry()).expect("the split catalog loads");
    let names = |catalog: &Catalog| {
        catalog
            .tools()
            .map(|(_, t)| t.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&split),
        names(&whole),
        "the same tools, in the same order"
    );

    // A duplicate in a part is reported with the part's own file name.
    let mut sources = sources_with(pai_quota_split().0 + &last);
    sources.push(("tools/pai-quota/extra.toml".into(), last.clone()));
    let error = Catalog::from_sources(sources, &registry()).expect_err("a duplicate tool");
    assert!(
        error.to_string().contains("tools/pai-quota/extra.toml")
            && error.to_string().contains("duplicate tool name"),
        "{error}"
    );

    // A part whose folder declares no toolset is refused, not dropped.
    let mut sources = sources_with(pai_quota_split().0 + &last);
    sources.push(("tools/nowhere/extra.toml".into(), last));
    let error = Catalog::from_sources(sources, &registry()).expect_err("an orphan part");
    assert!(
        error.to_string().contains("tools/nowhere/extra.toml"),
        "{error}"
    );
}

/// Every operation of the five seed skills (`tests/fixtures/seed-operations/*.txt`, one per line
/// as the seed names it) is served: `name` is a tool; `name -> tool(param=value)` is folded into
/// another tool as a parameter (a wrapper or alias), so `tool` exists, takes `param`, and `name`
/// itself is not a second tool.
#[test]
fn every_seed_operation_is_a_tool_or_a_parameter_of_one() {
    let catalog = catalog();
    let tools: std::collections::HashMap<String, Vec<String>> = catalog
        .tools()
        .map(|(_, t)| {
            let params = t.params.iter().map(|p| p.name.clone()).collect();
            (t.name.clone(), params)
        })
        .collect();
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-operations");
    let (mut served, mut folded, mut problems) = (0, 0, Vec::new());
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/seed-operations") {
        let path = entry.expect("fixture entry").path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).expect("fixture text");
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            match line.split_once("->") {
                None if tools.contains_key(line) => served += 1,
                None => problems.push(format!("{file}: `{line}` is not a tool")),
                Some((alias, target)) => {
                    let alias = alias.trim();
                    let (tool, param) = target
                        .trim()
                        .trim_end_matches(')')
                        .split_once('(')
                        .expect("`alias -> tool(param=value)`");
                    let param = param.split('=').next().unwrap_or_default().trim();
                    match tools.get(tool) {
                        _ if tools.contains_key(alias) => problems.push(format!(
                            "{file}: `{alias}` is folded into `{tool}` but is also a tool"
                        )),
                        Some(params) if params.iter().any(|p| p == param) => folded += 1,
                        Some(_) => {
                            problems.push(format!("{file}: `{tool}` has no parameter `{param}`"))
                        }
                        None => problems.push(format!("{file}: `{tool}` is not a tool")),
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        served + folded >= 300,
        "the fixtures list the five seeds' operations: {served} served, {folded} folded"
    );
}
