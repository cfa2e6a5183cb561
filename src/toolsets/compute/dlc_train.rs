//! `cp_pai_create_training_job` and `cp_pai_ensure_workspace` (seed-operations.md 3.8): the
//! JobSpec built from a public-pool ECS spec or from quota resources (never both), CPU or GPU
//! decided by the spec (`.gn` / `.ebmgn` types, or GPUs asked of a quota; never GPU by default),
//! the image resolved from ListImages for that job type and chip, and the workspace: the one
//! given, else the account's first, else a `CreateWorkspace` step that the plan shows (the
//! skill's silent side effect made visible). The cost gate is the ECS one for the public pool;
//! a quota's jobs are billed by the quota, so their quote says so instead of inventing a price.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::api::declared;
use super::dlc_wait::best_image;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// The read the workspace guard sends.
pub(crate) const LIST_WORKSPACES: &str = "cp_pai_list_workspaces";
/// The read the image rule sends (through `best_image`).
pub(crate) const LIST_IMAGES: &str = super::dlc_wait::LIST_IMAGES;
/// The workspace the skill creates when an account has none.
pub const DEFAULT_WORKSPACE: &str = "alibabacloud_compute_default";

/// GPU ECS families: DLC's GPU specs are `ecs.gn*` and `ecs.ebmgn*`.
fn is_gpu_spec(spec: &str) -> bool {
    spec.contains(".gn") || spec.contains(".ebmgn")
}

