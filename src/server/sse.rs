//! The legacy 2024-11-05 HTTP+SSE transport (`GET /sse` + `POST /message`) for older remote
//! clients.
//!
//! rmcp dropped this transport in 0.11 and will not bring it back, but some clients still only
//! speak it. It is small enough to serve here: each `GET /sse` runs the very same [`Skillgate`]
//! handler through rmcp's [`Transport`] trait over two channels, so a legacy client gets the
//! same tools, the same gate and the same audit as `/mcp`. Host/Origin checks and bearer auth
//! are applied by the router in `http.rs`, because rmcp guards only `/mcp` itself.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use rmcp::service::RoleServer;
use rmcp::transport::Transport;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::http::SessionSlots;
use super::{LiveSession, Principal, Shared, Skillgate};

/// Largest accepted `POST /message` body, the same limit `/mcp` has; larger bodies get 413.
pub(super) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An SSE comment this often keeps proxies and client read timeouts from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Messages buffered per direction before the producer waits.
const CHANNEL_CAPACITY: usize = 64;

/// The routes `/sse` and `/message`, serving the same handler as `/mcp`. `cancel` ends every
/// session at shutdown, which also ends the open streams so a graceful shutdown can finish.
/// Sessions count against `slots` (`--max-sessions`), shared with `/mcp`.
pub(super) fn router(
    shared: Arc<Shared>,
    cancel: CancellationToken,
    slots: Arc<SessionSlots>,
) -> axum::Router {
    let state = SseState {
        shared,
        sessions: Arc::new(Sessions::new(slots)),
        cancel,
    };
    axum::Router::new()
        .route("/sse", get(open_stream))
        .route("/message", post(post_message))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

#[derive(Clone)]
struct SseState {
    shared: Arc<Shared>,
    sessions: Arc<Sessions>,
    cancel: CancellationToken,
}

/// One open legacy session, as `POST /message` needs it.
struct Session {
    /// Feeds client messages to the session's rmcp service.
    to_server: mpsc::Sender<Box<ClientJsonRpcMessage>>,
    /// Who opened the stream; a POST from anyone else is treated as an unknown session.
    principal: Option<Principal>,
}

/// Open sessions by id. A plain mutex: every critical section is a map operation, never an await.
struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    slots: Arc<SessionSlots>,
}

