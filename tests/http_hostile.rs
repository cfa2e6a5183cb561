//! Hostile and broken input at the edges, against the real binary: keep-alive honesty after a
//! refusal (raw sockets), malformed JSON-RPC over HTTP and over stdio (not JSON, invalid UTF-8,
//! 100,000 levels of nesting, oversized lines) answered with JSON-RPC errors while the server
//! keeps serving, and the per-principal rate limit (`--rate-limit`) answered with 429 and a
//! retry hint.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/http_server.rs"]
mod http_server;

const BIN: &str = env!("CARGO_BIN_EXE_skillgate");

/// `skillgate serve` with the built-in emulator, no audit log and a clean environment.
fn serve_command(extra: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--emulator", "--audit-log", "off"])
        .args(extra)
        .env("HOME", std::env::temp_dir());
    for (key, _) in std::env::vars() {
        if key.starts_with("ALIBABA_CLOUD_") || key.starts_with("SKILLGATE_") {
            command.env_remove(key);
        }
    }
    command
}

/// A `serve --transport http` process on an ephemeral loopback port; killed on drop.
struct HttpServer {
    child: Child,
    /// `127.0.0.1:PORT`.
    address: String,
}

impl HttpServer {
    fn start(extra: &[&str]) -> Self {
        let mut args = vec!["--transport", "http", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let http_server::Started { child, url, .. } =
            http_server::spawn_until_endpoint(serve_command(&args));
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_string();
        Self { child, address }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn initialize(id: u64) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "initialize",
        "params": {
            "protocolVersion": "2024-11-05",
            "capabilities": {},
            "clientInfo": {"name": "http-hostile-test", "version": "0"}
        }
    })
}

/// A raw `POST` of `body` to `path`, keep-alive.
fn raw_post(address: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// One HTTP/1.1 answer read off a raw connection: status, lower-cased headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads more of `stream` into `rest`; panics when the connection closes.
async fn fill(stream: &mut TcpStream, rest: &mut Vec<u8>) {
    let mut chunk = [0u8; 65536];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut chunk))
        .await
        .expect("an answer in time")
        .expect("read");
    assert!(
        n > 0,
        "the connection closed inside an answer: {:?}",
        String::from_utf8_lossy(rest)
    );
    rest.extend_from_slice(&chunk[..n]);
}

/// Reads one answer (a `Content-Length` or chunked body) from `stream`, keeping what follows
/// in `rest`.
async fn read_answer(stream: &mut TcpStream, rest: &mut Vec<u8>) -> Answer {
    let head_end = loop {
        if let Some(at) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        fill(stream, rest).await;
    };
    let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    rest.drain(..head_end + 4);
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = Vec::new();
    match length {
        Some(length) => {
            while rest.len() < length {
                fill(stream, rest).await;
            }
            body.extend(rest.drain(..length));
        }
        // Chunked: `<hex size>\r\n<data>\r\n` until a zero size.
        None => loop {
            let line_end = loop {
                if let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
                    break at;
                }
                fill(stream, rest).await;
            };
            let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {size_text:?} after: {head}"));
            while rest.len() < line_end + 2 + size + 2 {
                fill(stream, rest).await;
            }
            body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break;
            }
        },
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    Answer {
        status,
        headers,
        body,
    }
}

/// True when the server closes `stream` (EOF or reset) within a few seconds.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 1024];
    match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) | Err(_) => false,
    }
}

// ------------------------------------------------------------------------------ keep-alive

#[tokio::test]
async fn a_413_says_connection_close_and_a_405_keeps_the_connection_usable() {
    let server = HttpServer::start(&[]);
    let address = server.address.clone();

    // 413: the rest of the 2 MiB body is never read, so the server says it closes, and does.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let big = vec![b'x'; 2 * 1024 * 1024];
    let (mut read_half, mut write_half) = stream.into_split();
    let request = raw_post(&address, "/mcp", &big);
    // Written on its own task: the server stops reading after 1 MiB.
    let writer = tokio::spawn(async move {
        let _ = write_half.write_all(&request).await;
        write_half
    });
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), read_half.read(&mut chunk))
            .await
            .expect("a 413 in time")
            .expect("read");
        assert!(n > 0, "closed without an answer");
        head.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 413"), "{text}");
    assert!(text.contains("\r\nconnection: close\r\n"), "{text}");
    let write_half = writer.await.unwrap();
    stream = read_half.reunite(write_half).unwrap();
    assert!(
        closed_by_server(&mut stream).await,
        "the connection stayed open"
    );

    // 405: the small body is read, so the next request on the same connection is served.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let mut rest = Vec::new();
    stream
        .write_all(
            format!("PUT /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello")
                .as_bytes(),
        )
        .await
        .unwrap();
    let answer = read_answer(&mut stream, &mut rest).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("connection"), None);
    stream
        .write_all(&raw_post(
            &address,
            "/mcp",
            initialize(2).to_string().as_bytes(),
        ))
        .await
        .unwrap();
    let answer = read_answer(&mut stream, &mut rest).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("\"serverInfo\""), "{}", answer.body);
}

