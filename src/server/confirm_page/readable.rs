//! Plan data in words a person reads at a glance: the summary without Markdown, the diff as
//! field / current / target rows, values such as node specs and labels as short lines instead of
//! JSON. Plain text only; the page escapes it.

use serde_json::{Map, Value};

/// The summary as a sentence: no Markdown backticks, capitalised, with a forced change's
/// explanation split off (`scale quota `q` (FORCE: ...)`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Summary {
    /// `Scale quota quotateama0000001`.
    pub headline: String,
    /// Why the force phrase is needed, when the summary says so.
    pub force_note: Option<String>,
}

pub(super) fn summary(text: &str) -> Summary {
    let text = text.replace('`', "");
    let (headline, force_note) = match text.split_once(" (FORCE: ") {
        Some((head, note)) => (
            head.to_string(),
            Some(note.trim_end_matches(')').to_string()),
        ),
        None => (text, None),
    };
    Summary {
        headline: capitalised(&headline),
        force_note,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A snake_case key as words: `memory_gib` → `memory gib`.
pub(super) fn label(key: &str) -> String {
    key.replace('_', " ")
}

/// How a field changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// It has no value today.
    Added,
    /// It will have none.
    Removed,
    /// It has one and gets another.
    Changed,
}

/// One row of the change table.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct DiffRow {
    pub field: String,
    pub current: Vec<String>,
    pub target: Vec<String>,
    pub change: Change,
}

/// The plan's `diff` (`{field: {current, target}}`) as rows, in the plan's order.
pub(super) fn diff_rows(diff: &Value) -> Vec<DiffRow> {
    let Some(fields) = diff.as_object() else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, change)| {
            let (current, target) = match change.as_object() {
                Some(pair) if pair.contains_key("current") || pair.contains_key("target") => (
                    pair.get("current").unwrap_or(&Value::Null),
                    pair.get("target").unwrap_or(&Value::Null),
                ),
                _ => (&Value::Null, change),
            };
            DiffRow {
                field: label(field),
                current: lines(current),
                target: lines(target),
                change: match (current.is_null(), target.is_null()) {
                    (true, _) => Change::Added,
                    (false, true) => Change::Removed,
                    (false, false) => Change::Changed,
                },
            }
        })
        .collect()
}

/// A JSON value as short lines of text. Node specs read `type × count`, labels `key = value`,
/// flat objects `key: value, key: value`, nested ones indented; `null` is empty.
pub(super) fn lines(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    push_lines(value, "", &mut out);
    out
}

fn push_lines(value: &Value, indent: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            if let Some(specs) = map.get("NodeSpecs").filter(|_| map.len() == 1) {
                push_lines(specs, indent, out);
            } else if let Some(line) = inline(value) {
                out.push(format!("{indent}{line}"));
            } else {
                for (key, item) in map {
                    match inline(item) {
                        Some(line) => out.push(format!("{indent}{}: {line}", label(key))),
                        None => {
                            out.push(format!("{indent}{}:", label(key)));
                            push_lines(item, &format!("{indent}  "), out);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(line) = inline(value) {
                out.push(format!("{indent}{line}"));
            } else {
                // Items that take several lines start with a bullet, so they read apart.
                for item in items {
                    match inline(item) {
                        Some(line) => out.push(format!("{indent}{line}")),
                        None => {
                            let mut item_lines = Vec::new();
                            push_lines(item, &format!("{indent}  "), &mut item_lines);
                            if let Some(first) = item_lines.first_mut() {
                                *first = format!("{indent}• {}", first.trim_start());
                            }
                            out.extend(item_lines);
                        }
                    }
                }
            }
        }
        scalar => out.push(format!("{indent}{}", scalar_text(scalar))),
    }
}

/// One line for a value that fits on one, or `None`.
fn inline(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => {
            if let Some(spec) = node_spec(map) {
                return Some(spec);
            }
            if let (Some(key), Some(item), 2) = (map.get("Key"), map.get("Value"), map.len()) {
                return Some(format!("{} = {}", scalar_text(key), scalar_text(item)));
            }
            if map.values().all(is_scalar) && map.len() <= 6 {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}: {}", label(k), scalar_text(v)))
                    .collect();
                return Some(parts.join(", "));
            }
            None
        }
        Value::Array(items) if items.is_empty() => Some("none".into()),
        Value::Array(items) if items.iter().all(is_scalar) => {
            Some(items.iter().map(scalar_text).collect::<Vec<_>>().join(", "))
        }
        Value::Array(_) => None,
        scalar => Some(scalar_text(scalar)),
    }
}

