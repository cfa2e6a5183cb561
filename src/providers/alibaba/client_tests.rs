//! The client against a scripted HTTP server on 127.0.0.1 that verifies every
//! signature with the emulator's verifier. Nothing leaves the machine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::*;
use crate::providers::error::ErrorKind;
use crate::providers::request::{ApiStyle, ProviderRequest};
use crate::providers::retry::RetryMode;
use crate::signing::acs3::{self, WireRequest};

const AK: &str = "LTAI5tClientTestKey0001";
const SECRET: &str = "ClientTestSecret-9f8e7d6c5b4a";
const TOKEN: &str = "StsTokenValue-abcdef0123456789";

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    verified: Result<String, String>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted answer; after the script runs out the server answers 200.
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
    delay: Duration,
}

fn canned(status: u16, body: Value) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body,
        delay: Duration::ZERO,
    }
}

#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Canned>>>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
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
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let verified = acs3::verify(
        &WireRequest {
            method: &method,
            raw_path: &path,
            raw_query: &query,
            headers: &headers,
            body: &body,
        },
        |ak| (ak == AK).then(|| SECRET.to_owned()),
    )
    .map_err(|error| error.code().to_owned());
    let rejected = verified.clone().err();
    server.seen.lock().expect("lock").push(Seen {
        method,
        path,
        query,
        headers,
        body,
        verified,
    });
    if let Some(code) = rejected {
        let body = json!({"Code": code, "Message": "signature check failed", "RequestId": "sig"});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    let next = server.script.lock().expect("lock").pop_front();
    let answer = next.unwrap_or_else(|| canned(200, json!({"RequestId": "default-ok"})));
    tokio::time::sleep(answer.delay).await;
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(answer.body),
    )
        .into_response();
    for (name, value) in answer.headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Starts the server on 127.0.0.1:0 with `script`; returns it and its origin.
async fn start(script: Vec<Canned>) -> (Server, String) {
    let server = Server::default();
    server.script.lock().expect("lock").extend(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    let app = Router::new().fallback(handle).with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, format!("http://{address}"))
}

fn client(
    endpoint: &str,
    token: Option<&str>,
    max_attempts: u32,
    timeout: Duration,
) -> AlibabaClient {
    AlibabaClient::new(AlibabaClientConfig {
        credentials: AlibabaCredentials::new(AK, SECRET, token.map(str::to_owned), "test"),
        endpoint_override: Some(endpoint.to_owned()),
        timeout,
        max_attempts,
        client_id: "c1".to_owned(),
        permission_prefixes: [("paistudio".to_owned(), "pai".to_owned())].into(),
    })
    .expect("client")
}

/// A ROA request of one of the PAI services, as the catalog would build it.
fn roa(
    service: &str,
    action: &str,
    method: &str,
    region: &str,
    path: &str,
    params: &[(&str, &str)],
) -> ProviderRequest {
    let (version, host) = match service {
        "aiworkspace" => ("2021-02-04", format!("aiworkspace.{region}.aliyuncs.com")),
        _ => ("2022-01-12", format!("pai.{region}.aliyuncs.com")),
    };
    ProviderRequest::new(
        "alibaba",
        service,
        version,
        ApiStyle::Roa,
        action,
        method,
        host,
    )
    .with_path(path, params)
    .scoped("region_id", region)
    .user_agent("pai-quota")
}

fn scale_quota() -> ProviderRequest {
    roa(
        "paistudio",
        "ScaleQuota",
        "PUT",
        "cn-hangzhou",
        "/api/v1/quotas/{QuotaId}/action/scale",
        &[("QuotaId", "quota 1/2")],
    )
    .body(json!({"Min": {"NodeSpecs": [{"Type": "ecs.gn7i-c8g1.2xlarge", "Count": 3}]}, "ResourceGroupIds": ["rg-abc"]}))
}

fn create_quota() -> ProviderRequest {
    roa(
        "paistudio",
        "CreateQuota",
        "POST",
        "cn-hangzhou",
        "/api/v1/quotas",
        &[],
    )
    .body(json!({"QuotaName": "team-a", "Description": "测试 quota"}))
}

