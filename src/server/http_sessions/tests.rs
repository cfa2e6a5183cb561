use super::*;
use serde_json::{Value, json};

type Events = Pin<Box<dyn Stream<Item = ServerSseMessage> + Send + Sync>>;

fn sessions(max: usize, idle: Duration) -> HttpSessions {
    HttpSessions::new(
        Arc::new(SessionSlots::new(max)),
        SessionsConfig::with_idle_timeout(idle),
    )
}

fn client(value: Value) -> ClientJsonRpcMessage {
    serde_json::from_value(value).unwrap()
}

fn server(value: Value) -> ServerJsonRpcMessage {
    serde_json::from_value(value).unwrap()
}

fn call(id: u64, progress_token: Option<&str>) -> ClientJsonRpcMessage {
    let mut params = json!({"name": "pai_quota_get", "arguments": {}});
    if let Some(token) = progress_token {
        params["_meta"] = json!({"progressToken": token});
    }
    client(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
}

fn answer(id: u64) -> ServerJsonRpcMessage {
    server(json!({"jsonrpc": "2.0", "id": id, "result": {"content": [], "isError": false}}))
}

fn progress(token: &str, n: u64) -> ServerJsonRpcMessage {
    server(json!({"jsonrpc": "2.0", "method": "notifications/progress",
        "params": {"progressToken": token, "progress": n}}))
}

fn list_changed() -> ServerJsonRpcMessage {
    server(json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}))
}

/// The next event, or `None` once the stream has ended; panics if it hangs.
async fn next(events: &mut Events) -> Option<ServerSseMessage> {
    let poll = std::future::poll_fn(|cx| events.as_mut().poll_next(cx));
    tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the stream neither yielded nor ended")
}

/// The event's JSON-RPC message as JSON (`None` for a priming event).
fn body(event: &ServerSseMessage) -> Option<Value> {
    event
        .message
        .as_ref()
        .map(|m| serde_json::to_value(m.as_ref()).unwrap())
}

async fn next_body(events: &mut Events) -> Value {
    let event = next(events).await.expect("an event");
    body(&event).expect("a message, not a priming event")
}

/// A session past `initialize`, and its transport as rmcp's service would hold it.
async fn open(sessions: &HttpSessions) -> (SessionId, SessionTransport) {
    let (id, mut transport) = sessions.create_session().await.unwrap();
    let init = client(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}));
    let (answered, ()) = tokio::join!(sessions.initialize_session(&id, init), async {
        let request = transport.receive().await.expect("the initialize request");
        assert!(matches!(request, ClientJsonRpcMessage::Request(_)));
        transport
            .send(server(json!({"jsonrpc": "2.0", "id": 0, "result": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "serverInfo": {"name": "skillgate", "version": "0"}}})))
            .await
            .unwrap();
    });
    assert!(matches!(
        answered.unwrap(),
        ServerJsonRpcMessage::Response(_)
    ));
    (id, transport)
}

async fn request_stream(
    sessions: &HttpSessions,
    transport: &mut SessionTransport,
    id: &SessionId,
    message: ClientJsonRpcMessage,
) -> (Events, String) {
    let mut events: Events = Box::pin(sessions.create_stream(id, message).await.unwrap());
    transport
        .receive()
        .await
        .expect("the request reaches the handler");
    let priming = next(&mut events).await.unwrap();
    assert!(priming.message.is_none() && priming.retry.is_some());
    (events, priming.event_id.unwrap())
}

#[tokio::test]
async fn an_answer_ends_its_own_stream_and_progress_follows_its_token() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (mut first, _) = request_stream(&sessions, &mut transport, &id, call(1, Some("p1"))).await;
    let (mut second, _) = request_stream(&sessions, &mut transport, &id, call(2, None)).await;
    transport.send(progress("p1", 1)).await.unwrap();
    transport.send(answer(2)).await.unwrap();
    assert_eq!(next_body(&mut second).await["id"], 2);
    assert!(
        next(&mut second).await.is_none(),
        "the answered stream ends"
    );
    assert_eq!(next_body(&mut first).await["params"]["progress"], 1.0);
    transport.send(answer(1)).await.unwrap();
    assert_eq!(next_body(&mut first).await["id"], 1);
    assert!(next(&mut first).await.is_none());
}

