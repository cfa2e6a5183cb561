//! Remote safety of the HTTP transports, against the real binary on loopback: bearer auth on
//! `/mcp`, `/sse` and `/message`; the Host/Origin allow-lists on both transports; body limits;
//! the legacy SSE session lifecycle; the refusal to expose an unauthenticated server; and that
//! the token never reaches the logs.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use serde_json::{Value, json};

#[path = "support/http_server.rs"]
mod http_server;

const BIN: &str = env!("CARGO_BIN_EXE_skillgate");
const TOKEN: &str = "sg-test-token-4f1c9a7e2b";

/// A `skillgate serve --transport http --emulator` process; killed on drop.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        Self::start_with_env(extra, &[])
    }

    fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = base_command(extra);
        command.args(["--listen", "127.0.0.1:0"]);
        // Debug logging on, so the "token never logged" check covers the noisiest setting.
        command.env("SKILLGATE_LOG", "debug");
        for (key, value) in env {
            command.env(key, value);
        }
        let http_server::Started { child, url, stderr } =
            http_server::spawn_until_endpoint(command);
        let base = url.trim_end_matches("/mcp").to_string();
        Self {
            child,
            base,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and returns everything it wrote on stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Let the reader thread drain what is left in the pipe.
        std::thread::sleep(Duration::from_millis(100));
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base_command(extra: &[&str]) -> Command {
    let home = std::env::temp_dir();
    let mut command = Command::new(BIN);
    command
        .args([
            "serve",
            "--transport",
            "http",
            "--emulator",
            "--audit-log",
            "off",
        ])
        .args(extra)
        .env("HOME", &home);
    // No real credentials and no settings from the developer's environment.
    for (key, _) in std::env::vars() {
        if key.starts_with("ALIBABA_CLOUD_") || key.starts_with("SKILLGATE_") {
            command.env_remove(key);
        }
    }
    command
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2024-11-05",
            "capabilities": {},
            "clientInfo": {"name": "http-security-test", "version": "0"}
        }
    })
}

/// `POST /mcp initialize` with the headers streamable HTTP requires, plus `extra`.
async fn mcp_initialize(
    server: &Server,
    extra: &[(reqwest::header::HeaderName, &str)],
) -> reqwest::Response {
    mcp_initialize_at(server, "/mcp", extra).await
}

/// The same at another MCP path (`/mcp/readonly`, `/mcp/x/<toolsets>`).
async fn mcp_initialize_at(
    server: &Server,
    path: &str,
    extra: &[(reqwest::header::HeaderName, &str)],
) -> reqwest::Response {
    let mut request = client()
        .post(server.url(path))
        .header(ACCEPT, "application/json, text/event-stream")
        .json(&initialize());
    for (name, value) in extra {
        request = request.header(name.clone(), *value);
    }
    request.send().await.unwrap()
}

/// `GET /sse` with `extra` headers.
async fn open_sse(
    server: &Server,
    extra: &[(reqwest::header::HeaderName, &str)],
) -> reqwest::Response {
    let mut request = client().get(server.url("/sse"));
    for (name, value) in extra {
        request = request.header(name.clone(), *value);
    }
    request.send().await.unwrap()
}