impl Sessions {
    fn new(slots: Arc<SessionSlots>) -> Self {
        Self {
            map: Mutex::default(),
            slots,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave the map half-updated, so poisoning is moot.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a session, unless too many are open (both transports together).
    fn insert(&self, id: String, session: Session) -> bool {
        if !self.slots.acquire() {
            return false;
        }
        self.lock().insert(id, session);
        true
    }

    /// Forgets a session; its slot is given back once, whoever removes it first.
    fn remove(&self, id: &str) {
        if self.lock().remove(id).is_some() {
            self.slots.release();
        }
    }

    /// The sender of session `id` when `principal` opened it.
    fn sender(
        &self,
        id: &str,
        principal: Option<&Principal>,
    ) -> Option<mpsc::Sender<Box<ClientJsonRpcMessage>>> {
        let map = self.lock();
        let session = map.get(id)?;
        (session.principal.as_ref() == principal).then(|| session.to_server.clone())
    }
}

/// A new session id: 128 bits from the thread CSPRNG, as hex. The id is what ties a `POST` to its
/// stream and what plans are bound to, so it must be unguessable.
fn new_session_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The first characters of a session id, enough to correlate log lines without handing a reader
/// of the logs a usable session id.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `GET /sse`: opens a session, starts the handler on it and streams its messages.
async fn open_stream(State(state): State<SseState>, parts: Parts) -> Response {
    let id = new_session_id();
    let (to_server, from_client) = mpsc::channel(CHANNEL_CAPACITY);
    let (to_client, from_server) = mpsc::channel(CHANNEL_CAPACITY);
    let session = Session {
        to_server,
        principal: parts.extensions.get::<Principal>().cloned(),
    };
    if !state.sessions.insert(id.clone(), session) {
        tracing::warn!("refused a new legacy SSE session: --max-sessions reached");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            format!("{}\n", state.sessions.slots.refusal()),
        )
            .into_response();
    }
    let cancel = state.cancel.child_token();
    tokio::spawn(run_session(
        Arc::clone(&state.shared),
        ChannelTransport {
            to_client,
            from_client,
        },
        cancel.clone(),
        Arc::clone(&state.sessions),
        id.clone(),
    ));
    tracing::debug!(session = short(&id), "legacy SSE session opened");
    let endpoint = format!("event: endpoint\ndata: /message?sessionId={id}\n\n");
    let mut keep_alive = tokio::time::interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let stream = EventStream {
        pending: Some(Bytes::from(endpoint)),
        from_server,
        keep_alive,
        _guard: SessionGuard {
            sessions: state.sessions,
            id,
            cancel,
        },
    };
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Runs the handler on one session until the stream drops, the client goes away or the server
/// stops; then forgets the session.
async fn run_session(
    shared: Arc<Shared>,
    transport: ChannelTransport,
    cancel: CancellationToken,
    sessions: Arc<Sessions>,
    id: String,
) {
    match Skillgate::new(shared)
        .serve_with_ct(transport, cancel)
        .await
    {
        Ok(running) => {
            if let Err(error) = running.waiting().await {
                tracing::debug!(session = short(&id), %error, "legacy SSE session task failed");
            }
        }
        Err(error) => {
            tracing::debug!(session = short(&id), %error, "legacy SSE session ended before initialize");
        }
    }
    sessions.remove(&id);
    tracing::debug!(session = short(&id), "legacy SSE session closed");
}

/// `POST /message?sessionId=<id>`: hands one client message to its session. 202 once queued;
/// the answer travels on the session's stream.
async fn post_message(State(state): State<SseState>, parts: Parts, body: Bytes) -> Response {
    let Some(id) = session_id_of(&parts) else {
        return (StatusCode::BAD_REQUEST, "sessionId is required\n").into_response();
    };
    let Some(to_server) = state
        .sessions
        .sender(&id, parts.extensions.get::<Principal>())
    else {
        return (StatusCode::NOT_FOUND, "unknown or closed session\n").into_response();
    };
    // Only JSON: a browser can send a cross-site text/plain POST without a preflight.
    if !is_json(&parts) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json\n",
        )
            .into_response();
    }
    let mut message: ClientJsonRpcMessage = match serde_json::from_slice(&body) {
        Ok(message) => message,
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not a JSON-RPC message: {error}\n"),
            )
                .into_response();
        }
    };
    // The handler binds plans to the principal and the session the transport vouches for (see
    // `Skillgate::caller`): here the SSE session this message was posted to, whatever headers the
    // client sent. A plan made in one SSE session can be confirmed only from that session.
    let live = LiveSession(id);
    // The same request context `/mcp` gives handlers: headers and extensions (the `Principal`).
    match &mut message {
        ClientJsonRpcMessage::Request(request) => {
            request.request.extensions_mut().insert(parts);
            request.request.extensions_mut().insert(live);
        }
        ClientJsonRpcMessage::Notification(notification) => {
            notification.notification.extensions_mut().insert(parts);
            notification.notification.extensions_mut().insert(live);
        }
        ClientJsonRpcMessage::Response(_) | ClientJsonRpcMessage::Error(_) => {}
    }
    if to_server.send(Box::new(message)).await.is_err() {
        return (StatusCode::NOT_FOUND, "unknown or closed session\n").into_response();
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}

/// The `sessionId` query parameter (`session_id` is accepted too, as some clients send it).
fn session_id_of(parts: &Parts) -> Option<String> {
    parts.uri.query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (matches!(key, "sessionId" | "session_id") && !value.is_empty()).then(|| value.to_string())
    })
}

