//! The text encodings of Alibaba Cloud requests.
//!
//! Three different encodings meet in one request, and mixing them up is the classic
//! cause of `SignatureDoesNotMatch`:
//! - the *canonical* query value (signature input) is RFC 3986: space is `%20`;
//! - the *wire* query string is `application/x-www-form-urlencoded` like Python's
//!   `urlencode`: space is `+`;
//! - ROA path parameters go through the SDK's `DaraURL.percent_encode`.
//!
//! All hex digits are upper case and all text is UTF-8, as in the SDKs.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left alone by Python's `quote(v, safe='~')`: RFC 3986 unreserved.
const RFC3986_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 encoding of a canonical query key or value, like Python `quote(v, safe='~')`.
///
/// Only `A-Z a-z 0-9 - _ . ~` stay; everything else, including `/`, `+`, `*` and space,
/// becomes `%XX` of its UTF-8 bytes.
pub fn percent_encode_rfc3986(value: &str) -> String {
    utf8_percent_encode(value, RFC3986_ESCAPE).to_string()
}

/// Encodes one ROA path parameter as the SDK's `DaraURL.percent_encode` does.
///
/// The SDK runs `quote(v, safe='')` and then maps `+`→`%20`, `*`→`%2A`, `%7E`→`~`. On
/// Python 3.7+ `quote` already escapes `+` and `*` and keeps `~`, so those replacements
/// never fire and the result equals [`percent_encode_rfc3986`]; this function exists so
/// call sites say which rule they follow. A `/` inside a parameter is escaped, so a
/// parameter can never add path segments.
pub fn encode_path_segment(value: &str) -> String {
    percent_encode_rfc3986(value)
        .replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~")
}

/// Encodes one key or value like Python `quote_plus(v, safe='')`.
fn form_urlencode_component(value: &str, out: &mut String) {
    for &byte in value.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(hex_digit(byte >> 4));
                out.push(hex_digit(byte & 0x0f));
            }
        }
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0x0f)])
}

/// The wire query string, in the given (insertion) order, like Python `urlencode`.
///
/// This is what the SDK puts after `?`; it is *not* the canonical form that is signed
/// (see [`crate::signing::acs3::canonical_query_string`]).
pub fn form_urlencode_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        form_urlencode_component(key, &mut out);
        out.push('=');
        form_urlencode_component(value, &mut out);
    }
    out
}

/// Decodes one form-encoded component: `+` is a space, `%XX` is a byte.
///
/// Malformed escapes are kept literally and invalid UTF-8 is replaced, like Python's
/// `unquote_plus(errors='replace')`, so a hostile query cannot make the verifier fail
/// in a way the SDK's server would not.
pub fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            b'%' => match (
                hex_value(bytes.get(index + 1)),
                hex_value(bytes.get(index + 2)),
            ) {
                (Some(high), Some(low)) => {
                    decoded.push(high << 4 | low);
                    index += 3;
                }
                _ => {
                    decoded.push(b'%');
                    index += 1;
                }
            },
            other => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(byte: Option<&u8>) -> Option<u8> {
    match byte? {
        digit @ b'0'..=b'9' => Some(digit - b'0'),
        upper @ b'A'..=b'F' => Some(upper - b'A' + 10),
        lower @ b'a'..=b'f' => Some(lower - b'a' + 10),
        _ => None,
    }
}

/// Splits a raw query string (without `?`) into decoded pairs, in wire order.
///
/// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a key with an
/// empty value, which canonicalises to `key=` exactly as the SDK signs empty values.
pub fn parse_raw_query(raw_query: &str) -> Vec<(String, String)> {
    raw_query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((key, value)) => (form_decode(key), form_decode(value)),
            None => (form_decode(segment), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rfc3986_escapes_reserved_and_keeps_unreserved() {
        assert_eq!(percent_encode_rfc3986("a b"), "a%20b");
        assert_eq!(percent_encode_rfc3986("a*b"), "a%2Ab");
        assert_eq!(percent_encode_rfc3986("a~b"), "a~b");
        assert_eq!(percent_encode_rfc3986("a/b"), "a%2Fb");
        assert_eq!(percent_encode_rfc3986("a+b"), "a%2Bb");
        assert_eq!(percent_encode_rfc3986("-_.AZaz09"), "-_.AZaz09");
        assert_eq!(percent_encode_rfc3986("%&="), "%25%26%3D");
        assert_eq!(percent_encode_rfc3986(""), "");
    }

    #[test]
    fn rfc3986_encodes_utf8_with_upper_hex() {
        assert_eq!(percent_encode_rfc3986("测试"), "%E6%B5%8B%E8%AF%95");
        assert_eq!(percent_encode_rfc3986("ü"), "%C3%BC");
    }

    #[test]
    fn path_segments_escape_slash_space_plus_star_and_keep_tilde() {
        // The loopback wire check of the SDK run sent FunctionName "fn 名字+*~" as this.
        assert_eq!(
            encode_path_segment("fn 名字+*~"),
            "fn%20%E5%90%8D%E5%AD%97%2B%2A~"
        );
        assert_eq!(encode_path_segment("a/b"), "a%2Fb");
        assert_eq!(encode_path_segment("quota1a2b3c"), "quota1a2b3c");
        assert_eq!(encode_path_segment(""), "");
    }

    #[test]
    fn form_encoding_uses_plus_for_space_and_keeps_order() {
        let wire = form_urlencode_pairs(&pairs(&[
            ("Z", "a b"),
            ("A", "x*y~z/+"),
            ("Empty", ""),
            ("Cjk", "项目"),
        ]));
        assert_eq!(wire, "Z=a+b&A=x%2Ay~z%2F%2B&Empty=&Cjk=%E9%A1%B9%E7%9B%AE");
        assert_eq!(form_urlencode_pairs(&[]), "");
    }

    #[test]
    fn form_decode_handles_plus_escapes_and_malformed_input() {
        assert_eq!(form_decode("a+b%2Bc"), "a b+c");
        assert_eq!(form_decode("%E6%B5%8B"), "测");
        assert_eq!(form_decode("%e6%b5%8b"), "测");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("~*"), "~*");
        assert_eq!(form_decode(""), "");
    }

    #[test]
    fn raw_query_round_trips_through_form_encoding() {
        let original = pairs(&[
            ("Description", "测试 a+b*c~d/e&f=g%h ü"),
            ("Empty", ""),
            ("Tag.1.Key", "k 1"),
        ]);
        assert_eq!(parse_raw_query(&form_urlencode_pairs(&original)), original);
    }

    #[test]
    fn raw_query_parsing_skips_empty_segments_and_keeps_bare_keys() {
        assert_eq!(
            parse_raw_query("a=1&&flag&b=x=y"),
            pairs(&[("a", "1"), ("flag", ""), ("b", "x=y")])
        );
        assert!(parse_raw_query("").is_empty());
    }
}
