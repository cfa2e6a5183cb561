//! Training rules: a create names a public flavor or a dedicated pool and either a preset
//! engine with OBS code or a custom image with a command (nothing is picked for us), every
//! problem reported at once, and the job body built here; stop and delete check the job's
//! phase first; the job search takes the skill's phase filter.

use serde_json::{Map, Value, json};

use super::api::{
    GET_JOB, LIST_ENGINES, LIST_JOBS, LIST_TRAIN_FLAVORS, declared, is_obs_url, items, problems,
    text, valid_name,
};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// Phases after which nothing more happens to a job.
pub(crate) const ENDED: &[&str] = &["Completed", "Failed", "Terminated", "Abnormal"];

/// The algorithm of an engine-mode or image-mode job, or the problems with it.
fn algorithm(args: &Map<String, Value>, engines: &[Value], errors: &mut Vec<String>) -> Value {
    let arg = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    let engine = match (arg("engine_id"), arg("engine_name"), arg("engine_version")) {
        (Some(id), None, None) => {
            if !engines.iter().any(|e| e["engine_id"] == id.as_str()) {
                errors.push(format!(
                    "engine `{id}` does not exist (ma_train_list_engines)"
                ));
            }
            Some(json!({"engine_id": id}))
        }
        (None, Some(name), Some(version)) => {
            if !engines.iter().any(|e| {
                e["engine_name"] == name.as_str() && e["engine_version"] == version.as_str()
            }) {
                errors.push(format!(
                    "engine {name} {version} does not exist (ma_train_list_engines)"
                ));
            }
            Some(json!({"engine_name": name, "engine_version": version}))
        }
        (None, None, None) => None,
        _ => {
            errors
                .push("give engine_id, or engine_name with engine_version, not a mix".to_string());
            None
        }
    };
    let image = arg("image_url");
    let mut out = Map::new();
    match (engine, &image) {
        (Some(_), Some(_)) => errors.push("give an engine or image_url, not both".to_string()),
        (None, None) => errors.push(
            "give an engine (engine_id, or engine_name + engine_version) or a custom image_url"
                .to_string(),
        ),
        (Some(engine), None) => {
            for key in ["code_dir", "boot_file"] {
                match arg(key) {
                    Some(url) if is_obs_url(&url) => {
                        out.insert(key.into(), json!(url));
                    }
                    Some(url) => errors.push(format!("{key} `{url}` must be an obs:// path")),
                    None => errors.push(format!("an engine job needs {key} (obs://...)")),
                }
            }
            out.insert("engine".into(), engine);
        }
        (None, Some(url)) => {
            if !url.contains('/') || !url.contains(':') {
                errors.push(format!(
                    "image_url `{url}` must be namespace/name:tag (ma_swr_list_train_images)"
                ));
            }
            match arg("command") {
                Some(command) if !command.trim().is_empty() => {
                    out.insert("command".into(), json!(command));
                }
                _ => errors.push("a custom image job needs a command".to_string()),
            }
            out.insert("engine".into(), json!({"image_url": url}));
        }
    }
    if let Some(url) = arg("output_url") {
        if is_obs_url(&url) {
            out.insert(
                "outputs".into(),
                json!([{"name": "train_url", "remote": {"obs": {"obs_url": url}}}]),
            );
        } else {
            errors.push(format!("output_url `{url}` must be an obs:// path"));
        }
    }
    Value::Object(out)
}

