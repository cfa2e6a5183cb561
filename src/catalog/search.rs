//! Ranking tools for `search_tools`: a query against each tool's name, title, description and
//! parameter names. Pure (no I/O, no state), so its behaviour is pinned by unit tests.
//!
//! Words are lower-cased, split on anything that is not a letter or digit (`pai_quota_delete` is
//! `pai quota delete`), reduced to a crude singular (`quotas` is `quota`) and mapped onto one verb
//! per family (`remove` is `delete`), so an agent's wording finds the catalog's. Each query word
//! scores by the best field it appears in (name over title over parameters over description); a
//! tool that matches every word ranks above one that matches some; a query that is exactly a
//! tool's name puts that tool first. Tools that match no word are left out.

use super::ToolSpec;

/// What search looks at in one tool.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// The tool's name.
    pub name: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Its description.
    pub description: &'a str,
    /// Its parameter names (hidden ones left out).
    pub params: Vec<&'a str>,
}

impl<'a> Entry<'a> {
    /// The searchable text of a catalog tool.
    pub fn of(tool: &'a ToolSpec) -> Self {
        Self {
            name: &tool.name,
            title: &tool.title,
            description: &tool.description,
            params: tool
                .params
                .iter()
                .filter(|p| !p.hidden)
                .map(|p| p.name.as_str())
                .collect(),
        }
    }
}

/// Words that carry no meaning in a tool query.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "for", "in", "on", "with", "my", "and", "or", "me", "i", "how",
    "do", "is", "it", "by", "from", "at", "tool", "please",
];

/// Verb families: every word on the right counts as the word on the left.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "delete",
        &["remove", "destroy", "drop", "del", "rm", "erase"],
    ),
    ("create", &["add", "new", "make", "provision"]),
    ("list", &["ls", "enumerate", "find", "search", "all"]),
    (
        "get",
        &["describe", "inspect", "detail", "show", "read", "fetch"],
    ),
    ("update", &["change", "modify", "edit", "set", "rename"]),
    ("scale", &["resize", "grow", "shrink", "expand"]),
    ("attach", &["bind", "link", "assign"]),
    ("detach", &["unbind", "unlink", "unassign"]),
];