/// Reads the SSE stream until `needle` has been seen; returns everything read.
async fn read_until(stream: &mut reqwest::Response, needle: &str) -> String {
    let mut text = String::new();
    let read = async {
        while !text.contains(needle) {
            match stream.chunk().await.unwrap() {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("`{needle}` never came on the SSE stream"));
    assert!(
        text.contains(needle),
        "stream ended without `{needle}`:\n{text}"
    );
    text
}

/// The `/message?sessionId=...` path from the `endpoint` event.
fn endpoint_of(text: &str) -> String {
    text.lines()
        .skip_while(|line| *line != "event: endpoint")
        .find_map(|line| line.strip_prefix("data: "))
        .expect("an endpoint event")
        .to_string()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn bearer_auth_guards_every_route_and_the_token_never_reaches_the_logs() {
    let server = Server::start(&["--auth-token", TOKEN]);
    let http = client();
    let wrong = bearer("not-the-token");
    let right = bearer(TOKEN);

    for auth in [None, Some(wrong.as_str()), Some("Basic c2tpbGxnYXRl")] {
        let extra: Vec<_> = auth.map(|a| (AUTHORIZATION, a)).into_iter().collect();
        let response = mcp_initialize(&server, &extra).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "/mcp with {auth:?}"
        );
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let response = open_sse(&server, &extra).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "/sse with {auth:?}"
        );
        let mut post = http
            .post(server.url("/message?sessionId=0123456789abcdef0123456789abcdef"))
            .json(&initialize());
        if let Some(auth) = auth {
            post = post.header(AUTHORIZATION, auth);
        }
        let response = post.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "/message with {auth:?}"
        );
    }

    // The right token: streamable HTTP initializes...
    let response = mcp_initialize(&server, &[(AUTHORIZATION, &right)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("mcp-session-id"));
    let body = response.text().await.unwrap();
    assert!(body.contains("\"serverInfo\""), "{body}");

    // ...and so does a legacy SSE session, whose messages need the token too.
    let mut stream = open_sse(&server, &[(AUTHORIZATION, &right)]).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()[CONTENT_TYPE], "text/event-stream");
    let endpoint = endpoint_of(&read_until(&mut stream, "sessionId=").await);
    let message_url = server.url(&endpoint);
    let response = http
        .post(&message_url)
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a session id alone is not enough"
    );
    let response = http
        .post(&message_url)
        .header(AUTHORIZATION, &right)
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let text = read_until(&mut stream, "\"serverInfo\"").await;
    assert!(text.contains("event: message\ndata: {"), "{text}");
    drop(stream);

    let stderr = server.stop();
    assert!(stderr.contains(http_server::MARK), "{stderr}");
    assert!(
        !stderr.contains(TOKEN),
        "the bearer token reached stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn the_token_can_come_from_the_environment() {
    let server = Server::start_with_env(&[], &[("SKILLGATE_AUTH_TOKEN", TOKEN)]);
    assert_eq!(
        mcp_initialize(&server, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        open_sse(&server, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let right = bearer(TOKEN);
    assert_eq!(
        mcp_initialize(&server, &[(AUTHORIZATION, &right)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        open_sse(&server, &[(AUTHORIZATION, &right)]).await.status(),
        StatusCode::OK
    );
    let stderr = server.stop();
    assert!(
        !stderr.contains(TOKEN),
        "the bearer token reached stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn url_selections_have_the_auth_host_and_origin_rules_of_mcp() {
    let server = Server::start(&[
        "--auth-token",
        TOKEN,
        "--allowed-origins",
        "http://localhost:6274",
    ]);
    let right = bearer(TOKEN);
    let wrong = bearer("not-the-token");
    for path in [
        "/mcp/readonly",
        "/mcp/x/pai-quota",
        "/mcp/x/pai-quota,pai-quota-extra/readonly",
    ] {
        let response = mcp_initialize_at(&server, path, &[]).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{path} without a token"
        );
        let response = mcp_initialize_at(&server, path, &[(AUTHORIZATION, wrong.as_str())]).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{path} with a wrong token"
        );
        let token = (AUTHORIZATION, right.as_str());
        let response =
            mcp_initialize_at(&server, path, &[token.clone(), (HOST, "evil.example:8765")]).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} with a rebinding Host"
        );
        let response = mcp_initialize_at(
            &server,
            path,
            &[token.clone(), (ORIGIN, "http://evil.example")],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} from a foreign origin"
        );
        let response =
            mcp_initialize_at(&server, path, &[token, (ORIGIN, "http://localhost:6274")]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path} with the token");
        assert!(response.headers().contains_key("mcp-session-id"), "{path}");
    }
    for path in [
        "/mcp/x/nope",
        "/mcp/x/nope/readonly",
        "/mcp/elsewhere",
        "/mcp/x",
    ] {
        let response = mcp_initialize_at(&server, path, &[(AUTHORIZATION, right.as_str())]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        // Not even a 404 without the token: the token is checked first.
        let response = mcp_initialize_at(&server, path, &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let response = mcp_initialize_at(
        &server,
        "/mcp/x/nope",
        &[(AUTHORIZATION, right.as_str()), (HOST, "evil.example:8765")],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "Host is checked before the path"
    );
    server.stop();
}

#[tokio::test]
async fn host_and_origin_allow_lists_apply_to_both_transports() {
    let server = Server::start(&["--allowed-origins", "http://localhost:6274"]);
    let http = client();

    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own name as Host.
    let evil_host = [(HOST, "evil.example:8765")];
    assert_eq!(
        mcp_initialize(&server, &evil_host).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        open_sse(&server, &evil_host).await.status(),
        StatusCode::FORBIDDEN
    );
    let response = http
        .post(server.url("/message?sessionId=0123456789abcdef0123456789abcdef"))
        .header(HOST, "evil.example:8765")
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A browser page from an origin that is not listed.
    for origin in ["http://evil.example", "http://localhost:6275", "null"] {
        let extra = [(ORIGIN, origin)];
        assert_eq!(
            mcp_initialize(&server, &extra).await.status(),
            StatusCode::FORBIDDEN,
            "/mcp from {origin}"
        );
        assert_eq!(
            open_sse(&server, &extra).await.status(),
            StatusCode::FORBIDDEN,
            "/sse from {origin}"
        );
    }

    // The listed origin, and loopback names, are served.
    let inspector = [(ORIGIN, "http://localhost:6274")];
    assert_eq!(
        mcp_initialize(&server, &inspector).await.status(),
        StatusCode::OK
    );
    let mut stream = open_sse(&server, &inspector).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let endpoint = endpoint_of(&read_until(&mut stream, "sessionId=").await);
    let response = http
        .post(server.url(&endpoint))
        .header(ORIGIN, "http://evil.example")
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "/message from a foreign origin"
    );
    for host in ["localhost", "127.0.0.1:1"] {
        assert_eq!(
            mcp_initialize(&server, &[(HOST, host)]).await.status(),
            StatusCode::OK,
            "Host {host}"
        );
    }
}

#[tokio::test]
async fn allowed_hosts_extend_the_loopback_names() {
    let server = Server::start(&["--allowed-hosts", "mcp.internal"]);
    let host = [(HOST, "mcp.internal:8765")];
    assert_eq!(
        mcp_initialize(&server, &host).await.status(),
        StatusCode::OK
    );
    assert_eq!(open_sse(&server, &host).await.status(), StatusCode::OK);
    let other = [(HOST, "other.internal")];
    assert_eq!(
        open_sse(&server, &other).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let server = Server::start(&[]);
    let http = client();
    let big = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "pai_quota_list", "arguments": {"quota_name": "x".repeat(2 * 1024 * 1024)}}
    });

    let response = http
        .post(server.url("/mcp"))
        .header(ACCEPT, "application/json, text/event-stream")
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "/mcp");

    let mut stream = open_sse(&server, &[]).await;
    let endpoint = endpoint_of(&read_until(&mut stream, "sessionId=").await);
    let response = http
        .post(server.url(&endpoint))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "/message");
}

