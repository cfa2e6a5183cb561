//! A script as a Kubernetes Job on an ACK cluster (seed-operations.md 3.8): the plan reads the
//! cluster's kubeconfig in the server (never shown), checks Ready nodes and that Jobs may be
//! listed (the skill's RBAC probe), takes the image prefix from the `kube-system` pods, and
//! shows the exact Kubernetes requests: the Job (script base64 in the command, backoffLimit 3,
//! TTL 300 s) and, when a same-name Job exists, its deletion first. A Job skillgate did not
//! create is replaced only with `replace_existing_job` and the phrase `CONFIRM-REPLACE <NAME>`.

use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::ack::CLUSTER_DETAIL;
use super::api::declared;
use crate::catalog::PROVENANCE_KEY;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::providers::ProviderResponse;
use crate::providers::kube::{KubeAuth, KubeClient, KubeError, Kubeconfig, kubeconfig};
use crate::secret::Secret;
use crate::toolsets::{ExecContext, ExecOutcome, GuardContext};

/// The catalog read whose call fetches a cluster's kubeconfig.
pub(crate) const KUBECONFIG: &str = "cp_ack_get_kubeconfig";

/// A failure of the Kubernetes API as a tool failure (its text never holds a credential).
pub(crate) fn kube_failure(error: KubeError) -> ToolFailure {
    let kind = match &error {
        KubeError::Config(_) => FailureKind::ConfigError,
        KubeError::Unauthorized => FailureKind::AuthError,
        KubeError::Forbidden(_) => FailureKind::PermissionDenied,
        KubeError::NotFound(_) => FailureKind::NotFound,
        KubeError::AlreadyExists(_) | KubeError::Status { .. } => FailureKind::ApiError,
        KubeError::Transport { .. } => FailureKind::ProviderUnavailable,
    };
    let failure = ToolFailure::new(kind, error.to_string());
    match error {
        KubeError::Forbidden(_) => {
            failure.with_hint("grant the RAM user's RBAC role create/get/list/delete on batch/jobs and get/list on pods and pods/log")
        }
        _ => failure,
    }
}

/// The kubeconfig in a DescribeClusterUserKubeconfig answer, parsed, and a client for it. The
/// answer is dropped here: only the client (holding the credential) leaves.
pub(crate) fn kube_from(
    response: ProviderResponse,
) -> Result<(KubeClient, Kubeconfig), ToolFailure> {
    let config = Secret::new(
        response
            .body
            .get("config")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    drop(response);
    let parsed = kubeconfig::parse(&config).map_err(|e| kube_failure(KubeError::Config(e)))?;
    let client = KubeClient::new(&parsed).map_err(kube_failure)?;
    Ok((client, parsed))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Whether a name is a DNS-1123 label (a Job's and a namespace's name).
fn dns_label(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The plan id a Job's labels name, if skillgate created it.
pub(crate) fn job_plan(job: &Value) -> Option<String> {
    job.pointer("/metadata/labels")
        .and_then(|l| l.get(PROVENANCE_KEY))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Ready nodes in a NodeList.
pub(crate) fn ready_nodes(list: &Value) -> usize {
    list.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|n| {
            n.pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| text(c, "type") == "Ready" && text(c, "status") == "True")
        })
        .count()
}

/// The `.../acs/` registry prefix of the cluster's own system images.
fn registry_prefix(pods: &Value) -> Option<String> {
    pods.get("items")?
        .as_array()?
        .iter()
        .filter_map(|p| {
            p.pointer("/spec/containers/0/image")
                .and_then(Value::as_str)
        })
        .find_map(|image| image.find("/acs/").map(|i| image[..i + 5].to_string()))
}

/// The Job as the skill builds it: one `runner` container whose command decodes the script.
fn manifest(name: &str, namespace: &str, image: &str, script: &str, python: bool) -> Value {
    let encoded = base64::engine::general_purpose::STANDARD.encode(script.as_bytes());
    let interpreter = if python { "python3" } else { "sh" };
    let digest = hex::encode(Sha256::digest(script.as_bytes()));
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace,
            "labels": {"app": "acf-job"},
            "annotations": {"skillgate/script-sha256": digest}},
        "spec": {
            "backoffLimit": 3,
            "ttlSecondsAfterFinished": 300,
            "template": {
                "metadata": {"labels": {"app": "acf-job"}},
                "spec": {"restartPolicy": "Never", "containers": [{
                    "name": "runner",
                    "image": image,
                    "command": ["/bin/sh", "-c", format!("echo '{encoded}' | base64 -d | {interpreter}")],
                }]},
            },
        },
    })
}

