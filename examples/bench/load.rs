//! `bench --http`: a load generator for streamable HTTP (and the legacy SSE pair).
//!
//! The client is a minimal HTTP/1.1 keep-alive client written on `tokio::net::TcpStream`: each
//! request is a pre-formatted byte string, each answer is parsed only as far as framing needs
//! (status line, `Content-Length` or chunked, one header), and checked with a substring search,
//! never deserialized. All connections run as tasks on one current-thread runtime on one thread,
//! in a closed loop (a connection sends its next request when the previous answer is in). Its own
//! CPU time is measured and printed next to the server's, per request, to show it is not the
//! bottleneck. Loopback only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any single exchange may take before the run gives up.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

// --------------------------------------------------------------------------------- HTTP client

/// One keep-alive connection.
pub struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet consumed.
    raw: Vec<u8>,
    start: usize,
    /// The decoder of a response body being streamed (`/sse`).
    streaming: Option<Chunked>,
    /// Decoded stream bytes not yet split into events.
    events: Vec<u8>,
}

/// One answer: status, the `mcp-session-id` header if any, the decoded body.
pub struct Reply {
    pub status: u16,
    pub session: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn contains(&self, needle: &[u8]) -> bool {
        contains(&self.body, needle)
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Incremental chunked transfer decoding.
#[derive(Default)]
struct Chunked {
    /// Bytes left in the current chunk.
    left: usize,
    /// A CRLF ends the current chunk.
    crlf: bool,
    done: bool,
}

impl Chunked {
    /// Decodes what `raw` holds into `out`; returns how many bytes of `raw` it consumed.
    fn feed(&mut self, raw: &[u8], out: &mut Vec<u8>) -> Result<usize> {
        let mut at = 0;
        while !self.done {
            if self.left > 0 {
                let n = self.left.min(raw.len() - at);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&raw[at..at + n]);
                at += n;
                self.left -= n;
                self.crlf = self.left == 0;
            } else if self.crlf {
                if raw.len() - at < 2 {
                    break;
                }
                at += 2;
                self.crlf = false;
            } else {
                let Some(end) = find(&raw[at..], b"\r\n") else {
                    break;
                };
                let line = std::str::from_utf8(&raw[at..at + end])?;
                let size = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16)
                    .map_err(|_| anyhow!("bad chunk size line `{line}`"))?;
                at += end + 2;
                if size == 0 {
                    // No trailers: the final CRLF follows.
                    if raw.len() - at < 2 {
                        at -= end + 2;
                        break;
                    }
                    at += 2;
                    self.done = true;
                } else {
                    self.left = size;
                }
            }
        }
        Ok(at)
    }
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            raw: Vec::with_capacity(16 * 1024),
            start: 0,
            streaming: None,
            events: Vec::new(),
        })
    }

    fn pending(&self) -> &[u8] {
        &self.raw[self.start..]
    }

    async fn fill(&mut self) -> Result<()> {
        if self.start > 0 && self.start == self.raw.len() {
            self.raw.clear();
            self.start = 0;
        } else if self.start > 64 * 1024 {
            self.raw.drain(..self.start);
            self.start = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.raw.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Sends one request and reads its whole answer.
    pub async fn exchange(&mut self, request: &[u8]) -> Result<Reply> {
        tokio::time::timeout(EXCHANGE_TIMEOUT, async {
            self.stream.write_all(request).await?;
            self.read_reply(false).await
        })
        .await
        .map_err(|_| anyhow!("no answer within {EXCHANGE_TIMEOUT:?}"))?
    }

    /// Sends a request whose answer is an endless stream (`GET /sse`): reads the head only.
    pub async fn open_stream(&mut self, request: &[u8]) -> Result<Reply> {
        self.stream.write_all(request).await?;
        self.read_reply(true).await
    }

    /// The next SSE event of an open stream (keep-alive comments skipped).
    pub async fn next_event(&mut self) -> Result<Vec<u8>> {
        tokio::time::timeout(EXCHANGE_TIMEOUT, async {
            loop {
                if let Some(end) = find(&self.events, b"\n\n") {
                    let event: Vec<u8> = self.events.drain(..end + 2).collect();
                    if event.starts_with(b":") {
                        continue;
                    }
                    return Ok(event);
                }
                let decoder = self
                    .streaming
                    .as_mut()
                    .ok_or_else(|| anyhow!("no open stream"))?;
                let used = decoder.feed(&self.raw[self.start..], &mut self.events)?;
                self.start += used;
                if decoder.done {
                    bail!("the stream ended");
                }
                if (used == 0 || self.start == self.raw.len())
                    && find(&self.events, b"\n\n").is_none()
                {
                    self.fill().await?;
                }
            }
        })
        .await
        .map_err(|_| anyhow!("no event within {EXCHANGE_TIMEOUT:?}"))?
    }

    async fn read_reply(&mut self, stream: bool) -> Result<Reply> {
        let head_end = loop {
            if let Some(end) = find(self.pending(), b"\r\n\r\n") {
                break end;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.pending()[..head_end])?.to_string();
        self.start += head_end + 4;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line `{status_line}`"))?;
        let mut length = None;
        let mut chunked = false;
        let mut session = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("mcp-session-id") {
                session = Some(value.to_string());
            }
        }
        let mut body = Vec::new();
        if stream {
            if !chunked {
                bail!("a stream that is not chunked (status {status})");
            }
            self.streaming = Some(Chunked::default());
            self.events.clear();
        } else if chunked {
            let mut decoder = Chunked::default();
            loop {
                let used = decoder.feed(&self.raw[self.start..], &mut body)?;
                self.start += used;
                if decoder.done {
                    break;
                }
                self.fill().await?;
            }
        } else if let Some(length) = length {
            while self.pending().len() < length {
                self.fill().await?;
            }
            body.extend_from_slice(&self.pending()[..length]);
            self.start += length;
        }
        Ok(Reply {
            status,
            session,
            body,
        })
    }
}

// ----------------------------------------------------------------------------------- requests

/// What the requests of a workload carry.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    /// `/mcp`, or `/message?sessionId=...`.
    pub path: String,
}

