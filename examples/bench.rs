//! `scripts/bench`: measures a release `skillgate serve --emulator --audit-log off` from the
//! outside, as an MCP client sees it, and prints the figures next to the project's targets.
//!
//! Over stdio (a fresh child per cold start, then one long-lived child for the rest):
//!
//! 1. cold start: wall time from spawn to a completed `initialize` handshake;
//! 2. peak RSS of the server (`VmHWM` from `/proc/<pid>/status`) after the whole workload;
//! 3. `tools/list`: the compact JSON size of the `tools` array and the call's latency;
//! 4. read latency: `pai_quota_list` and `pai_quota_get` against the seeded demo account;
//! 5. plan+confirm latency: `pai_quota_update` (a new description each time) then `confirm`.
//!
//! Then once over streamable HTTP (`--transport http --listen 127.0.0.1:0`): cold start, the
//! `tools/list` and read latencies, and peak RSS.
//!
//! Beside the measured `tools/list`, it prints the tool-list figures of `skillgate tools --budget
//! --json`: the default list (with and without `--dynamic-toolsets`) against its budget and each
//! toolset's own list, computed by the code the budget tests read.
//!
//! This is a measurement, not a test: targets are marked PASS or MISS, and the exit status is 0
//! whatever the figures are. It is non-zero only when the benchmark itself cannot run (the binary
//! is missing, a call fails, the server does not answer). All traffic stays on loopback.
//!
//! `target/release/examples/bench --binary target/release/skillgate [--iterations N]
//! [--warmup N] [--no-http] [--json] [--server-env KEY=VALUE]...`
//!
//! `--http` runs the HTTP load benchmark instead (see `bench/load.rs` and [`http_load`]):
//! reads per second and p50/p99 over streamable HTTP, stateless and stateful, at concurrency 1,
//! 16 and 64; the same workload against a minimal official Python SDK server; peak RSS with many
//! idle sessions and with a plan each; the legacy SSE transport; the emulator's own cost apart.
//! `--baseline PATH` runs every skillgate figure against a second binary too, in the same run.
//!
//! The server runs with an empty environment apart from a scratch `HOME`/XDG directories and
//! `PATH`; `--server-env` adds variables for A/B experiments (e.g. `SKILLGATE_LOG=debug`).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ListToolsRequest, ServerResult,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

#[path = "bench/load.rs"]
mod load;

/// How long any single step may take before the benchmark gives up instead of hanging.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// The seeded demo account's root quota.
const QUOTA_ID: &str = "quotateamroot0001";
/// What the HTTP server prints on stderr once it listens.
const ENDPOINT_MARK: &str = "skillgate: MCP endpoint ";

// Targets (README, *Benchmark*). Each is compared with the median (RSS: the single peak).
const TARGET_COLD_START_MS: f64 = 20.0;
const TARGET_RSS_MIB: f64 = 25.0;
/// "< 15 KB", read strictly as 15,000 bytes.
const TARGET_TOOLS_LIST_BYTES: f64 = 15_000.0;
const TARGET_READ_MS: f64 = 2.0;

type Client = RunningService<RoleClient, ()>;

// ------------------------------------------------------------------------------------- options

struct Options {
    binary: PathBuf,
    iterations: usize,
    warmup: usize,
    http: bool,
    json: bool,
    /// Extra environment for the server processes.
    server_env: Vec<(String, String)>,
    /// `--http`: the HTTP load benchmark.
    load: bool,
    /// `--baseline PATH`: a second binary measured in the same run.
    baseline: Option<PathBuf>,
    /// `--python PATH`: the interpreter with the official `mcp` SDK.
    python: PathBuf,
    /// `--seconds N`: measured seconds per load figure.
    seconds: f64,
    /// `--sessions N`: sessions opened for the memory figures.
    sessions: usize,
}