/// `ma.check_training_create`: everything about a job before a plan, all problems at once;
/// fills `metadata`, `algorithm` and `spec` and states the cost.
pub(crate) async fn check_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("name").unwrap_or_default();
    let mut errors = Vec::new();
    if !valid_name(&name, 64) {
        errors.push(format!(
            "name `{name}` must be 1-64 letters, digits, '-' or '_'"
        ));
    }
    let flavors = items(
        &ctx.read(&declared(LIST_TRAIN_FLAVORS, json!({})))
            .await?
            .body,
        "flavors",
    );
    let engines = items(
        &ctx.read(&declared(LIST_ENGINES, json!({}))).await?.body,
        "items",
    );
    let node_count = ctx
        .args
        .get("node_count")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let flavor_ids: Vec<&str> = flavors
        .iter()
        .filter_map(|f| f["flavor_id"].as_str())
        .collect();
    let mut resource = Map::new();
    let mut chosen = Value::Null;
    match (ctx.arg_str("flavor_id"), ctx.arg_str("pool_id")) {
        (Some(flavor), None) => {
            match flavors.iter().find(|f| f["flavor_id"] == flavor.as_str()) {
                Some(f) => {
                    if f["max_num"].as_i64().is_some_and(|max| node_count > max) {
                        errors.push(format!(
                            "flavor `{flavor}` takes at most {} node(s), asked {node_count}",
                            f["max_num"]
                        ));
                    }
                    chosen = f.clone();
                }
                None => errors.push(format!(
                    "flavor `{flavor}` does not exist; available: {}",
                    flavor_ids.join(", ")
                )),
            }
            resource.insert("flavor_id".into(), json!(flavor));
        }
        (None, Some(pool)) => {
            resource.insert("pool_id".into(), json!(pool));
        }
        (Some(_), Some(_)) => errors.push("give flavor_id or pool_id, not both".to_string()),
        (None, None) => errors.push(format!(
            "give flavor_id (a public flavor: {}) or pool_id (a dedicated pool); none is picked for you",
            flavor_ids.join(", ")
        )),
    }
    resource.insert("node_count".into(), json!(node_count));
    let algorithm = algorithm(&ctx.args, &engines, &mut errors);
    if !errors.is_empty() {
        let engine_ids: Vec<&Value> = engines.iter().map(|e| &e["engine_id"]).collect();
        return Err(problems(
            "the training job",
            errors,
            json!({"available_flavors": flavor_ids, "available_engines": engine_ids}),
        ));
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    for key in ["description", "workspace_id"] {
        if let Some(value) = ctx.args.get(key) {
            metadata.insert(key.into(), value.clone());
        }
    }
    ctx.args.insert("metadata".into(), Value::Object(metadata));
    ctx.args.insert("algorithm".into(), algorithm.clone());
    ctx.args.insert(
        "spec".into(),
        json!({"resource": Value::Object(resource.clone())}),
    );
    let billing = if chosen.is_null() {
        "runs on the dedicated pool (its nodes are billed whether or not the job runs)".to_string()
    } else {
        format!(
            "pay-per-use: {node_count} x {} billed per minute while the job is Running",
            text(&chosen, "/flavor_id")
        )
    };
    ctx.checks.push(Check::ok(
        "cost",
        json!({"resource": resource, "flavor_info": chosen.get("flavor_info"), "billing": billing}),
    ));
    ctx.diff.insert(
        "training_job".into(),
        json!({"current": null, "target": {"name": name, "algorithm": algorithm, "resource": resource}}),
    );
    Ok(())
}

/// `ma.load_training_job`: the job exists; a stop needs a live job, a delete an ended one.
pub(crate) async fn load_job(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("job_id").unwrap_or_default();
    let job = ctx
        .read(&declared(GET_JOB, json!({"job_id": id})))
        .await
        .map_err(|e| e.add_hint("ma_train_list_jobs lists the jobs of the region"))?
        .body;
    let phase = text(&job, "/status/phase").to_string();
    let ended = ENDED.contains(&phase.as_str());
    let refusal = match ctx.tool.name.as_str() {
        "ma_train_stop_job" if ended || phase == "Terminating" => {
            Some(format!("the job is already {phase}; nothing to stop"))
        }
        "ma_train_delete_job" if !ended => Some(format!(
            "the job is {phase}: stop it first (ma_train_stop_job), then delete it"
        )),
        _ => None,
    };
    if let Some(why) = refusal {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("training job `{id}`: {why}"),
        )
        .with_details(json!({"job_id": id, "phase": phase})));
    }
    let shown = json!({"job_id": id, "name": job.pointer("/metadata/name"), "phase": phase});
    ctx.checks.push(Check::ok("training_job", shown.clone()));
    ctx.state.push(json!({"job_id": id, "ended": ended}));
    ctx.diff
        .insert("training_job".into(), json!({"current": shown}));
    Ok(())
}

/// `ma.list_training_jobs`: the search with the skill's filters (`phase` in a list, `name`
/// contained), projected as the tool declares.
pub(crate) async fn list_jobs(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let mut filters = Vec::new();
    let phases = ctx.arg_strings("phase");
    if !phases.is_empty() {
        filters.push(json!({"key": "phase", "operator": "in", "value": phases}));
    }
    if let Some(name) = ctx.arg_str("name") {
        filters.push(json!({"key": "name", "operator": "like", "value": [name]}));
    }
    let mut filled = Map::new();
    filled.insert("filters".into(), Value::from(filters));
    let args = json!({"offset": ctx.args.get("offset"), "limit": ctx.args.get("limit")});
    let answer = ctx.read_filled(&declared(LIST_JOBS, args), &filled).await?;
    Ok(crate::catalog::project(&ctx.tool.output, &answer.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn an_algorithm_reports_every_problem_at_once() {
        let engines =
            vec![json!({"engine_id": "pytorch", "engine_name": "PyTorch", "engine_version": "2"})];
        let mut errors = Vec::new();
        algorithm(
            &args(json!({"engine_id": "nope", "code_dir": "/tmp", "output_url": "x"})),
            &engines,
            &mut errors,
        );
        assert_eq!(errors.len(), 4, "{errors:?}");
        let mut none = Vec::new();
        let built = algorithm(
            &args(json!({"image_url": "team/train:1", "command": "python train.py"})),
            &engines,
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
        assert_eq!(built["engine"]["image_url"], "team/train:1");
    }
}