/// Guard `cp.ack_job`: everything the Job run needs, checked live, and the exact requests.
pub async fn job(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("job_name").unwrap_or_else(|| "acf-job".into());
    let namespace = ctx.arg_str("namespace").unwrap_or_else(|| "default".into());
    let mut problems = Vec::new();
    if !dns_label(&name) {
        problems.push(format!(
            "job_name `{name}` must be 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'"
        ));
    }
    if !dns_label(&namespace) {
        problems.push(format!(
            "namespace `{namespace}` must be 1 to 63 of a-z, 0-9 and '-'"
        ));
    }
    let script = ctx.arg_str("script_content").unwrap_or_default();
    if script.trim().is_empty() {
        problems.push("`script_content` is empty: there is nothing to run".into());
    }
    if !problems.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("{}; nothing was planned", problems.join("; ")),
        ));
    }
    let python = ctx.arg_str("script_type").as_deref() == Some("python");
    if ctx
        .args
        .get("create_cluster")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return job_on_new_cluster(ctx, &name, &namespace, &script, python);
    }
    let cluster_id = ctx.arg_str("cluster_id").unwrap_or_default();
    let cluster = ctx
        .read(&declared(CLUSTER_DETAIL, json!({"cluster_id": cluster_id})))
        .await?
        .body;
    if text(&cluster, "state") != "running" {
        return Err(ToolFailure::new(
            FailureKind::StalePlan,
            format!(
                "cluster `{cluster_id}` is {}, not running: nothing was planned",
                text(&cluster, "state")
            ),
        )
        .with_hint("wait with cp_ack_wait_cluster, then plan again"));
    }
    let response = ctx
        .read(&declared(KUBECONFIG, json!({"cluster_id": cluster_id})))
        .await?;
    let (kube, config) = kube_from(response)?;
    let ready = ready_nodes(&kube.list_nodes().await.map_err(kube_failure)?);
    if ready == 0 {
        return Err(ToolFailure::new(
            FailureKind::CapacityExceeded,
            format!("cluster `{cluster_id}` has no Ready node to run the Job on: nothing was planned"),
        )
        .with_hint("wait with cp_ack_wait_cluster, or add a node pool with cp_ack_create_cluster_node_pool"));
    }
    // The skill's RBAC probe: the credential may list Jobs in the namespace.
    kube.list_jobs(&namespace).await.map_err(kube_failure)?;
    let image = match ctx.arg_str("image") {
        Some(image) => image,
        None => {
            let pods = kube
                .list_pods("kube-system", None, Some(10))
                .await
                .map_err(kube_failure)?;
            let base = if python {
                "python:3.11-slim"
            } else {
                "alpine:3.18"
            };
            match registry_prefix(&pods) {
                Some(prefix) => format!("{prefix}{base}"),
                None => base.to_string(),
            }
        }
    };
    let existing = kube
        .get_job(&namespace, &name)
        .await
        .map_err(kube_failure)?;
    let mut requests = Vec::new();
    let server = config.server.clone();
    let job_path = format!("/apis/batch/v1/namespaces/{namespace}/jobs");
    if let Some(job) = &existing {
        let replace_asked = ctx
            .args
            .get("replace_existing_job")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let finding = json!({"job": format!("{namespace}/{name}"), "uid": job.pointer("/metadata/uid"),
            "created_by_plan": job_plan(job), "status": job.get("status")});
        match job_plan(job) {
            Some(_) => ctx.checks.push(Check::ok("existing_job", finding)),
            None if replace_asked => {
                ctx.force = Some(format!(
                    "Job `{namespace}/{name}` exists and skillgate did not create it: the plan deletes it first"
                ));
                ctx.checks.push(Check::warning("existing_job", finding));
            }
            None => {
                return Err(ToolFailure::new(
                    FailureKind::NotCreatedBySkillgate,
                    format!(
                        "Job `{namespace}/{name}` already exists on cluster `{cluster_id}` and skillgate did not create it (no `{PROVENANCE_KEY}` label), so it will not delete it: nothing was planned"
                    ),
                )
                .with_hint("use another job_name, or pass replace_existing_job=true: the plan then shows its deletion and asks for CONFIRM-REPLACE <JOB_NAME>"));
            }
        }
        ctx.args.insert("replace_job".into(), json!(true));
        requests.push(json!({"step": "delete_existing_job", "method": "DELETE",
            "url": format!("{server}{job_path}/{name}"), "body": {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}}));
    } else {
        ctx.args.insert("replace_job".into(), json!(false));
    }
    let job = manifest(&name, &namespace, &image, &script, python);
    requests.push(json!({"step": "create_job", "method": "POST", "url": format!("{server}{job_path}"), "body": job}));
    ctx.args.insert("job_manifest".into(), job);
    ctx.checks.push(Check::ok(
        "cluster",
        json!({"cluster_id": cluster_id, "state": "running", "ready_nodes": ready, "rbac": "batch/jobs listable",
            "kubeconfig": summary(&config, None)}),
    ));
    ctx.checks.push(Check::ok(
        "kubernetes_requests",
        json!({"sent_after_confirmation": requests, "credential": "the kubeconfig's, added when sent (never shown)",
            "wait": "every 10 s up to 600 s; ImagePullBackOff, ErrImagePull, InvalidImageName, CreateContainerConfigError, CrashLoopBackOff, RunContainerError and ErrImageNeverPull end it with the pod status and last log lines"}),
    ));
    ctx.diff.insert(
        "job".into(),
        json!({"current": existing.as_ref().map(|j| j.pointer("/metadata/uid").cloned()), "target": format!("{namespace}/{name} running {image}")}),
    );
    ctx.state.push(json!({"existing_job": existing.as_ref().and_then(|j| j.pointer("/metadata/uid").cloned())}));
    Ok(())
}