const USAGE: &str = "\
usage: bench [--binary PATH] [--iterations N] [--warmup N] [--no-http] [--json]
             [--server-env KEY=VALUE]...
       bench --http [--binary PATH] [--baseline PATH] [--python PATH] [--seconds N]
             [--sessions N]

  --binary PATH     the skillgate binary to measure (default: target/release/skillgate)
  --iterations N    cold starts and measured calls per figure (default: 20)
  --warmup N        unmeasured calls before each latency series (default: 3)
  --no-http         skip the streamable HTTP measurements
  --json            print one JSON object instead of the table
  --server-env K=V  set K=V in the server's (otherwise empty) environment; repeatable
  --http            the HTTP load benchmark instead of the latency figures
  --baseline PATH   (--http) measure this skillgate binary too, in the same run
  --python PATH     (--http) Python with the `mcp` SDK (default: .venv/bin/python)
  --seconds N       (--http) measured seconds per figure (default: 3)
  --sessions N      (--http) sessions for the memory figures (default: 1000)";

fn number(v: &str, flag: &str) -> Result<usize> {
    v.parse::<usize>()
        .with_context(|| format!("{flag} takes a whole number, not `{v}`"))
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        binary: PathBuf::from("target/release/skillgate"),
        iterations: 20,
        warmup: 3,
        http: true,
        json: false,
        server_env: Vec::new(),
        load: false,
        baseline: None,
        python: PathBuf::from(".venv/bin/python"),
        seconds: 3.0,
        sessions: 1000,
    };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, v)) if flag.starts_with("--") => (flag.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => args
                    .next()
                    .map(|v| v.to_string_lossy().into_owned())
                    .ok_or_else(|| anyhow!("{flag} needs a value\n{USAGE}")),
            }
        };
        match flag.as_str() {
            "--binary" => options.binary = PathBuf::from(value()?),
            "--iterations" | "-n" => {
                options.iterations = number(&value()?, &flag)?;
                if options.iterations == 0 {
                    bail!("--iterations must be at least 1");
                }
            }
            "--warmup" => options.warmup = number(&value()?, &flag)?,
            "--no-http" => options.http = false,
            "--http" => options.load = true,
            "--baseline" => options.baseline = Some(PathBuf::from(value()?)),
            "--python" => options.python = PathBuf::from(value()?),
            "--seconds" => {
                options.seconds = value()?
                    .parse::<f64>()
                    .ok()
                    .filter(|s| *s > 0.0)
                    .ok_or_else(|| anyhow!("--seconds takes a positive number"))?;
            }
            "--sessions" => options.sessions = number(&value()?, &flag)?,
            "--json" => options.json = true,
            "--server-env" => {
                let pair = value()?;
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--server-env takes KEY=VALUE, not `{pair}`"))?;
                options.server_env.push((k.to_string(), v.to_string()));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    Ok(options)
}

// ---------------------------------------------------------------------------------- statistics

/// A series of durations in milliseconds.
#[derive(Default)]
struct Series(Vec<f64>);

impl Series {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1e3);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    fn median(&self) -> f64 {
        let v = self.sorted();
        let n = v.len();
        if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    /// Nearest-rank percentile.
    fn percentile(&self, p: f64) -> f64 {
        let v = self.sorted();
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
        v[rank.min(v.len()) - 1]
    }

    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    fn json(&self) -> Value {
        json!({
            "n": self.0.len(),
            "median_ms": round3(self.median()),
            "p90_ms": round3(self.percentile(90.0)),
            "min_ms": round3(self.min()),
            "max_ms": round3(self.max()),
        })
    }
}

fn round3(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ------------------------------------------------------------------------------------- process

/// A scratch HOME for the server so no user configuration or credentials are read.
struct Sandbox {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Sandbox {
    fn new(env: Vec<(String, String)>) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("skillgate-bench-")
            .tempdir()
            .context("create a temp dir")?;
        std::fs::create_dir_all(dir.path().join("home"))?;
        Ok(Self { dir, env })
    }

    fn command(&self, binary: &Path, args: &[&str]) -> tokio::process::Command {
        let home = self.dir.path().join("home");
        let mut cmd = tokio::process::Command::new(binary);
        cmd.args(args)
            .env_clear()
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("PATH", "/usr/bin:/bin")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .kill_on_drop(true);
        cmd
    }

    fn stderr_file(&self, name: &str) -> Result<(PathBuf, std::fs::File)> {
        let path = self.dir.path().join(format!("{name}.stderr"));
        let file = std::fs::File::create(&path).context("create a stderr file")?;
        Ok((path, file))
    }
}

/// The last lines of a server's stderr, for error messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    let tail = lines[start..].join("\n");
    if tail.is_empty() {
        "(server stderr is empty)".to_string()
    } else {
        format!("server stderr:\n{tail}")
    }
}

/// `VmHWM` and `VmRSS` of a live process, in KiB.
fn memory_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .ok_or_else(|| anyhow!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

async fn timed<T, E, F>(what: &str, f: F) -> Result<(T, Duration)>
where
    F: Future<Output = std::result::Result<T, E>>,
    E: std::fmt::Display,
{
    let t0 = Instant::now();
    match tokio::time::timeout(STEP_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok((v, t0.elapsed())),
        Ok(Err(e)) => Err(anyhow!("{what}: {e}")),
        Err(_) => Err(anyhow!("{what}: no answer within {STEP_TIMEOUT:?}")),
    }
}

/// A stdio server: spawned, `initialize` completed, with the time that took.
struct StdioServer {
    client: Client,
    pid: u32,
    stderr: PathBuf,
    cold_start: Duration,
}

async fn spawn_stdio(sandbox: &Sandbox, binary: &Path, name: &str) -> Result<StdioServer> {
    spawn_stdio_with(sandbox, binary, name, &[]).await
}

/// `spawn_stdio` with extra `serve` flags (`--state redis://...`).
async fn spawn_stdio_with(
    sandbox: &Sandbox,
    binary: &Path,
    name: &str,
    extra: &[&str],
) -> Result<StdioServer> {
    let (stderr, file) = sandbox.stderr_file(name)?;
    let mut serve = vec!["serve", "--emulator", "--audit-log", "off"];
    serve.extend_from_slice(extra);
    let cmd = sandbox.command(binary, &serve);
    let t0 = Instant::now();
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(file)
        .spawn()
        .with_context(|| format!("spawn {}", binary.display()))?;
    let pid = transport
        .id()
        .ok_or_else(|| anyhow!("the child has no pid"))?;
    let client = match tokio::time::timeout(STEP_TIMEOUT, ().serve(transport)).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => bail!("initialize over stdio failed: {e}\n{}", tail(&stderr)),
        Err(_) => bail!("initialize over stdio timed out\n{}", tail(&stderr)),
    };
    let cold_start = t0.elapsed();
    Ok(StdioServer {
        client,
        pid,
        stderr,
        cold_start,
    })
}

/// Closes the client; for stdio that closes the server's stdin and waits for it to exit.
async fn close(client: Client) {
    let _ = tokio::time::timeout(Duration::from_secs(10), client.cancel()).await;
}

// ------------------------------------------------------------------------------------ MCP calls

fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn call(client: &Client, tool: &'static str, arguments: Value) -> Result<CallToolResult> {
    let params = CallToolRequestParams::new(tool).with_arguments(args(arguments));
    let (result, _) = timed(tool, client.call_tool(params)).await?;
    if result.is_error == Some(true) {
        let detail = result
            .structured_content
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_else(|| format!("{:?}", result.content));
        bail!("{tool} returned an error: {detail}");
    }
    Ok(result)
}

/// One `tools/list` sent as a raw request (the client's list cache stays out of the way); returns
/// the size of the `tools` array serialized compactly and of the whole result.
async fn list_tools(client: &Client) -> Result<(usize, usize, usize)> {
    let request = ClientRequest::ListToolsRequest(ListToolsRequest::default());
    let (result, _) = timed("tools/list", client.send_request(request)).await?;
    let ServerResult::ListToolsResult(result) = result else {
        bail!("tools/list answered with something else");
    };
    if result.next_cursor.is_some() {
        bail!("tools/list is paginated; the benchmark measures one page only");
    }
    let tools = serde_json::to_vec(&result.tools)?.len();
    let whole = serde_json::to_vec(&result)?.len();
    Ok((result.tools.len(), tools, whole))
}

/// Runs `warmup` unmeasured then `n` measured calls of `f`.
async fn series<F, Fut>(n: usize, warmup: usize, mut f: F) -> Result<Series>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    for i in 0..warmup {
        f(i).await?;
    }
    let mut s = Series::default();
    for i in 0..n {
        let t0 = Instant::now();
        f(warmup + i).await?;
        s.push(t0.elapsed());
    }
    Ok(s)
}

