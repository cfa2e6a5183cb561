//! Notebook rules: a create names its flavor and image (never picked for us), the flavor is
//! sold, the image serves notebooks, the volume is complete, and the plan states the cost and
//! the auto-stop lease; every other change checks the notebook's state first, so an agent hears
//! "stop it first" from skillgate instead of a raw `ModelArts.63xx`.

use serde_json::{Value, json};

use super::api::{
    GET_NOTEBOOK, LIST_IMAGES, LIST_NB_FLAVORS, LIST_NOTEBOOKS, LIST_STORAGE, declared, is_obs_url,
    items, problems, text, valid_name,
};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::{ProviderResponse, RetryMode};
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext};

/// One hour of auto-stop, in the API's milliseconds.
const HOUR_MS: i64 = 3_600_000;

/// Problems with a volume request (`{category, ownership, capacity, uri}`).
fn volume_problems(volume: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let category = volume["category"].as_str().unwrap_or_default();
    let ownership = volume["ownership"].as_str().unwrap_or_default();
    if !matches!(category, "EVS" | "OBS" | "OBSFS" | "EFS") {
        errors.push(format!(
            "volume.category must be EVS, OBS, OBSFS or EFS, got `{category}`"
        ));
    }
    if !matches!(ownership, "MANAGED" | "DEDICATED") {
        errors.push(format!(
            "volume.ownership must be MANAGED or DEDICATED, got `{ownership}`"
        ));
    }
    if category == "EVS"
        && !volume["capacity"]
            .as_i64()
            .is_some_and(|gb| (5..=4096).contains(&gb))
    {
        errors.push("an EVS volume needs capacity in GB, 5 to 4096".to_string());
    }
    if matches!(category, "OBS" | "OBSFS")
        && !is_obs_url(volume["uri"].as_str().unwrap_or_default())
    {
        errors.push("an OBS volume needs uri = obs://bucket/dir/".to_string());
    }
    errors
}