pub fn post(target: &Target, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{extra_headers}Content-Length: {}\r\n\r\n{body}",
        target.path,
        target.addr,
        body.len()
    )
    .into_bytes()
}

pub const MODERN: &str = "2026-07-28";
pub const LEGACY: &str = "2025-11-25";

/// The per-request `_meta` of a 2026-07-28 request.
fn modern_meta() -> &'static str {
    r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0"}}"#
}

/// What one request of a workload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    QuotaGet,
    ToolsList,
    /// A plan: `pai_quota_update` with a new description.
    Plan,
}

impl Call {
    fn method(self) -> &'static str {
        match self {
            Call::QuotaGet | Call::Plan => "tools/call",
            Call::ToolsList => "tools/list",
        }
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Call::QuotaGet => Some("pai_quota_get"),
            Call::Plan => Some("pai_quota_update"),
            _ => None,
        }
    }

    fn params(self, id: u64, meta: bool) -> String {
        let meta = if meta { modern_meta() } else { "" };
        let sep = if meta.is_empty() { "" } else { "," };
        match self {
            Call::QuotaGet => format!(
                r#"{{"name":"pai_quota_get","arguments":{{"quota_id":"{}"}}{sep}{meta}}}"#,
                super::QUOTA_ID
            ),
            Call::Plan => format!(
                r#"{{"name":"pai_quota_update","arguments":{{"quota_id":"{}","description":"bench {id}"}}{sep}{meta}}}"#,
                super::QUOTA_ID
            ),
            Call::ToolsList => format!("{{{meta}}}"),
        }
    }

    /// A stateless 2026-07-28 request.
    pub fn modern(self, target: &Target, id: u64) -> Vec<u8> {
        let mut headers = format!(
            "MCP-Protocol-Version: {MODERN}\r\nMcp-Method: {}\r\n",
            self.method()
        );
        if let Some(name) = self.name() {
            headers.push_str(&format!("Mcp-Name: {name}\r\n"));
        }
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{}","params":{}}}"#,
            self.method(),
            self.params(id, true)
        );
        post(target, &headers, &body)
    }

    /// A request inside a session (`session` None: a stateless legacy request, as to a
    /// stateless-mode server).
    pub fn in_session(self, target: &Target, session: Option<&str>, id: u64) -> Vec<u8> {
        let mut headers = format!("MCP-Protocol-Version: {LEGACY}\r\n");
        if let Some(session) = session {
            headers.push_str(&format!("Mcp-Session-Id: {session}\r\n"));
        }
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{}","params":{}}}"#,
            self.method(),
            self.params(id, false)
        );
        post(target, &headers, &body)
    }
}

/// An answer is good when it carries a JSON-RPC result that is not a tool error.
pub fn good(reply: &Reply) -> bool {
    reply.status == 200 && reply.contains(b"\"result\"") && !reply.contains(b"\"isError\":true")
}