/// The Job of a one-shot run on the cluster the plan creates: no live checks yet (the cluster
/// does not exist); the image comes from the region's ACK registry, as its system pods use.
fn job_on_new_cluster(
    ctx: &mut GuardContext<'_>,
    name: &str,
    namespace: &str,
    script: &str,
    python: bool,
) -> Result<(), ToolFailure> {
    let base = if python {
        "python:3.11-slim"
    } else {
        "alpine:3.18"
    };
    let image = ctx
        .arg_str("image")
        .unwrap_or_else(|| format!("registry-{}-vpc.ack.aliyuncs.com/acs/{base}", ctx.region()));
    let job = manifest(name, namespace, &image, script, python);
    ctx.args.insert("replace_job".into(), json!(false));
    ctx.checks.push(Check::ok(
        "kubernetes_requests",
        json!({"sent_after_the_cluster_runs": [{"step": "create_job", "method": "POST",
            "url": format!("<the new cluster's API server>/apis/batch/v1/namespaces/{namespace}/jobs"), "body": job}],
            "credential": "the new cluster's kubeconfig, read through CS when sent (never shown)"}),
    ));
    ctx.args.insert("job_manifest".into(), job);
    Ok(())
}

/// A kubeconfig as the model may see it: where it points and who it is, never the credential.
pub(crate) fn summary(config: &Kubeconfig, expiration: Option<&str>) -> Value {
    json!({
        "server": config.server,
        "cluster": config.cluster,
        "user": config.user,
        "context": config.context,
        "auth": match config.auth { KubeAuth::Token(_) => "bearer token (withheld)", KubeAuth::ClientCertificate { .. } => "client certificate (withheld)" },
        "certificate_authority": config.certificate_authority.is_some(),
        "expiration": expiration,
    })
}

