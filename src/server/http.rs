//! MCP over HTTP (axum): streamable HTTP at `/mcp` and the legacy HTTP+SSE pair `/sse` +
//! `/message`, one handler behind one set of rules. Bound to loopback by default; a non-loopback
//! bind needs a bearer token. Host and Origin are checked against allow-lists on every route
//! (DNS rebinding, cross-site requests from a browser).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use super::{Principal, Shared, Skillgate, UrlSelection, sse};
use crate::secret::Secret;

/// How the HTTP transport is exposed.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Bearer token clients must send; required for a non-loopback bind.
    pub auth_token: Option<Secret>,
    /// Extra allowed Host header values (loopback names are always allowed).
    pub allowed_hosts: Vec<String>,
    /// Allowed browser origins; requests with any other Origin are refused.
    pub allowed_origins: Vec<String>,
    /// Base URL for confirmation links (`--public-url`); default the bound address.
    pub public_url: Option<String>,
    /// No sessions, for any protocol generation (`--stateless`).
    pub stateless: bool,
    /// What protects the server from too many sessions and from slow clients.
    pub limits: HttpLimits,
}

/// Limits of the HTTP server (`--max-sessions`, `--session-idle-timeout`, `--header-timeout`,
/// `--body-timeout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Open sessions at most, streamable HTTP and legacy SSE together; past it a new session is
    /// refused with 503.
    pub max_sessions: usize,
    /// A streamable HTTP session nobody used for this long is closed (its plans become
    /// unconfirmable). Long cloud waits are silent, so this is generous by default.
    pub session_idle_timeout: Duration,
    /// A client must send a request's headers within this (also how long an idle keep-alive
    /// connection stays open).
    pub header_timeout: Duration,
    /// A client must send a request's body within this once its headers are in.
    pub body_timeout: Duration,
    /// Requests per principal (`--rate-limit`, `--rate-limit-burst`); none by default.
    pub rate_limit: Option<super::limits::RateLimit>,
}

impl HttpLimits {
    /// `--max-sessions` default.
    pub const DEFAULT_MAX_SESSIONS: usize = 4096;
    /// `--session-idle-timeout` default.
    pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// `--header-timeout` default.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
    /// `--body-timeout` default.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_sessions: Self::DEFAULT_MAX_SESSIONS,
            session_idle_timeout: Self::DEFAULT_SESSION_IDLE_TIMEOUT,
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            rate_limit: None,
        }
    }
}

/// The session budget both transports draw from.
#[derive(Debug)]
pub(super) struct SessionSlots {
    open: AtomicUsize,
    max: usize,
}

impl SessionSlots {
    pub(super) fn new(max: usize) -> Self {
        Self {
            open: AtomicUsize::new(0),
            max,
        }
    }

    /// Takes a slot, unless all are taken.
    pub(super) fn acquire(&self) -> bool {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_ok()
    }

    /// Gives a slot back; call once per successful `acquire`.
    pub(super) fn release(&self) {
        let _ = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    fn full(&self) -> bool {
        self.open.load(Ordering::Acquire) >= self.max
    }

    /// What a client past the cap is told.
    pub(super) fn refusal(&self) -> String {
        format!(
            "too many open sessions: this server allows {} (--max-sessions); close one (DELETE /mcp) or retry later",
            self.max
        )
    }
}

/// Host names every server accepts: a DNS-rebinding page cannot make a browser send them.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Refuses a configuration that would expose an unauthenticated server beyond this machine.
pub fn check_exposure(options: &HttpOptions) -> anyhow::Result<()> {
    // An empty token would match a request with no Authorization header at all.
    if options
        .auth_token
        .as_ref()
        .is_some_and(|token| token.expose().trim().is_empty())
    {
        anyhow::bail!("--auth-token is empty: give a non-empty bearer token or leave it unset");
    }
    if !options.listen.ip().is_loopback() && options.auth_token.is_none() {
        anyhow::bail!(
            "refusing to listen on {} without --auth-token: a non-loopback bind must require a bearer token",
            options.listen
        );
    }
    Ok(())
}

/// The principal name of a token: a digest, so the token itself never reaches logs or audit lines.
fn principal_of(token: &Secret) -> Principal {
    let digest = hex::encode(Sha256::digest(token.expose().as_bytes()));
    Principal(format!("token:{}", &digest[..12]))
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
fn bearer_of(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("Bearer").then(|| token.trim())
}

/// Constant-time comparison of digests, so neither the content nor the length of the expected
/// token leaks through timing.
fn token_matches(given: &str, expected: &Secret) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.expose().as_bytes());
    bool::from(given.as_slice().ct_eq(expected.as_slice()))
}

