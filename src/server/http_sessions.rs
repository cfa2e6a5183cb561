//! The streamable HTTP sessions of this process: skillgate's own [`SessionManager`].
//!
//! Why not rmcp's `LocalSessionManager`: each of its sessions runs a worker task between four
//! tokio channels whose slots hold JSON-RPC messages inline, and a tokio channel allocates its
//! first block of 32 slots when it is made: an idle session cost 89 KiB, 46 KiB with this manager
//! (`scripts/bench --http`, ARCHITECTURE.md *Speed*). Here a session is a small
//! struct behind a mutex and no task of its own: a message from the handler is routed to the
//! stream it belongs to the moment rmcp sends it, a client message reaches the handler through
//! one channel of boxed messages, and a stream's channel exists only while its HTTP response is
//! open. What rmcp's manager does for the protocol is kept: one SSE stream per request carrying
//! its response, its progress and the server requests it causes (SEP-2260), the standalone `GET`
//! stream for everything else, event ids and `Last-Event-ID` resumption from a short cache,
//! cancellation ending a request's stream, an idle timeout.
//!
//! This is also where the session cap is held and where every message routed into a live session
//! is tagged with [`LiveSession`]: a handler reads that tag, never the `Mcp-Session-Id` header,
//! which on the stateless path is whatever the client sent.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use rmcp::RoleServer;
use rmcp::model::{
    CancelledNotificationParam, ClientJsonRpcMessage, ClientNotification, GetExtensions, GetMeta,
    JsonRpcNotification, Notification, ProgressNotificationParam, ProgressToken, RequestId,
    ServerJsonRpcMessage, ServerNotification,
};
use rmcp::transport::Transport;
use rmcp::transport::streamable_http_server::session::{
    RestoreOutcome, ServerSseMessage, SessionId, SessionManager,
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::LiveSession;
use super::http::SessionSlots;

/// Events kept per stream for `Last-Event-ID` resumption (rmcp keeps as many).
const CACHED_EVENTS: usize = 16;
/// Events a stream may have queued for a client that is not reading; past it the stream is
/// closed and the client resumes from its last event id (the cache still holds the latest).
const STREAM_BACKLOG: usize = 256;
/// Client messages waiting for the handler; the HTTP request waits past it.
const INBOX_CAPACITY: usize = 16;
/// Idle `GET` streams kept beside the one that receives messages (rmcp's limit): EventSource
/// clients reconnecting would otherwise replace each other's stream in a loop.
const MAX_SHADOW_STREAMS: usize = 32;

/// How sessions behave over time.
#[derive(Clone, Debug)]
pub(super) struct SessionsConfig {
    /// A session without an open stream, a request in flight or any message for this long is
    /// closed (`--session-idle-timeout`).
    pub idle_timeout: Duration,
    /// Each request stream starts with a priming event carrying this retry hint, so a client
    /// whose connection drops knows it may resume (SEP-1699); `None` sends none.
    pub sse_retry: Option<Duration>,
    /// How long the answer to a request whose stream was gone is kept for a client that resumes.
    pub undelivered_ttl: Duration,
    /// How long `initialize` may take to answer.
    pub init_timeout: Duration,
}

impl SessionsConfig {
    /// The defaults rmcp's manager uses, with our idle timeout.
    pub(super) fn with_idle_timeout(idle_timeout: Duration) -> Self {
        Self {
            idle_timeout,
            sse_retry: Some(Duration::from_secs(3)),
            undelivered_ttl: Duration::from_secs(60),
            init_timeout: Duration::from_secs(60),
        }
    }
}

/// Why a session operation failed; rmcp answers each with a 500 naming it (an unknown session id
/// is a 404 before it gets here).
#[derive(Debug, thiserror::Error)]
pub(super) enum SessionError {
    #[error("{0}")]
    Full(String),
    #[error("session not found: {0}")]
    NotFound(SessionId),
    #[error("the session has closed")]
    Closed,
    #[error("the session did not answer initialize within {0:?}")]
    InitTimeout(Duration),
    #[error("no stream of this session has the event id {0:?}")]
    UnknownEvent(String),
}

/// The sessions of this process.
#[derive(Clone)]
pub(super) struct HttpSessions(Arc<Registry>);

struct Registry {
    sessions: RwLock<HashMap<SessionId, Arc<Session>>>,
    slots: Arc<SessionSlots>,
    config: SessionsConfig,
    /// Set once the idle sweeper runs (it is spawned by the first session, inside the runtime).
    sweeping: std::sync::Once,
}

impl HttpSessions {
    pub(super) fn new(slots: Arc<SessionSlots>, config: SessionsConfig) -> Self {
        Self(Arc::new(Registry {
            sessions: RwLock::default(),
            slots,
            config,
            sweeping: std::sync::Once::new(),
        }))
    }

    fn session(&self, id: &SessionId) -> Result<Arc<Session>, SessionError> {
        self.0
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
            .ok_or_else(|| SessionError::NotFound(id.clone()))
    }

    /// Starts the task that closes idle sessions; it ends with the last handle on the registry.
    fn start_sweeper(&self) {
        let registry = Arc::downgrade(&self.0);
        let every = (self.0.config.idle_timeout / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(30));
        self.0.sweeping.call_once(|| {
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let Some(registry) = registry.upgrade() else {
                        return;
                    };
                    registry.sweep();
                }
            });
        });
    }
}

