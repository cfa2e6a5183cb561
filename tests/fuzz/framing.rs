//! The JSON-RPC framing every transport applies before parsing: any bytes either become a
//! message, an ignored notification, or a rejection whose JSON-RPC error has the right code and
//! an id that is a string, a number or null. Nothing panics, and nesting past the limit is never
//! accepted.

use serde_json::Value;
use skillgate::server::framing::{self, Decoded, INVALID_REQUEST, MAX_DEPTH, PARSE_ERROR};

/// How deep the bytes nest, counting brackets outside strings (the framing's own rule).
fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn check(bytes: &[u8]) {
    let screened = framing::screen(bytes);
    if screened.is_ok() {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        assert!(
            serde_json::from_slice::<Value>(text).is_ok(),
            "screen accepted what serde_json cannot parse"
        );
        assert!(
            depth(text) <= MAX_DEPTH,
            "screen accepted nesting past the limit"
        );
    }
    match framing::decode(bytes) {
        Decoded::Message(_) => assert!(screened.is_ok(), "decode took what screen refused"),
        Decoded::Ignored => {}
        Decoded::Rejected(rejection) => {
            assert!([PARSE_ERROR, INVALID_REQUEST].contains(&rejection.code));
            assert!(matches!(
                rejection.id,
                Value::Null | Value::String(_) | Value::Number(_)
            ));
            let answer = rejection.to_json();
            assert_eq!(answer["jsonrpc"], "2.0");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
}

#[test]
fn jsonrpc_framing() {
    bolero::check!()
        .with_iterations(20_000)
        .for_each(|bytes: &[u8]| check(bytes));
}

#[test]
fn the_depth_limit_holds_at_its_edge() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(framing::screen(nested(MAX_DEPTH).as_bytes()).is_ok());
    assert!(framing::screen(nested(MAX_DEPTH + 1).as_bytes()).is_err());
    check(nested(100_000).as_bytes());
}
