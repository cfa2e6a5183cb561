//! Turning a fuzzer's bytes into structured input. Every target takes plain bytes (so a corpus
//! file is just bytes, and libFuzzer under `cargo bolero` can mutate them), and this cursor reads
//! choices out of them: which tool, which key, what kind of JSON value. When the bytes run out
//! every choice is the first one, so short inputs still make valid, small cases.

use serde_json::{Map, Number, Value};

/// Reads choices from fuzzer bytes.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// The next byte, or 0 when the input is used up.
    pub fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    /// A choice in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let wide = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
        wide % n.max(1)
    }

    /// What is left, for targets that use the rest verbatim.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }

    /// A string: a word of `dictionary`, or up to 24 raw characters (any code point the bytes
    /// give, control characters and quotes included).
    pub fn text(&mut self, dictionary: &[&str]) -> String {
        if !dictionary.is_empty() && !self.byte().is_multiple_of(4) {
            return dictionary[self.below(dictionary.len())].to_owned();
        }
        let len = self.below(25);
        (0..len)
            .map(|_| {
                let code = u32::from(self.byte()) | (u32::from(self.byte() % 4) << 8);
                char::from_u32(code).unwrap_or('\u{fffd}')
            })
            .collect()
    }

    /// A JSON value at most `depth` levels deep, with object keys from `keys` most of the time.
    pub fn value(&mut self, depth: usize, keys: &[&str], words: &[&str]) -> Value {
        let kinds = if depth == 0 { 6 } else { 8 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.byte().is_multiple_of(2)),
            2 => Value::from(i64::from_le_bytes(self.eight()) >> (self.byte() % 64)),
            3 => Number::from_f64(f64::from_le_bytes(self.eight()))
                .map(Value::Number)
                .unwrap_or(Value::Null),
            4 | 5 => Value::String(self.text(words)),
            6 => {
                let len = self.below(5);
                Value::Array(
                    (0..len)
                        .map(|_| self.value(depth - 1, keys, words))
                        .collect(),
                )
            }
            _ => Value::Object(self.object(depth - 1, keys, words)),
        }
    }

    /// A JSON object of up to six members.
    pub fn object(&mut self, depth: usize, keys: &[&str], words: &[&str]) -> Map<String, Value> {
        let len = self.below(7);
        (0..len)
            .map(|_| (self.text(keys), self.value(depth, keys, words)))
            .collect()
    }

    fn eight(&mut self) -> [u8; 8] {
        std::array::from_fn(|_| self.byte())
    }
}