#[tokio::test]
async fn legacy_messages_need_a_live_session_and_a_json_rpc_body() {
    let server = Server::start(&[]);
    let http = client();
    let post = |url: String| http.post(url);

    let response = post(server.url("/message"))
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "no sessionId");
    let response = post(server.url("/message?sessionId=0123456789abcdef0123456789abcdef"))
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "unknown session");

    let mut stream = open_sse(&server, &[]).await;
    let text = read_until(&mut stream, "sessionId=").await;
    let endpoint = endpoint_of(&text);
    let id = endpoint.rsplit('=').next().unwrap().to_string();
    assert_eq!(id.len(), 32, "a 128-bit session id: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    let url = server.url(&endpoint);

    let response = post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "bad body");
    let response = post(url.clone())
        .header(CONTENT_TYPE, "text/plain")
        .body(initialize().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A second stream is a different session with a different id.
    let mut other = open_sse(&server, &[]).await;
    let other_endpoint = endpoint_of(&read_until(&mut other, "sessionId=").await);
    assert_ne!(other_endpoint, endpoint);

    let response = post(url.clone()).json(&initialize()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    read_until(&mut stream, "\"serverInfo\"").await;

    // Closing the stream ends the session.
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = post(url.clone())
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .send()
            .await
            .unwrap()
            .status();
        if status == StatusCode::NOT_FOUND {
            break;
        }
        assert_eq!(status, StatusCode::ACCEPTED);
        assert!(Instant::now() < deadline, "the session outlived its stream");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The other session is untouched.
    let response = post(server.url(&other_endpoint))
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

/// Runs `serve` with `extra` and returns its exit status and stderr; it must exit by itself.
fn run_to_exit(extra: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = base_command(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn skillgate");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`serve {extra:?}` did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status, stderr)
}

#[test]
fn a_non_loopback_bind_without_a_token_is_refused() {
    // Refused before anything is bound, so nothing listens beyond loopback.
    let (status, stderr) = run_to_exit(&["--listen", "0.0.0.0:0"]);
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without --auth-token"),
        "{stderr}"
    );
    assert!(!stderr.contains(http_server::MARK), "{stderr}");

    let (status, stderr) = run_to_exit(&["--listen", "127.0.0.1:0", "--auth-token", ""]);
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("--auth-token is empty"), "{stderr}");
}

// ------------------------------------------------------------------------ sessions and limits

const QUOTA_ID: &str = "quotateamroot0001";

/// The JSON-RPC message of an answer, whether it came as JSON or as an SSE stream.
async fn answer_of(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        return value;
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|message| message.get("result").is_some() || message.get("error").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in:\n{text}"))
}

/// Opens a 2025-11-25 session on `/mcp`; returns its server-issued id.
async fn open_mcp_session(server: &Server) -> String {
    let response = client()
        .post(server.url("/mcp"))
        .header(ACCEPT, "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "http-security-test", "version": "0"}
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    answer_of(response).await;
    let response = session_post(
        server,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    session
}

async fn session_post(server: &Server, session: &str, body: Value) -> reqwest::Response {
    client()
        .post(server.url("/mcp"))
        .header(ACCEPT, "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn call(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

/// A stateless 2026-07-28 `tools/call`, with whatever extra headers the client chooses.
async fn modern_call(
    server: &Server,
    name: &str,
    arguments: Value,
    extra: &[(&str, &str)],
) -> Value {
    let mut request = client()
        .post(server.url("/mcp"))
        .header(ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", name)
        .json(&json!({
            "jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {
                "name": name, "arguments": arguments,
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                    "io.modelcontextprotocol/clientInfo": {"name": "http-security-test", "version": "0"}
                }
            }
        }));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    answer_of(response).await
}

#[tokio::test]
async fn a_client_supplied_session_header_is_not_an_identity_on_the_stateless_path() {
    let server = Server::start(&[]);
    let session = open_mcp_session(&server).await;
    let plan = answer_of(
        session_post(
            &server,
            &session,
            call(
                2,
                "pai_quota_update",
                json!({"quota_id": QUOTA_ID, "description": "made in a session"}),
            ),
        )
        .await,
    )
    .await;
    let plan = &plan["result"]["structuredContent"];
    let plan_id = plan["plan_id"].as_str().expect("a plan").to_string();
    let phrase = plan["confirm_phrase"]
        .as_str()
        .expect("a phrase")
        .to_string();

    // The session ends; its plans must die with it.
    let closed = client()
        .delete(server.url("/mcp"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success(), "DELETE: {}", closed.status());

    // A stateless request naming the dead session in a header it invented (or copied).
    let answer = modern_call(
        &server,
        "confirm",
        json!({"plan_id": plan_id, "phrase": phrase}),
        &[("mcp-session-id", session.as_str())],
    )
    .await;
    let result = &answer["result"];
    assert_eq!(
        result["isError"],
        json!(true),
        "a closed session's plan was confirmed through a client-supplied Mcp-Session-Id: {answer:#}"
    );
    // Nothing changed: the quota keeps its old description.
    let quota = modern_call(&server, "pai_quota_get", json!({"quota_id": QUOTA_ID}), &[]).await;
    assert!(
        !quota.to_string().contains("made in a session"),
        "the plan was executed: {quota:#}"
    );
}

#[tokio::test]
async fn sessions_past_the_cap_are_refused_with_a_clear_error() {
    let server = Server::start(&["--max-sessions", "2"]);
    let first = open_mcp_session(&server).await;
    let _second = open_mcp_session(&server).await;
    let refused = mcp_initialize(&server, &[]).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("too many open sessions") && body.contains("--max-sessions"),
        "{body}"
    );
    // Legacy SSE sessions draw from the same budget.
    let sse = open_sse(&server, &[]).await;
    assert_eq!(sse.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(sse.text().await.unwrap().contains("too many open sessions"));
    // Stateless requests need no session and still work.
    let quota = modern_call(&server, "pai_quota_get", json!({"quota_id": QUOTA_ID}), &[]).await;
    assert!(quota["result"].is_object(), "{quota:#}");
    // Closing a session frees its slot.
    let closed = client()
        .delete(server.url("/mcp"))
        .header("mcp-session-id", &first)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success());
    let again = mcp_initialize(&server, &[]).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idle_session_expires_and_frees_its_slot() {
    let server = Server::start(&["--session-idle-timeout", "1s", "--max-sessions", "1"]);
    let session = open_mcp_session(&server).await;
    // Poll (bounded) until the server has forgotten the session.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let response = session_post(
            &server,
            &session,
            json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}),
        )
        .await;
        if response.status() == StatusCode::NOT_FOUND {
            break;
        }
        // Only this poll's ping keeps it alive; wait longer than the timeout before the next.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(Instant::now() < deadline, "the idle session never expired");
    }
    // The only slot is free again.
    assert_eq!(mcp_initialize(&server, &[]).await.status(), StatusCode::OK);
}

/// Reads from a raw connection until the server closes it; returns what it sent.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut text = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut text)).await;
    assert!(read.is_ok(), "the server never cut the slow client off");
    String::from_utf8_lossy(&text).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start(&["--header-timeout", "1s"]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!("POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let said = read_to_close(&mut stream).await;
    assert!(!said.contains("200 OK"), "{said}");
    // The server still serves others.
    assert_eq!(mcp_initialize(&server, &[]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_body_gets_408() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start(&["--body-timeout", "1s"]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 500\r\n\r\n{{\"jsonrpc\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let said = read_to_close(&mut stream).await;
    assert!(said.starts_with("HTTP/1.1 408"), "{said}");
}