/// `ma.check_notebook_create`: name, volume, flavor and image, all problems at once; then the
/// auto-stop lease and the cost note.
pub(crate) async fn check_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("name").unwrap_or_default();
    let flavor = ctx.arg_str("flavor").unwrap_or_default();
    let image_id = ctx.arg_str("image_id").unwrap_or_default();
    let mut errors = Vec::new();
    if !valid_name(&name, 128) {
        errors.push(format!(
            "name `{name}` must be 1-128 letters, digits, '-' or '_'"
        ));
    }
    errors.extend(volume_problems(
        ctx.args.get("volume").unwrap_or(&Value::Null),
    ));
    // The name is this create's provenance: ModelArts takes no idempotency token, so after a
    // lost answer the executor finds the notebook by its exact name. Names are therefore unique
    // among the notebooks skillgate creates, checked here and again at confirmation.
    if let Some(existing) = notebook_named(ctx, &name).await? {
        errors.push(format!(
            "a notebook named `{name}` already exists ({}); choose another name",
            existing["id"].as_str().unwrap_or("unknown id")
        ));
    }
    ctx.state
        .push(json!({"notebook_named": name, "exists": false}));
    let flavors = items(
        &ctx.read(&declared(LIST_NB_FLAVORS, json!({}))).await?.body,
        "flavors",
    );
    let chosen = flavors.iter().find(|f| f["id"] == flavor.as_str()).cloned();
    let sold: Vec<&str> = flavors
        .iter()
        .filter(|f| f["sold_out"] != true)
        .filter_map(|f| f["id"].as_str())
        .collect();
    match &chosen {
        None => errors.push(format!(
            "flavor `{flavor}` does not exist here; available: {}",
            sold.join(", ")
        )),
        Some(f) if f["sold_out"] == true => errors.push(format!(
            "flavor `{flavor}` is sold out; available: {}",
            sold.join(", ")
        )),
        Some(_) => {}
    }
    let images = items(
        &ctx.read(&declared(LIST_IMAGES, json!({"limit": 1000})))
            .await?
            .body,
        "data",
    );
    let image = images
        .iter()
        .find(|i| i["id"] == image_id.as_str())
        .cloned();
    let notebook_images: Vec<Value> = images
        .iter()
        .filter(|i| {
            i["dev_services"]
                .as_array()
                .is_some_and(|s| s.iter().any(|v| v == "NOTEBOOK"))
        })
        .map(
            |i| json!({"image_id": i["id"], "name": i["name"], "tag": i["tag"], "arch": i["arch"]}),
        )
        .collect();
    match &image {
        None => errors.push(format!("image `{image_id}` does not exist here")),
        Some(i)
            if !i["dev_services"]
                .as_array()
                .is_some_and(|s| s.iter().any(|v| v == "NOTEBOOK")) =>
        {
            errors.push(format!("image `{image_id}` does not serve notebooks"));
        }
        Some(i) => {
            if let Some(f) = &chosen
                && i["arch"] != f["arch"]
            {
                errors.push(format!(
                    "image `{image_id}` is {} but flavor `{flavor}` is {}",
                    text(i, "/arch"),
                    text(f, "/arch")
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(problems(
            "the notebook",
            errors,
            json!({"available_flavors": sold, "notebook_images": notebook_images}),
        ));
    }
    let hours = ctx
        .args
        .get("auto_stop_hours")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    ctx.args.insert(
        "lease".into(),
        json!({"type": "TIMING", "duration": hours * HOUR_MS, "enable": true}),
    );
    let flavor_info = chosen.unwrap_or_default();
    ctx.checks.push(Check::ok(
        "cost",
        json!({
            "flavor": flavor, "description": flavor_info["description"], "category": flavor_info["category"],
            "billing": "pay-per-use: billed per hour while the notebook is RUNNING (and for its EVS disk while it exists)",
            "auto_stop": format!("stops by itself {hours} h after it starts (renewable); ma_nb_stop ends billing sooner"),
        }),
    ));
    ctx.checks.push(Check::ok(
        "image",
        json!({"image_id": image_id, "name": image.as_ref().map(|i| i["name"].clone())}),
    ));
    ctx.diff.insert(
        "notebook".into(),
        json!({"current": null, "target": {"name": name, "flavor": flavor, "image_id": image_id, "auto_stop_hours": hours}}),
    );
    Ok(())
}

/// The notebook with exactly this name, if any (the list filter matches substrings).
async fn notebook_named(ctx: &GuardContext<'_>, name: &str) -> Result<Option<Value>, ToolFailure> {
    let body = ctx.read(&by_name(name)).await?.body;
    Ok(exactly_named(&body, name))
}

/// The list call that finds a notebook by name (the API matches substrings).
fn by_name(name: &str) -> crate::toolsets::DeclaredCall {
    declared(LIST_NOTEBOOKS, json!({"name": name, "limit": 50}))
}

/// The notebook of a list answer whose name is exactly `name`.
fn exactly_named(body: &Value, name: &str) -> Option<Value> {
    items(body, "data")
        .into_iter()
        .find(|notebook| notebook["name"] == name)
}

/// The notebook a create made, found by the plan's exact name.
async fn created_notebook(ctx: &ExecContext<'_>) -> Result<Option<Value>, ToolFailure> {
    let name = ctx
        .arguments
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let body = ctx.read(&by_name(name)).await?.body;
    Ok(exactly_named(&body, name))
}

fn recovered(notebook: Value, request_id: Option<String>) -> ExecOutcome {
    ExecOutcome::Recovered {
        response: ProviderResponse {
            status: 200,
            request_id,
            body: notebook,
        },
        how: "the create's answer was lost; reading back found the notebook by the plan's unique name".into(),
    }
}

/// Executor `ma.create_notebook`: never creates twice. After an answer that may have been lost
/// (5xx, timeout, reset) it looks the notebook up by name before it would ever send again.
pub(crate) async fn create_notebook(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let error = match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => return Ok(ExecOutcome::Executed(response)),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error.into()),
    };
    tracing::warn!(%error, plan = ctx.plan_id, "notebook create answer lost; looking it up by name");
    if let Some(notebook) = created_notebook(ctx).await? {
        return Ok(recovered(notebook, error.request_id.clone()));
    }
    match ctx.send(RetryMode::NotAfterSend).await {
        Ok(response) => Ok(ExecOutcome::Executed(response)),
        Err(second) if second.outcome_unknown() => match created_notebook(ctx).await? {
            Some(notebook) => Ok(recovered(notebook, second.request_id.clone())),
            None => Err(ToolFailure::from(second)
                .with_hint("the notebook was not created (checked by its name); nothing changed")),
        },
        Err(second) => Err(second.into()),
    }
}

/// Read-back of `ma.create_notebook`: the notebook with the plan's name exists.
pub(crate) async fn notebook_created(
    ctx: &ExecContext<'_>,
) -> Result<Option<ExecOutcome>, ToolFailure> {
    Ok(created_notebook(ctx).await?.map(|n| recovered(n, None)))
}

/// The state a tool needs the notebook in, and the refusal otherwise.
fn required_state(tool: &str, status: &str) -> Option<String> {
    let transitional = matches!(
        status,
        "CREATING" | "STARTING" | "STOPPING" | "DELETING" | "SNAPSHOTTING"
    );
    if transitional {
        return Some(format!(
            "the notebook is {status}; wait until it settles (ma_nb_get) and plan again"
        ));
    }
    match (tool, status) {
        ("ma_nb_stop", "STOPPED") => Some("the notebook is already STOPPED".into()),
        ("ma_nb_start", "RUNNING") => Some("the notebook is already RUNNING".into()),
        ("ma_nb_delete", "RUNNING") => {
            Some("the notebook is RUNNING: stop it first (ma_nb_stop), then delete it".into())
        }
        ("ma_nb_create_image" | "ma_nb_attach_obs", s) if s != "RUNNING" => Some(format!(
            "the notebook is {s}: only a RUNNING notebook can do this (ma_nb_start)"
        )),
        _ => None,
    }
}

/// `ma.load_notebook`: the notebook exists and is in a state the tool can act on.
pub(crate) async fn load_notebook(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("notebook_id").unwrap_or_default();
    let notebook = ctx
        .read(&declared(GET_NOTEBOOK, json!({"notebook_id": id})))
        .await
        .map_err(|e| e.add_hint("ma_nb_list lists the notebooks of the region"))?
        .body;
    let status = text(&notebook, "/status").to_string();
    let tool = ctx.tool.name.clone();
    let mut refusal = required_state(&tool, &status);
    if tool == "ma_nb_update" && ctx.args.contains_key("flavor") && status != "STOPPED" {
        refusal = Some(format!(
            "the notebook is {status}: its flavor changes only while STOPPED (ma_nb_stop)"
        ));
    }
    if let Some(why) = refusal {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("notebook `{id}`: {why}"),
        )
        .with_details(json!({"notebook_id": id, "status": status})));
    }
    let shown =
        json!({"id": id, "name": notebook["name"], "status": status, "flavor": notebook["flavor"]});
    ctx.checks.push(Check::ok("notebook", shown.clone()));
    ctx.state.push(shown.clone());
    ctx.diff
        .insert("notebook".into(), json!({"current": shown}));
    Ok(())
}

