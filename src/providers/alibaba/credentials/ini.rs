//! The small INI dialect of `~/.alibabacloud/credentials(.ini)`.
//!
//! Only what that file uses: `[section]` headers, `key = value` lines, whole-line `#`
//! or `;` comments and trailing `#` comments. Errors name line numbers, never line
//! contents, because those lines hold secrets.

use std::collections::BTreeMap;

/// One section's keys (trimmed names and values).
pub type Section = BTreeMap<String, String>;

/// Parses the whole file into sections; keys before the first header are an error.
pub fn parse(text: &str) -> Result<BTreeMap<String, Section>, String> {
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let name = name
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .strip_suffix(']')
                .ok_or_else(|| format!("line {line_number}: unterminated section header"))?;
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {line_number}: expected `key = value`"));
        };
        let Some(section) = current.as_ref().and_then(|name| sections.get_mut(name)) else {
            return Err(format!("line {line_number}: key outside of any [section]"));
        };
        let value = value.split('#').next().unwrap_or("").trim();
        section.insert(key.trim().to_owned(), value.to_owned());
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_comments_and_trailing_comments() {
        let text = "# top\n[default]\ntype = access_key   # the type\n; other\naccess_key_id=AK\n\n[other]\nx = y\n";
        let sections = parse(text).expect("valid ini");
        assert_eq!(sections["default"]["type"], "access_key");
        assert_eq!(sections["default"]["access_key_id"], "AK");
        assert_eq!(sections["other"]["x"], "y");
    }

    #[test]
    fn errors_name_the_line_but_not_its_content() {
        let error = parse("[default]\nsecret-without-equals\n").expect_err("malformed");
        assert_eq!(error, "line 2: expected `key = value`");
        assert!(parse("orphan = 1\n").is_err());
        assert!(parse("[broken\n").is_err());
    }
}
