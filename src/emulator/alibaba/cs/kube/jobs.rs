//! The Kubernetes calls on one cluster: nodes, batch Jobs, their pods and logs. A Job's outcome
//! is decided when it is created, from its script (carried base64 in the container command as
//! the skill writes it: `echo '<b64>' | base64 -d | sh`), without running it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::objects::{self, not_found, status};
use super::{Answer, KubeCall};
use crate::emulator::alibaba::cs::handlers::clusters::{nodes, token_route};
use crate::emulator::alibaba::cs::models::{Cluster, CsBackend, Job, JobEnd};
use crate::emulator::core::lifecycle::Progress;
use crate::emulator::core::wire::random_id;

/// Serves one authenticated call on `cluster`.
pub(crate) fn handle(
    cs: &mut CsBackend,
    cluster: &Cluster,
    call: &KubeCall,
    now: OffsetDateTime,
) -> Answer {
    let s: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let region = token_route(&cluster.token)
        .map(|(_, r, _)| r)
        .unwrap_or_default();
    match (call.method.as_str(), s.as_slice()) {
        ("GET", ["api", "v1", "nodes"]) => list_nodes(cluster, now),
        ("GET", ["apis", "batch", "v1", "namespaces", ns, "jobs"]) => {
            let items: Vec<Value> = cs
                .jobs_of(&cluster.id)
                .filter(|j| j.namespace == *ns)
                .map(|j| objects::job(j, now))
                .collect();
            Answer::Json(
                200,
                json!({"apiVersion": "batch/v1", "kind": "JobList", "metadata": {}, "items": items}),
            )
        }
        ("POST", ["apis", "batch", "v1", "namespaces", ns, "jobs"]) => {
            create_job(cs, cluster, ns, call, now)
        }
        ("GET", ["apis", "batch", "v1", "namespaces", ns, "jobs", name])
        | (
            "GET",
            [
                "apis",
                "batch",
                "v1",
                "namespaces",
                ns,
                "jobs",
                name,
                "status",
            ],
        ) => {
            match cs
                .jobs_of(&cluster.id)
                .find(|j| j.namespace == *ns && j.name == *name)
            {
                Some(job) => Answer::Json(200, objects::job(job, now)),
                None => Answer::Json(404, not_found("jobs.batch", name)),
            }
        }
        ("DELETE", ["apis", "batch", "v1", "namespaces", ns, "jobs", name]) => {
            let before = cs.jobs.len();
            cs.jobs
                .retain(|(c, j)| !(c == &cluster.id && j.namespace == *ns && j.name == *name));
            if cs.jobs.len() == before {
                Answer::Json(404, not_found("jobs.batch", name))
            } else {
                Answer::Json(200, status(200, "", &format!("job {name} deleted")))
            }
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods"]) => {
            list_pods(cs, cluster, ns, &region, call, now)
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods", pod, "log"]) => {
            match cs
                .jobs_of(&cluster.id)
                .find(|j| j.namespace == *ns && j.pod == *pod)
            {
                Some(job) => pod_log(job, call, now),
                None => Answer::Json(404, not_found("pods", pod)),
            }
        }
        (method, _) => Answer::Json(
            404,
            status(
                404,
                "NotFound",
                &format!(
                    "{method} /{}: not implemented in the emulator's Kubernetes API",
                    call.segments.join("/")
                ),
            ),
        ),
    }
}

fn list_nodes(cluster: &Cluster, now: OffsetDateTime) -> Answer {
    let items: Vec<Value> = nodes(cluster, now)
        .into_iter()
        .map(|(name, instance, kind, _, ready)| {
            objects::node(&name, &instance, &kind, ready, cluster.created)
        })
        .collect();
    Answer::Json(
        200,
        json!({"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": items}),
    )
}

