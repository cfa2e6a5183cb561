//! Fills `{name}` stand-ins of phrase, target and summary templates from the arguments, in one
//! pass over the template: a value is never read as a template, so a quota named
//! `{parent_quota_id}` shows as exactly that and not as the parent's id.

use serde_json::{Map, Value};

/// The template with each `{name}` replaced by the argument's text (empty when absent).
pub fn render(template: &str, args: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.get(name) {
                    Some(Value::String(text)) => out.push_str(text),
                    Some(Value::Null) | None => {}
                    Some(other) => out.push_str(&other.to_string()),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn fields_are_filled_once_and_values_are_never_templates() {
        let a =
            args(json!({"quota_name": "{parent_quota_id}", "parent_quota_id": "quota-1", "n": 3}));
        assert_eq!(
            render("create `{quota_name}` under `{parent_quota_id}` x{n}", &a),
            "create `{parent_quota_id}` under `quota-1` x3"
        );
        assert_eq!(render("CONFIRM {missing}", &a), "CONFIRM ");
        assert_eq!(render("no fields {", &a), "no fields {");
    }
}