/// `{"Type": "ecs.x", "Count": 3}` (or `NodeSpec`) as `ecs.x × 3`.
fn node_spec(map: &Map<String, Value>) -> Option<String> {
    let kind = map.get("Type").or_else(|| map.get("NodeSpec"))?.as_str()?;
    let count = map.get("Count")?;
    (map.len() == 2).then(|| format!("{kind} × {}", scalar_text(count)))
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Object(_) | Value::Array(_))
}

/// A scalar as text; whole floats lose their `.0`.
pub(super) fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(text) => text.clone(),
        Value::Number(number) => match number.as_f64() {
            Some(f) if number.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            _ => number.to_string(),
        },
        other => other.to_string(),
    }
}

/// A cost as one line: `{amount, currency, period?}` reads `12.5 CNY per hour`; anything else
/// as its lines.
pub(super) fn cost(value: &Value) -> Vec<String> {
    if let Some(map) = value.as_object()
        && let (Some(amount), Some(currency)) = (map.get("amount"), map.get("currency"))
    {
        let mut line = format!("{} {}", scalar_text(amount), scalar_text(currency));
        if let Some(period) = map.get("period").and_then(Value::as_str) {
            line.push_str(&format!(" per {period}"));
        }
        return vec![line];
    }
    lines(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_loses_its_backticks_and_splits_off_the_force_note() {
        assert_eq!(
            summary("update quota `q1`"),
            Summary {
                headline: "Update quota q1".into(),
                force_note: None
            }
        );
        let forced = summary(
            "scale quota `q1` (FORCE: the target's capacity is below current usage in gpu: running workloads may be preempted)",
        );
        assert_eq!(forced.headline, "Scale quota q1");
        assert_eq!(
            forced.force_note.as_deref(),
            Some(
                "the target's capacity is below current usage in gpu: running workloads may be preempted"
            )
        );
    }

    #[test]
    fn a_diff_reads_as_rows() {
        let rows = diff_rows(&json!({
            "min": {"current": {"NodeSpecs": [{"Type": "ecs.a", "Count": 3}]},
                    "target": {"NodeSpecs": [{"Type": "ecs.a", "Count": 1}]}},
            "quota": {"current": "q1", "target": null},
            "labels": {"current": null, "target": [{"Key": "team", "Value": "a"}]},
        }));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].field, "min");
        assert_eq!(rows[0].current, ["ecs.a × 3"]);
        assert_eq!(rows[0].target, ["ecs.a × 1"]);
        assert_eq!(rows[0].change, Change::Changed);
        assert_eq!(rows[1].change, Change::Removed);
        assert!(rows[1].target.is_empty());
        assert_eq!(rows[2].target, ["team = a"]);
        assert_eq!(rows[2].change, Change::Added);
    }

    #[test]
    fn nested_values_read_as_indented_lines() {
        let text = lines(&json!({
            "used": {"cpu": 12.0, "gpu": 2.0},
            "running_workloads": [{"name": "nb", "user": "alice", "resource": {"GPU": "1"}}],
        }));
        assert_eq!(
            text,
            [
                "used: cpu: 12, gpu: 2",
                "running workloads:",
                "  • name: nb",
                "    user: alice",
                "    resource: GPU: 1",
            ]
        );
        assert_eq!(lines(&json!(["a", "b"])), ["a, b"]);
        assert!(lines(&Value::Null).is_empty());
    }

    #[test]
    fn a_cost_reads_as_an_amount() {
        assert_eq!(
            cost(&json!({"amount": 12.5, "currency": "CNY", "period": "hour"})),
            ["12.5 CNY per hour"]
        );
        assert_eq!(cost(&json!("free")), ["free"]);
    }
}
