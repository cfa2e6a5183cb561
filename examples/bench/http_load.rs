//! `bench --http`: the HTTP load benchmark. It measures and prints; it asserts nothing.
//!
//! Per skillgate binary (the one under test and, with `--baseline`, a second one, in the same run
//! so the ratios compare like with like on a shared machine):
//!
//! - stateless 2026-07-28 `tools/call pai_quota_get` at concurrency 1, 16 and 64; `tools/list`
//!   at 16 (the transport without the engine and emulator, with a large answer);
//! - one 2025-11-25 session shared by every connection, at 1, 16 and 64;
//! - one session per connection ("many sessions") at 16 and 64;
//! - the legacy HTTP+SSE transport at 16 (one session per stream);
//! - on a fresh process (against a standalone emulator, so it is the server's own memory), peak
//!   RSS with `--sessions` idle sessions, then with a plan in each, and with as many idle legacy SSE
//!   sessions (each on a fresh server against a standalone emulator).
//!
//! Then the same stateless workload against a minimal official Python SDK server (`mcp`
//! `MCPServer`, stateless, JSON responses, one tool answering a constant), printed as a ratio;
//! and the emulator measured apart: the server pointed at a standalone `skillgate emulator`, so
//! each process's CPU per read is its own.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::load::{self, Call, Conn, LoadFigures, MakeRequest, SseSession, Target, Window};
use super::{BinaryInfo, ENDPOINT_MARK, Machine, Options, STEP_TIMEOUT, Sandbox, memory_kib, mib};

/// A running HTTP server process.
struct Server {
    child: tokio::process::Child,
    pid: u32,
    addr: SocketAddr,
}

impl Server {
    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

async fn spawn_skillgate(
    sandbox: &Sandbox,
    binary: &Path,
    extra: &[&str],
    env: &[(String, String)],
) -> Result<Server> {
    let mut args = vec![
        "serve",
        "--transport",
        "http",
        "--listen",
        "127.0.0.1:0",
        "--audit-log",
        "off",
    ];
    args.extend_from_slice(extra);
    let mut cmd = sandbox.command(binary, &args);
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("spawn the HTTP server")?;
    let pid = child.id().ok_or_else(|| anyhow!("the child has no pid"))?;
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let mut said = Vec::new();
    let url = loop {
        let line = match tokio::time::timeout(STEP_TIMEOUT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(_) => bail!("the HTTP server exited early:\n{}", said.join("\n")),
            Err(_) => bail!("the HTTP server printed no endpoint:\n{}", said.join("\n")),
        };
        if let Some((_, url)) = line.split_once(ENDPOINT_MARK) {
            break url.trim().to_string();
        }
        said.push(line);
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/mcp"))
        .ok_or_else(|| anyhow!("unexpected endpoint {url}"))?
        .parse()?;
    if !addr.ip().is_loopback() {
        bail!("the HTTP server is not on loopback: {url}");
    }
    Ok(Server { child, pid, addr })
}

/// A free loopback port (for servers that cannot report the one they picked).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

const PYTHON_SERVER: &str = r#"
import sys
from mcp.server.mcpserver import MCPServer

app = MCPServer("bench-python")

@app.tool()
def pai_quota_get(quota_id: str) -> dict:
    """A constant quota, as small as skillgate's answer is."""
    return {"quota_id": quota_id, "name": "team-root", "status": "Ready",
            "resource_type": "Lingjun", "min": {"cpu": "96", "memory": "768Gi", "gpu": "8"}}

app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]),
        json_response=True, stateless_http=True)
"#;

async fn spawn_python(sandbox: &Sandbox, python: &Path) -> Result<Server> {
    let script = sandbox.dir.path().join("python_server.py");
    std::fs::write(&script, PYTHON_SERVER)?;
    let port = free_port()?;
    let mut child = tokio::process::Command::new(python)
        .arg(&script)
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("spawn {}", python.display()))?;
    let pid = child.id().ok_or_else(|| anyhow!("no pid"))?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + STEP_TIMEOUT;
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("the Python server exited ({status})");
        }
        if Instant::now() > deadline {
            bail!("the Python server did not listen");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Server { child, pid, addr })
}