impl Registry {
    /// Closes the sessions idle past the timeout and forgets undelivered answers past theirs.
    fn sweep(&self) {
        let now = Instant::now();
        let sessions: Vec<Arc<Session>> = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for session in sessions {
            let idle = {
                let mut routes = session.routes();
                routes.forget_undelivered(now, self.config.undelivered_ttl);
                !routes.in_use()
                    && now.duration_since(routes.last_active) >= self.config.idle_timeout
            };
            if idle {
                tracing::debug!(session = %session.id, "closing an idle session");
                self.remove(&session.id);
            }
        }
    }

    /// Forgets a session, closes it and gives its slot back; `false` if it was already gone.
    fn remove(&self, id: &SessionId) -> bool {
        let removed = self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        match removed {
            Some(session) => {
                session.close();
                self.slots.release();
                true
            }
            None => false,
        }
    }
}

/// One session: where its messages go, and the way in to its handler.
struct Session {
    id: SessionId,
    inbox: mpsc::Sender<Box<ClientJsonRpcMessage>>,
    closed: CancellationToken,
    routes: Mutex<Routes>,
}

impl Session {
    /// The routing table; never held across an await.
    fn routes(&self) -> MutexGuard<'_, Routes> {
        self.routes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn close(&self) {
        self.closed.cancel();
        self.routes().close_streams();
    }

    /// Hands a client message to the handler (waits while its inbox is full).
    async fn push(&self, message: ClientJsonRpcMessage) -> Result<(), SessionError> {
        if self.closed.is_cancelled() {
            return Err(SessionError::Closed);
        }
        self.routes().last_active = Instant::now();
        self.inbox
            .send(Box::new(message))
            .await
            .map_err(|_| SessionError::Closed)
    }
}

/// What a stream's events are keyed by: a request's id or its progress token.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Owner {
    Request(RequestId),
    Progress(ProgressToken),
}

/// A session's streams and which of them each request, progress token and answer belongs to.
struct Routes {
    next_stream: u64,
    /// One per `POST` that carried a request, until its answer is sent (and, when nobody was
    /// listening for it, a while after).
    requests: HashMap<u64, RequestStream>,
    owners: HashMap<Owner, u64>,
    /// The standalone (`GET`) stream: notifications and requests not tied to a request.
    common: EventLog,
    shadows: Vec<mpsc::Sender<ServerSseMessage>>,
    /// Who waits for the answer to `initialize`.
    initializing: Option<oneshot::Sender<ServerJsonRpcMessage>>,
    last_active: Instant,
}

struct RequestStream {
    events: EventLog,
    owners: Vec<Owner>,
    /// Set when the answer went out with nobody listening: kept until then for a resume.
    undelivered_since: Option<Instant>,
}

/// Where one stream's events go and the last few of them, for resumption.
struct EventLog {
    stream: Option<u64>,
    tx: Option<mpsc::Sender<ServerSseMessage>>,
    cache: VecDeque<ServerSseMessage>,
    next_index: u64,
}

impl EventLog {
    fn new(stream: Option<u64>) -> Self {
        Self {
            stream,
            tx: None,
            cache: VecDeque::new(),
            // rmcp primes a standalone stream itself with event id "0"; a request stream's own
            // priming event is its 0.
            next_index: if stream.is_some() { 0 } else { 1 },
        }
    }