/// Reader `cp.ack_kubeconfig`: the masked summary of a cluster's kubeconfig.
pub async fn kubeconfig_summary(
    ctx: &mut GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let cluster_id = ctx.arg_str("cluster_id").unwrap_or_default();
    let private = ctx.args.get("private").cloned().unwrap_or(json!(false));
    let response = ctx
        .read(&declared(
            KUBECONFIG,
            json!({"cluster_id": cluster_id, "private": private}),
        ))
        .await?;
    let expiration = response
        .body
        .get("expiration")
        .and_then(Value::as_str)
        .map(str::to_string);
    let config = Secret::new(text(&response.body, "config"));
    drop(response);
    let parsed = kubeconfig::parse(&config).map_err(|e| kube_failure(KubeError::Config(e)))?;
    let mut out = match summary(&parsed, expiration.as_deref()) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    out.insert("cluster_id".into(), json!(cluster_id));
    out.insert(
        "withheld".into(),
        json!("the kubeconfig grants cluster access, so it stays in the server; cp_ack_run_script_as_job uses it"),
    );
    Ok(out)
}

fn arg<'a>(args: &'a Map<String, Value>, key: &str, default: &'a str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or(default)
}

/// The answer of a run step, shaped for the tool's output (no credential in it).
fn answer(
    ctx: &ExecContext<'_>,
    job: &Value,
    replaced: bool,
    request_id: Option<String>,
) -> ProviderResponse {
    let args = ctx.arguments;
    ProviderResponse {
        status: 200,
        request_id,
        body: json!({
            "cluster_id": arg(args, "cluster_id", ""),
            "namespace": arg(args, "namespace", "default"),
            "job_name": arg(args, "job_name", "acf-job"),
            "job_uid": job.pointer("/metadata/uid"),
            "image": job.pointer("/spec/template/spec/containers/0/image"),
            "replaced": replaced,
        }),
    }
}

/// Executor `cp.ack_run_job`: reads the kubeconfig (the previewed call), deletes the same-name
/// Job when the plan showed that step, then creates the previewed Job with this plan's label.
/// After a lost answer the Job is looked up by name and label before anything is sent again.
pub async fn run_job(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let args = ctx.arguments;
    if args
        .get("create_cluster")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return create_cluster_first(ctx).await;
    }
    let response = ctx
        .read(&declared(
            KUBECONFIG,
            json!({"cluster_id": arg(args, "cluster_id", "")}),
        ))
        .await?;
    let request_id = response.request_id.clone();
    let (kube, _) = kube_from(response)?;
    let namespace = arg(args, "namespace", "default").to_string();
    let name = arg(args, "job_name", "acf-job").to_string();
    // Exactly the previewed object, with this plan's label the plan added.
    let job = ctx
        .request
        .body
        .as_ref()
        .and_then(|b| b.get("object"))
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::InternalError,
                "the plan holds no Job object; nothing was sent",
            )
        })?;
    let mut replaced = false;
    if args
        .get("replace_job")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        if let Some(current) = kube
            .get_job(&namespace, &name)
            .await
            .map_err(kube_failure)?
            && job_plan(&current).as_deref() == Some(ctx.plan_id)
        {
            // Already replaced by this very plan (a resumed execution).
            return Ok(ExecOutcome::Recovered {
                response: answer(ctx, &current, true, request_id),
                how: "the Job carrying this plan's label already exists".into(),
            });
        }
        replaced = kube
            .delete_job(&namespace, &name)
            .await
            .map_err(kube_failure)?;
        for _ in 0..30 {
            if kube
                .get_job(&namespace, &name)
                .await
                .map_err(kube_failure)?
                .is_none()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
    match kube.create_job(&namespace, &job).await {
        Ok(created) => Ok(ExecOutcome::Executed(answer(
            ctx, &created, replaced, request_id,
        ))),
        Err(error @ (KubeError::AlreadyExists(_) | KubeError::Transport { .. })) => {
            match kube.get_job(&namespace, &name).await.map_err(kube_failure)? {
                Some(found) if job_plan(&found).as_deref() == Some(ctx.plan_id) => Ok(ExecOutcome::Recovered {
                    response: answer(ctx, &found, replaced, request_id),
                    how: "the create's answer was lost; reading back found the Job carrying this plan's label".into(),
                }),
                _ => Err(kube_failure(error).with_hint("the Job was not created by this plan (checked by name and label)")),
            }
        }
        Err(error) => Err(kube_failure(error)),
    }
}