struct Reads {
    tools_list: Series,
    list: Series,
    get: Series,
}

async fn measure_reads(client: &Client, n: usize, warmup: usize) -> Result<Reads> {
    let tools_list = series(n, warmup, |_| async { list_tools(client).await.map(drop) }).await?;
    let list = series(n, warmup, |_| async {
        call(client, "pai_quota_list", json!({})).await.map(drop)
    })
    .await?;
    let get = series(n, warmup, |_| async {
        call(client, "pai_quota_get", json!({ "quota_id": QUOTA_ID }))
            .await
            .map(drop)
    })
    .await?;
    Ok(Reads {
        tools_list,
        list,
        get,
    })
}

struct Mutations {
    plan: Series,
    confirm: Series,
    pair: Series,
}

async fn plan_and_confirm(client: &Client, i: usize) -> Result<(Duration, Duration)> {
    let t0 = Instant::now();
    let plan = call(
        client,
        "pai_quota_update",
        json!({ "quota_id": QUOTA_ID, "description": format!("bench {i}") }),
    )
    .await?;
    let planned = t0.elapsed();
    let sc = plan
        .structured_content
        .ok_or_else(|| anyhow!("pai_quota_update returned no structuredContent"))?;
    let field = |name: &str| {
        sc.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("pai_quota_update plan has no `{name}`: {sc}"))
    };
    let (plan_id, phrase) = (field("plan_id")?, field("confirm_phrase")?);
    let t1 = Instant::now();
    let done = call(
        client,
        "confirm",
        json!({ "plan_id": plan_id, "phrase": phrase }),
    )
    .await?;
    let confirmed = t1.elapsed();
    let status = done
        .structured_content
        .as_ref()
        .and_then(|sc| sc.get("status"))
        .and_then(Value::as_str);
    if status != Some("executed") {
        bail!(
            "confirm did not execute the plan (status {status:?}): {:?}",
            done.structured_content
        );
    }
    Ok((planned, confirmed))
}

