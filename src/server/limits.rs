//! What protects the HTTP edge from clients that misbehave, kept apart from the routes:
//!
//! - **Keep-alive honesty**: an answer given before the request body was read to its end (413,
//!   a 404 or 405 from routing, a refusal before the body) carries `Connection: close`. The
//!   unread rest of the body is still on the connection; without the header the client would
//!   send its next request on a connection the server cannot read a request from (hyper either
//!   closes it or reads the leftover body as a request), and that request would be lost.
//!   Draining instead would mean reading, possibly without end, from a client that already broke
//!   a limit, so the connection is closed and the client told so.
//! - **Malformed JSON-RPC bodies** on `POST /mcp` (and its variants) and `POST /message` are
//!   answered `400` with a JSON-RPC error ([`super::framing`]) instead of rmcp's plain-text
//!   `415`: text that is not JSON before rmcp sees it, and JSON that is not an acceptable message
//!   (a batch, an id that is an array, a request without a method) when rmcp refuses it, so the
//!   happy path pays for no second parse. Found by the protocol fuzzer (`tests/protocol_fuzz.rs`).
//! - **Rate limit** per principal (`--rate-limit N/s`, `--rate-limit-burst B`): a token bucket
//!   per authenticated principal; past it, `429 Too Many Requests` with `Retry-After` and a
//!   JSON-RPC error that says when to retry. It runs after the body is read, so a client that
//!   waits as told keeps its connection.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use serde_json::{Value, json};

use super::Principal;
use super::framing;

// ------------------------------------------------------------------------------- keep-alive

/// A request body that remembers whether it was read to its end.
struct Tracked {
    inner: Body,
    done: Arc<AtomicBool>,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(poll, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.store(true, Ordering::Release);
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Adds `Connection: close` to any answer given before the request body was read to its end.
/// The outermost layer, so it sees routing's own 404 and 405 answers too.
pub(super) async fn close_unless_drained(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let done = Arc::new(AtomicBool::new(body.is_end_stream()));
    let body = Body::new(Tracked {
        inner: body,
        done: Arc::clone(&done),
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if !done.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// `413` for a body past the limit, with `Connection: close`: the rest of it is never read.
pub(super) fn payload_too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONNECTION, "close")],
        format!(
            "Payload Too Large: request bodies are limited to {} KiB\n",
            limit / 1024
        ),
    )
        .into_response()
}

// ----------------------------------------------------------------------- malformed bodies

/// The JSON-RPC error answer for a `POST /mcp` or `POST /message` body that is not valid
/// JSON-RPC text (invalid UTF-8, nested too deep, not JSON); `None` for every other request.
pub(super) fn malformed_body(method: &Method, path: &str, body: &[u8]) -> Option<Response> {
    if !carries_json_rpc(method, path) || body.is_empty() {
        return None;
    }
    let rejection = framing::screen(body).err()?;
    tracing::debug!(code = rejection.code, message = %rejection.message, "refused a malformed JSON-RPC body");
    Some(rejection_response(&rejection))
}

/// rmcp answers a JSON body that is not a message it accepts with a plain-text `415`; this
/// turns that answer into the `400` JSON-RPC error stdio gives for the same text (`-32600`, with
/// the request's id when it has a usable one), or `202` for a notification. Any other answer
/// passes unchanged, and so does a
/// `415` for a body that is an acceptable message (a wrong `Content-Type`).
pub(super) fn explain_unacceptable_message(
    method: &Method,
    path: &str,
    body: &[u8],
    response: Response,
) -> Response {
    if response.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE || !carries_json_rpc(method, path) {
        return response;
    }
    match framing::decode(body) {
        framing::Decoded::Rejected(rejection) => {
            tracing::debug!(code = rejection.code, message = %rejection.message, "refused an unacceptable JSON-RPC message");
            rejection_response(&rejection)
        }
        // A notification this server cannot read: no answer is allowed, as on stdio, and the
        // streamable HTTP answer for a notification is `202 Accepted`.
        framing::Decoded::Ignored => StatusCode::ACCEPTED.into_response(),
        framing::Decoded::Message(_) => response,
    }
}

/// `POST /mcp`, its selection variants and the legacy SSE `POST /message`.
fn carries_json_rpc(method: &Method, path: &str) -> bool {
    method == Method::POST && (path == "/mcp" || path.starts_with("/mcp/") || path == "/message")
}

fn rejection_response(rejection: &framing::Rejection) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        rejection.to_json().to_string(),
    )
        .into_response()
}

// ------------------------------------------------------------------------------ rate limit

/// `--rate-limit` and `--rate-limit-burst`: `requests` per `per`, at most `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per `per`.
    pub requests: u32,
    /// The period of `requests`.
    pub per: Duration,
    /// How many may come at once after a quiet spell.
    pub burst: u32,
}

impl RateLimit {
    /// Parses `N`, `N/s`, `N/m` or `N/h`; the burst defaults to one second's worth (at least 1).
    pub fn parse(rate: &str, burst: Option<u32>) -> Result<Self, String> {
        let text = rate.trim();
        let (number, unit) = text.split_once('/').unwrap_or((text, "s"));
        let requests: u32 = number
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a rate; use e.g. 20/s, 600/m or 5000/h"))?;
        let per = match unit.trim() {
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            other => {
                return Err(format!(
                    "`{text}` has unknown unit `{other}`; use s, m or h"
                ));
            }
        };
        if requests == 0 {
            return Err(format!("`{text}` would refuse every request"));
        }
        let per_second = f64::from(requests) / per.as_secs_f64();
        let burst = burst.unwrap_or_else(|| per_second.ceil().max(1.0) as u32);
        if burst == 0 {
            return Err("--rate-limit-burst: 0 would refuse every request".into());
        }
        Ok(Self {
            requests,
            per,
            burst,
        })
    }

    fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64()
    }

    /// How it reads in a refusal: `20 requests per second (burst 40)`.
    fn describe(&self) -> String {
        let unit = match self.per.as_secs() {
            60 => "minute",
            3600 => "hour",
            _ => "second",
        };
        format!(
            "{} requests per {unit} (burst {})",
            self.requests, self.burst
        )
    }
}

/// One principal's bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every principal seen lately.
#[derive(Debug)]
pub(super) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// A principal past its limit: how long until one request is allowed.
#[derive(Debug, PartialEq)]
struct Limited {
    retry_after: Duration,
}

/// How many principals are remembered before the full (idle) buckets are forgotten.
const BUCKETS_KEPT: usize = 1024;

impl RateLimiter {
    pub(super) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `principal`'s bucket at `now`, or says how long to wait for one.
    fn take(&self, principal: &str, now: Instant) -> Result<(), Limited> {
        let rate = self.limit.per_second();
        let burst = f64::from(self.limit.burst);
        let refill = |bucket: &Bucket| {
            let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
            (bucket.tokens + elapsed * rate).min(burst)
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= BUCKETS_KEPT && !buckets.contains_key(principal) {
            buckets.retain(|_, bucket| refill(bucket) < burst);
        }
        let bucket = buckets.entry(principal.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = refill(bucket);
        bucket.at = now;
        if tokens >= 1.0 {
            bucket.tokens = tokens - 1.0;
            Ok(())
        } else {
            bucket.tokens = tokens;
            Err(Limited {
                retry_after: Duration::from_secs_f64((1.0 - tokens) / rate),
            })
        }
    }

    /// The 429 answer: `Retry-After` in whole seconds (at least 1) and a JSON-RPC error with
    /// the exact wait.
    fn refusal(&self, limited: &Limited, id: Value) -> Response {
        let seconds = limited.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {
                "code": -32000,
                "message": format!(
                    "rate limit exceeded: this server allows {} per client (--rate-limit); retry after {seconds} s",
                    self.limit.describe()
                ),
                "data": {
                    "retry_after_seconds": seconds,
                    "retry_after_ms": limited.retry_after.as_millis() as u64,
                },
            },
        });
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::RETRY_AFTER, seconds.to_string()),
            ],
            body.to_string(),
        )
            .into_response()
    }
}

/// The id of a JSON-RPC request body, if it has one (for the 429 answer).
fn request_id(body: &[u8]) -> Value {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        id: Value,
    }
    serde_json::from_slice::<Probe>(body)
        .map(|probe| probe.id)
        .unwrap_or(Value::Null)
}

/// Refuses a request past its principal's rate with 429; behind the auth layer (which names the
/// principal) and after the body is read (so the connection stays usable).
pub(super) async fn rate_limit(
    State(limiter): State<Option<Arc<RateLimiter>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = limiter else {
        return next.run(request).await;
    };
    let principal = request
        .extensions()
        .get::<Principal>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    match limiter.take(&principal, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(limited) => {
            tracing::debug!(%principal, "refused a request past --rate-limit");
            let (parts, body) = request.into_parts();
            // The body was buffered by the layer before this one; reading it costs nothing.
            let bytes = axum::body::to_bytes(body, super::sse::MAX_BODY_BYTES)
                .await
                .unwrap_or_default();
            drop(parts);
            limiter.refusal(&limited, request_id(&bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_units_and_a_default_burst() {
        let limit = RateLimit::parse("20/s", None).unwrap();
        assert_eq!((limit.requests, limit.burst), (20, 20));
        let limit = RateLimit::parse("600/m", Some(5)).unwrap();
        assert_eq!(limit.per, Duration::from_secs(60));
        assert_eq!(limit.burst, 5);
        assert_eq!(RateLimit::parse("30/h", None).unwrap().burst, 1);
        assert_eq!(
            RateLimit::parse("7", None).unwrap().per,
            Duration::from_secs(1)
        );
        assert!(RateLimit::parse("0/s", None).is_err());
        assert!(RateLimit::parse("ten/s", None).is_err());
        assert!(RateLimit::parse("10/d", None).is_err());
        assert!(RateLimit::parse("10/s", Some(0)).is_err());
    }

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let limiter = RateLimiter::new(RateLimit::parse("2/s", Some(3)).unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("a", start), Ok(()));
        }
        let limited = limiter.take("a", start).unwrap_err();
        assert_eq!(limited.retry_after, Duration::from_millis(500));
        // Another principal has its own bucket.
        assert_eq!(limiter.take("b", start), Ok(()));
        // Half a second later one token is back, and only one.
        let later = start + Duration::from_millis(500);
        assert_eq!(limiter.take("a", later), Ok(()));
        assert!(limiter.take("a", later).is_err());
    }

    #[test]
    fn the_refusal_says_when_to_retry() {
        let limiter = RateLimiter::new(RateLimit::parse("1/m", None).unwrap());
        let response = limiter.refusal(
            &Limited {
                retry_after: Duration::from_millis(59_200),
            },
            json!(4),
        );
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "60");
    }

    #[test]
    fn only_malformed_json_rpc_posts_are_refused() {
        assert!(malformed_body(&Method::POST, "/mcp", b"{not json").is_some());
        assert!(malformed_body(&Method::POST, "/message", b"\xff").is_some());
        assert!(malformed_body(&Method::POST, "/mcp", br#"{"jsonrpc":"2.0"}"#).is_none());
        assert!(malformed_body(&Method::POST, "/confirm/abc", b"phrase=x").is_none());
        assert!(malformed_body(&Method::GET, "/mcp", b"").is_none());
    }
}
