//! The catalog-driven gate sweep: every write or destroy tool of every toolset, planned with the
//! example argument block its catalog carries, must send nothing mutating while planning, refuse
//! a wrong phrase (cancelling the plan), execute once with the right phrase, and refuse a replay.
//! New tools are covered by adding their `example`, with no new test code (the catalog loader
//! refuses a mutation without one).

use serde_json::{Value, json};

use crate::common::{Harness, ServerSpec, Transport, expect_error, str_of};
use skillgate::catalog::Catalog;
use skillgate::toolsets::ToolsetRegistry;

fn catalog() -> Catalog {
    let registry = ToolsetRegistry::all()
        .catalog_registry(skillgate::providers::KINDS.iter().map(|kind| kind.id));
    Catalog::embedded(&registry).expect("the built-in catalog loads")
}

/// The example with every `"{setup.N.<path>}"` string replaced by that path in the result of
/// the N-th setup call (an id the setup created).
fn with_setup_results(value: &Value, results: &[Value]) -> Value {
    match value {
        Value::String(text) if text.starts_with("{setup.") && text.ends_with('}') => {
            let inner = &text["{setup.".len()..text.len() - 1];
            let (index, path) = inner.split_once('.').expect("{setup.N.path}");
            let index: usize = index.parse().expect("a setup index");
            skillgate::catalog::lookup(&results[index], path)
                .cloned()
                .unwrap_or_else(|| panic!("setup {index} gave no `{path}`: {:#}", results[index]))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| with_setup_results(v, results))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), with_setup_results(v, results)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether a gated tool's call is a read on the wire (the emulator's route does not mutate).
fn reads_on_the_wire(tool: &skillgate::catalog::ToolSpec) -> bool {
    let call = tool.first_call().expect("a gated tool has a call");
    skillgate::emulator::route_table().iter().any(|route| {
        route.action == call.action
            && route.method.eq_ignore_ascii_case(call.method())
            && !route.mutating
    })
}

#[tokio::test]
async fn every_mutation_is_gated_with_its_catalog_example() {
    let h = Harness::start(ServerSpec::new(Transport::Stdio).args(&["--toolsets", "all"])).await;
    let catalog = catalog();
    let mut swept = Vec::new();
    for (_, tool) in catalog.tools().filter(|(_, t)| t.effect.is_mutation()) {
        let name = tool.name.as_str();
        let example = Value::Object(
            tool.example
                .clone()
                .unwrap_or_else(|| panic!("`{name}` has no example")),
        );
        h.emu.admin_post("reset", json!({})).await;
        let mut results = Vec::new();
        for setup in &tool.example_setup {
            let args = with_setup_results(&Value::Object(setup.args.clone()), &results);
            let result = match catalog.tool(&setup.tool) {
                Some((_, t)) if t.effect.is_mutation() => {
                    let plan = h.plan(&setup.tool, args).await;
                    h.execute(&plan).await["result"].clone()
                }
                _ => h.ok(&setup.tool, args).await,
            };
            results.push(result);
            if let Some(seconds) = setup.advance_clock_s {
                h.emu
                    .admin_post("clock/advance", json!({"seconds": seconds}))
                    .await;
            }
        }
        let example = with_setup_results(&example, &results);
        let before = h.emu.snapshot().await;

        // Planning sends nothing that changes state and leaves the emulator as it was.
        let plan = h.plan(name, example.clone()).await;
        h.emu
            .assert_unchanged(&before, &format!("planning `{name}`"))
            .await;
        let plan_id = str_of(&plan["plan_id"]);
        let phrase = str_of(&plan["confirm_phrase"]);
        assert!(
            !plan["dry_run"].as_array().is_none_or(Vec::is_empty),
            "`{name}`: the plan previews its request: {plan:#}"
        );

        // A near miss is refused and cancels the plan; nothing changes.
        // A near miss: the phrase in lower case, or with a stray dot when it has no capitals
        // (the v1 delete's `确认删除 <service_name>`).
        let near_miss = match phrase.to_lowercase() {
            lower if lower == phrase => format!("{phrase}."),
            lower => lower,
        };
        let wrong = h.confirm(&plan_id, &near_miss).await;
        expect_error(
            &wrong,
            "confirmation_mismatch",
            &format!("`{name}` lower-case phrase"),
        );
        let again = h.confirm(&plan_id, &phrase).await;
        expect_error(
            &again,
            "plan_not_pending",
            &format!("`{name}` after a wrong phrase"),
        );
        h.emu
            .assert_unchanged(&before, &format!("`{name}` refused confirmations"))
            .await;

        // The exact phrase executes it, once; a replay is refused and sends nothing more.
        let plan = h.plan(name, example.clone()).await;
        let action = &tool.first_call().expect("a gated tool has a call").action;
        let calls_before = h.emu.requests_for(action).await.len();
        h.execute(&plan).await;
        let sent = h.emu.mutating_requests().await.len();
        if reads_on_the_wire(tool) {
            // A gated read (a confirmed password reveal) changes nothing: its call was sent.
            assert!(
                h.emu.requests_for(action).await.len() > calls_before,
                "`{name}`: the confirmed plan was sent"
            );
        } else {
            assert!(
                sent > before.mutating,
                "`{name}`: the confirmed plan was sent"
            );
        }
        let replay = h
            .confirm(&str_of(&plan["plan_id"]), &str_of(&plan["confirm_phrase"]))
            .await;
        expect_error(&replay, "plan_not_pending", &format!("`{name}` replayed"));
        assert_eq!(
            h.emu.mutating_requests().await.len(),
            sent,
            "`{name}`: a replay sends nothing"
        );
        swept.push(name.to_string());
    }
    assert!(
        swept.len() >= 8,
        "every mutation of the catalog was swept: {swept:?}"
    );
    let audit = h.audit();
    for name in &swept {
        let executed = audit
            .iter()
            .filter(|l| l["decision"] == "executed" && l["plan_tool"] == name.as_str())
            .count();
        let as_setup = catalog
            .tools()
            .flat_map(|(_, t)| t.example_setup.iter())
            .filter(|s| s.tool == *name)
            .count();
        assert_eq!(
            executed,
            1 + as_setup,
            "`{name}` executed exactly once (plus as a setup): {audit:#?}"
        );
    }
    h.finish().await;
}
