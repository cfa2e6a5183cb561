//! The catalog tools the ModelArts rules read through (one source of truth per call), and the
//! small helpers they share.

use serde_json::Value;

use crate::failure::{FailureKind, ToolFailure};
use crate::toolsets::DeclaredCall;

pub(crate) const GET_NOTEBOOK: &str = "ma_nb_get";
pub(crate) const LIST_NOTEBOOKS: &str = "ma_nb_list";
pub(crate) const LIST_NB_FLAVORS: &str = "ma_nb_list_flavors";
pub(crate) const LIST_STORAGE: &str = "ma_nb_list_storage";
pub(crate) const LIST_IMAGES: &str = "ma_image_list";
pub(crate) const GET_JOB: &str = "ma_train_get_job";
pub(crate) const LIST_JOBS: &str = "ma_train_list_jobs";
pub(crate) const LIST_TRAIN_FLAVORS: &str = "ma_train_list_flavors";
pub(crate) const LIST_ENGINES: &str = "ma_train_list_engines";
pub(crate) const SWR_IMAGES: &str = "ma_swr_list_train_images";

pub(crate) fn declared(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// The items of a list answer at `key`, none when absent.
pub(crate) fn items(body: &Value, key: &str) -> Vec<Value> {
    body.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A text field of an answer, empty when absent.
pub(crate) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether a name is 1-`max` letters, digits, `-` or `_` (notebooks and training jobs).
pub(crate) fn valid_name(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether a value is an OBS URL (`obs://bucket/...`).
pub(crate) fn is_obs_url(value: &str) -> bool {
    value.strip_prefix("obs://").is_some_and(|rest| {
        rest.split('/')
            .next()
            .is_some_and(|bucket| !bucket.is_empty())
    })
}

/// The refusal for a list of input problems: every problem at once, nothing planned.
pub(crate) fn problems(what: &str, errors: Vec<String>, details: Value) -> ToolFailure {
    let mut details = details;
    if let Value::Object(map) = &mut details {
        map.insert("errors".into(), Value::from(errors.clone()));
    }
    ToolFailure::new(
        FailureKind::ValidationError,
        format!(
            "{what} has {} problem(s): {}",
            errors.len(),
            errors.join("; ")
        ),
    )
    .with_details(details)
    .with_hint("show each problem to the user and ask how to fix it; nothing was planned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_obs_urls_are_checked() {
        assert!(valid_name("nb-1_a", 128));
        assert!(!valid_name("nb 1", 128));
        assert!(!valid_name("", 128));
        assert!(!valid_name(&"a".repeat(65), 64));
        assert!(is_obs_url("obs://bucket/dir/"));
        assert!(!is_obs_url("obs:///dir"));
        assert!(!is_obs_url("s3://bucket/"));
    }
}