/// A crude singular: enough for `quotas`, `statuses`, `policies`, never below three letters.
fn singular(word: &str) -> String {
    if word.len() > 4 && word.ends_with("ies") {
        format!("{}y", &word[..word.len() - 3])
    } else if word.ends_with("sses") || (word.len() > 5 && word.ends_with("ses")) {
        word[..word.len() - 2].to_string()
    } else if word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
    {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

fn canonical(word: &str) -> String {
    let word = singular(word);
    SYNONYMS
        .iter()
        .find(|(_, others)| others.contains(&word.as_str()))
        .map_or(word, |(canon, _)| (*canon).to_string())
}

/// The normalised words of a text.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| canonical(&w))
        .collect()
}

/// Weights of the fields a query word can appear in.
const NAME: u32 = 6;
const TITLE: u32 = 4;
const PARAM: u32 = 2;
const DESCRIPTION: u32 = 1;
/// Per query word when every word matched.
const COMPLETE: u32 = 3;
/// A query that is exactly the tool's name.
const EXACT: u32 = 100;

/// How well a word matches a field's words: the full weight for the same word, half for a word it
/// begins (three letters at least: `work` finds `workload`).
fn field_score(word: &str, field: &[String], weight: u32) -> u32 {
    if field.iter().any(|w| w == word) {
        weight
    } else if word.len() >= 3 && field.iter().any(|w| w.starts_with(word)) {
        weight / 2
    } else {
        0
    }
}

/// The score of one entry for the query words (0: no match).
fn score(query: &str, terms: &[String], entry: &Entry<'_>) -> u32 {
    let name = words(entry.name);
    let title = words(entry.title);
    let description = words(entry.description);
    let params: Vec<String> = entry.params.iter().flat_map(|p| words(p)).collect();
    let mut total = 0;
    let mut matched = 0;
    for term in terms {
        let best = [
            field_score(term, &name, NAME),
            field_score(term, &title, TITLE),
            field_score(term, &params, PARAM),
            field_score(term, &description, DESCRIPTION),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        if best > 0 {
            matched += 1;
        }
        total += best;
    }
    if total == 0 {
        return 0;
    }
    if matched == terms.len() {
        total += COMPLETE * matched as u32;
    }
    if query.trim().eq_ignore_ascii_case(entry.name) {
        total += EXACT;
    }
    total
}

/// The entries that match the query, best first (ties keep the given order), at most `limit`.
pub fn rank<'a>(query: &str, entries: Vec<Entry<'a>>, limit: usize) -> Vec<(Entry<'a>, u32)> {
    let terms = words(query);
    let mut scored: Vec<(usize, Entry<'a>, u32)> = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let points = score(query, &terms, &entry);
            (index, entry, points)
        })
        .filter(|(_, _, points)| *points > 0)
        .collect();
    scored.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, entry, points)| (entry, points))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(
        name: &'a str,
        title: &'a str,
        description: &'a str,
        params: &[&'a str],
    ) -> Entry<'a> {
        Entry {
            name,
            title,
            description,
            params: params.to_vec(),
        }
    }

    fn catalog() -> Vec<Entry<'static>> {
        vec![
            entry(
                "pai_quota_list",
                "List PAI quotas",
                "List quotas with their node specs.",
                &["quota_name", "page_size"],
            ),
            entry(
                "pai_quota_get",
                "Get a PAI quota",
                "One quota in detail.",
                &["quota_id"],
            ),
            entry(
                "pai_quota_delete",
                "Delete a quota",
                "Delete a quota with no children.",
                &["quota_id"],
            ),
            entry(
                "pai_quota_list_workloads",
                "List quota workloads",
                "Jobs running on a quota.",
                &["quota_id", "workload_statuses"],
            ),
            entry(
                "ecsext_install",
                "Install an extension",
                "Install an OOS package on instances.",
                &["instance_ids", "package_name"],
            ),
        ]
    }

    fn names(query: &str) -> Vec<&'static str> {
        rank(query, catalog(), 10)
            .into_iter()
            .map(|(e, _)| e.name)
            .collect()
    }

    #[test]
    fn words_are_split_lowered_singular_and_canonical() {
        assert_eq!(words("Remove the PAI_quotas"), ["delete", "pai", "quota"]);
        assert_eq!(
            words("statuses policies class"),
            ["status", "policy", "class"]
        );
        assert_eq!(words("bus"), ["bus"]);
    }

    #[test]
    fn a_synonym_finds_the_catalog_verb() {
        assert_eq!(names("remove quota")[0], "pai_quota_delete");
        assert_eq!(names("inspect quota")[0], "pai_quota_get");
    }

    #[test]
    fn an_exact_name_ranks_first() {
        assert_eq!(names("pai_quota_list")[0], "pai_quota_list");
        assert_eq!(
            names("pai_quota_list_workloads")[0],
            "pai_quota_list_workloads"
        );
    }

    #[test]
    fn name_beats_description_and_prefixes_count() {
        // `workload` is in one tool's name and nowhere else; `work` begins it.
        assert_eq!(names("work")[0], "pai_quota_list_workloads");
        // `package` is a parameter of the extension tool only.
        assert_eq!(names("package"), ["ecsext_install"]);
    }

    #[test]
    fn matching_every_word_beats_matching_one_strongly() {
        let ranked = rank("install package instances", catalog(), 10);
        assert_eq!(ranked[0].0.name, "ecsext_install");
        assert!(ranked.iter().all(|(e, _)| e.name == "ecsext_install"));
    }

    #[test]
    fn nothing_matches_nonsense_or_stopwords_and_the_limit_holds() {
        assert!(names("zzz").is_empty());
        assert!(names("the of to").is_empty());
        assert_eq!(rank("quota", catalog(), 2).len(), 2);
    }

    #[test]
    fn ties_keep_catalog_order() {
        let ranked = rank("quota_id", catalog(), 10);
        let tied: Vec<&str> = ranked
            .iter()
            .filter(|(_, s)| *s == ranked[0].1)
            .map(|(e, _)| e.name)
            .collect();
        let mut sorted = tied.clone();
        sorted.sort_by_key(|n| catalog().iter().position(|e| e.name == *n));
        assert_eq!(tied, sorted);
    }
}
