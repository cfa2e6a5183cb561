//! Streamable HTTP resumption over the real transport (raw HTTP, no MCP client in between): a
//! client whose connection breaks while its tool call runs reconnects with `Last-Event-ID` and
//! still gets the answer, even when the answer was sent while nobody listened.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::seed::QUOTA_LINGJUN as QUOTA_ID;
use crate::common::{Harness, Transport};

const PROTOCOL: &str = "2025-11-25";

fn post(
    http: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: Value,
) -> reqwest::RequestBuilder {
    let mut request = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", PROTOCOL)
        .body(body.to_string());
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request
}

/// Reads SSE events (`id`, `data`) from a response until `stop` says so or the stream ends.
async fn events_until(
    response: &mut reqwest::Response,
    stop: impl Fn(&[(Option<String>, String)]) -> bool,
) -> Vec<(Option<String>, String)> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stop(&events) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("the stream stalled")
            .expect("the stream broke");
        let Some(chunk) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let raw: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut data = String::new();
            for line in raw.lines() {
                if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().to_string());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            events.push((id, data));
        }
    }
    events
}

fn answered(events: &[(Option<String>, String)], id: u64) -> bool {
    events.iter().any(|(_, data)| {
        serde_json::from_str::<Value>(data)
            .is_ok_and(|m| m["id"] == id && m.get("result").is_some())
    })
}

#[tokio::test]
async fn a_call_whose_connection_broke_is_answered_after_a_resume() {
    let h = Harness::new(Transport::Http).await;
    let url = h.server.mcp_url().expect("an HTTP server").to_string();
    let http = reqwest::Client::new();
    let init = post(
        &http,
        &url,
        None,
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL, "capabilities": {},
            "clientInfo": {"name": "resume-test", "version": "0"}}}),
    )
    .send()
    .await
    .unwrap();
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let _ = init.bytes().await;
    let initialized = post(
        &http,
        &url,
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(initialized.status(), 202);

    // The emulator holds the next GetQuota for a while (then 504; the read retries and answers).
    h.emu
        .admin_post(
            "faults",
            json!({"action": "GetQuota", "kind": "timeout", "times": 1, "delay_ms": 800}),
        )
        .await;
    let mut call = post(
        &http,
        &url,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
               "params": {"name": "pai_quota_get", "arguments": {"quota_id": QUOTA_ID}}}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(call.status(), 200);
    let priming = events_until(&mut call, |events| !events.is_empty()).await;
    let last_event_id = priming[0].0.clone().expect("the priming event has an id");
    drop(call); // the connection breaks before the answer

    // Wait until the server has had its answer from the emulator (and sent it to nobody).
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.emu.requests_for("GetQuota").await.len() < 2 {
        assert!(Instant::now() < deadline, "the read was never retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut resumed = http
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", PROTOCOL)
        .header("mcp-session-id", &session)
        .header("last-event-id", &last_event_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    let events = events_until(&mut resumed, |events| answered(events, 7)).await;
    assert!(
        answered(&events, 7),
        "no answer on the resumed stream: {events:?}"
    );
    let (_, data) = events.iter().find(|(_, d)| d.contains("\"id\":7")).unwrap();
    assert!(data.contains(QUOTA_ID), "{data}");
    // The events replayed come after the one named, never it again.
    assert!(
        events
            .iter()
            .all(|(id, _)| id.as_deref() != Some(&last_event_id))
    );
    h.finish().await;
}