fn list_pods(
    cs: &CsBackend,
    cluster: &Cluster,
    ns: &str,
    region: &str,
    call: &KubeCall,
    now: OffsetDateTime,
) -> Answer {
    let limit = call
        .query("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let selector = call.query("labelSelector").unwrap_or_default();
    let wanted_job = selector
        .split(',')
        .find_map(|term| term.trim().strip_prefix("job-name="))
        .map(str::to_owned);
    if !selector.is_empty() && wanted_job.is_none() {
        return Answer::Json(
            400,
            status(
                400,
                "BadRequest",
                &format!(
                    "labelSelector {selector}: only job-name=<name> is implemented in the emulator"
                ),
            ),
        );
    }
    let mut items: Vec<Value> = if ns == "kube-system" {
        objects::system_pods(cluster, region, now)
    } else {
        cs.jobs_of(&cluster.id)
            .filter(|j| j.namespace == ns)
            .filter(|j| wanted_job.as_deref().is_none_or(|w| j.name == w))
            .map(|j| objects::pod(cluster, j, now))
            .collect()
    };
    items.truncate(limit);
    Answer::Json(
        200,
        json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": items}),
    )
}

fn pod_log(job: &Job, call: &KubeCall, now: OffsetDateTime) -> Answer {
    let lines: &[String] = match job.phase(now) {
        "Pending" => &[],
        "Running" => &job.log[..job.log.len().min(1)],
        _ => &job.log,
    };
    let tail = call
        .query("tailLines")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let start = lines.len().saturating_sub(tail);
    let mut text = lines[start..].join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    Answer::Text(text)
}

fn invalid(message: String) -> Answer {
    Answer::Json(422, status(422, "Invalid", &message))
}

/// The script a container command carries, if it is the skill's `echo '<b64>' | base64 -d | ...`.
fn script_of(command: &[String]) -> (String, bool) {
    let line = command.last().cloned().unwrap_or_default();
    let python = line.contains("python");
    let decoded = line
        .split('\'')
        .nth(1)
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    (decoded.unwrap_or(line), python)
}

/// The log and exit code of a script, synthesised: a line naming its digest and size, then
/// each literal `echo` / `print(...)` line, up to an `exit N`.
pub fn synthesise(script: &str, python: bool) -> (Vec<String>, i64) {
    let digest = hex::encode(Sha256::digest(script.as_bytes()));
    let mut log = vec![format!(
        "[skillgate emulator] {} script sha256={digest} bytes={} (synthesised output; the script was not run)",
        if python { "python" } else { "shell" },
        script.len()
    )];
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_owned();
    for line in script.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("echo ") {
            log.push(unquote(rest));
        } else if let Some(rest) = line
            .strip_prefix("print(")
            .and_then(|r| r.strip_suffix(')'))
        {
            log.push(unquote(rest));
        } else if let Some(code) = line.strip_prefix("exit ").or_else(|| {
            line.strip_prefix("sys.exit(")
                .and_then(|r| r.strip_suffix(')'))
        }) {
            let code = code.trim().parse::<i64>().unwrap_or(1);
            return (log, code);
        }
    }
    (log, 0)
}

fn valid_image(image: &str) -> bool {
    !image.is_empty()
        && !image
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_uppercase())
        && !image.starts_with(['/', ':', '@'])
}

fn create_job(
    cs: &mut CsBackend,
    cluster: &Cluster,
    ns: &str,
    call: &KubeCall,
    now: OffsetDateTime,
) -> Answer {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&call.body) else {
        return Answer::Json(
            400,
            status(400, "BadRequest", "the body must be a JSON Job object"),
        );
    };
    let meta = body.get("metadata").cloned().unwrap_or(Value::Null);
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let valid_name = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid_name {
        return invalid(format!(
            "Job.batch \"{name}\" is invalid: metadata.name: a lowercase RFC 1123 label (1 to 63 of a-z, 0-9, '-') is required"
        ));
    }
    if cs
        .jobs_of(&cluster.id)
        .any(|j| j.namespace == ns && j.name == name)
    {
        return Answer::Json(
            409,
            status(
                409,
                "AlreadyExists",
                &format!("jobs.batch \"{name}\" already exists"),
            ),
        );
    }
    let spec = body.get("spec").cloned().unwrap_or(Value::Null);
    let Some(container) = spec.pointer("/template/spec/containers/0") else {
        return invalid(format!(
            "Job.batch \"{name}\" is invalid: spec.template.spec.containers: Required value"
        ));
    };
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let command: Vec<String> = container
        .get("command")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            container
                .get("args")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let (script, python) = script_of(&command);
    let (log, code) = synthesise(&script, python);
    let end = if !valid_image(&image) {
        JobEnd::Stuck("InvalidImageName".into())
    } else if let Some(reason) = cs.take_pull_failure(&image) {
        JobEnd::Stuck(reason)
    } else if code == 0 {
        JobEnd::Succeeded
    } else {
        JobEnd::Failed(code)
    };
    let object = |key: &str| match meta.get(key) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let uid = random_id("", 32);
    let job = Job {
        namespace: ns.to_owned(),
        pod: format!("{name}-{}", &uid[..5]),
        name,
        uid,
        labels: object("labels"),
        annotations: object("annotations"),
        spec,
        image,
        log,
        end,
        progress: Progress::timed(now),
        created: now,
    };
    let rendered = objects::job(&job, now);
    cs.jobs.push((cluster.id.clone(), job));
    Answer::Json(201, rendered)
}