/// A one-shot run without a cluster to reuse: the shown CreateCluster goes first (its token
/// from the plan id, its tag naming the plan, a generated password); the operation creates the
/// Job once the cluster runs.
async fn create_cluster_first(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let args = ctx.arguments;
    let mut request = super::ack_reuse::one_shot_cluster_request(ctx.calls, args)?;
    if let Some(body) = request.body.as_mut().and_then(Value::as_object_mut) {
        body.insert(
            "client_token".into(),
            json!(super::ack_reuse::one_shot_token(ctx.plan_id)),
        );
        body.insert(
            "tags".into(),
            json!([{"key": PROVENANCE_KEY, "value": ctx.plan_id}]),
        );
        body.insert(
            "login_password".into(),
            json!(super::ack::generated_password()),
        );
    }
    let response = ctx
        .calls
        .send(&request, crate::providers::RetryMode::Safe)
        .await?;
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: response.status,
        request_id: response.request_id,
        body: json!({
            "cluster_id": response.body.get("cluster_id"),
            "cluster_created": true,
            "namespace": arg(args, "namespace", "default"),
            "job_name": arg(args, "job_name", "acf-job"),
            "stage": "cluster",
        }),
    }))
}

/// Read-back of `cp.ack_run_job` (a resumed plan): the Job carrying this plan's label.
pub async fn job_created(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let args = ctx.arguments;
    if args
        .get("create_cluster")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        // The first thing sent was the cluster create: look for the cluster carrying this plan's tag.
        let listing = ctx
            .read(&declared(
                super::ack::DESCRIBE_CLUSTERS,
                json!({"name": arg(args, "cluster_name", "acf-cluster"), "page_size": 100}),
            ))
            .await?;
        let found = listing
            .body
            .get("clusters")
            .and_then(Value::as_array)
            .and_then(|all| {
                all.iter()
                    .find(|c| super::ack::created_by(c).as_deref() == Some(ctx.plan_id))
                    .cloned()
            });
        return Ok(found.map(|c| ExecOutcome::Recovered {
            response: ProviderResponse {
                status: 200,
                request_id: listing.request_id.clone(),
                body: json!({"cluster_id": c.get("cluster_id"), "cluster_created": true,
                    "namespace": arg(args, "namespace", "default"), "job_name": arg(args, "job_name", "acf-job"), "stage": "cluster"}),
            },
            how: "reading back found the cluster carrying this plan's tag".into(),
        }));
    }
    let response = ctx
        .read(&declared(
            KUBECONFIG,
            json!({"cluster_id": arg(args, "cluster_id", "")}),
        ))
        .await?;
    let (kube, _) = kube_from(response)?;
    let found = kube
        .get_job(
            arg(args, "namespace", "default"),
            arg(args, "job_name", "acf-job"),
        )
        .await
        .map_err(kube_failure)?;
    Ok(found
        .filter(|j| job_plan(j).as_deref() == Some(ctx.plan_id))
        .map(|j| ExecOutcome::Recovered {
            response: answer(ctx, &j, false, None),
            how: "reading back found the Job carrying this plan's label".into(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_carries_the_script_base64_and_the_skills_limits() {
        let job = manifest("acf-job", "default", "alpine:3.18", "echo hi", false);
        assert_eq!(job["spec"]["backoffLimit"], 3);
        assert_eq!(job["spec"]["ttlSecondsAfterFinished"], 300);
        let command = job
            .pointer("/spec/template/spec/containers/0/command/2")
            .unwrap();
        assert_eq!(command, "echo 'ZWNobyBoaQ==' | base64 -d | sh");
    }

    #[test]
    fn the_registry_prefix_comes_from_system_images() {
        let pods = json!({"items": [{"spec": {"containers": [{"image": "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/coredns:v1"}]}}]});
        assert_eq!(
            registry_prefix(&pods).as_deref(),
            Some("registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/")
        );
        assert!(dns_label("acf-job") && !dns_label("Acf") && !dns_label("-x"));
    }
}
