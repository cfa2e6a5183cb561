//! The client against a scripted HTTP server on 127.0.0.1 that verifies every signature with
//! the emulator's verifier and answers IAM project lookups. Nothing leaves the machine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::*;
use crate::providers::error::ErrorKind;
use crate::providers::request::{ApiStyle, ProviderRequest};
use crate::providers::retry::RetryMode;
use crate::signing::huawei::{self as signer, WireRequest};

const AK: &str = "HPUACLIENTTESTAK0001";
const SK: &str = "ClientTestSecretKey-0123456789abcdef";
const TOKEN: &str = "SecurityTokenValue-abcdef0123456789";

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    verified: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    projects: Arc<Mutex<Vec<&'static str>>>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

async fn handle(State(server): State<Server>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default()
        .to_vec();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let verified = signer::verify(
        &WireRequest {
            method: parts.method.as_str(),
            raw_path: &path,
            raw_query: &query,
            headers: &headers,
            body: &body,
        },
        |ak| (ak == AK).then(|| SK.to_owned()),
    )
    .is_ok();
    server.seen.lock().expect("lock").push(Seen {
        path: path.clone(),
        query,
        headers,
        verified,
    });
    if !verified {
        let body = json!({"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "request_id": "sig"});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    if path == "/v3/projects" {
        let projects: Vec<Value> = server
            .projects
            .lock()
            .expect("lock")
            .iter()
            .map(|id| json!({"id": id, "name": "cn-north-4"}))
            .collect();
        return axum::Json(json!({"projects": projects})).into_response();
    }
    let (status, body) = server
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or((200, json!({"ok": true})));
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response();
    response.headers_mut().insert(
        "x-request-id",
        axum::http::HeaderValue::from_static("req-1"),
    );
    response
}

async fn start(projects: Vec<&'static str>, script: Vec<(u16, Value)>) -> (Server, String) {
    let server = Server::default();
    server.script.lock().expect("lock").extend(script);
    *server.projects.lock().expect("lock") = projects;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = Router::new().fallback(handle).with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, format!("http://{address}"))
}

fn client(endpoint: &str, token: Option<&str>, project: Option<&str>) -> HuaweiClient {
    let mut credentials = HuaweiCredentials::new(AK, SK, token.map(str::to_owned), "test");
    credentials.project_id = project.map(str::to_owned);
    HuaweiClient::new(HuaweiClientConfig {
        credentials,
        endpoint_override: Some(endpoint.to_owned()),
        sdk_overrides: Default::default(),
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        client_id: "c1".to_owned(),
    })
    .expect("client")
}

fn list_notebooks() -> ProviderRequest {
    ProviderRequest::new(
        "huawei",
        "modelarts",
        "v1",
        ApiStyle::Rest,
        "ListNotebooks",
        "GET",
        "modelarts.cn-north-4.myhuaweicloud.com",
    )
    .with_path("/v1/{project_id}/notebooks", &[])
    .query("limit", "10")
    .query("feature", "NOTEBOOK")
    .scoped("region_id", "cn-north-4")
}

#[tokio::test]
async fn the_project_id_is_found_through_iam_once_and_fills_path_and_header() {
    let (server, endpoint) = start(vec!["proj-1"], vec![]).await;
    let client = client(&endpoint, None, None);
    for _ in 0..2 {
        let answer = client.call(&list_notebooks(), RetryMode::Safe).await;
        assert_eq!(answer.map(|a| a.request_id), Ok(Some("req-1".to_owned())));
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "one IAM lookup, then two calls: {seen:?}");
    assert!(seen.iter().all(|s| s.verified));
    let iam = &seen[0];
    assert_eq!(
        (iam.path.as_str(), iam.query.as_str()),
        ("/v3/projects", "name=cn-north-4")
    );
    assert_eq!(iam.header("host"), Some("iam.cn-north-4.myhuaweicloud.com"));
    assert!(iam.header("content-type").is_none() && iam.header("x-project-id").is_none());
    let call = &seen[1];
    assert_eq!(call.path, "/v1/proj-1/notebooks");
    assert_eq!(
        call.query, "feature=NOTEBOOK&limit=10",
        "the canonical query is sent"
    );
    assert_eq!(call.header("x-project-id"), Some("proj-1"));
    assert_eq!(
        call.header("host"),
        Some("modelarts.cn-north-4.myhuaweicloud.com")
    );
}

#[tokio::test]
async fn none_or_several_projects_are_clear_errors() {
    let (_, endpoint) = start(vec!["p-a", "p-b"], vec![]).await;
    let error = client(&endpoint, None, None)
        .call(&list_notebooks(), RetryMode::Safe)
        .await
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(
        error.contains("several") && error.contains("p-a, p-b"),
        "{error}"
    );
    let (_, endpoint) = start(vec![], vec![]).await;
    let error = client(&endpoint, None, None)
        .call(&list_notebooks(), RetryMode::Safe)
        .await
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(error.contains("no IAM project named cn-north-4"), "{error}");
}

#[tokio::test]
async fn a_configured_project_skips_iam_and_the_token_is_signed() {
    let (server, endpoint) = start(vec![], vec![]).await;
    let client = client(&endpoint, Some(TOKEN), Some("conf-proj"));
    assert!(
        client
            .call(&list_notebooks(), RetryMode::Safe)
            .await
            .is_ok()
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-security-token"), Some(TOKEN));
    assert!(
        seen[0]
            .header("authorization")
            .is_some_and(|a| a.contains("x-security-token"))
    );
}

#[tokio::test]
async fn retries_follow_the_mode_and_errors_are_classified_and_scrubbed() {
    let busy = json!({"error_code": "ModelArts.4302", "error_msg": "busy"});
    let (server, endpoint) =
        start(vec![], vec![(503, busy.clone()), (200, json!({"ok": 1}))]).await;
    let safe = client(&endpoint, None, Some("p"));
    assert!(safe.call(&list_notebooks(), RetryMode::Safe).await.is_ok());
    assert_eq!(server.seen().len(), 2);
    let echoed = json!({"error_code": "ModelArts.0108", "error_msg": format!("ak {AK} token {TOKEN} not authorized")});
    let (server, endpoint) = start(vec![], vec![(503, busy), (403, echoed)]).await;
    let once = client(&endpoint, Some(TOKEN), Some("p"));
    let error = once
        .call(&list_notebooks(), RetryMode::NotAfterSend)
        .await
        .err();
    assert_eq!(error.as_ref().map(|e| e.kind), Some(ErrorKind::Upstream));
    assert_eq!(server.seen().len(), 1, "no blind resend of a create");
    let error = once.call(&list_notebooks(), RetryMode::Safe).await.err();
    let error = error.expect("denied");
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert!(error.hint.is_some_and(|h| h.contains("ListNotebooks")));
    assert!(
        !error.message.contains(AK) && !error.message.contains(TOKEN),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_with_the_gateway_code_explained() {
    let (_, endpoint) = start(vec![], vec![]).await;
    let mut credentials = HuaweiCredentials::new(AK, "wrong-secret", None, "test");
    credentials.project_id = Some("p".into());
    let client = HuaweiClient::new(HuaweiClientConfig {
        credentials,
        endpoint_override: Some(endpoint),
        sdk_overrides: Default::default(),
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        client_id: "c1".to_owned(),
    })
    .expect("client");
    let error = client
        .call(&list_notebooks(), RetryMode::Safe)
        .await
        .expect_err("refused");
    assert_eq!(
        (error.kind, error.code.as_deref()),
        (ErrorKind::Auth, Some("APIG.0301"))
    );
    assert!(error.message.contains("signature was rejected"));
}

#[test]
fn previews_mask_the_key_and_hide_the_token_and_signature() {
    let client = client("http://127.0.0.1:9", Some(TOKEN), None);
    let preview = client.preview(&list_notebooks());
    let text = preview.to_string();
    assert!(
        !text.contains(AK) && !text.contains(SK) && !text.contains(TOKEN),
        "{text}"
    );
    assert_eq!(
        preview["url"],
        "https://modelarts.cn-north-4.myhuaweicloud.com/v1/{project_id}/notebooks?feature=NOTEBOOK&limit=10"
    );
    assert!(
        preview["headers"]["Authorization"]
            .as_str()
            .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256 Access=HPUA****, SignedHeaders="))
    );
    assert_eq!(preview["sent_to"], "http://127.0.0.1:9");
    assert!(preview.get("invalid").is_none(), "{preview}");
    let configured = self::client("http://127.0.0.1:9", None, Some("proj-9"));
    assert_eq!(
        configured.preview(&list_notebooks())["url"],
        "https://modelarts.cn-north-4.myhuaweicloud.com/v1/proj-9/notebooks?feature=NOTEBOOK&limit=10"
    );
}