    /// A fresh channel for a client that listens now.
    fn listen(&mut self) -> mpsc::Receiver<ServerSseMessage> {
        let (tx, rx) = mpsc::channel(STREAM_BACKLOG);
        self.tx = Some(tx);
        rx
    }

    fn listening(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    fn event_id(&self, index: u64) -> String {
        match self.stream {
            Some(stream) => format!("{index}/{stream}"),
            None => index.to_string(),
        }
    }

    /// Numbers, caches and sends an event; `true` if a listening client got it.
    fn push(&mut self, mut event: ServerSseMessage) -> bool {
        event.event_id = Some(self.event_id(self.next_index));
        self.next_index += 1;
        if self.cache.len() >= CACHED_EVENTS {
            self.cache.pop_front();
        }
        self.cache.push_back(event.clone());
        let Some(tx) = &self.tx else {
            return false;
        };
        match tx.try_send(event) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    "an SSE stream's client stopped reading; closing the stream (it may resume)"
                );
                self.tx = None;
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.tx = None;
                false
            }
        }
    }

    /// Sends the cached events after `index` to the current listener.
    fn replay_after(&mut self, index: Option<u64>) {
        let Some(tx) = &self.tx else {
            return;
        };
        for event in &self.cache {
            let position = event
                .event_id
                .as_deref()
                .and_then(|id| id.split('/').next())
                .and_then(|n| n.parse::<u64>().ok());
            if index.is_some_and(|after| position.is_none_or(|p| p <= after)) {
                continue;
            }
            if tx.try_send(event.clone()).is_err() {
                return;
            }
        }
    }
}

impl Routes {
    fn new() -> Self {
        Self {
            next_stream: 0,
            requests: HashMap::new(),
            owners: HashMap::new(),
            common: EventLog::new(None),
            shadows: Vec::new(),
            initializing: None,
            last_active: Instant::now(),
        }
    }

    /// A request in flight or a client listening keeps a session alive.
    fn in_use(&self) -> bool {
        self.requests
            .values()
            .any(|stream| stream.undelivered_since.is_none())
            || self.common.listening()
    }

    fn forget_undelivered(&mut self, now: Instant, ttl: Duration) {
        self.requests.retain(|_, stream| {
            stream
                .undelivered_since
                .is_none_or(|since| now.duration_since(since) < ttl)
        });
    }

    /// A new stream for the request in `message`, with its priming event.
    fn open_request_stream(
        &mut self,
        message: &ClientJsonRpcMessage,
        sse_retry: Option<Duration>,
    ) -> mpsc::Receiver<ServerSseMessage> {
        let stream = self.next_stream;
        self.next_stream = self.next_stream.wrapping_add(1);
        let mut events = EventLog::new(Some(stream));
        let rx = events.listen();
        if let Some(retry) = sse_retry {
            events.push(ServerSseMessage::retry(retry));
        }
        let mut owners = Vec::new();
        if let ClientJsonRpcMessage::Request(request) = message {
            owners.push(Owner::Request(request.id.clone()));
            if let Some(token) = request.request.get_meta().get_progress_token() {
                owners.push(Owner::Progress(token));
            }
        }
        for owner in &owners {
            self.owners.insert(owner.clone(), stream);
        }
        self.requests.insert(
            stream,
            RequestStream {
                events,
                owners,
                undelivered_since: None,
            },
        );
        rx
    }

    /// Ends a request's stream: its client's SSE response finishes. What nobody received is kept
    /// a while for a resume.
    fn finish(&mut self, stream: u64, delivered: bool) {
        let Some(entry) = self.requests.get_mut(&stream) else {
            return;
        };
        for owner in entry.owners.drain(..) {
            // A later request may have reused the id or token (a client's mistake): its
            // route stays.
            if self.owners.get(&owner) == Some(&stream) {
                self.owners.remove(&owner);
            }
        }
        entry.events.tx = None;
        if delivered {
            self.requests.remove(&stream);
        } else {
            entry.undelivered_since = Some(Instant::now());
        }
    }

