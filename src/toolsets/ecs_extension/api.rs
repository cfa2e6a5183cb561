//! The reads the ECS-extension rules send, each through a catalog tool's declared call.

use serde_json::{Map, Value, json};

use crate::failure::ToolFailure;
use crate::toolsets::{DeclaredCall, GuardContext};

use super::packages::Package;

pub(crate) const LIST_EXTENSIONS: &str = "ecsext_list_extensions";
pub(crate) const GET_EXTENSION: &str = "ecsext_get_extension";
pub(crate) const GET_EXECUTION: &str = "ecsext_get_execution";
pub(crate) const LIST_TASKS: &str = "ecsext_list_task_executions";
pub(crate) const LIST_RUNNING: &str = "ecsext_list_running_executions";
pub(crate) const DESCRIBE_REGIONS: &str = "ecsext_describe_regions";
pub(crate) const DESCRIBE_INSTANCES: &str = "ecsext_describe_instances";
pub(crate) const ASSISTANT_STATUS: &str = "ecsext_cloud_assistant_status";
pub(crate) const INVOCATION_RESULTS: &str = "ecsext_describe_invocation_results";

/// Public templates are the same in every region; the catalog is read here, as the skill does, so
/// a region that does not exist (and has no endpoint) never hides what is published.
pub(crate) const CATALOG_REGION: &str = "cn-hangzhou";

/// The most pages any listing follows (100 templates a page), so a misbehaving token cannot loop.
const MAX_PAGES: usize = 50;

pub(crate) fn declared(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// The `NextToken` of a page, when there is a next page.
pub(crate) fn next_token(body: &Value) -> Option<String> {
    body.get("NextToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Every page of a NextToken listing through `tool`'s declared call (its `next_token` is hidden),
/// the items under `list` gathered in order.
pub(crate) async fn all_pages(
    ctx: &GuardContext<'_>,
    tool: &'static str,
    args: Value,
    list: &str,
) -> Result<Vec<Value>, ToolFailure> {
    let call = declared(tool, args);
    let mut items = Vec::new();
    let mut filled = Map::new();
    for _ in 0..MAX_PAGES {
        let page = ctx.read_filled(&call, &filled).await?;
        if let Some(found) = page.body.get(list).and_then(Value::as_array) {
            items.extend(found.iter().cloned());
        }
        match next_token(&page.body) {
            Some(token) => {
                filled.insert("next_token".into(), json!(token));
            }
            None => return Ok(items),
        }
    }
    Ok(items)
}

/// The whole public package catalog.
pub(crate) async fn all_packages(ctx: &GuardContext<'_>) -> Result<Vec<Package>, ToolFailure> {
    let templates = all_pages(
        ctx,
        LIST_EXTENSIONS,
        json!({"region_id": CATALOG_REGION}),
        "Templates",
    )
    .await?;
    Ok(templates
        .iter()
        .filter_map(Package::from_template)
        .collect())
}