/// Opens a legacy (2025-11-25) session on `conn`: `initialize` then `notifications/initialized`.
pub async fn open_session(conn: &mut Conn, target: &Target) -> Result<String> {
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{LEGACY}","capabilities":{{}},"clientInfo":{{"name":"bench","version":"0"}}}}}}"#
    );
    let reply = conn.exchange(&post(target, "", &init)).await?;
    if reply.status != 200 {
        bail!(
            "initialize: HTTP {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
    let session = reply
        .session
        .ok_or_else(|| anyhow!("initialize gave no Mcp-Session-Id"))?;
    let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let headers = format!("MCP-Protocol-Version: {LEGACY}\r\nMcp-Session-Id: {session}\r\n");
    let reply = conn.exchange(&post(target, &headers, note)).await?;
    if reply.status != 202 {
        bail!("notifications/initialized: HTTP {}", reply.status);
    }
    Ok(session)
}

// ------------------------------------------------------------------------------------- driver

/// CPU time (user + system) of a process so far, from `/proc/<pid>/stat`, in seconds.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports these in USER_HZ, which is 100 on every mainstream build.
    (ticks(11) + ticks(12)) / 100.0
}

/// The figures of one load run.
#[derive(Clone, Debug, Default)]
pub struct LoadFigures {
    pub concurrency: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    /// Latencies in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// CPU seconds the server (and the emulator, when separate) spent in the measured window.
    pub server_cpu: f64,
    pub emulator_cpu: f64,
    /// CPU seconds this load generator spent in the measured window.
    pub client_cpu: f64,
    pub first_error: Option<String>,
}

impl LoadFigures {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64)
            .ceil()
            .max(1.0) as usize;
        self.latencies_us[rank.min(self.latencies_us.len()) - 1] as f64 / 1000.0
    }

    /// CPU microseconds per request.
    pub fn per_request_us(&self, cpu: f64) -> f64 {
        if self.requests == 0 {
            f64::NAN
        } else {
            cpu * 1e6 / self.requests as f64
        }
    }
}

/// Makes the bytes of request number `n` for connection `c`.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>;

/// Timing of a run: unmeasured warm-up, then the measured window.
#[derive(Clone, Copy)]
pub struct Window {
    pub warmup: Duration,
    pub measure: Duration,
}

