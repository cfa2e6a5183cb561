//! Canonical digests: the same JSON value always hashes the same, whatever its key order, so an
//! argument digest in the audit log and a state digest in a plan can be compared.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Hex SHA-256 of the value's canonical form (object keys sorted, compact).
pub fn canonical_digest(value: &Value) -> String {
    let mut text = String::new();
    write_canonical(value, &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_digest() {
        assert_eq!(
            canonical_digest(&json!({"a": 1, "b": [1, {"y": 2, "x": 1}]})),
            canonical_digest(&json!({"b": [1, {"x": 1, "y": 2}], "a": 1}))
        );
        assert_ne!(
            canonical_digest(&json!({"a": 1})),
            canonical_digest(&json!({"a": 2}))
        );
    }
}