async fn measure_mutations(client: &Client, n: usize, warmup: usize) -> Result<Mutations> {
    for i in 0..warmup {
        plan_and_confirm(client, i).await?;
    }
    let mut m = Mutations {
        plan: Series::default(),
        confirm: Series::default(),
        pair: Series::default(),
    };
    for i in 0..n {
        let t0 = Instant::now();
        let (plan, confirm) = plan_and_confirm(client, warmup + i).await?;
        m.pair.push(t0.elapsed());
        m.plan.push(plan);
        m.confirm.push(confirm);
    }
    // The last update really landed.
    let quota = call(client, "pai_quota_get", json!({ "quota_id": QUOTA_ID })).await?;
    let expected = format!("bench {}", warmup + n - 1);
    let description = quota
        .structured_content
        .as_ref()
        .and_then(|sc| sc.get("description"))
        .and_then(Value::as_str);
    if description != Some(expected.as_str()) {
        bail!(
            "after the last confirm the quota's description is {description:?}, not {expected:?}"
        );
    }
    Ok(m)
}

// ------------------------------------------------------------------------------------ scenarios

struct StdioFigures {
    cold_start: Series,
    /// `VmHWM` right after `initialize` of each cold start, in KiB.
    idle_hwm_kib: Vec<u64>,
    tool_count: usize,
    tools_bytes: usize,
    result_bytes: usize,
    reads: Reads,
    mutations: Mutations,
    hwm_kib: u64,
    rss_kib: u64,
}