    /// The stream a handler message belongs to, and whether it is that stream's last.
    fn stream_of(&self, message: &ServerJsonRpcMessage) -> Option<(u64, bool)> {
        let owned = |owner: Owner| self.owners.get(&owner).copied();
        match message {
            // SEP-2260: a request the handler makes while answering one rides that one's stream.
            ServerJsonRpcMessage::Request(request) => request
                .request
                .extensions()
                .get::<rmcp::service::OriginatingRequestId>()
                .and_then(|origin| owned(Owner::Request(origin.0.clone())))
                .map(|s| (s, false)),
            ServerJsonRpcMessage::Notification(JsonRpcNotification {
                notification:
                    ServerNotification::ProgressNotification(Notification {
                        params: ProgressNotificationParam { progress_token, .. },
                        ..
                    }),
                ..
            }) => owned(Owner::Progress(progress_token.clone())).map(|s| (s, false)),
            ServerJsonRpcMessage::Notification(JsonRpcNotification {
                notification:
                    ServerNotification::CancelledNotification(Notification {
                        params:
                            CancelledNotificationParam {
                                request_id: Some(id),
                                ..
                            },
                        ..
                    }),
                ..
            }) => owned(Owner::Request(id.clone())).map(|s| (s, false)),
            ServerJsonRpcMessage::Notification(_) => None,
            ServerJsonRpcMessage::Response(response) => {
                owned(Owner::Request(response.id.clone())).map(|s| (s, true))
            }
            ServerJsonRpcMessage::Error(error) => error
                .id
                .clone()
                .and_then(|id| owned(Owner::Request(id)))
                .map(|s| (s, true)),
        }
    }

    /// Routes a message from the handler to its stream (or the standalone one).
    fn deliver(&mut self, message: ServerJsonRpcMessage) {
        self.last_active = Instant::now();
        if matches!(
            message,
            ServerJsonRpcMessage::Response(_) | ServerJsonRpcMessage::Error(_)
        ) && let Some(waiter) = self.initializing.take()
        {
            let _ = waiter.send(message);
            return;
        }
        match self.stream_of(&message) {
            Some((stream, last)) => {
                let delivered = self.requests.get_mut(&stream).is_some_and(|entry| {
                    entry.events.push(ServerSseMessage::from_message(message))
                });
                if last {
                    self.finish(stream, delivered);
                }
            }
            None => {
                self.common.push(ServerSseMessage::from_message(message));
            }
        }
    }

    /// A client cancelled one of its requests: its stream ends (the handler is told by rmcp).
    fn note_client_message(&mut self, message: &ClientJsonRpcMessage) {
        if let ClientJsonRpcMessage::Notification(notification) = message
            && let ClientNotification::CancelledNotification(cancelled) = &notification.notification
            && let Some(id) = &cancelled.params.request_id
            && let Some(stream) = self.owners.get(&Owner::Request(id.clone())).copied()
        {
            self.finish(stream, false);
        }
    }

    /// A `GET` without `Last-Event-ID`: the standalone stream if nobody holds it (with what was
    /// sent while nobody did), else an idle shadow kept open by keep-alives.
    fn open_common_stream(&mut self, after: Option<u64>) -> mpsc::Receiver<ServerSseMessage> {
        self.shadows.retain(|tx| !tx.is_closed());
        if !self.common.listening() {
            let rx = self.common.listen();
            self.common.replay_after(after);
            return rx;
        }
        if self.shadows.len() >= MAX_SHADOW_STREAMS {
            self.shadows.remove(0);
        }
        let (tx, rx) = mpsc::channel(1);
        self.shadows.push(tx);
        rx
    }

    /// A `GET` with `Last-Event-ID`: the events after it on the stream it names, then that
    /// stream's live events if it is still open.
    fn resume(
        &mut self,
        last_event_id: &str,
    ) -> Result<mpsc::Receiver<ServerSseMessage>, SessionError> {
        let unknown = || SessionError::UnknownEvent(last_event_id.to_string());
        let (index, stream) = match last_event_id.split_once('/') {
            Some((index, stream)) => (index, Some(stream.parse::<u64>().map_err(|_| unknown())?)),
            None => (last_event_id, None),
        };
        let index = index.parse::<u64>().map_err(|_| unknown())?;
        let Some(stream) = stream else {
            return Ok(self.open_common_stream(Some(index)));
        };
        let entry = self.requests.get_mut(&stream).ok_or_else(unknown)?;
        let rx = entry.events.listen();
        entry.events.replay_after(Some(index));
        if entry.undelivered_since.is_some() {
            // Its answer is in the replay; the stream ends after it.
            entry.events.tx = None;
            self.requests.remove(&stream);
        }
        Ok(rx)
    }