fn present(ctx: &GuardContext<'_>, name: &str) -> bool {
    match ctx.args.get(name) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// Every problem with the resource choice at once: an ECS spec (public pool) or quota resources
/// with a quota id, never both, never neither.
fn resource_problems(ctx: &GuardContext<'_>) -> Vec<String> {
    let ecs = present(ctx, "ecs_spec");
    let quota_fields: Vec<&str> = ["cpu", "memory", "gpu", "gpu_type"]
        .into_iter()
        .filter(|f| present(ctx, f))
        .collect();
    let resource = present(ctx, "resource_id");
    let mut problems = Vec::new();
    if ecs && !quota_fields.is_empty() {
        problems.push(format!(
            "`ecs_spec` (public pool) and {quota_fields:?} (quota resources) exclude each other: give one"
        ));
    }
    if !ecs && quota_fields.is_empty() {
        problems.push(
            "give `ecs_spec` (a public-pool type from cp_pai_list_ecs_specs) or `cpu`/`memory` with `resource_id` (a quota)".into(),
        );
    }
    if ecs && resource {
        problems.push(
            "`resource_id` names a quota, whose jobs take cpu/memory/gpu, not `ecs_spec`".into(),
        );
    }
    if !ecs && !quota_fields.is_empty() {
        if !resource {
            problems.push("quota resources need the quota's `resource_id`".into());
        }
        for needed in ["cpu", "memory"] {
            if !present(ctx, needed) {
                problems.push(format!("quota mode needs `{needed}`"));
            }
        }
    }
    if present(ctx, "gpu_type") && ctx.args.get("gpu").and_then(Value::as_i64).unwrap_or(0) < 1 {
        problems.push("`gpu_type` needs `gpu` of at least 1".into());
    }
    problems
}

/// Guard `cp.dlc_training_spec`: checks the resource choice, decides the chip, resolves the
/// image, and fills the hidden JobSpec arguments the CreateJob step sends.
pub async fn training_spec(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let problems = resource_problems(ctx);
    if !problems.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("the job's resources are not valid: {}", problems.join("; ")),
        )
        .with_details(json!({"problems": problems, "allowed": {
            "public_pool": ["ecs_spec", "worker_count"],
            "quota": ["resource_id", "cpu", "memory", "gpu", "gpu_type", "worker_count"],
        }}))
        .with_hint("nothing was planned; fix every item and call again"));
    }
    let job_type = ctx
        .arg_str("job_type")
        .unwrap_or_else(|| "PyTorchJob".into());
    let workers = ctx
        .args
        .get("worker_count")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    let ecs_spec = ctx.arg_str("ecs_spec").filter(|s| !s.trim().is_empty());
    let gpus = ctx.args.get("gpu").and_then(Value::as_i64).unwrap_or(0);
    let chip = match &ecs_spec {
        Some(spec) if is_gpu_spec(spec) => "GPU",
        Some(_) => "CPU",
        None if gpus > 0 => "GPU",
        None => "CPU",
    };
    let (image, image_source) = match ctx.arg_str("image").filter(|s| !s.trim().is_empty()) {
        Some(image) => (image, json!("given")),
        None => {
            let (chosen, _) = best_image(ctx, &job_type, chip).await?;
            let uri = chosen
                .get("ImageUri")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (
                uri,
                json!({"resolved_from": "ListImages", "name": chosen.get("Name"), "image_id": chosen.get("ImageId")}),
            )
        }
    };
    let mut spec = Map::new();
    spec.insert("Type".into(), json!("Worker"));
    spec.insert("Image".into(), json!(image));
    spec.insert("PodCount".into(), json!(workers));
    match &ecs_spec {
        Some(ecs) => {
            spec.insert("EcsSpec".into(), json!(ecs));
            ctx.args.insert("instance_type".into(), json!(ecs));
        }
        None => {
            let mut config = Map::new();
            config.insert("CPU".into(), json!(ctx.args.get("cpu")));
            config.insert("Memory".into(), json!(ctx.arg_str("memory")));
            if gpus > 0 {
                config.insert("GPU".into(), json!(gpus));
                if let Some(model) = ctx.arg_str("gpu_type") {
                    config.insert("GPUType".into(), json!(model));
                }
            }
            spec.insert("ResourceConfig".into(), Value::Object(config));
            ctx.args
                .insert("instance_type".into(), json!("quota resources"));
        }
    }
    ctx.args.insert("amount".into(), json!(workers));
    ctx.args.insert("product".into(), json!("pai-dlc"));
    ctx.args.insert("chip_type".into(), json!(chip));
    ctx.args.insert("image_uri".into(), json!(image));
    ctx.args
        .insert("job_spec_list".into(), json!([Value::Object(spec.clone())]));
    ctx.args.insert(
        "resource_ref".into(),
        json!(ctx.arg_str("resource_id").unwrap_or_default()),
    );
    let envs = ctx.args.get("envs").cloned().unwrap_or_else(|| json!({}));
    ctx.args.insert("job_envs".into(), envs);
    let libs = ctx
        .args
        .get("thirdparty_libs")
        .cloned()
        .unwrap_or_else(|| json!([]));
    ctx.args.insert("job_libs".into(), libs);
    let view = json!({
        "job_type": job_type,
        "chip_type": chip,
        "gpu_by": match (&ecs_spec, chip) {
            (Some(spec), "GPU") => format!("{spec} is a GPU spec"),
            (Some(spec), _) => format!("{spec} is a CPU spec (never GPU by default)"),
            (None, "GPU") => format!("{gpus} GPU(s) asked of the quota"),
            (None, _) => "no GPU asked of the quota".into(),
        },
        "image": image,
        "image_source": image_source,
        "job_spec": spec,
        "pool": if ecs_spec.is_some() { "public" } else { "quota" },
    });
    ctx.diff.insert("job_spec".into(), view.clone());
    ctx.checks.push(Check::ok("job_spec", view));
    ctx.state.push(json!({"image": image, "chip": chip}));
    Ok(())
}

/// Guard `cp.dlc_workspace` (the training job): the workspace given (it must exist), else the
/// account's first one, else a `CreateWorkspace` step (prod) in the plan: `create_workspace`,
/// and `workspace_ref` as the step's answer.
pub async fn workspace(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    choose_workspace(ctx, None).await
}

/// Guard `cp.dlc_ensure_workspace`: as [`workspace`]; a `workspace_name` the caller gives is
/// ensured by name (that workspace, or a step creating it), since reusing some other workspace
/// would not be what was asked.
pub async fn ensure_workspace(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let named = ctx
        .arg_str("workspace_name")
        .filter(|s| !s.trim().is_empty());
    choose_workspace(ctx, named).await
}