async fn run_stdio(sandbox: &Sandbox, o: &Options) -> Result<StdioFigures> {
    let mut cold_start = Series::default();
    let mut idle_hwm_kib = Vec::new();
    for i in 0..o.iterations {
        progress(o, &format!("stdio cold start {}/{}", i + 1, o.iterations));
        let server = spawn_stdio(sandbox, &o.binary, &format!("cold{i}")).await?;
        cold_start.push(server.cold_start);
        idle_hwm_kib.push(memory_kib(server.pid)?.0);
        close(server.client).await;
    }

    progress(o, "stdio workload");
    let server = spawn_stdio(sandbox, &o.binary, "stdio").await?;
    let work = async {
        let (tool_count, tools_bytes, result_bytes) = list_tools(&server.client).await?;
        let reads = measure_reads(&server.client, o.iterations, o.warmup).await?;
        let mutations = measure_mutations(&server.client, o.iterations, o.warmup).await?;
        let (hwm_kib, rss_kib) = memory_kib(server.pid)?;
        Ok::<_, anyhow::Error>(StdioFigures {
            cold_start,
            idle_hwm_kib,
            tool_count,
            tools_bytes,
            result_bytes,
            reads,
            mutations,
            hwm_kib,
            rss_kib,
        })
    }
    .await
    .map_err(|e| anyhow!("{e}\n{}", tail(&server.stderr)));
    close(server.client).await;
    work
}

struct HttpFigures {
    /// Spawn to the endpoint line on stderr.
    listening: Duration,
    /// Spawn to a completed `initialize`.
    cold_start: Duration,
    reads: Reads,
    hwm_kib: u64,
}

async fn run_http(sandbox: &Sandbox, o: &Options) -> Result<HttpFigures> {
    progress(o, "streamable HTTP");
    let mut cmd = sandbox.command(
        &o.binary,
        &[
            "serve",
            "--transport",
            "http",
            "--listen",
            "127.0.0.1:0",
            "--emulator",
            "--audit-log",
            "off",
        ],
    );
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().context("spawn the HTTP server")?;
    let pid = child.id().ok_or_else(|| anyhow!("the child has no pid"))?;
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let mut said = Vec::new();
    let url = loop {
        let line = match tokio::time::timeout(STEP_TIMEOUT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(_) => bail!(
                "the HTTP server exited before printing its endpoint:\n{}",
                said.join("\n")
            ),
            Err(_) => bail!("the HTTP server printed no endpoint:\n{}", said.join("\n")),
        };
        if let Some((_, url)) = line.split_once(ENDPOINT_MARK) {
            break url.trim().to_string();
        }
        said.push(line);
    };
    let listening = t0.elapsed();
    if !url.starts_with("http://127.0.0.1:") {
        bail!("the HTTP server is not on loopback: {url}");
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    // rmcp's default client (no idle connection pool), minus any proxy from the environment.
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()?;
    let transport = StreamableHttpClientTransport::with_client(
        http,
        StreamableHttpClientTransportConfig::with_uri(url.clone()),
    );
    let (client, _) = timed("initialize over HTTP", ().serve(transport)).await?;
    let cold_start = t0.elapsed();
    let reads = measure_reads(&client, o.iterations, o.warmup).await;
    let hwm_kib = memory_kib(pid).map(|(hwm, _)| hwm);
    close(client).await;
    let _ = child.kill().await;
    Ok(HttpFigures {
        listening,
        cold_start,
        reads: reads?,
        hwm_kib: hwm_kib?,
    })
}

/// A one-line progress note on stderr, when stderr is a terminal.
fn progress(o: &Options, what: &str) {
    if !o.json && std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K{what}...");
    }
}

// --------------------------------------------------------------------------------------- report

struct Machine {
    cpus: usize,
    model: String,
    kernel: String,
    load: String,
}

