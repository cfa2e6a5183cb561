//! The catalog loader on edited catalogs: a toolset's `tools.toml` with lines replaced, values
//! swapped, tables duplicated or bytes cut either loads or fails with an error that names the
//! file; it never panics. (Catalogs come from `--catalog-dir` too, so they are input.)

use skillgate::catalog::{Catalog, embedded_sources};
use skillgate::toolsets::ToolsetRegistry;

use super::input::Cursor;

const TOKENS: &[&str] = &[
    "\"\"",
    "true",
    "0",
    "-1",
    "[]",
    "{}",
    "\"{missing}\"",
    "\"{step.nope.x}\"",
    "[[tool]]",
    "[[tool.params]]",
    "effect = \"mutate\"",
    "effect = \"read\"",
    "required = true",
    "type = \"array\"",
    "type = \"integer\"",
    "name = \"region_id\"",
    "confirm = { phrase = \"X\" }",
    "guards = [\"no_such_guard\"]",
    "operation = \"no_such_kind\"",
    "\"\\u0000\"",
    "=",
    "\"",
];

fn edited(text: &str, input: &mut Cursor<'_>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for _ in 0..1 + input.below(6) {
        if lines.is_empty() {
            break;
        }
        let at = input.below(lines.len());
        let token = TOKENS[input.below(TOKENS.len())];
        match input.below(5) {
            0 => lines[at] = token.to_owned(),
            1 => {
                if let Some((key, _)) = lines[at].split_once('=') {
                    lines[at] = format!("{key}= {token}");
                }
            }
            2 => {
                let line = lines[at].clone();
                lines.insert(at, line);
            }
            3 => {
                lines.remove(at);
            }
            _ => {
                let cut = input.below(lines[at].len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|i| lines[at].is_char_boundary(*i))
                    .unwrap_or(0);
                lines[at].truncate(cut);
            }
        }
    }
    lines.join("\n")
}

fn check(bytes: &[u8]) {
    let mut input = Cursor::new(bytes);
    let files = embedded_sources();
    let target = input.below(files.len());
    let sources: Vec<(String, String)> = files
        .into_iter()
        .enumerate()
        .map(|(i, (file, text))| {
            let text = if i == target {
                edited(&text, &mut input)
            } else {
                text
            };
            (file, text)
        })
        .collect();
    let registry =
        ToolsetRegistry::all().catalog_registry(skillgate::providers::KINDS.iter().map(|k| k.id));
    if let Err(error) = Catalog::from_sources(sources, &registry) {
        let message = error.to_string();
        assert!(
            message.contains("tools/") || message.contains("tool") || message.contains("service"),
            "an error that does not say where: {message}"
        );
    }
}

#[test]
fn catalog_loader() {
    bolero::check!()
        .with_iterations(300)
        .for_each(|bytes: &[u8]| check(bytes));
}