fn is_json(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// The server side of one session as an rmcp transport: what the handler sends goes to the SSE
/// stream, what clients POST comes in. Implementing [`Transport`] directly keeps this free of
/// extra stream/sink crates.
///
/// The channels carry boxed messages: a tokio channel allocates its first block of 32 slots when
/// it is made, and a message stored inline would make that block about 15 KiB per session.
struct ChannelTransport {
    to_client: mpsc::Sender<Box<ServerJsonRpcMessage>>,
    from_client: mpsc::Receiver<Box<ClientJsonRpcMessage>>,
}

/// The client's stream is gone; the session is over.
#[derive(Debug, thiserror::Error)]
#[error("the SSE stream of this session is closed")]
struct StreamClosed;

impl Transport<RoleServer> for ChannelTransport {
    type Error = StreamClosed;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let to_client = self.to_client.clone();
        async move {
            to_client
                .send(Box::new(item))
                .await
                .map_err(|_| StreamClosed)
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        self.from_client.recv().await.map(|boxed| *boxed)
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.from_client.close();
        Ok(())
    }
}

/// The SSE response body: the `endpoint` event, then each server message as a `message` event,
/// with keep-alive comments in between. Each event is one buffer, serialized once and handed to
/// hyper as is (one write, no re-chunking); it ends when the session's service ends. Dropping it
/// (the client went away) closes the session.
struct EventStream {
    pending: Option<Bytes>,
    from_server: mpsc::Receiver<Box<ServerJsonRpcMessage>>,
    keep_alive: Interval,
    _guard: SessionGuard,
}

/// One `message` event: serialized straight into the buffer that is written.
fn message_event(message: &ServerJsonRpcMessage) -> serde_json::Result<Bytes> {
    const HEAD: &[u8] = b"event: message\ndata: ";
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(HEAD);
    // Compact JSON has no newline, so one `data:` line carries it.
    serde_json::to_writer(&mut buf, message)?;
    buf.extend_from_slice(b"\n\n");
    Ok(Bytes::from(buf))
}

impl futures_core::Stream for EventStream {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(first) = this.pending.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        loop {
            match this.from_server.poll_recv(cx) {
                Poll::Ready(Some(message)) => {
                    this.keep_alive.reset();
                    match message_event(&message) {
                        Ok(event) => return Poll::Ready(Some(Ok(event))),
                        Err(error) => {
                            tracing::warn!(%error, "could not serialize a server message");
                            continue;
                        }
                    }
                }
                // The service ended: end the stream.
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {}
            }
            return match this.keep_alive.poll_tick(cx) {
                Poll::Ready(_) => Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n")))),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

/// Closes a session when its stream is dropped: the session leaves the map (so POSTs get 404)
/// and its service is cancelled, even if it never saw `initialize`.
struct SessionGuard {
    sessions: Arc<Sessions>,
    id: String,
    cancel: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.sessions.remove(&self.id);
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, content_type: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder().uri(uri);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn session_ids_are_128_bit_hex_and_distinct() {
        let a = new_session_id();
        let b = new_session_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(short(&a).len(), 8);
    }

    #[test]
    fn session_id_comes_from_the_query() {
        let id = |uri| session_id_of(&parts(uri, None));
        assert_eq!(id("/message?sessionId=abc").as_deref(), Some("abc"));
        assert_eq!(id("/message?x=1&session_id=def").as_deref(), Some("def"));
        assert_eq!(id("/message?sessionId="), None);
        assert_eq!(id("/message"), None);
    }

    #[test]
    fn only_json_bodies_are_accepted() {
        assert!(is_json(&parts("/m", Some("application/json"))));
        assert!(is_json(&parts(
            "/m",
            Some("Application/JSON; charset=utf-8")
        )));
        assert!(!is_json(&parts("/m", Some("text/plain"))));
        assert!(!is_json(&parts("/m", None)));
    }

    #[test]
    fn a_session_answers_only_its_principal() {
        let sessions = Sessions::new(Arc::new(SessionSlots::new(8)));
        let (to_server, _rx) = mpsc::channel(1);
        let alice = Principal("alice".into());
        assert!(sessions.insert(
            "s1".into(),
            Session {
                to_server,
                principal: Some(alice.clone()),
            },
        ));
        assert!(sessions.sender("s1", Some(&alice)).is_some());
        assert!(
            sessions
                .sender("s1", Some(&Principal("bob".into())))
                .is_none()
        );
        assert!(sessions.sender("s1", None).is_none());
        assert!(sessions.sender("s2", Some(&alice)).is_none());
        sessions.remove("s1");
        assert!(sessions.sender("s1", Some(&alice)).is_none());
    }

    #[tokio::test]
    async fn the_stream_starts_with_the_endpoint_and_carries_messages() {
        let (to_client, from_server) = mpsc::channel(4);
        let sessions = Arc::new(Sessions::new(Arc::new(SessionSlots::new(8))));
        let (to_server, _rx) = mpsc::channel(1);
        sessions.insert(
            "abcd1234".into(),
            Session {
                to_server,
                principal: None,
            },
        );
        let cancel = CancellationToken::new();
        let mut stream = EventStream {
            pending: Some(Bytes::from_static(
                b"event: endpoint\ndata: /message?sessionId=abcd1234\n\n",
            )),
            from_server,
            keep_alive: tokio::time::interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE),
            _guard: SessionGuard {
                sessions: Arc::clone(&sessions),
                id: "abcd1234".into(),
                cancel: cancel.clone(),
            },
        };
        let message: ServerJsonRpcMessage = serde_json::from_value(serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "result": {}
        }))
        .unwrap();
        to_client.send(Box::new(message)).await.unwrap();
        drop(to_client);
        let mut text = String::new();
        while let Some(chunk) =
            std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut stream), cx))
                .await
        {
            text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
        assert!(text.starts_with("event: endpoint\ndata: /message?sessionId=abcd1234\n\n"));
        assert!(text.contains("event: message\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        drop(stream);
        assert!(
            cancel.is_cancelled(),
            "dropping the stream cancels the session"
        );
        assert!(sessions.sender("abcd1234", None).is_none());
    }
}
