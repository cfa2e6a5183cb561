//! What arrives as a JSON-RPC message, checked before anything parses it for real, the same way
//! on stdio and HTTP: valid UTF-8, nesting no deeper than [`MAX_DEPTH`], well-formed JSON. A
//! message that fails is answered with a JSON-RPC error that says what was wrong (`-32700` for
//! what is not JSON, `-32600` for JSON that is not an acceptable message), with `id: null` since
//! no id can be trusted from it; the transport goes on serving.
//!
//! The depth check is a byte scan with no recursion, so a hostile 100,000-level nesting costs one
//! pass over the bytes and never reaches a recursive parser.
//!
//! Public (the rest of `server` is not) so the fuzz targets in `tests/fuzz` can drive it directly.

use rmcp::model::ClientJsonRpcMessage;
use serde_json::{Value, json};

/// How deep objects and arrays may nest in one message. MCP messages nest a handful of levels
/// (a tool's arguments inside `params`); 64 leaves room for any real argument and stays far
/// below serde_json's own recursion limit (128).
pub const MAX_DEPTH: usize = 64;

/// JSON-RPC: the text is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: the JSON is not an acceptable request.
pub const INVALID_REQUEST: i64 = -32600;

/// Why a message was not accepted, and the JSON-RPC error that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// `-32700` or `-32600`.
    pub code: i64,
    /// One sentence.
    pub message: String,
    /// The request id, when the message was readable enough to have one.
    pub id: Value,
}

impl Rejection {
    fn parse(message: impl Into<String>) -> Self {
        Self {
            code: PARSE_ERROR,
            message: message.into(),
            id: Value::Null,
        }
    }

    fn invalid(message: impl Into<String>, id: Value) -> Self {
        Self {
            code: INVALID_REQUEST,
            message: message.into(),
            id,
        }
    }

    /// A message longer than the transport accepts.
    pub fn too_large(limit: usize) -> Self {
        Self::invalid(
            format!(
                "Invalid Request: the message is larger than {} KiB",
                limit / 1024
            ),
            Value::Null,
        )
    }

    /// The JSON-RPC error response.
    pub fn to_json(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": {"code": self.code, "message": self.message},
        })
    }
}

/// Checks encoding, depth and syntax; `Ok` means a JSON parser will not fail on the text itself.
pub fn screen(bytes: &[u8]) -> Result<(), Rejection> {
    let bytes = check_text(bytes)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map(|_| ())
        .map_err(|error| Rejection::parse(format!("Parse error: {error}")))
}

/// Valid UTF-8 and not too deep; returns the text without a byte order mark.
fn check_text(bytes: &[u8]) -> Result<&[u8], Rejection> {
    let bytes = without_bom(bytes);
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(Rejection::parse(format!(
            "Parse error: the message is not valid UTF-8 (at byte {})",
            error.valid_up_to()
        )));
    }
    check_depth(bytes)?;
    Ok(bytes)
}

/// What one stdio line is.
#[derive(Debug)]
pub enum Decoded {
    /// A message to handle.
    Message(Box<ClientJsonRpcMessage>),
    /// A notification this server does not know: JSON-RPC forbids answering it.
    Ignored,
    /// Not acceptable; answer with this.
    Rejected(Rejection),
}

/// Decodes one line of the stdio transport.
pub fn decode(line: &[u8]) -> Decoded {
    let line = match check_text(line) {
        Ok(line) => line,
        Err(rejection) => return Decoded::Rejected(rejection),
    };
    match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => Decoded::Message(Box::new(message)),
        Err(error) if error.classify() != serde_json::error::Category::Data => {
            Decoded::Rejected(Rejection::parse(format!("Parse error: {error}")))
        }
        Err(error) => {
            // Well-formed JSON that is not a message we accept.
            let value: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
            let is_notification = value.get("id").is_none()
                && value.get("method").is_some_and(Value::is_string)
                && value.get("result").is_none()
                && value.get("error").is_none();
            if is_notification {
                return Decoded::Ignored;
            }
            let id = match value.get("id") {
                Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
                _ => Value::Null,
            };
            let why = if value.is_array() {
                "batches are not supported; send one message per line".to_string()
            } else {
                error.to_string()
            };
            Decoded::Rejected(Rejection::invalid(format!("Invalid Request: {why}"), id))
        }
    }
}

fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Fails when objects and arrays nest deeper than [`MAX_DEPTH`]; brackets inside strings do
/// not count. Syntax is left to the parser.
fn check_depth(bytes: &[u8]) -> Result<(), Rejection> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (at, byte) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Rejection::invalid(
                        format!(
                            "Invalid Request: objects and arrays nest deeper than {MAX_DEPTH} levels (at byte {at})"
                        ),
                        Value::Null,
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_messages_pass() {
        let ping = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        assert_eq!(screen(ping), Ok(()));
        assert!(matches!(decode(ping), Decoded::Message(_)));
        let with_bom = b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        assert!(matches!(decode(with_bom), Decoded::Message(_)));
    }

    #[test]
    fn text_that_is_not_json_is_a_parse_error() {
        let rejection = screen(b"garbage{").unwrap_err();
        assert_eq!(rejection.code, PARSE_ERROR);
        assert_eq!(rejection.to_json()["id"], Value::Null);
        let rejection =
            screen(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}").unwrap_err();
        assert_eq!(rejection.code, PARSE_ERROR);
        assert!(rejection.message.contains("UTF-8"), "{}", rejection.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let rejection = screen(deep.as_bytes()).unwrap_err();
        assert_eq!(rejection.code, INVALID_REQUEST);
        assert!(
            rejection.message.contains("64 levels"),
            "{}",
            rejection.message
        );
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(screen(at_limit.as_bytes()), Ok(()));
        // Brackets inside strings are text, escaped quotes included.
        let text = format!(r#"{{"a":"\"{}"}}"#, "[".repeat(1000));
        assert_eq!(screen(text.as_bytes()), Ok(()));
    }

    #[test]
    fn json_that_is_not_a_message_is_an_invalid_request_with_its_id() {
        match decode(br#"{"jsonrpc":"2.0","id":7,"method":42}"#) {
            Decoded::Rejected(rejection) => {
                assert_eq!(rejection.code, INVALID_REQUEST);
                assert_eq!(rejection.id, json!(7));
            }
            other => panic!("{other:?}"),
        }
        match decode(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#) {
            Decoded::Rejected(rejection) => assert!(rejection.message.contains("batches")),
            other => panic!("{other:?}"),
        }
        // A notification is never answered, even one this server cannot read.
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}"#),
            Decoded::Ignored
        ));
        assert!(!matches!(
            decode(br#"{"jsonrpc":"2.0","method":"$/lsp/thing","params":{}}"#),
            Decoded::Rejected(_)
        ));
    }
}