async fn authenticate(
    State(token): State<Option<Secret>>,
    mut request: Request,
    next: Next,
) -> Response {
    match &token {
        None => {
            request.extensions_mut().insert(Principal("local".into()));
            next.run(request).await
        }
        Some(expected) => {
            if bearer_of(&request).is_some_and(|given| token_matches(given, expected)) {
                // Past this point the token has done its job. Handlers see the request headers
                // (rmcp forwards them), so it is removed rather than left where a debug line
                // could print it.
                request.headers_mut().remove(header::AUTHORIZATION);
                request.extensions_mut().insert(principal_of(expected));
                next.run(request).await
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "missing or wrong bearer token\n",
                )
                    .into_response()
            }
        }
    }
}

/// The Host/Origin allow-lists, parsed once. rmcp applies the same rules to `/mcp` by itself;
/// this applies them to the routes rmcp does not serve (`/sse`, `/message`).
#[derive(Clone, Debug)]
struct Rebinding {
    hosts: Arc<[Authority]>,
    origins: Arc<[AllowedOrigin]>,
}

impl Rebinding {
    fn new(hosts: &[String], origins: &[String]) -> Self {
        let hosts = hosts.iter().filter_map(|h| parse_allowed_host(h)).collect();
        let origins = origins
            .iter()
            .filter_map(|o| parse_allowed_origin(o))
            .collect();
        Self { hosts, origins }
    }

    /// `Ok` or the response refusing the request: 400 for a malformed or missing Host, 403 for a
    /// host or origin not on the lists (an `Origin` is refused unless listed, as on `/mcp`).
    fn check(&self, uri: &Uri, headers: &axum::http::HeaderMap) -> Result<(), Response> {
        let host = match headers.get(header::HOST) {
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| axum::http::uri::Authority::try_from(v).ok())
                .map(|a| Authority::of(a.host(), a.port_u16()))
                .ok_or_else(|| {
                    refuse(StatusCode::BAD_REQUEST, "Bad Request: Invalid Host header")
                })?,
            // HTTP/2 carries the host in `:authority`.
            None => uri
                .authority()
                .map(|a| Authority::of(a.host(), a.port_u16()))
                .ok_or_else(|| {
                    refuse(StatusCode::BAD_REQUEST, "Bad Request: missing Host header")
                })?,
        };
        if !self.hosts.iter().any(|allowed| allowed.admits(&host)) {
            tracing::warn!(host = %host.host, "refused a request with a disallowed Host header (DNS rebinding?)");
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "Forbidden: Host header is not allowed",
            ));
        }
        if let Some(value) = headers.get(header::ORIGIN) {
            let origin =
                value.to_str().ok().and_then(parse_origin).ok_or_else(|| {
                    refuse(StatusCode::FORBIDDEN, "Forbidden: Invalid Origin header")
                })?;
            if !self.origins.iter().any(|allowed| allowed.admits(&origin)) {
                tracing::warn!("refused a request with a disallowed Origin header");
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "Forbidden: Origin header is not allowed",
                ));
            }
        }
        Ok(())
    }
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

async fn check_host_and_origin(
    State(rules): State<Rebinding>,
    request: Request,
    next: Next,
) -> Response {
    match rules.check(request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

/// A host with an optional port, brackets stripped and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    fn of(host: &str, port: Option<u16>) -> Self {
        Self {
            host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
            port,
        }
    }

    /// An allowed entry without a port admits the host on any port.
    fn admits(&self, request: &Authority) -> bool {
        self.host == request.host && self.port.is_none_or(|port| request.port == Some(port))
    }
}