/// `ma.load_storage`: the mount exists on that notebook.
pub(crate) async fn load_storage(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let notebook = ctx.arg_str("notebook_id").unwrap_or_default();
    let storage = ctx.arg_str("storage_id").unwrap_or_default();
    let answer = ctx
        .read(&declared(LIST_STORAGE, json!({"notebook_id": notebook})))
        .await?;
    let mounts = items(&answer.body, "data");
    let Some(found) = mounts.iter().find(|m| m["id"] == storage.as_str()) else {
        let known: Vec<Value> = mounts
            .iter()
            .map(|m| json!({"storage_id": m["id"], "mount_path": m["mount_path"], "uri": m["uri"]}))
            .collect();
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("notebook `{notebook}` has no storage `{storage}`"),
        )
        .with_details(json!({"mounted": known}))
        .with_hint("ma_nb_list_storage lists the mounts"));
    };
    let shown =
        json!({"storage_id": storage, "mount_path": found["mount_path"], "uri": found["uri"]});
    ctx.checks.push(Check::ok("storage", shown.clone()));
    ctx.state.push(shown);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_report_every_problem() {
        assert!(
            volume_problems(&json!({"category": "EVS", "ownership": "MANAGED", "capacity": 5}))
                .is_empty()
        );
        let bad = volume_problems(&json!({"category": "OBS", "ownership": "MINE"}));
        assert_eq!(bad.len(), 2, "{bad:?}");
    }

    #[test]
    fn state_rules_follow_the_notebook_api() {
        assert!(required_state("ma_nb_delete", "RUNNING").is_some());
        assert!(required_state("ma_nb_delete", "STOPPED").is_none());
        assert!(required_state("ma_nb_stop", "CREATING").is_some());
        assert!(required_state("ma_nb_attach_obs", "STOPPED").is_some());
        assert!(required_state("ma_nb_start", "STOPPED").is_none());
    }
}