fn machine() -> Machine {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == "model name").then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let kernel = read("/proc/sys/kernel/osrelease");
    let load = read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    Machine {
        cpus,
        model,
        kernel,
        load,
    }
}

struct BinaryInfo {
    path: PathBuf,
    bytes: u64,
    version: String,
}

async fn binary_info(binary: &Path) -> Result<BinaryInfo> {
    let path = std::fs::canonicalize(binary)
        .with_context(|| format!("no skillgate binary at {}", binary.display()))?;
    let bytes = std::fs::metadata(&path)?.len();
    let out = tokio::process::Command::new(&path)
        .arg("--version")
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("run {} --version", path.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(BinaryInfo {
        path,
        bytes,
        version,
    })
}

/// `skillgate tools --budget --json`: the default list's and each toolset's list size, from the
/// same code `tests/tool_economy.rs` and `tests/python/test_tool_economy.py` hold to the budget.
async fn tool_list_figures(binary: &Path) -> Result<Value> {
    let out = tokio::process::Command::new(binary)
        .args(["tools", "--budget", "--json"])
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("run {} tools --budget --json", binary.display()))?;
    if !out.status.success() {
        bail!(
            "tools --budget failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("tools --budget --json is not JSON")
}

/// The tool-list figures as table lines.
fn print_tool_lists(figures: &Value) {
    let size = |v: &Value| {
        format!(
            "{:>3} tools {:>6} B",
            v["tools"].as_u64().unwrap_or(0),
            v["bytes"].as_u64().unwrap_or(0)
        )
    };
    let within = |v: &Value| {
        let fits = v["tools"].as_u64() <= figures["budget"]["tools"].as_u64()
            && v["bytes"].as_u64() <= figures["budget"]["bytes"].as_u64();
        if fits { "PASS" } else { "MISS" }
    };
    println!(
        "tool lists (skillgate tools --budget; budget {} tools, {} B; {} catalog tools installed)",
        figures["budget"]["tools"], figures["budget"]["bytes"], figures["catalog_tools"]
    );
    for (label, key) in [
        ("default list", "default"),
        ("default list, --dynamic-toolsets", "default_dynamic"),
    ] {
        println!(
            "  {label:<40} {}  {}",
            size(&figures[key]),
            within(&figures[key])
        );
    }
    for set in figures["toolsets"].as_array().into_iter().flatten() {
        println!(
            "  {:<40} {}  ({} of its {} tools in the default list)",
            format!("--toolsets {}", set["name"].as_str().unwrap_or("?")),
            size(&set["list"]),
            set["in_default_list"],
            set["tools"]
        );
    }
    println!();
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value < target { "PASS" } else { "MISS" }
}

/// One table row: a label, a median/p90/min/max (or a single value), and an optional target.
struct Row {
    label: String,
    cells: [String; 4],
    target: Option<(String, &'static str)>,
}

fn ms(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2} ms")
    } else {
        "-".to_string()
    }
}

fn series_row(label: &str, s: &Series, target_ms: Option<f64>) -> Row {
    Row {
        label: label.to_string(),
        cells: [
            ms(s.median()),
            ms(s.percentile(90.0)),
            ms(s.min()),
            ms(s.max()),
        ],
        target: target_ms.map(|t| (format!("< {t} ms"), verdict(s.median(), t))),
    }
}

fn value_row(label: &str, value: String, target: Option<(String, &'static str)>) -> Row {
    Row {
        label: label.to_string(),
        cells: [value, String::new(), String::new(), String::new()],
        target,
    }
}

fn print_table(
    o: &Options,
    m: &Machine,
    b: &BinaryInfo,
    stdio: &StdioFigures,
    http: Option<&HttpFigures>,
    tool_lists: &Value,
    total: Duration,
) {
    println!("skillgate bench");
    println!(
        "  binary:  {} ({}, {:.1} MiB)",
        b.path.display(),
        b.version,
        mib(b.bytes / 1024)
    );
    println!(
        "  server:  serve --emulator --audit-log off (stdio; HTTP: --transport http --listen 127.0.0.1:0){}",
        o.server_env
            .iter()
            .map(|(k, v)| format!(" {k}={v}"))
            .collect::<String>()
    );
    println!(
        "  machine: {} CPUs, {} (Linux {}, load {})",
        m.cpus, m.model, m.kernel, m.load
    );
    println!(
        "  runs:    {} cold starts; {} measured calls per latency after {} warm-up calls; {:.1} s in all",
        o.iterations,
        o.iterations,
        o.warmup,
        total.as_secs_f64()
    );
    println!();

    let r = &stdio.reads;
    let mu = &stdio.mutations;
    let idle = Series(stdio.idle_hwm_kib.iter().map(|&k| mib(k)).collect());
    let mut rows = vec![
        series_row(
            "stdio cold start (spawn -> initialized)",
            &stdio.cold_start,
            Some(TARGET_COLD_START_MS),
        ),
        value_row(
            "stdio peak RSS after workload (VmHWM)",
            format!("{:.1} MiB", mib(stdio.hwm_kib)),
            Some((
                format!("< {TARGET_RSS_MIB} MiB"),
                verdict(mib(stdio.hwm_kib), TARGET_RSS_MIB),
            )),
        ),
        value_row(
            "  VmRSS after workload",
            format!("{:.1} MiB", mib(stdio.rss_kib)),
            None,
        ),
        value_row(
            "  VmHWM right after initialize (median)",
            format!("{:.1} MiB", idle.median()),
            None,
        ),
        value_row(
            &format!(
                "tools/list size ({} tools, `tools` array)",
                stdio.tool_count
            ),
            format!("{} B", stdio.tools_bytes),
            Some((
                "< 15 KB".to_string(),
                verdict(stdio.tools_bytes as f64, TARGET_TOOLS_LIST_BYTES),
            )),
        ),
        value_row(
            "  whole tools/list result",
            format!("{} B", stdio.result_bytes),
            None,
        ),
        series_row("stdio tools/list", &r.tools_list, None),
        series_row("stdio read pai_quota_list", &r.list, Some(TARGET_READ_MS)),
        series_row("stdio read pai_quota_get", &r.get, Some(TARGET_READ_MS)),
        series_row("stdio plan+confirm pair", &mu.pair, None),
        series_row("  plan (pai_quota_update)", &mu.plan, None),
        series_row("  confirm", &mu.confirm, None),
    ];
    if let Some(h) = http {
        rows.extend([
            value_row(
                "http cold start (spawn -> listening)",
                ms(h.listening.as_secs_f64() * 1e3),
                None,
            ),
            value_row(
                "http cold start (spawn -> initialized)",
                ms(h.cold_start.as_secs_f64() * 1e3),
                None,
            ),
            series_row("http tools/list", &h.reads.tools_list, None),
            series_row(
                "http read pai_quota_list",
                &h.reads.list,
                Some(TARGET_READ_MS),
            ),
            series_row(
                "http read pai_quota_get",
                &h.reads.get,
                Some(TARGET_READ_MS),
            ),
            value_row(
                "http peak RSS after reads (VmHWM)",
                format!("{:.1} MiB", mib(h.hwm_kib)),
                None,
            ),
        ]);
    }

    let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    println!(
        "{:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:<9}  result",
        "measure", "median", "p90", "min", "max", "target"
    );
    for row in &rows {
        let (target, mark) = row
            .target
            .as_ref()
            .map_or((String::new(), ""), |(t, m)| (t.clone(), *m));
        println!(
            "{:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:<9}  {}",
            row.label, row.cells[0], row.cells[1], row.cells[2], row.cells[3], target, mark
        );
    }
    println!();
    print_tool_lists(tool_lists);
    println!(
        "PASS/MISS compares the median (RSS: the peak; size: bytes, 15 KB = 15000 B). \
         Figures from a shared machine; nothing here fails the run."
    );
}

fn report_json(
    o: &Options,
    m: &Machine,
    b: &BinaryInfo,
    stdio: &StdioFigures,
    http: Option<&HttpFigures>,
    tool_lists: &Value,
) -> Value {
    let reads = |r: &Reads| {
        json!({
            "tools_list": r.tools_list.json(),
            "pai_quota_list": r.list.json(),
            "pai_quota_get": r.get.json(),
        })
    };
    let mut targets = BTreeMap::new();
    targets.insert(
        "cold_start_ms",
        json!({ "target": TARGET_COLD_START_MS, "value": round3(stdio.cold_start.median()),
                "result": verdict(stdio.cold_start.median(), TARGET_COLD_START_MS) }),
    );
    targets.insert(
        "peak_rss_mib",
        json!({ "target": TARGET_RSS_MIB, "value": round3(mib(stdio.hwm_kib)),
                "result": verdict(mib(stdio.hwm_kib), TARGET_RSS_MIB) }),
    );
    targets.insert(
        "tools_list_bytes",
        json!({ "target": TARGET_TOOLS_LIST_BYTES, "value": stdio.tools_bytes,
                "result": verdict(stdio.tools_bytes as f64, TARGET_TOOLS_LIST_BYTES) }),
    );
    let read_median = stdio.reads.list.median().max(stdio.reads.get.median());
    targets.insert(
        "read_call_ms",
        json!({ "target": TARGET_READ_MS, "value": round3(read_median),
                "result": verdict(read_median, TARGET_READ_MS) }),
    );
    json!({
        "binary": { "path": b.path, "bytes": b.bytes, "version": b.version },
        "machine": { "cpus": m.cpus, "cpu_model": m.model, "kernel": m.kernel, "loadavg": m.load },
        "server_env": o.server_env.iter().cloned().collect::<BTreeMap<_, _>>(),
        "iterations": o.iterations,
        "warmup": o.warmup,
        "targets": targets,
        "tool_lists": tool_lists,
        "stdio": {
            "cold_start": stdio.cold_start.json(),
            "idle_vmhwm_kib": stdio.idle_hwm_kib,
            "peak_rss_kib": stdio.hwm_kib,
            "rss_kib": stdio.rss_kib,
            "tools_list": {
                "tools": stdio.tool_count,
                "tools_bytes": stdio.tools_bytes,
                "result_bytes": stdio.result_bytes,
            },
            "reads": reads(&stdio.reads),
            "plan_confirm": {
                "pair": stdio.mutations.pair.json(),
                "plan": stdio.mutations.plan.json(),
                "confirm": stdio.mutations.confirm.json(),
            },
        },
        "http": http.map(|h| json!({
            "listening_ms": round3(h.listening.as_secs_f64() * 1e3),
            "cold_start_ms": round3(h.cold_start.as_secs_f64() * 1e3),
            "reads": reads(&h.reads),
            "peak_rss_kib": h.hwm_kib,
        })),
    })
}

// ----------------------------------------------------------------------------------------- main

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let o = parse_options()?;
    let started = Instant::now();
    let binary = binary_info(&o.binary).await?;
    let machine = machine();
    let sandbox = Sandbox::new(o.server_env.clone())?;
    if o.load {
        return http_load::run(&sandbox, &o, &machine, &binary).await;
    }

    let tool_lists = tool_list_figures(&binary.path).await?;
    let stdio = run_stdio(&sandbox, &o).await?;
    let http = if o.http {
        Some(run_http(&sandbox, &o).await?)
    } else {
        None
    };
    let state = state_store::run(&sandbox, &o).await?;
    if !o.json && std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }

    if o.json {
        let mut report = report_json(&o, &machine, &binary, &stdio, http.as_ref(), &tool_lists);
        report["state_store"] = state.clone().unwrap_or(Value::Null);
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(
            &o,
            &machine,
            &binary,
            &stdio,
            http.as_ref(),
            &tool_lists,
            started.elapsed(),
        );
        state_store::print(state.as_ref());
    }
    Ok(())
}

#[path = "bench/state_store.rs"]
mod state_store;

#[path = "bench/http_load.rs"]
mod http_load;