#[tokio::test]
async fn a_server_request_rides_the_stream_of_the_request_that_caused_it() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (mut events, _) = request_stream(&sessions, &mut transport, &id, call(7, None)).await;
    let mut elicit = server(
        json!({"jsonrpc": "2.0", "id": 100, "method": "elicitation/create",
        "params": {"message": "Confirm?", "requestedSchema": {"type": "object", "properties": {}}}}),
    );
    if let ServerJsonRpcMessage::Request(request) = &mut elicit {
        request
            .request
            .extensions_mut()
            .insert(rmcp::service::OriginatingRequestId(RequestId::Number(7)));
    }
    transport.send(elicit).await.unwrap();
    let got = next_body(&mut events).await;
    assert_eq!(got["method"], "elicitation/create");
    // The client's answer comes back as a POST of its own and reaches the handler.
    sessions
        .accept_message(
            &id,
            client(json!({"jsonrpc": "2.0", "id": 100, "result": {"action": "accept"}})),
        )
        .await
        .unwrap();
    assert!(matches!(
        transport.receive().await,
        Some(ClientJsonRpcMessage::Response(_))
    ));
}

#[tokio::test]
async fn other_notifications_wait_for_the_standalone_stream() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    transport.send(list_changed()).await.unwrap();
    let mut common: Events = Box::pin(sessions.create_standalone_stream(&id).await.unwrap());
    let sent_before = next(&mut common).await.unwrap();
    assert_eq!(
        body(&sent_before).unwrap()["method"],
        "notifications/tools/list_changed"
    );
    // The tower's own priming event on this stream is "0", so ours start at 1.
    assert_eq!(sent_before.event_id.as_deref(), Some("1"));
    transport.send(list_changed()).await.unwrap();
    assert_eq!(
        next(&mut common).await.unwrap().event_id.as_deref(),
        Some("2")
    );
    // A second GET while the first listens is a shadow: kept open, sent nothing.
    let mut shadow: Events = Box::pin(sessions.create_standalone_stream(&id).await.unwrap());
    transport.send(list_changed()).await.unwrap();
    assert!(next(&mut common).await.is_some());
    let pending = tokio::time::timeout(
        Duration::from_millis(100),
        std::future::poll_fn(|cx| shadow.as_mut().poll_next(cx)),
    )
    .await;
    assert!(pending.is_err(), "a shadow stream stays open and silent");
}

#[tokio::test]
async fn a_resumed_stream_replays_what_came_after_the_last_event_id() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (events, priming_id) =
        request_stream(&sessions, &mut transport, &id, call(3, Some("t"))).await;
    drop(events); // the connection broke
    transport.send(progress("t", 1)).await.unwrap();
    transport.send(progress("t", 2)).await.unwrap();
    let mut resumed: Events = Box::pin(sessions.resume(&id, priming_id).await.unwrap());
    assert_eq!(next_body(&mut resumed).await["params"]["progress"], 1.0);
    let second = next(&mut resumed).await.unwrap();
    assert_eq!(body(&second).unwrap()["params"]["progress"], 2.0);
    // Resuming again after the second event replays nothing more, and the stream is live.
    let mut again: Events = Box::pin(
        sessions
            .resume(&id, second.event_id.clone().unwrap())
            .await
            .unwrap(),
    );
    transport.send(answer(3)).await.unwrap();
    assert_eq!(next_body(&mut again).await["id"], 3);
    assert!(next(&mut again).await.is_none());
    assert!(matches!(
        sessions.resume(&id, "0/999".into()).await,
        Err(SessionError::UnknownEvent(_))
    ));
    assert!(sessions.resume(&id, "not-an-id".into()).await.is_err());
}