/// `name`, `name:port`, `[v6]:port` or a bare IPv6 address.
fn parse_allowed_host(entry: &str) -> Option<Authority> {
    let entry = entry.trim();
    if entry.is_empty() {
        return None;
    }
    Some(match axum::http::uri::Authority::try_from(entry) {
        Ok(a) => Authority::of(a.host(), a.port_u16()),
        Err(_) => Authority::of(entry, None),
    })
}

/// A request's `Origin`: `null`, or scheme + host + optional port.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    Null,
    Tuple {
        scheme: String,
        authority: Authority,
    },
}

fn parse_origin(value: &str) -> Option<Origin> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("null") {
        return Some(Origin::Null);
    }
    let uri = Uri::try_from(value).ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    Some(Origin::Tuple {
        scheme,
        authority: Authority::of(authority.host(), authority.port_u16()),
    })
}

/// An `--allowed-origins` entry, read as rmcp reads it: `null`, `scheme://host:port`,
/// `scheme://host:*` (any port) or `scheme://host` (any port for now, as rmcp does).
#[derive(Clone, Debug, PartialEq, Eq)]
enum AllowedOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

fn parse_allowed_origin(entry: &str) -> Option<AllowedOrigin> {
    let entry = entry.trim();
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    match parse_origin(base)? {
        Origin::Null if !any_port => Some(AllowedOrigin::Null),
        Origin::Null => None,
        Origin::Tuple { authority, .. } if any_port && authority.port.is_some() => None,
        Origin::Tuple { scheme, authority } => Some(AllowedOrigin::Tuple {
            scheme,
            host: authority.host,
            port: if any_port { None } else { authority.port },
        }),
    }
}

impl AllowedOrigin {
    fn admits(&self, origin: &Origin) -> bool {
        match (self, origin) {
            (AllowedOrigin::Null, Origin::Null) => true,
            (
                AllowedOrigin::Tuple { scheme, host, port },
                Origin::Tuple {
                    scheme: o_scheme,
                    authority,
                },
            ) => {
                // An origin omits its scheme's default port (RFC 6454).
                let default_port = match o_scheme.as_str() {
                    "http" => Some(80),
                    "https" => Some(443),
                    _ => None,
                };
                scheme == o_scheme
                    && *host == authority.host
                    && port.is_none_or(|p| authority.port.or(default_port) == Some(p))
            }
            _ => false,
        }
    }
}