/// `skillgate emulator` alone; returns it, its endpoint and the server environment to use it.
async fn spawn_emulator(
    sandbox: &Sandbox,
    binary: &Path,
) -> Result<(tokio::process::Child, u32, String, Vec<(String, String)>)> {
    let mut cmd = sandbox.command(binary, &["emulator"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().context("spawn the emulator")?;
    let pid = child.id().ok_or_else(|| anyhow!("no pid"))?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let line = tokio::time::timeout(STEP_TIMEOUT, lines.next_line())
        .await
        .map_err(|_| anyhow!("the emulator printed nothing"))??
        .ok_or_else(|| anyhow!("the emulator exited"))?;
    let v: serde_json::Value = serde_json::from_str(&line)?;
    let field = |p: &str| {
        v.pointer(p)
            .and_then(|x| x.as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("emulator line has no {p}: {line}"))
    };
    let endpoint = field("/endpoint")?;
    let env = vec![
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID".to_string(),
            field("/alibaba/access_key_id")?,
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET".to_string(),
            field("/alibaba/access_key_secret")?,
        ),
    ];
    Ok((child, pid, endpoint, env))
}

fn window(o: &Options) -> Window {
    Window {
        warmup: Duration::from_millis(500),
        measure: Duration::from_secs_f64(o.seconds),
    }
}

/// Stateless 2026-07-28 calls over `c` connections.
async fn stateless(
    server: &Server,
    call: Call,
    c: usize,
    w: Window,
    emulator: Option<u32>,
) -> Result<LoadFigures> {
    let target = Target {
        addr: server.addr,
        path: "/mcp".into(),
    };
    let make: MakeRequest = Arc::new(move |_, n| call.modern(&target, n));
    let conns = load::connections(server.addr, c).await?;
    load::drive(conns, make, w, server.pid, emulator).await
}

/// Legacy stateless calls (no session header), for a server that serves them statelessly.
async fn stateless_legacy(server: &Server, c: usize, w: Window) -> Result<LoadFigures> {
    let target = Target {
        addr: server.addr,
        path: "/mcp".into(),
    };
    let make: MakeRequest = Arc::new(move |_, n| Call::QuotaGet.in_session(&target, None, n));
    let conns = load::connections(server.addr, c).await?;
    load::drive(conns, make, w, server.pid, None).await
}

/// Calls inside sessions: one shared by all `c` connections, or one per connection.
async fn in_sessions(server: &Server, c: usize, shared: bool, w: Window) -> Result<LoadFigures> {
    let target = Target {
        addr: server.addr,
        path: "/mcp".into(),
    };
    let mut conns = load::connections(server.addr, c).await?;
    let mut sessions = Vec::new();
    for (i, conn) in conns.iter_mut().enumerate() {
        if i == 0 || !shared {
            sessions.push(load::open_session(conn, &target).await?);
        }
    }
    let make: MakeRequest = Arc::new(move |c, n| {
        let session = &sessions[if shared { 0 } else { c }];
        Call::QuotaGet.in_session(&target, Some(session), n)
    });
    load::drive(conns, make, w, server.pid, None).await
}

async fn sse(server: &Server, c: usize, w: Window) -> Result<LoadFigures> {
    let mut sessions = Vec::new();
    for _ in 0..c {
        sessions.push(SseSession::open(server.addr).await?);
    }
    load::drive_sse(sessions, w, server.pid).await
}

/// Memory with `n` idle sessions, then with one plan pending in each: (baseline RSS, HWM idle,
/// HWM with plans) in KiB.
async fn session_memory(addr: SocketAddr, pid: u32, n: usize) -> Result<(u64, u64, u64)> {
    let target = Target {
        addr,
        path: "/mcp".into(),
    };
    // One warm-up session and read so lazily built state is not charged to the sessions.
    let mut conn = Conn::open(addr).await?;
    let warm = load::open_session(&mut conn, &target).await?;
    let reply = conn
        .exchange(&Call::QuotaGet.in_session(&target, Some(&warm), 1))
        .await?;
    if !load::good(&reply) {
        bail!(
            "warm-up read failed: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let (before, _) = memory_kib(pid)?;
    let lanes = 16usize;
    let mut conns = load::connections(addr, lanes).await?;
    let mut sessions: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        sessions.push(load::open_session(&mut conns[i % lanes], &target).await?);
    }
    let (idle, _) = memory_kib(pid)?;
    for (i, session) in sessions.iter().enumerate() {
        let conn = &mut conns[i % lanes];
        let reply = conn
            .exchange(&Call::Plan.in_session(&target, Some(session), i as u64 + 10))
            .await?;
        if !reply.contains(b"confirm_phrase") {
            bail!(
                "no plan in session {i}: HTTP {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
            );
        }
    }
    let (plans, _) = memory_kib(pid)?;
    Ok((before, idle, plans))
}

/// Every figure of one skillgate binary.
#[derive(Default)]
struct Figures {
    tools_list: Option<LoadFigures>,
    stateless: Vec<LoadFigures>,
    one_session: Vec<LoadFigures>,
    many_sessions: Vec<LoadFigures>,
    sse: Option<LoadFigures>,
    memory: Option<(u64, u64, u64)>,
    /// Legacy SSE: (RSS with one session, HWM with `--sessions`) in KiB.
    sse_memory: Option<(u64, u64)>,
    errors: Vec<String>,
}

const LEVELS: [usize; 3] = [1, 16, 64];

async fn measure_binary(sandbox: &Sandbox, o: &Options, binary: &Path, tag: &str) -> Figures {
    let mut f = Figures::default();
    let w = window(o);
    let server = match spawn_skillgate(sandbox, binary, &["--emulator"], &[]).await {
        Ok(server) => server,
        Err(error) => {
            f.errors.push(format!("{tag}: {error:#}"));
            return f;
        }
    };
    macro_rules! record {
        ($what:expr, $fut:expr, $slot:expr) => {{
            super::progress(o, &format!("{tag}: {}", $what));
            match $fut.await {
                Ok(figures) => $slot(figures),
                Err(error) => f.errors.push(format!("{tag} {}: {error:#}", $what)),
            }
        }};
    }
    record!(
        "tools/list",
        stateless(&server, Call::ToolsList, 16, w, None),
        |x| f.tools_list = Some(x)
    );
    for c in LEVELS {
        record!(
            format!("stateless c={c}"),
            stateless(&server, Call::QuotaGet, c, w, None),
            |x| f.stateless.push(x)
        );
    }
    for c in LEVELS {
        record!(
            format!("one session c={c}"),
            in_sessions(&server, c, true, w),
            |x| f.one_session.push(x)
        );
    }
    for c in [16, 64] {
        record!(
            format!("many sessions c={c}"),
            in_sessions(&server, c, false, w),
            |x| f.many_sessions.push(x)
        );
    }
    record!("legacy SSE c=16", sse(&server, 16, w), |x| f.sse = Some(x));
    server.stop().await;

    super::progress(o, &format!("{tag}: {} sessions", o.sessions));
    // Against a standalone emulator, so the figure is the server's own memory, not the
    // in-process emulator's state and request log too.
    let n = o.sessions;
    match apart(sandbox, o, binary, |addr, pid| session_memory(addr, pid, n)).await {
        Ok(m) => f.memory = Some(m),
        Err(error) => f.errors.push(format!("{tag} sessions: {error:#}")),
    }
    match apart(sandbox, o, binary, |addr, pid| sse_memory(addr, pid, n)).await {
        Ok(m) => f.sse_memory = Some(m),
        Err(error) => f.errors.push(format!("{tag} SSE sessions: {error:#}")),
    }
    f
}

/// Runs `measure` on a fresh server pointed at its own `skillgate emulator` process, so what it
/// finds is the server's own memory, not the in-process emulator's state and request log too.
async fn apart<T, F, Fut>(sandbox: &Sandbox, o: &Options, binary: &Path, measure: F) -> Result<T>
where
    F: FnOnce(SocketAddr, u32) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let (mut emulator, _, endpoint, env) = spawn_emulator(sandbox, &o.binary).await?;
    let measured = match spawn_skillgate(
        sandbox,
        binary,
        &["--alibaba-endpoint", endpoint.as_str()],
        &env,
    )
    .await
    {
        Ok(server) => {
            let m = measure(server.addr, server.pid).await;
            server.stop().await;
            m
        }
        Err(error) => Err(error),
    };
    let _ = emulator.kill().await;
    measured
}

/// Memory with `n` idle legacy SSE sessions (initialized, each holding its stream open): (RSS
/// with one session, HWM with `n`) in KiB.
async fn sse_memory(addr: SocketAddr, pid: u32, n: usize) -> Result<(u64, u64)> {
    let mut streams = vec![SseSession::open(addr).await?.into_stream()];
    let (before, _) = memory_kib(pid)?;
    for _ in 1..n {
        streams.push(SseSession::open(addr).await?.into_stream());
    }
    let (held, _) = memory_kib(pid)?;
    drop(streams);
    Ok((before, held))
}

/// The server's and the emulator's CPU per read, measured apart.
struct EmulatorApart {
    figures: LoadFigures,
}

async fn emulator_apart(sandbox: &Sandbox, o: &Options) -> Result<EmulatorApart> {
    super::progress(o, "emulator apart");
    let (mut emulator, emulator_pid, endpoint, env) = spawn_emulator(sandbox, &o.binary).await?;
    let server = spawn_skillgate(
        sandbox,
        &o.binary,
        &["--alibaba-endpoint", endpoint.as_str()],
        &env,
    )
    .await;
    let result = match server {
        Ok(server) => {
            let figures =
                stateless(&server, Call::QuotaGet, 16, window(o), Some(emulator_pid)).await;
            server.stop().await;
            figures
        }
        Err(error) => Err(error),
    };
    let _ = emulator.kill().await;
    Ok(EmulatorApart { figures: result? })
}

struct Python {
    /// Modern (2026-07-28) or legacy stateless requests, whichever the server answers.
    modern: bool,
    figures: Vec<LoadFigures>,
}

async fn python(sandbox: &Sandbox, o: &Options) -> Result<Python> {
    if !o.python.exists() {
        bail!(
            "{} not found (run scripts/install-test-deps)",
            o.python.display()
        );
    }
    super::progress(o, "python SDK server");
    let server = spawn_python(sandbox, &o.python).await?;
    let w = window(o);
    let probe = Window {
        warmup: Duration::ZERO,
        measure: Duration::from_millis(300),
    };
    let modern = stateless(&server, Call::QuotaGet, 1, probe, None)
        .await
        .is_ok_and(|f| f.errors == 0 && f.requests > 0);
    let mut figures = Vec::new();
    for c in LEVELS {
        super::progress(o, &format!("python SDK server c={c}"));
        let f = if modern {
            stateless(&server, Call::QuotaGet, c, w, None).await
        } else {
            stateless_legacy(&server, c, w).await
        };
        match f {
            Ok(f) => figures.push(f),
            Err(error) => {
                server.stop().await;
                return Err(error);
            }
        }
    }
    server.stop().await;
    Ok(Python { modern, figures })
}

// -------------------------------------------------------------------------------------- report

fn cell(f: Option<&LoadFigures>) -> String {
    match f {
        Some(f) => format!(
            "{:>9.0} {:>8.2} {:>8.2} {:>6} {:>7.0} {:>7.0}",
            f.rate(),
            f.percentile_ms(50.0),
            f.percentile_ms(99.0),
            f.errors,
            f.per_request_us(f.server_cpu),
            f.per_request_us(f.client_cpu),
        ),
        None => format!(
            "{:>9} {:>8} {:>8} {:>6} {:>7} {:>7}",
            "-", "-", "-", "-", "-", "-"
        ),
    }
}

fn ratio(a: Option<&LoadFigures>, b: Option<&LoadFigures>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.rate() > 0.0 => format!("{:>6.1}x", a.rate() / b.rate()),
        _ => format!("{:>7}", "-"),
    }
}