async fn choose_workspace(
    ctx: &mut GuardContext<'_>,
    named: Option<String>,
) -> Result<(), ToolFailure> {
    let listing = ctx
        .read(&declared(LIST_WORKSPACES, json!({"page_size": 100})))
        .await?
        .body;
    let workspaces: Vec<Value> = listing
        .get("Workspaces")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let id_of = |w: &Value| {
        w.get("WorkspaceId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let given = ctx.arg_str("workspace_id").filter(|s| !s.trim().is_empty());
    let chosen = match &given {
        Some(id) => Some(
            workspaces
                .iter()
                .find(|w| id_of(w) == *id)
                .cloned()
                .ok_or_else(|| {
                    ToolFailure::new(
                        FailureKind::NotFound,
                        format!(
                            "no PAI workspace `{id}` in {}; nothing was planned",
                            ctx.region()
                        ),
                    )
                    .with_details(json!({"workspaces": workspaces.iter().map(id_of).collect::<Vec<_>>()}))
                    .with_hint("omit workspace_id to use the first workspace (one is created if there is none)")
                })?,
        ),
        None => match &named {
            Some(name) => workspaces
                .iter()
                .find(|w| w.get("WorkspaceName").and_then(Value::as_str) == Some(name))
                .cloned(),
            None => workspaces.first().cloned(),
        },
    };
    match chosen {
        Some(found) => {
            let id = id_of(&found);
            ctx.args.insert("create_workspace".into(), json!(false));
            ctx.args.insert("workspace_ref".into(), json!(id));
            let view =
                json!({"reuse": id, "name": found.get("WorkspaceName"), "given": given.is_some()});
            ctx.checks.push(Check::ok("workspace", view.clone()));
            ctx.diff.insert("workspace".into(), view);
            ctx.state.push(json!({"workspace": id}));
        }
        None => {
            let name = ctx
                .arg_str("workspace_name")
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_WORKSPACE.into());
            if ctx.arg_str("description").is_none() {
                ctx.args.insert(
                    "description".into(),
                    json!("Created by skillgate for DLC jobs"),
                );
            }
            ctx.args.insert("workspace_name".into(), json!(name));
            ctx.args.insert("env_types".into(), json!(["prod"]));
            ctx.args.insert("create_workspace".into(), json!(true));
            ctx.args.insert(
                "workspace_ref".into(),
                json!("{step.workspace.WorkspaceId}"),
            );
            let view = json!({"create": name, "env": "prod", "why": "the account has no PAI workspace; the job needs one"});
            ctx.checks.push(Check::ok("workspace", view.clone()));
            ctx.diff.insert("workspace".into(), view);
            ctx.state.push(json!({"workspace": null}));
        }
    }
    Ok(())
}

/// Guard `cp.dlc_cost_gate`: a public-pool job is priced as its ECS spec per worker (the ECS
/// cost gate); a quota's job has no per-job price (the quota is billed on its own), so its quote
/// says that, names the resources, and still carries the `quote_id` the phrase names.
pub async fn cost_gate(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    if present(ctx, "ecs_spec") {
        return super::cost::cost_gate(ctx).await;
    }
    let resources = json!({
        "resource_id": ctx.arg_str("resource_id"),
        "cpu": ctx.args.get("cpu"),
        "memory": ctx.arg_str("memory"),
        "gpu": ctx.args.get("gpu"),
        "gpu_type": ctx.arg_str("gpu_type"),
        "workers": ctx.args.get("amount"),
    });
    let identity =
        json!({"product": "pai-dlc-quota", "region": ctx.region(), "resources": resources});
    let id = format!(
        "q-{}",
        &hex::encode(Sha256::digest(identity.to_string().as_bytes()))[..12]
    );
    let template = format!(
        "Spec: DLC job on quota {} ({} x {} vCPU, {} memory, {} GPU)\nUnit price: not estimable here (quota resources are billed by the quota's own subscription; see the console)\nEstimated total: no extra per-job charge beyond the quota\nBilling: the quota's subscription\nProceed with creation?",
        resources["resource_id"].as_str().unwrap_or_default(),
        resources["workers"],
        resources["cpu"],
        resources["memory"].as_str().unwrap_or_default(),
        resources["gpu"].as_i64().unwrap_or(0),
    );
    let view = json!({
        "quote_id": id,
        "product": "pai-dlc",
        "pool": "quota",
        "region_id": ctx.region(),
        "resources": resources,
        "estimated_total": null,
        "price_source": "not estimable: Lingjun / quota jobs are billed by the quota (console pricing)",
        "template": template,
    });
    if let Some(given) = ctx.arg_str("quote_id")
        && given != id
    {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!("quote `{given}` is not the live quote of this job: the live quote is `{id}`"),
        )
        .with_details(view)
        .with_hint("show the new quote to the user and ask again; nothing was planned"));
    }
    ctx.args.insert("quote_id".into(), json!(id));
    ctx.diff.insert("cost".into(), view.clone());
    ctx.checks.push(Check::ok("cost_quote", view));
    ctx.state.push(json!({"quote_id": id}));
    super::cost::accept_waiver(ctx)
}