/// Reads a request body within `--body-timeout` (408 otherwise) and within the body limit (413
/// otherwise), so a client trickling its body cannot hold a handler; and refuses a new
/// streamable HTTP session past `--max-sessions` with a clear 503 before rmcp sees it.
async fn read_body_in_time(State(gate): State<BodyGate>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, sse::MAX_BODY_BYTES);
    let bytes = match tokio::time::timeout(gate.timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        // The length limit, or a connection that broke (then nobody reads the answer).
        Ok(Err(_)) => return super::limits::payload_too_large(sse::MAX_BODY_BYTES),
        Err(_) => {
            tracing::debug!("a request body did not arrive within --body-timeout");
            let mut response = refuse(
                StatusCode::REQUEST_TIMEOUT,
                "Request Timeout: the body did not arrive within --body-timeout",
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    if let Some(refusal) = super::limits::malformed_body(&parts.method, parts.uri.path(), &bytes) {
        return refusal;
    }
    if let Some(slots) = &gate.sessions
        && parts.method == Method::POST
        && is_mcp_path(parts.uri.path())
        && slots.full()
        && !parts.headers.contains_key("mcp-session-id")
        && let Some(id) = initialize_id(&bytes)
    {
        return session_cap_response(id, &slots.refusal());
    }
    let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    super::limits::explain_unacceptable_message(&method, &path, &bytes, response)
}

/// `/mcp` and its selection variants (`/mcp/readonly`, `/mcp/x/<toolsets>`...).
fn is_mcp_path(path: &str) -> bool {
    path == "/mcp" || path.starts_with("/mcp/")
}

/// What a path under `/mcp` selects: `None` for `/mcp` itself, else the toolsets it names (if
/// any) and whether it is read-only; `Err` for any other path. The path is the one below `/mcp`:
/// `/readonly`, `/x/<toolsets>`, `/x/<toolsets>/readonly` (toolsets comma-separated, as
/// `--toolsets` takes them).
type PathSelection = Option<(Option<Vec<String>>, bool)>;

fn parse_url_selection(path: &str) -> Result<PathSelection, ()> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let names = |list: &str| -> Result<Vec<String>, ()> {
        let names: Vec<String> = list.split(',').map(str::to_string).collect();
        if names.iter().any(|n| n.is_empty()) {
            return Err(());
        }
        Ok(names)
    };
    match segments.as_slice() {
        [] => Ok(None),
        ["readonly"] => Ok(Some((None, true))),
        ["x", list] => Ok(Some((Some(names(list)?), false))),
        ["x", list, "readonly"] => Ok(Some((Some(names(list)?), true))),
        _ => Err(()),
    }
}

/// Puts the URL's selection on a `/mcp` request, for clients that cannot send custom headers:
/// `/mcp/x/<toolsets>` reaches and lists only those toolsets, `/readonly` hides and refuses every
/// change, and the two combine (`/mcp/x/<toolsets>/readonly`). Never wider than the server's own
/// selection. The Host/Origin rules are checked first, so a variant answers exactly as `/mcp`
/// does to a request it would refuse; the bearer token was checked before this.
async fn select_from_url(
    State((shared, rules)): State<(Arc<Shared>, Rebinding)>,
    mut request: Request,
    next: Next,
) -> Response {
    let selection = match parse_url_selection(request.uri().path()) {
        Ok(None) => return next.run(request).await,
        Ok(Some(selection)) => selection,
        Err(()) => {
            if let Err(refusal) = rules.check(request.uri(), request.headers()) {
                return refusal;
            }
            return (
                StatusCode::NOT_FOUND,
                "Not Found: MCP is served at /mcp, /mcp/readonly, /mcp/x/<toolsets> and /mcp/x/<toolsets>/readonly\n",
            )
                .into_response();
        }
    };
    if let Err(refusal) = rules.check(request.uri(), request.headers()) {
        return refusal;
    }
    let (toolsets, read_only) = selection;
    match shared.url_selection(toolsets.as_deref(), read_only) {
        Ok(narrowed) => {
            request
                .extensions_mut()
                .insert(UrlSelection(Arc::new(narrowed)));
            next.run(request).await
        }
        Err(error) => (StatusCode::NOT_FOUND, format!("Not Found: {error}\n")).into_response(),
    }
}

/// The id of a JSON-RPC `initialize` request, if `body` is one (cheap check first).
fn initialize_id(body: &[u8]) -> Option<serde_json::Value> {
    const NEEDLE: &[u8] = b"\"initialize\"";
    if !body.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        method: String,
        #[serde(default)]
        id: serde_json::Value,
    }
    let probe: Probe = serde_json::from_slice(body).ok()?;
    (probe.method == "initialize").then_some(probe.id)
}

/// 503 with a JSON-RPC error naming the cap.
fn session_cap_response(id: serde_json::Value, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": -32000, "message": message},
    });
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::RETRY_AFTER, "5"),
        ],
        body.to_string(),
    )
        .into_response()
}

#[derive(Clone)]
struct BodyGate {
    timeout: Duration,
    /// The cap to check at `initialize`; `None` when the server keeps no sessions.
    sessions: Option<Arc<SessionSlots>>,
}