pub async fn run(
    sandbox: &Sandbox,
    o: &Options,
    machine: &Machine,
    binary: &BinaryInfo,
) -> Result<()> {
    let started = Instant::now();
    let new = measure_binary(sandbox, o, &o.binary, "skillgate").await;
    let old = match &o.baseline {
        Some(path) => Some(measure_binary(sandbox, o, path, "baseline").await),
        None => None,
    };
    let py = python(sandbox, o).await;
    let apart = emulator_apart(sandbox, o).await;
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprint!("\r\x1b[2K");
    }

    println!("skillgate bench --http");
    println!(
        "  binary:   {} ({}){}",
        binary.path.display(),
        binary.version,
        o.baseline
            .as_ref()
            .map(|b| format!("; baseline {}", b.display()))
            .unwrap_or_default()
    );
    println!(
        "  machine:  {} CPUs, {} (Linux {}, load {} at start)",
        machine.cpus, machine.model, machine.kernel, machine.load
    );
    println!(
        "  method:   loopback, keep-alive HTTP/1.1, closed loop; {:.1} s measured per row after 0.5 s warm-up; {:.0} s in all",
        o.seconds,
        started.elapsed().as_secs_f64()
    );
    println!(
        "  client:   one thread, raw HTTP/1.1 on tokio (pre-formatted requests, answers checked by substring, never parsed)"
    );
    println!();
    let head = format!(
        "{:>9} {:>8} {:>8} {:>6} {:>7} {:>7}",
        "reads/s", "p50 ms", "p99 ms", "errors", "srv us", "gen us"
    );
    let with_base = old.is_some();
    println!(
        "{:<40} {}{}",
        "workload (concurrency)",
        head,
        if with_base {
            "   baseline: reads/s  p50 ms   p99 ms  now/base"
        } else {
            ""
        }
    );
    let row = |label: String, a: Option<&LoadFigures>, b: Option<Option<&LoadFigures>>| {
        let base = match b {
            Some(b) => format!(
                "   {:>17} {:>7} {:>8}  {}",
                b.map_or("-".into(), |f| format!("{:.0}", f.rate())),
                b.map_or("-".into(), |f| format!("{:.2}", f.percentile_ms(50.0))),
                b.map_or("-".into(), |f| format!("{:.2}", f.percentile_ms(99.0))),
                ratio(a, b)
            ),
            None => String::new(),
        };
        println!("{label:<40} {}{base}", cell(a));
    };
    let pick = |f: &Figures, which: &str, i: usize| -> Option<LoadFigures> {
        match which {
            "list" => f.tools_list.clone(),
            "stateless" => f.stateless.get(i).cloned(),
            "one" => f.one_session.get(i).cloned(),
            "many" => f.many_sessions.get(i).cloned(),
            "sse" => f.sse.clone(),
            _ => None,
        }
    };
    let rows: Vec<(String, &str, usize)> = vec![
        ("stateless tools/list (16)".into(), "list", 0),
        ("stateless pai_quota_get (1)".into(), "stateless", 0),
        ("stateless pai_quota_get (16)".into(), "stateless", 1),
        ("stateless pai_quota_get (64)".into(), "stateless", 2),
        ("one session, pai_quota_get (1)".into(), "one", 0),
        ("one session, pai_quota_get (16)".into(), "one", 1),
        ("one session, pai_quota_get (64)".into(), "one", 2),
        ("a session per connection (16)".into(), "many", 0),
        ("a session per connection (64)".into(), "many", 1),
        ("legacy SSE, a session per stream (16)".into(), "sse", 0),
    ];
    for (label, which, i) in rows {
        let a = pick(&new, which, i);
        let b = old.as_ref().map(|old| pick(old, which, i));
        row(label, a.as_ref(), b.as_ref().map(|b| b.as_ref()));
    }
    println!();
    match &py {
        Ok(py) => {
            println!(
                "official Python SDK server (mcp MCPServer, stateless, JSON answers; {} requests):",
                if py.modern {
                    "2026-07-28"
                } else {
                    "2025-11-25 stateless"
                }
            );
            for (i, f) in py.figures.iter().enumerate() {
                let ours = new.stateless.get(i);
                println!(
                    "{:<40} {}   skillgate/python {}",
                    format!("python pai_quota_get ({})", f.concurrency),
                    cell(Some(f)),
                    ratio(ours, Some(f))
                );
            }
        }
        Err(error) => println!("official Python SDK server: not measured ({error:#})"),
    }
    println!();
    match &apart {
        Ok(a) => {
            let f = &a.figures;
            let inproc = new.stateless.get(1);
            println!(
                "emulator apart (stateless pai_quota_get, 16; server -> standalone `skillgate emulator`):"
            );
            println!(
                "  {:.0} reads/s, p50 {:.2} ms, p99 {:.2} ms; CPU per read: server {:.0} us, emulator {:.0} us, load generator {:.0} us{}",
                f.rate(),
                f.percentile_ms(50.0),
                f.percentile_ms(99.0),
                f.per_request_us(f.server_cpu),
                f.per_request_us(f.emulator_cpu),
                f.per_request_us(f.client_cpu),
                inproc
                    .map(|i| format!(
                        " (in-process emulator: {:.0} us per read for both)",
                        i.per_request_us(i.server_cpu)
                    ))
                    .unwrap_or_default()
            );
        }
        Err(error) => println!("emulator apart: not measured ({error:#})"),
    }
    println!();
    let memory = |label: &str, f: &Figures| {
        if let Some((before, idle, plans)) = f.memory {
            println!(
                "{label}: peak RSS (VmHWM) {:.1} MiB before, {:.1} MiB with {} idle sessions, {:.1} MiB with a plan each ({:.1} KiB/session idle, {:.1} with a plan)",
                mib(before),
                mib(idle),
                o.sessions,
                mib(plans),
                (idle.saturating_sub(before)) as f64 / o.sessions as f64,
                (plans.saturating_sub(before)) as f64 / o.sessions as f64,
            );
        }
        if let Some((one, held)) = f.sse_memory {
            println!(
                "{label}: legacy SSE: {:.1} MiB with one session, {:.1} MiB with {} ({:.1} KiB/session)",
                mib(one),
                mib(held),
                o.sessions,
                (held.saturating_sub(one)) as f64 / o.sessions.saturating_sub(1).max(1) as f64,
            );
        }
    };
    memory("skillgate", &new);
    if let Some(old) = &old {
        memory("baseline ", old);
    }
    for error in new
        .errors
        .iter()
        .chain(old.iter().flat_map(|o| o.errors.iter()))
    {
        println!("error: {error}");
    }
    println!();
    println!(
        "srv us / gen us: CPU microseconds per request of the server process (with its in-process emulator) and of this load generator, over the measured window. Shared machine: compare within one run."
    );
    Ok(())
}