/// Drives `conns` in a closed loop for the window; `pids` are the processes whose CPU is
/// charged to the server (first) and to the emulator (second, optional).
pub async fn drive(
    conns: Vec<Conn>,
    make: MakeRequest,
    window: Window,
    server_pid: u32,
    emulator_pid: Option<u32>,
) -> Result<LoadFigures> {
    let concurrency = conns.len();
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let until = measure_from + window.measure;
    let counter = Arc::new(AtomicU64::new(1));
    let mut tasks = Vec::new();
    for (c, mut conn) in conns.into_iter().enumerate() {
        let make = Arc::clone(&make);
        let counter = Arc::clone(&counter);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let mut first_error = None;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let request = make(c, n);
                let ok = match conn.exchange(&request).await {
                    Ok(reply) if good(&reply) => true,
                    Ok(reply) => {
                        first_error.get_or_insert_with(|| {
                            format!(
                                "HTTP {}: {}",
                                reply.status,
                                String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
                            )
                        });
                        false
                    }
                    Err(error) => return (latencies, errors + 1, Some(error.to_string())),
                };
                let done = Instant::now();
                if sent >= measure_from && done <= until {
                    if ok {
                        latencies.push(done.duration_since(sent).as_micros() as u32);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    // CPU counters at the start of the window.
    tokio::time::sleep_until(measure_from.into()).await;
    let server = server_pid.to_string();
    let emulator = emulator_pid.map(|p| p.to_string());
    let cpu0 = (
        cpu_seconds(&server),
        emulator.as_deref().map_or(0.0, cpu_seconds),
        cpu_seconds("self"),
    );
    tokio::time::sleep_until(until.into()).await;
    let cpu1 = (
        cpu_seconds(&server),
        emulator.as_deref().map_or(0.0, cpu_seconds),
        cpu_seconds("self"),
    );
    let mut figures = LoadFigures {
        concurrency,
        seconds: window.measure.as_secs_f64(),
        server_cpu: cpu1.0 - cpu0.0,
        emulator_cpu: cpu1.1 - cpu0.1,
        client_cpu: cpu1.2 - cpu0.2,
        ..LoadFigures::default()
    };
    for task in tasks {
        let (latencies, errors, first_error) = task.await?;
        figures.errors += errors;
        if figures.first_error.is_none() {
            figures.first_error = first_error;
        }
        figures.latencies_us.extend(latencies);
    }
    figures.requests = figures.latencies_us.len() as u64;
    figures.latencies_us.sort_unstable();
    Ok(figures)
}

/// Opens `n` connections.
pub async fn connections(addr: SocketAddr, n: usize) -> Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(Conn::open(addr).await?);
    }
    Ok(conns)
}

/// One legacy SSE session: the stream connection and the connection its POSTs go on.
pub struct SseSession {
    stream: Conn,
    post: Conn,
    target: Target,
}

impl SseSession {
    pub async fn open(addr: SocketAddr) -> Result<Self> {
        let mut stream = Conn::open(addr).await?;
        let get = format!("GET /sse HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
        let head = stream.open_stream(get.as_bytes()).await?;
        if head.status != 200 {
            bail!("GET /sse: HTTP {}", head.status);
        }
        let endpoint = stream.next_event().await?;
        let endpoint = String::from_utf8_lossy(&endpoint).to_string();
        let path = endpoint
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .ok_or_else(|| anyhow!("no endpoint event: {endpoint}"))?
            .trim()
            .to_string();
        let target = Target { addr, path };
        let mut session = Self {
            stream,
            post: Conn::open(addr).await?,
            target,
        };
        let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#;
        session.send(init).await?;
        let answer = session.stream.next_event().await?;
        if !contains(&answer, b"\"result\"") {
            bail!("SSE initialize: {}", String::from_utf8_lossy(&answer));
        }
        session
            .send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await?;
        Ok(session)
    }

    /// Keeps only the stream open (an idle session, for the memory figure); the `POST`
    /// connection closes.
    pub fn into_stream(self) -> Conn {
        self.stream
    }

    async fn send(&mut self, body: &str) -> Result<()> {
        let reply = self.post.exchange(&post(&self.target, "", body)).await?;
        if reply.status != 202 {
            bail!("POST /message: HTTP {}", reply.status);
        }
        Ok(())
    }

    /// One `tools/call pai_quota_get`: POST it, wait for its answer on the stream.
    pub async fn quota_get(&mut self, id: u64) -> Result<bool> {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{}}}"#,
            Call::QuotaGet.params(id, false)
        );
        self.send(&body).await?;
        let needle = format!("\"id\":{id}");
        loop {
            let event = self.stream.next_event().await?;
            if contains(&event, needle.as_bytes()) {
                return Ok(
                    contains(&event, b"\"result\"") && !contains(&event, b"\"isError\":true")
                );
            }
        }
    }
}

/// The SSE counterpart of [`drive`].
pub async fn drive_sse(
    sessions: Vec<SseSession>,
    window: Window,
    server_pid: u32,
) -> Result<LoadFigures> {
    let concurrency = sessions.len();
    let measure_from = Instant::now() + window.warmup;
    let until = measure_from + window.measure;
    let counter = Arc::new(AtomicU64::new(1));
    let mut tasks = Vec::new();
    for mut session in sessions {
        let counter = Arc::clone(&counter);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let id = counter.fetch_add(1, Ordering::Relaxed);
                let ok = match session.quota_get(id).await {
                    Ok(ok) => ok,
                    Err(error) => return (latencies, errors + 1, Some(error.to_string())),
                };
                let done = Instant::now();
                if sent >= measure_from && done <= until {
                    if ok {
                        latencies.push(done.duration_since(sent).as_micros() as u32);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors, None)
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let server = server_pid.to_string();
    let cpu0 = (cpu_seconds(&server), cpu_seconds("self"));
    tokio::time::sleep_until(until.into()).await;
    let cpu1 = (cpu_seconds(&server), cpu_seconds("self"));
    let mut figures = LoadFigures {
        concurrency,
        seconds: window.measure.as_secs_f64(),
        server_cpu: cpu1.0 - cpu0.0,
        client_cpu: cpu1.1 - cpu0.1,
        ..LoadFigures::default()
    };
    for task in tasks {
        let (latencies, errors, first_error) = task.await?;
        figures.errors += errors;
        if figures.first_error.is_none() {
            figures.first_error = first_error;
        }
        figures.latencies_us.extend(latencies);
    }
    figures.requests = figures.latencies_us.len() as u64;
    figures.latencies_us.sort_unstable();
    Ok(figures)
}