/// The axum app: `/mcp` (streamable HTTP), `/sse` + `/message` (legacy HTTP+SSE), all behind the
/// auth layer and the Host/Origin allow-lists.
pub fn app(
    shared: Arc<Shared>,
    options: &HttpOptions,
    cancel: CancellationToken,
    in_flight: InFlight,
) -> axum::Router {
    let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
    hosts.extend(options.allowed_hosts.iter().cloned());
    let rules = Rebinding::new(&hosts, &options.allowed_origins);
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(options.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(sse::MAX_BODY_BYTES)
        .with_legacy_session_mode(!options.stateless)
        // A stateless answer that is one message goes out as one JSON body rather than an SSE
        // stream (a priming event, the message, the end: several writes). Notifications before
        // the answer still switch it to SSE.
        .with_json_response(true)
        .with_cancellation_token(cancel.clone());
    let slots = Arc::new(SessionSlots::new(options.limits.max_sessions));
    let sessions = super::http_sessions::HttpSessions::new(
        Arc::clone(&slots),
        super::http_sessions::SessionsConfig::with_idle_timeout(
            options.limits.session_idle_timeout,
        ),
    );
    let handler_state = Arc::clone(&shared);
    let service = StreamableHttpService::new(
        move || Ok(Skillgate::new(handler_state.clone())),
        Arc::new(sessions),
        config,
    );
    let service = tower::Layer::layer(
        &axum::middleware::from_fn_with_state(
            (Arc::clone(&shared), rules.clone()),
            select_from_url,
        ),
        service,
    );
    let pages = super::confirm_page::router(Arc::clone(&shared)).layer(
        axum::middleware::from_fn_with_state(rules.clone(), check_host_and_origin),
    );
    let legacy = sse::router(shared, cancel, Arc::clone(&slots)).layer(
        axum::middleware::from_fn_with_state(rules, check_host_and_origin),
    );
    let gate = BodyGate {
        timeout: options.limits.body_timeout,
        sessions: (!options.stateless).then_some(slots),
    };
    let limiter = options
        .limits
        .rate_limit
        .map(|limit| Arc::new(super::limits::RateLimiter::new(limit)));
    let routes = axum::Router::new()
        .nest_service("/mcp", service)
        .merge(legacy)
        .layer(axum::middleware::from_fn_with_state(
            limiter,
            super::limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            gate.clone(),
            read_body_in_time,
        ))
        .layer(axum::middleware::from_fn_with_state(
            options.auth_token.clone(),
            authenticate,
        ))
        // The confirmation page's one-time secret is its credential: a human's browser has no
        // bearer token, and the model never needs one to reach it.
        .merge(pages.layer(axum::middleware::from_fn_with_state(
            gate,
            read_body_in_time,
        )));
    // Around the whole router, so routing's own 404 and 405 answers are covered too.
    axum::Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(
            super::limits::close_unless_drained,
        ))
        .layer(axum::middleware::from_fn_with_state(
            in_flight,
            count_in_flight,
        ))
}

/// Requests being answered (every method but `GET`, whose SSE streams last as long as their
/// session), counted until their answer's body is sent or dropped. A graceful shutdown waits
/// for zero before it closes the MCP sessions: the engine finishing a confirmation is not
/// enough, its answer must also have left through rmcp's session, which closing the sessions
/// would cut (an executed change answered with a 500).
#[derive(Clone, Debug, Default)]
pub struct InFlight(Arc<std::sync::atomic::AtomicUsize>);

