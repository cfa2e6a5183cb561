//! A string that must never be shown: credentials, tokens, signatures.
//!
//! `Debug` and `Display` print a mask, so a secret that slips into a log line, an
//! error or an audit record shows up as `****` instead of its value. The only way to
//! read it is [`Secret::expose`], which makes every use easy to find in review.

use std::fmt;

/// A secret value with a redacting `Debug`/`Display`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for signing and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret holds no characters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Masks an access key id the way consoles do: the first four characters, then `****`.
pub fn mask_key_id(key_id: &str) -> String {
    let head: String = key_id.chars().take(4).collect();
    format!("{head}****")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }

    #[test]
    fn key_ids_are_masked_after_four_characters() {
        assert_eq!(mask_key_id("LTAI5tTestAccessKeyId0001"), "LTAI****");
    }
}