#[tokio::test]
async fn a_refusal_before_the_body_is_read_says_connection_close() {
    let server = HttpServer::start(&["--auth-token", "sg-hostile-token-77"]);
    let address = server.address.clone();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let mut rest = Vec::new();
    stream
        .write_all(&raw_post(
            &address,
            "/mcp",
            initialize(1).to_string().as_bytes(),
        ))
        .await
        .unwrap();
    let answer = read_answer(&mut stream, &mut rest).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(closed_by_server(&mut stream).await);
}

// ------------------------------------------------------------------------ malformed bodies

/// JSON that is not an acceptable message (found by `tests/protocol_fuzz.rs`: rmcp answered it
/// with a plain-text 415) gets the 400 JSON-RPC `-32600` stdio gives, with the id when usable.
#[tokio::test]
async fn json_that_is_not_an_acceptable_message_gets_invalid_request() {
    let server = HttpServer::start(&[]);
    let client = reqwest::Client::new();
    let post = |body: String, session: Option<String>| {
        let mut request = client
            .post(server.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.body(body).send()
    };
    let init = post(initialize(1).to_string(), None).await.unwrap();
    let session = init
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let _ = init.text().await;
    let cases = [
        (
            "an array id",
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
            Value::Null,
        ),
        ("no method", r#"{"jsonrpc":"2.0","id":2}"#, json!(2)),
        (
            "params not an object",
            r#"{"jsonrpc":"2.0","id":"three","method":"tools/call","params":5}"#,
            json!("three"),
        ),
        (
            "a batch",
            r#"[{"jsonrpc":"2.0","id":4,"method":"ping"}]"#,
            Value::Null,
        ),
    ];
    for (what, body, id) in cases {
        let answer = post(body.to_owned(), session.clone()).await.unwrap();
        assert_eq!(answer.status().as_u16(), 400, "{what}");
        let error: Value = answer.json().await.expect("a JSON-RPC error");
        assert_eq!(error["error"]["code"], -32600, "{what}: {error}");
        assert_eq!(error["id"], id, "{what}: {error}");
    }
    // A wrong Content-Type on an acceptable message is still rmcp's own 415.
    let wrong_type = client
        .post(server.url("/mcp"))
        .header("content-type", "text/plain")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session.clone().unwrap_or_default())
        .body(json!({"jsonrpc": "2.0", "id": 5, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status().as_u16(), 415);
}

#[tokio::test]
async fn malformed_json_rpc_bodies_get_json_rpc_errors_and_the_server_keeps_serving() {
    let server = HttpServer::start(&[]);
    let address = server.address.clone();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{}{}}}",
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    let cases: [(&str, Vec<u8>, i64); 5] = [
        ("not JSON", b"garbage{".to_vec(), -32700),
        (
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}".to_vec(),
            -32700,
        ),
        (
            "truncated",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,".to_vec(),
            -32700,
        ),
        ("100k nested arrays", deep.into_bytes(), -32600),
        ("100k nested objects", deep_object.into_bytes(), -32600),
    ];
    // Every case on one keep-alive connection: each answer is whole and the connection lives.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let mut rest = Vec::new();
    for (what, body, code) in &cases {
        stream
            .write_all(&raw_post(&address, "/mcp", body))
            .await
            .unwrap();
        let answer = read_answer(&mut stream, &mut rest).await;
        assert_eq!(answer.status, 400, "{what}: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("connection"), None, "{what}");
        let error: Value = serde_json::from_str(&answer.body).expect("a JSON-RPC error");
        assert_eq!(error["jsonrpc"], "2.0", "{what}");
        assert_eq!(error["id"], Value::Null, "{what}: {error}");
        assert_eq!(error["error"]["code"], *code, "{what}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 12),
            "{what}: the message says what was wrong: {error}"
        );
    }
    stream
        .write_all(&raw_post(
            &address,
            "/mcp",
            initialize(9).to_string().as_bytes(),
        ))
        .await
        .unwrap();
    let answer = read_answer(&mut stream, &mut rest).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    // The legacy transport's `/message` gets the same answers.
    let client = reqwest::Client::new();
    let mut sse = client.get(server.url("/sse")).send().await.unwrap();
    let mut text = String::new();
    while !text.contains("sessionId=") {
        let chunk = sse.chunk().await.unwrap().expect("the endpoint event");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let endpoint = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("an endpoint")
        .to_string();
    let response = client
        .post(server.url(&endpoint))
        .header("content-type", "application/json")
        .body(cases[3].1.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], -32600, "{error}");
}

// ---------------------------------------------------------------------------------- stdio

/// A `serve` process over stdio, spoken to line by line.
struct StdioServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl StdioServer {
    fn start() -> Self {
        let mut child = serve_command(&[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn skillgate");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, line: &[u8]) {
        self.stdin.write_all(line).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    fn send_json(&mut self, message: &Value) {
        self.send(message.to_string().as_bytes());
    }

    /// The next line the server writes, as JSON (a read timeout guards the test).
    fn receive(&mut self) -> Value {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut line = String::new();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let read = self.stdout.read_line(&mut line);
                let _ = tx.send(read.map(|_| ()));
            });
            let answer = rx.recv_timeout(Duration::from_secs(30));
            if answer.is_err() {
                let _ = self.child.kill();
            }
        });
        assert!(!line.is_empty(), "the server wrote nothing (or ended)");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn stdio_answers_every_unacceptable_line_and_keeps_serving() {
    let mut server = StdioServer::start();
    server.send_json(&initialize(1));
    assert!(server.receive()["result"]["serverInfo"].is_object());
    server.send_json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":{{\"x\":\"{}\"}}}}",
        "y".repeat(2 * 1024 * 1024)
    );
    let cases: [(&str, Vec<u8>, i64); 6] = [
        ("not JSON", b"garbage{".to_vec(), -32700),
        (
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"p\xffng\"}".to_vec(),
            -32700,
        ),
        ("100k nested arrays", deep.into_bytes(), -32600),
        ("a 2 MiB line", huge.into_bytes(), -32600),
        (
            "a batch",
            b"[{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}]".to_vec(),
            -32600,
        ),
        (
            "not a message",
            b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":42}".to_vec(),
            -32600,
        ),
    ];
    for (what, line, code) in &cases {
        server.send(line);
        let answer = server.receive();
        assert_eq!(answer["jsonrpc"], "2.0", "{what}: {answer}");
        assert_eq!(answer["error"]["code"], *code, "{what}: {answer}");
        let expected_id = if *what == "not a message" {
            json!(7)
        } else {
            Value::Null
        };
        assert_eq!(answer["id"], expected_id, "{what}: {answer}");
        // The server still answers, in order.
        server.send_json(&json!({"jsonrpc": "2.0", "id": 100, "method": "ping"}));
        assert_eq!(
            server.receive()["id"],
            100,
            "{what}: no answer after the bad line"
        );
    }
    // A real call still works.
    server.send_json(&json!({"jsonrpc": "2.0", "id": 200, "method": "tools/call",
        "params": {"name": "pai_quota_get", "arguments": {"quota_id": "quotateamroot0001"}}}));
    let answer = server.receive();
    assert_eq!(answer["id"], 200);
    assert_eq!(answer["result"]["isError"], false, "{answer}");
}

// ------------------------------------------------------------------------------ rate limit

#[tokio::test]
async fn a_principal_past_its_rate_gets_429_with_a_retry_hint() {
    let server = HttpServer::start(&["--rate-limit", "1/s", "--rate-limit-burst", "3"]);
    let address = server.address.clone();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let mut rest = Vec::new();
    for id in 1..=3 {
        stream
            .write_all(&raw_post(
                &address,
                "/mcp",
                initialize(id).to_string().as_bytes(),
            ))
            .await
            .unwrap();
        let answer = read_answer(&mut stream, &mut rest).await;
        assert_eq!(answer.status, 200, "request {id} is within the burst");
    }
    stream
        .write_all(&raw_post(
            &address,
            "/mcp",
            initialize(4).to_string().as_bytes(),
        ))
        .await
        .unwrap();
    let refused = read_answer(&mut stream, &mut rest).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.header("connection"),
        None,
        "a client that waits keeps its connection"
    );
    let error: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(error["id"], 4, "{error}");
    assert_eq!(error["error"]["code"], -32000, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("--rate-limit") && message.contains("retry after"),
        "{message}"
    );
    assert!(error["error"]["data"]["retry_after_ms"].as_u64().unwrap() <= 1000);

    // Waiting as told is enough, on the same connection.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    stream
        .write_all(&raw_post(
            &address,
            "/mcp",
            initialize(5).to_string().as_bytes(),
        ))
        .await
        .unwrap();
    assert_eq!(read_answer(&mut stream, &mut rest).await.status, 200);
}

#[test]
fn a_rate_limit_that_refuses_everything_is_refused_at_start() {
    for flags in [
        &["--rate-limit", "0/s"][..],
        &["--rate-limit", "10/day"][..],
        &["--rate-limit-burst", "5"][..],
    ] {
        let mut args = vec!["--transport", "http", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(flags);
        let output = serve_command(&args)
            .stdin(Stdio::null())
            .output()
            .expect("run skillgate");
        assert!(!output.status.success(), "{flags:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--rate-limit"), "{flags:?}: {stderr}");
    }
}