impl InFlight {
    fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until no request is being answered, at most `patience`.
    async fn drained(&self, patience: Duration) {
        let deadline = tokio::time::Instant::now() + patience;
        while self.count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// One counted request; uncounted when dropped with the answer's body.
struct Counted(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn count_in_flight(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    use http_body_util::BodyExt;
    if request.method() == Method::GET {
        return next.run(request).await;
    }
    in_flight
        .0
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let counted = Counted(Arc::clone(&in_flight.0));
    let (parts, body) = next.run(request).await.into_parts();
    let body = body.map_frame(move |frame| {
        let _held = &counted;
        frame
    });
    Response::from_parts(parts, Body::new(body))
}

/// How long shutdown waits for confirmations in flight before it closes the sessions anyway.
const DRAIN_PATIENCE: Duration = Duration::from_secs(60);

/// Serves until Ctrl-C or SIGTERM, then stops accepting, lets every request in flight finish
/// (a confirmed execution runs to its end) and hands long operations over. Prints nothing on
/// stdout except what the caller decides.
pub async fn serve_http(shared: Arc<Shared>, options: HttpOptions) -> anyhow::Result<SocketAddr> {
    check_exposure(&options)?;
    let cancel = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let address = listener.local_addr()?;
    // A page of this very server (same origin) may call it; a rebinding page never has this origin.
    let mut options = options;
    let port = address.port();
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        options
            .allowed_origins
            .push(format!("http://{host}:{port}"));
    }
    let base = options
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    shared.pages_base_url(base.trim_end_matches('/').to_string());
    let in_flight = InFlight::default();
    let router = app(
        Arc::clone(&shared),
        &options,
        cancel.clone(),
        in_flight.clone(),
    );
    tracing::info!(%address, "streamable HTTP MCP endpoint at http://{address}/mcp, legacy SSE at /sse");
    // `writeln!`, not `eprintln!`: stderr on a full disk must not stop the server.
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "skillgate: MCP endpoint http://{address}/mcp");
    let _ = writeln!(
        stderr,
        "skillgate: legacy SSE endpoint http://{address}/sse"
    );
    // Shutdown in two steps: stop accepting and let every request in flight finish (a
    // confirmation runs to its end and its answer is sent), then close the MCP sessions and
    // their streams, which would otherwise hold their connections open.
    let draining = CancellationToken::new();
    let (drain, sessions, waiter) = (draining.clone(), cancel.clone(), Arc::clone(&shared));
    tokio::spawn(async move {
        super::shutdown_signal().await;
        drain.cancel();
        waiter.engine.confirmations_done(DRAIN_PATIENCE).await;
        in_flight.drained(DRAIN_PATIENCE).await;
        sessions.cancel();
    });
    serve_connections(listener, router, &options.limits, draining).await;
    shared.wind_down().await;
    Ok(address)
}

/// The accept loop (what `axum::serve` does, plus the socket options and timeouts it has no
/// knobs for): `TCP_NODELAY` on every connection, so an answer written in more than one piece
/// (an SSE event, then the end of the chunked body) is not held back by Nagle's algorithm
/// waiting for the client's delayed ACK (40 ms on Linux); and hyper's header read timeout, so a
/// client that never finishes its headers is cut off. HTTP/1.1 only, as before (axum's default
/// features have no HTTP/2). On `cancel` it stops accepting, asks every connection to finish its
/// request, and returns when they have.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: &HttpLimits,
    cancel: CancellationToken,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let (done_tx, done_rx) = tokio::sync::watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = cancel.cancelled() => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let cancel = cancel.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = cancel.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(done);
        });
    }
    drop(done_rx);
    drop(listener);
    done_tx.closed().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(hosts: &[&str], origins: &[&str]) -> Rebinding {
        let mut all: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        all.extend(hosts.iter().map(|h| h.to_string()));
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        Rebinding::new(&all, &origins)
    }

    fn check(rules: &Rebinding, host: Option<&str>, origin: Option<&str>) -> Option<StatusCode> {
        let mut headers = axum::http::HeaderMap::new();
        if let Some(host) = host {
            headers.insert(header::HOST, host.parse().unwrap());
        }
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        rules
            .check(&Uri::from_static("/sse"), &headers)
            .err()
            .map(|r| r.status())
    }

    #[test]
    fn loopback_hosts_pass_on_any_port_and_others_are_forbidden() {
        let r = rules(&[], &[]);
        assert_eq!(check(&r, Some("127.0.0.1:8765"), None), None);
        assert_eq!(check(&r, Some("localhost"), None), None);
        assert_eq!(check(&r, Some("LOCALHOST:1"), None), None);
        assert_eq!(check(&r, Some("[::1]:8765"), None), None);
        assert_eq!(
            check(&r, Some("evil.example:8765"), None),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            check(&r, Some("bad host"), None),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(check(&r, None, None), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn allowed_hosts_extend_the_list_with_optional_ports() {
        let r = rules(&["mcp.internal", "proxy:8443"], &[]);
        assert_eq!(check(&r, Some("mcp.internal:80"), None), None);
        assert_eq!(check(&r, Some("proxy:8443"), None), None);
        assert_eq!(
            check(&r, Some("proxy:8444"), None),
            Some(StatusCode::FORBIDDEN)
        );
    }

    #[test]
    fn an_origin_must_be_listed() {
        let none = rules(&[], &[]);
        assert_eq!(
            check(&none, Some("localhost"), Some("http://localhost:6274")),
            Some(StatusCode::FORBIDDEN)
        );
        let r = rules(
            &[],
            &[
                "http://localhost:6274",
                "https://app.example",
                "http://dev.example:*",
                "null",
            ],
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("http://localhost:6274")),
            None
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("http://localhost:6275")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("https://localhost:6274")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("https://app.example")),
            None
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("http://dev.example:9")),
            None
        );
        assert_eq!(check(&r, Some("localhost"), Some("null")), None);
        assert_eq!(
            check(&r, Some("localhost"), Some("not an origin")),
            Some(StatusCode::FORBIDDEN)
        );
    }

    #[test]
    fn exact_origin_ports_match_the_scheme_default() {
        let r = rules(&[], &["https://app.example:443"]);
        assert_eq!(
            check(&r, Some("localhost"), Some("https://app.example")),
            None
        );
        assert_eq!(
            check(&r, Some("localhost"), Some("https://app.example:8443")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(parse_allowed_origin("https://a.example:443:*"), None);
        assert_eq!(parse_allowed_origin("null:*"), None);
    }

    #[test]
    fn exposure_needs_a_non_empty_token_off_loopback() {
        let options = |listen: &str, token: Option<&str>| HttpOptions {
            listen: listen.parse().unwrap(),
            auth_token: token.map(Secret::new),
            allowed_hosts: vec![],
            allowed_origins: vec![],
            public_url: None,
            stateless: false,
            limits: HttpLimits::default(),
        };
        assert!(check_exposure(&options("127.0.0.1:0", None)).is_ok());
        assert!(check_exposure(&options("0.0.0.0:0", None)).is_err());
        assert!(check_exposure(&options("0.0.0.0:0", Some("t0k3n"))).is_ok());
        assert!(check_exposure(&options("127.0.0.1:0", Some("  "))).is_err());
    }

    #[test]
    fn url_selections_parse_and_others_are_refused() {
        let names = |list: &[&str]| Some(list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parse_url_selection("/"), Ok(None));
        assert_eq!(parse_url_selection(""), Ok(None));
        assert_eq!(parse_url_selection("/readonly"), Ok(Some((None, true))));
        assert_eq!(
            parse_url_selection("/x/pai-quota"),
            Ok(Some((names(&["pai-quota"]), false)))
        );
        assert_eq!(
            parse_url_selection("/x/pai-quota,pai-quota-extra/readonly"),
            Ok(Some((names(&["pai-quota", "pai-quota-extra"]), true)))
        );
        assert_eq!(parse_url_selection("/x"), Err(()));
        assert_eq!(parse_url_selection("/x/a,,b"), Err(()));
        assert_eq!(parse_url_selection("/readonly/x/a"), Err(()));
        assert_eq!(parse_url_selection("/other"), Err(()));
        assert!(is_mcp_path("/mcp") && is_mcp_path("/mcp/x/a") && !is_mcp_path("/mcpx"));
    }

    #[test]
    fn tokens_compare_exactly() {
        let secret = Secret::new("s3cret");
        assert!(token_matches("s3cret", &secret));
        assert!(!token_matches("s3cre", &secret));
        assert!(!token_matches("", &secret));
        let principal = principal_of(&secret);
        assert!(!principal.0.contains("s3cret"));
    }
}