fn throttled(retry_after_ms: Option<u64>) -> Canned {
    Canned {
        headers: retry_after_ms
            .map(|ms| vec![("x-acs-retry-after", ms.to_string())])
            .unwrap_or_default(),
        ..canned(
            400,
            json!({"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "thr"}),
        )
    }
}

#[tokio::test]
async fn throttled_twice_then_success_is_retried_with_fresh_signatures_and_real_host() {
    let (server, endpoint) = start(vec![
        throttled(Some(20)),
        throttled(Some(20)),
        canned(200, json!({"RequestId": "req-3", "QuotaId": "quota 1/2"})),
    ])
    .await;
    let client = client(&endpoint, None, 3, Duration::from_secs(5));
    let response = client
        .call(&scale_quota().query("Verbose", "true"), RetryMode::Safe)
        .await
        .expect("third attempt succeeds");
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some("req-3"));
    assert_eq!(response.body["QuotaId"], json!("quota 1/2"));

    let seen = server.seen();
    assert_eq!(seen.len(), 3, "two throttled attempts and one success");
    for request in &seen {
        assert_eq!(
            request.verified,
            Ok(AK.to_owned()),
            "every attempt verifies"
        );
        assert_eq!(request.method, "PUT");
        assert_eq!(request.header("host"), Some("pai.cn-hangzhou.aliyuncs.com"));
        assert_eq!(request.path, "/api/v1/quotas/quota%201%2F2/action/scale");
        assert_eq!(request.query, "Verbose=true");
        assert_eq!(request.header("x-acs-action"), Some("ScaleQuota"));
        assert_eq!(request.header("x-acs-version"), Some("2022-01-12"));
        assert_eq!(
            request.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(
            request.body,
            br#"{"Min":{"NodeSpecs":[{"Type":"ecs.gn7i-c8g1.2xlarge","Count":3}]},"ResourceGroupIds":["rg-abc"]}"#
        );
        let authorization = request.header("authorization").expect("signed");
        assert!(
            authorization.starts_with(&format!(
                "ACS3-HMAC-SHA256 Credential={AK},SignedHeaders=accept;content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
            )),
            "{authorization}"
        );
        let ua = request.header("user-agent").expect("user agent");
        assert!(
            ua.ends_with("AlibabaCloud-Agent-Skills/pai-quota/c1"),
            "{ua}"
        );
    }
    let nonces: std::collections::HashSet<_> = seen
        .iter()
        .map(|r| r.header("x-acs-signature-nonce"))
        .collect();
    assert_eq!(nonces.len(), 3, "a fresh nonce per attempt");
}

#[tokio::test]
async fn not_after_send_retries_a_4xx_throttle() {
    let (server, endpoint) = start(vec![
        throttled(Some(10)),
        canned(200, json!({"RequestId": "ok", "QuotaId": "q-new"})),
    ])
    .await;
    let client = client(&endpoint, None, 3, Duration::from_secs(5));
    let response = client
        .call(&create_quota(), RetryMode::NotAfterSend)
        .await
        .expect("retried after throttling");
    assert_eq!(response.body["QuotaId"], json!("q-new"));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn not_after_send_does_not_retry_a_500() {
    let (server, endpoint) = start(vec![canned(
        500,
        json!({"Code": "InternalError", "Message": "The request processing has failed due to some unknown error, exception or failure.", "RequestId": "r500"}),
    )])
    .await;
    let client = client(&endpoint, None, 3, Duration::from_secs(5));
    let error = client
        .call(&create_quota(), RetryMode::NotAfterSend)
        .await
        .expect_err("500 is returned");
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(500));
    assert_eq!(error.code.as_deref(), Some("InternalError"));
    assert_eq!(error.request_id.as_deref(), Some("r500"));
    assert_eq!(
        server.seen().len(),
        1,
        "exactly one request: the create may have happened"
    );
}

#[tokio::test]
async fn safe_mode_retries_a_500() {
    let (server, endpoint) = start(vec![
        canned(
            500,
            json!({"Code": "InternalError", "Message": "x", "RequestId": "r"}),
        ),
        canned(200, json!({"RequestId": "ok"})),
    ])
    .await;
    let client = client(&endpoint, None, 2, Duration::from_secs(5));
    client
        .call(&scale_quota(), RetryMode::Safe)
        .await
        .expect("retried");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn not_after_send_does_not_retry_a_timeout() {
    let slow = Canned {
        delay: Duration::from_secs(3),
        ..canned(200, json!({"RequestId": "late"}))
    };
    let (server, endpoint) = start(vec![slow]).await;
    let client = client(&endpoint, None, 3, Duration::from_millis(300));
    let error = client
        .call(&create_quota(), RetryMode::NotAfterSend)
        .await
        .expect_err("times out");
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn forbidden_ram_is_permission_denied_and_not_retried() {
    let (server, endpoint) = start(vec![canned(
        403,
        json!({
            "Code": "Forbidden.RAM",
            "Message": "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
            "RequestId": "r403",
            "AccessDeniedDetail": {"AuthAction": "paistudio:ScaleQuota", "NoPermissionType": "ImplicitDeny"}
        }),
    )])
    .await;
    let client = client(&endpoint, None, 3, Duration::from_secs(5));
    let error = client
        .call(&scale_quota(), RetryMode::Safe)
        .await
        .expect_err("denied");
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert!(!error.retryable());
    assert_eq!(server.seen().len(), 1);
    assert_eq!(
        error.to_string(),
        "ScaleQuota failed: User not authorized to operate on the specified resource, or this API doesn't support RAM. (denied action: paistudio:ScaleQuota, no-permission type: ImplicitDeny) (provider code: Forbidden.RAM, request id: r403)"
    );
}

#[tokio::test]
async fn sts_token_is_sent_signed_and_aiworkspace_uses_its_own_host() {
    let (server, endpoint) = start(vec![]).await;
    let client = client(&endpoint, Some(TOKEN), 1, Duration::from_secs(5));
    let request = roa(
        "aiworkspace",
        "ListWorkspaces",
        "GET",
        "cn-shanghai",
        "/api/v1/workspaces",
        &[],
    )
    .query("PageSize", "20")
    .query("WorkspaceName", "a b+c");
    let response = client.call(&request, RetryMode::Safe).await.expect("ok");
    assert_eq!(response.request_id.as_deref(), Some("default-ok"));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].verified, Ok(AK.to_owned()));
    assert_eq!(
        seen[0].header("host"),
        Some("aiworkspace.cn-shanghai.aliyuncs.com")
    );
    assert_eq!(seen[0].header("x-acs-security-token"), Some(TOKEN));
    assert_eq!(seen[0].header("x-acs-version"), Some("2021-02-04"));
    assert_eq!(
        seen[0].header("content-type"),
        None,
        "no body, no content type"
    );
    assert_eq!(seen[0].query, "PageSize=20&WorkspaceName=a+b%2Bc");
    assert!(seen[0].body.is_empty());
}

#[tokio::test]
async fn connection_refused_is_transport_and_retried_even_for_creates() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let client = client(&endpoint, None, 2, Duration::from_secs(2));
    let started = Instant::now();
    let error = client
        .call(&create_quota(), RetryMode::NotAfterSend)
        .await
        .expect_err("nothing listens");
    assert_eq!(error.kind, ErrorKind::Transport);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "one backoff before the second attempt"
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let (server, endpoint) = start(vec![]).await;
    let client = client(&endpoint, None, 3, Duration::from_secs(5));
    let request = roa(
        "paistudio",
        "DeleteQuota",
        "DELETE",
        "cn-hangzhou",
        "/api/v1/quotas/{QuotaId}",
        &[("QuotaId", "..")],
    );
    let error = client
        .call(&request, RetryMode::Safe)
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn nothing_secret_in_debug_errors_or_preview() {
    // A hostile server echoes the key id, secret and token into its message.
    let (_server, endpoint) = start(vec![canned(
        400,
        json!({"Code": "InvalidParameter", "Message": format!("bad {AK} {SECRET} {TOKEN}"), "RequestId": "r"}),
    )])
    .await;
    let client = client(&endpoint, Some(TOKEN), 1, Duration::from_secs(5));
    let error = client
        .call(&scale_quota(), RetryMode::Safe)
        .await
        .expect_err("400");
    let preview = client.preview(&scale_quota());
    for text in [
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{preview:?}"),
        preview.to_string(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains(AK), "{text}");
    }
    assert!(error.message.contains("LTAI****"), "{}", error.message);
}

#[tokio::test]
async fn preview_shows_the_real_url_headers_and_where_it_goes() {
    let endpoint = "http://127.0.0.1:18080";
    let client = client(endpoint, None, 1, Duration::from_secs(5));
    let preview = client.preview(&scale_quota().query("Verbose", "false"));
    assert_eq!(preview["method"], json!("PUT"));
    assert_eq!(
        preview["url"],
        json!(
            "https://pai.cn-hangzhou.aliyuncs.com/api/v1/quotas/quota%201%2F2/action/scale?Verbose=false"
        )
    );
    assert_eq!(preview["sent_to"], json!(endpoint));
    assert_eq!(preview["body"]["ResourceGroupIds"], json!(["rg-abc"]));
    let headers = &preview["headers"];
    assert_eq!(headers["host"], json!("pai.cn-hangzhou.aliyuncs.com"));
    assert_eq!(
        headers["x-acs-content-sha256"],
        json!(acs3::hashed_payload(&scale_quota().body_bytes()))
    );
    assert_eq!(
        headers["authorization"],
        json!(
            "ACS3-HMAC-SHA256 Credential=LTAI****,SignedHeaders=accept;content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=****"
        )
    );
    assert!(preview.get("invalid").is_none());

    let direct = AlibabaClient::new(AlibabaClientConfig {
        credentials: AlibabaCredentials::new(AK, SECRET, None, "test"),
        endpoint_override: None,
        timeout: Duration::from_secs(5),
        max_attempts: 1,
        client_id: "s".to_owned(),
        permission_prefixes: Default::default(),
    })
    .expect("client");
    assert!(direct.preview(&scale_quota()).get("sent_to").is_none());
}

#[test]
fn endpoint_overrides_must_be_plain_origins() {
    for bad in [
        "ftp://127.0.0.1:1",
        "http://user:pw@127.0.0.1:1",
        "http://127.0.0.1:1/base",
        "not a url",
    ] {
        let result = AlibabaClient::new(AlibabaClientConfig {
            credentials: AlibabaCredentials::new(AK, SECRET, None, "test"),
            endpoint_override: Some(bad.to_owned()),
            timeout: Duration::from_secs(1),
            max_attempts: 1,
            client_id: "s".to_owned(),
            permission_prefixes: Default::default(),
        });
        let error = result.expect_err(bad);
        assert_eq!(error.kind, ErrorKind::InvalidRequest, "{bad}");
        assert!(!error.to_string().contains("pw") || bad.contains("pw"));
    }
}
