//! The small Kubernetes API each emulated ACK cluster exposes, served on the emulator's second
//! loopback port (plain HTTP; the kubeconfig from DescribeClusterUserKubeconfig points at it):
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/api/v1/nodes` | NodeList (Ready once the node pool is up) |
//! | GET | `/apis/batch/v1/namespaces/{ns}/jobs` | JobList |
//! | POST | `/apis/batch/v1/namespaces/{ns}/jobs` | 201 Job; 409 `AlreadyExists` |
//! | GET | `/apis/batch/v1/namespaces/{ns}/jobs/{name}[/status]` | Job; 404 `NotFound` |
//! | DELETE | `/apis/batch/v1/namespaces/{ns}/jobs/{name}` | Status `Success`; 404 |
//! | GET | `/api/v1/namespaces/{ns}/pods?labelSelector=job-name=<name>&limit=N` | PodList (`kube-system`: the system pods, whose images name the `.../acs/` registry) |
//! | GET | `/api/v1/namespaces/{ns}/pods/{pod}/log?tailLines=N` | text/plain |
//!
//! Every call needs `Authorization: Bearer <the cluster's token>` (401 `Unauthorized`
//! otherwise); errors are `Status` objects. A Job's pod is `Pending`, `Running`, then
//! `Succeeded` or `Failed` on the emulated clock; its log is synthesised from the script's
//! digest and literal `echo` lines, never by running it. An image-pull failure injected with
//! `POST /_emulator/alibaba/cs/pull-failure` keeps the pod waiting (`ErrImagePull`, then
//! `ImagePullBackOff`).

mod jobs;
mod objects;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::emulator::alibaba::PROVIDER;
use crate::emulator::alibaba::cs::handlers::clusters::token_route;
use crate::emulator::alibaba::cs::models::CsBackend;
use crate::emulator::core::server::EmulatorState;

pub use objects::status;

/// The calls it serves, for the catalog coverage test (provider and service `kube`, version
/// `batch/v1`): `(action, method, path, mutating)`, as the handlers in `jobs` match them.
pub const ROUTES: [(&str, &str, &str, bool); 7] = [
    ("ListNodes", "GET", "/api/v1/nodes", false),
    (
        "ListNamespacedJob",
        "GET",
        "/apis/batch/v1/namespaces/{namespace}/jobs",
        false,
    ),
    (
        "CreateNamespacedJob",
        "POST",
        "/apis/batch/v1/namespaces/{namespace}/jobs",
        true,
    ),
    (
        "ReadNamespacedJob",
        "GET",
        "/apis/batch/v1/namespaces/{namespace}/jobs/{name}",
        false,
    ),
    (
        "DeleteNamespacedJob",
        "DELETE",
        "/apis/batch/v1/namespaces/{namespace}/jobs/{name}",
        true,
    ),
    (
        "ListNamespacedPod",
        "GET",
        "/api/v1/namespaces/{namespace}/pods",
        false,
    ),
    (
        "ReadNamespacedPodLog",
        "GET",
        "/api/v1/namespaces/{namespace}/pods/{name}/log",
        false,
    ),
];

/// [`ROUTES`] as route-table entries.
pub fn route_infos() -> Vec<crate::emulator::RouteInfo> {
    ROUTES
        .iter()
        .map(
            |(action, method, path, mutating)| crate::emulator::RouteInfo {
                provider: "kube",
                service: "kube",
                version: "batch/v1",
                action,
                method,
                path,
                mutating: *mutating,
            },
        )
        .collect()
}

/// Largest accepted body.
const MAX_BODY: usize = 1024 * 1024;

/// The Kubernetes API router over the emulator's state.
pub fn router(state: EmulatorState) -> Router {
    Router::new().fallback(serve).with_state(state)
}

/// One call, as the handlers see it.
pub(crate) struct KubeCall {
    pub method: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl KubeCall {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler answers.
pub(crate) enum Answer {
    Json(u16, Value),
    Text(String),
}

async fn serve(State(state): State<EmulatorState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or_default()
        .trim()
        .to_owned();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return reply(Answer::Json(
            413,
            status(413, "RequestEntityTooLarge", "the body is too large"),
        ));
    };
    let call = KubeCall {
        method: parts.method.as_str().to_owned(),
        segments: parts
            .uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(crate::emulator::core::wire::path_decode)
            .collect(),
        query: crate::signing::encoding::parse_raw_query(parts.uri.query().unwrap_or_default()),
        body: body.to_vec(),
    };
    let Some((account, region, cluster_id)) = token_route(&token) else {
        let answer = Answer::Json(401, status(401, "Unauthorized", "Unauthorized"));
        log(&state, &parts, &call, &answer, "", "");
        return reply(answer);
    };
    let answer = state.with_services(PROVIDER, &account, &region, |services, now| {
        let cs = services.get_mut::<CsBackend>();
        let cluster = cs
            .live(&cluster_id, now)
            .filter(|c| c.token == token && c.state(now) == "running")
            .cloned()?;
        Some(jobs::handle(cs, &cluster, &call, now))
    });
    let answer =
        answer.unwrap_or_else(|| Answer::Json(401, status(401, "Unauthorized", "Unauthorized")));
    log(&state, &parts, &call, &answer, &region, &account);
    reply(answer)
}

/// The route a call matched, if any: `(action, mutating)`.
fn route_of(call: &KubeCall) -> Option<(&'static str, bool)> {
    let shape: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    ROUTES.iter().find_map(|(action, method, path, mutating)| {
        let template: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let same = method.eq_ignore_ascii_case(&call.method)
            && template.len() == shape.len()
            && template
                .iter()
                .zip(&shape)
                .all(|(t, s)| t.starts_with('{') || t == s);
        same.then_some((*action, *mutating))
    })
}

/// Records the call in the emulator's request log, like every cloud call.
fn log(
    state: &EmulatorState,
    parts: &axum::http::request::Parts,
    call: &KubeCall,
    answer: &Answer,
    region: &str,
    account: &str,
) {
    use crate::emulator::core::clock::format_time;
    use crate::emulator::core::request_log::LoggedRequest;
    let (code, reason) = match answer {
        Answer::Json(code, body) if *code >= 400 => (
            *code,
            body.get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
        Answer::Json(code, _) => (*code, None),
        Answer::Text(_) => (200, None),
    };
    let route = route_of(call);
    state.log().push(LoggedRequest {
        time: format_time(time::OffsetDateTime::now_utc()),
        emulated_time: format_time(state.clock().now()),
        provider: "kube".into(),
        service: Some("kube".into()),
        action: route.map(|(a, _)| a.to_owned()),
        version: Some("batch/v1".into()),
        method: call.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        mutating: route.is_some_and(|(_, m)| m) && code < 300,
        status: code,
        code: reason,
        request_id: crate::emulator::core::wire::new_request_id(),
        access_key_id: (!account.is_empty()).then(|| account.to_owned()),
        region: region.to_owned(),
    });
}

fn reply(answer: Answer) -> Response {
    match answer {
        Answer::Json(code, body) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        Answer::Text(text) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
        }
    }
}