    fn close_streams(&mut self) {
        self.requests.clear();
        self.owners.clear();
        self.common.tx = None;
        self.shadows.clear();
        self.initializing = None;
    }
}

/// A stream's events as the HTTP response reads them.
struct EventStream(mpsc::Receiver<ServerSseMessage>);

impl Stream for EventStream {
    type Item = ServerSseMessage;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// The handler's side of a session, driven by rmcp's service loop.
pub(super) struct SessionTransport {
    session: Arc<Session>,
    inbox: mpsc::Receiver<Box<ClientJsonRpcMessage>>,
    registry: Weak<Registry>,
}

impl Transport<RoleServer> for SessionTransport {
    type Error = SessionError;

    fn send(
        &mut self,
        message: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let result = if self.session.closed.is_cancelled() {
            Err(SessionError::Closed)
        } else {
            self.session.routes().deliver(message);
            Ok(())
        };
        std::future::ready(result)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        tokio::select! {
            message = self.inbox.recv() => message.map(|boxed| *boxed),
            () = self.session.closed.cancelled() => None,
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.session.close();
        Ok(())
    }
}

impl Drop for SessionTransport {
    /// However the handler ended, its session goes (rmcp also closes it; one of the two frees
    /// the slot).
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(&self.session.id);
        }
    }
}

/// Marks a message routed into a live session with that session.
fn tag(id: &SessionId, mut message: ClientJsonRpcMessage) -> ClientJsonRpcMessage {
    let live = LiveSession(id.to_string());
    match &mut message {
        ClientJsonRpcMessage::Request(request) => {
            request.request.extensions_mut().insert(live);
        }
        ClientJsonRpcMessage::Notification(notification) => {
            notification.notification.extensions_mut().insert(live);
        }
        ClientJsonRpcMessage::Response(_) | ClientJsonRpcMessage::Error(_) => {}
    }
    message
}

impl SessionManager for HttpSessions {
    type Error = SessionError;
    type Transport = SessionTransport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        if !self.0.slots.acquire() {
            tracing::warn!("refused a new session: --max-sessions reached");
            return Err(SessionError::Full(self.0.slots.refusal()));
        }
        self.start_sweeper();
        let id: SessionId = uuid::Uuid::new_v4().simple().to_string().into();
        let (inbox_tx, inbox_rx) = mpsc::channel(INBOX_CAPACITY);
        let session = Arc::new(Session {
            id: id.clone(),
            inbox: inbox_tx,
            closed: CancellationToken::new(),
            routes: Mutex::new(Routes::new()),
        });
        self.0
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Arc::clone(&session));
        let transport = SessionTransport {
            session,
            inbox: inbox_rx,
            registry: Arc::downgrade(&self.0),
        };
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let session = self.session(id)?;
        let (tx, rx) = oneshot::channel();
        session.routes().initializing = Some(tx);
        session.push(tag(id, message)).await?;
        let timeout = self.0.config.init_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(SessionError::Closed),
            Err(_) => {
                self.0.remove(id);
                Err(SessionError::InitTimeout(timeout))
            }
        }
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.session(id).is_ok_and(|s| !s.closed.is_cancelled()))
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.0.remove(id);
        Ok(())
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let rx = session
            .routes()
            .open_request_stream(&message, self.0.config.sse_retry);
        session.push(tag(id, message)).await?;
        Ok(EventStream(rx))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        let session = self.session(id)?;
        session.routes().note_client_message(&message);
        session.push(tag(id, message)).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let mut routes = session.routes();
        routes.last_active = Instant::now();
        Ok(EventStream(routes.open_common_stream(None)))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let mut routes = session.routes();
        routes.last_active = Instant::now();
        Ok(EventStream(routes.resume(&last_event_id)?))
    }

    async fn restore_session(
        &self,
        _id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        // No session store is configured: a session lives in this process only.
        Ok(RestoreOutcome::NotSupported)
    }
}

#[cfg(test)]
mod tests;
