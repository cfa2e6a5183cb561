//! Tool-argument validation for every catalog tool: whatever arguments an agent sends, the
//! validator answers without panicking, and arguments it accepts always build a wire request
//! (the validator is the only check between an agent and `build_request`).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};
use skillgate::catalog::{Catalog, ToolSpec, build_request, validate_arguments};
use skillgate::toolsets::ToolsetRegistry;

use super::input::Cursor;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let registry = ToolsetRegistry::all()
            .catalog_registry(skillgate::providers::KINDS.iter().map(|k| k.id));
        Catalog::embedded(&registry).expect("the built-in catalog loads")
    })
}

const WORDS: &[&str] = &[
    "cn-hangzhou",
    "quota-1",
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "true",
    "CONFIRM",
    "a,b",
    "[]",
    "{}",
    "../../etc/passwd",
    "\u{0}",
    "ecs.g7.large",
];

/// Arguments for `tool`: its example (when it has one) edited a few times, or a fresh object.
fn arguments(tool: &ToolSpec, input: &mut Cursor<'_>) -> Map<String, Value> {
    let names: Vec<&str> = tool.params.iter().map(|p| p.name.as_str()).collect();
    let mut arguments = match (&tool.example, input.byte() % 3) {
        (Some(example), 0 | 1) => example.clone(),
        _ => input.object(2, &names, WORDS),
    };
    for _ in 0..input.below(6) {
        let key = input.text(&names);
        if input.byte().is_multiple_of(4) {
            arguments.remove(&key);
        } else {
            arguments.insert(key, input.value(3, &names, WORDS));
        }
    }
    arguments
}

/// How many cases the validator accepted, so the target shows it reaches `build_request`.
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

fn check(bytes: &[u8]) {
    let catalog = catalog();
    let tools: Vec<_> = catalog.tools().collect();
    let mut input = Cursor::new(bytes);
    let (_, tool) = tools[input.below(tools.len())];
    let arguments = arguments(tool, &mut input);
    let defaults = BTreeMap::from([("region_id".to_owned(), "cn-hangzhou".to_owned())]);
    let Ok(valid) = validate_arguments(tool, &arguments, &defaults) else {
        return;
    };
    ACCEPTED.fetch_add(1, Ordering::Relaxed);
    for param in tool.params.iter().filter(|p| p.required) {
        assert!(
            valid.contains_key(&param.name),
            "{}: accepted without the required `{}`",
            tool.name,
            param.name
        );
    }
    // A tool answered by the server itself (no `call`) builds no request.
    if let Some(call) = &tool.call
        && let Some(service) = catalog.service(&call.service)
        && let Err(error) = build_request(service, tool, "skillgate-fuzz", &valid)
    {
        panic!(
            "{}: validated arguments {} do not build a request: {error}",
            tool.name,
            Value::Object(valid.clone())
        );
    }
}

#[test]
fn tool_arguments_for_every_tool() {
    bolero::check!()
        .with_iterations(20_000)
        .for_each(|bytes: &[u8]| check(bytes));
    let accepted = ACCEPTED.load(Ordering::Relaxed);
    assert!(
        accepted >= 1_000,
        "only {accepted} cases passed validation: the inputs are too wild to reach build_request"
    );
}