#[tokio::test]
async fn an_answer_nobody_heard_is_kept_for_a_resume() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (events, priming_id) = request_stream(&sessions, &mut transport, &id, call(5, None)).await;
    drop(events);
    transport.send(answer(5)).await.unwrap();
    let mut resumed: Events = Box::pin(sessions.resume(&id, priming_id.clone()).await.unwrap());
    assert_eq!(next_body(&mut resumed).await["id"], 5);
    assert!(
        next(&mut resumed).await.is_none(),
        "it ends after the answer"
    );
    // Delivered now: it is not kept twice.
    assert!(sessions.resume(&id, priming_id).await.is_err());
}

#[tokio::test]
async fn a_cancelled_request_ends_its_stream() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (mut events, _) = request_stream(&sessions, &mut transport, &id, call(9, None)).await;
    sessions
        .accept_message(
            &id,
            client(
                json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": 9, "reason": "user"}}),
            ),
        )
        .await
        .unwrap();
    assert!(next(&mut events).await.is_none());
    assert!(matches!(
        transport.receive().await,
        Some(ClientJsonRpcMessage::Notification(_))
    ));
}

#[tokio::test]
async fn every_message_into_a_session_carries_its_id() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let _stream = sessions.create_stream(&id, call(4, None)).await.unwrap();
    let Some(ClientJsonRpcMessage::Request(request)) = transport.receive().await else {
        panic!("a request");
    };
    let live = request.request.extensions().get::<LiveSession>().unwrap();
    assert_eq!(live.0, id.to_string());
}

#[tokio::test]
async fn an_idle_session_closes_and_frees_its_slot() {
    let sessions = sessions(1, Duration::from_millis(200));
    let (id, mut transport) = open(&sessions).await;
    assert!(matches!(
        sessions.create_session().await,
        Err(SessionError::Full(_))
    ));
    // The handler sees its session end.
    let ended = tokio::time::timeout(Duration::from_secs(5), transport.receive()).await;
    assert!(matches!(ended, Ok(None)));
    assert!(!sessions.has_session(&id).await.unwrap());
    assert!(matches!(
        sessions.create_stream(&id, call(1, None)).await,
        Err(SessionError::NotFound(_))
    ));
    drop(transport);
    let (_again, _transport) = open(&sessions).await;
}

#[tokio::test]
async fn a_request_in_flight_or_a_listener_keeps_a_session_open() {
    let sessions = sessions(2, Duration::from_millis(100));
    let (id, mut transport) = open(&sessions).await;
    let (mut events, _) = request_stream(&sessions, &mut transport, &id, call(1, None)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sessions.has_session(&id).await.unwrap());
    transport.send(answer(1)).await.unwrap();
    assert_eq!(next_body(&mut events).await["id"], 1);
    let _listening = sessions.create_standalone_stream(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sessions.has_session(&id).await.unwrap());
}

#[tokio::test]
async fn closing_twice_frees_the_slot_once() {
    let sessions = sessions(2, Duration::from_secs(60));
    let (first, transport) = open(&sessions).await;
    let (_second, _t) = open(&sessions).await;
    sessions.close_session(&first).await.unwrap();
    drop(transport); // what rmcp's service does when the handler ends
    sessions.close_session(&first).await.unwrap();
    let (_third, _t3) = open(&sessions).await;
    assert!(matches!(
        sessions.create_session().await,
        Err(SessionError::Full(_))
    ));
}

#[tokio::test]
async fn a_reused_progress_token_keeps_the_later_request_routed() {
    let sessions = sessions(4, Duration::from_secs(60));
    let (id, mut transport) = open(&sessions).await;
    let (mut first, _) =
        request_stream(&sessions, &mut transport, &id, call(1, Some("same"))).await;
    let (mut second, _) =
        request_stream(&sessions, &mut transport, &id, call(2, Some("same"))).await;
    transport.send(answer(1)).await.unwrap();
    assert_eq!(next_body(&mut first).await["id"], 1);
    transport.send(progress("same", 5)).await.unwrap();
    assert_eq!(next_body(&mut second).await["params"]["progress"], 5.0);
}
