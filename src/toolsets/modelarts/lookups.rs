//! The SWR lookup: the repositories query takes one `filter` string
//! (`center::self|limit::N|offset::N|order_column::updated_time|order_type::desc`), and each
//! repository's tags become the `namespace/name:tag` a training job's `image_url` names.

use serde_json::{Map, Value, json};

use super::api::{SWR_IMAGES, declared};
use crate::failure::ToolFailure;
use crate::toolsets::GuardContext;

/// The SWR `filter` of a listing.
pub(crate) fn swr_filter(args: &Map<String, Value>) -> String {
    let number = |key: &str, default: u64| args.get(key).and_then(Value::as_u64).unwrap_or(default);
    let mut parts = vec![
        "center::self".to_string(),
        format!("limit::{}", number("limit", 10)),
        format!("offset::{}", number("offset", 0)),
        "order_column::updated_time".to_string(),
        "order_type::desc".to_string(),
    ];
    for key in ["namespace", "name"] {
        if let Some(value) = args.get(key).and_then(Value::as_str) {
            parts.push(format!("{key}::{value}"));
        }
    }
    parts.join("|")
}

/// `ma.swr_train_images`: one entry per repository tag, with its `image_url`.
pub(crate) async fn train_images(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let mut filled = Map::new();
    filled.insert("filter".into(), json!(swr_filter(&ctx.args)));
    let answer = ctx
        .read_filled(&declared(SWR_IMAGES, json!({})), &filled)
        .await?;
    // SWR answers a bare list, or `{repositories: [...]}`.
    let repos = answer
        .body
        .as_array()
        .or_else(|| answer.body.get("repositories").and_then(Value::as_array))
        .cloned()
        .unwrap_or_default();
    let mut images = Vec::new();
    for repo in &repos {
        let (namespace, name) = (&repo["namespace"], &repo["name"]);
        for tag in repo["tags"].as_array().into_iter().flatten() {
            images.push(json!({
                "image_url": format!("{}/{}:{}", namespace.as_str().unwrap_or_default(), name.as_str().unwrap_or_default(), tag.as_str().unwrap_or_default()),
                "namespace": namespace, "name": name, "tag": tag, "updated_at": repo["updated_at"],
            }));
        }
    }
    Ok(crate::catalog::project(
        &ctx.tool.output,
        &json!({"repositories": images}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_carries_paging_and_the_optional_names() {
        let args = json!({"limit": 5, "offset": 10, "namespace": "team"});
        let filter = swr_filter(args.as_object().unwrap_or(&Map::new()));
        assert_eq!(
            filter,
            "center::self|limit::5|offset::10|order_column::updated_time|order_type::desc|namespace::team"
        );
    }
}
