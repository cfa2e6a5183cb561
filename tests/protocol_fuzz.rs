//! The real binary under mutated MCP messages, over stdio and streamable HTTP, against a
//! standalone emulator: a bounded number of cases (`SKILLGATE_FUZZ_CASES` per transport,
//! default 1000) made from real messages - initialize, every list method, a `tools/call` of every
//! catalog tool with its example arguments, confirmations - mutated at the JSON level (values
//! replaced, keys dropped, methods swapped, ids retyped, huge strings, deep nesting) and at the
//! byte level (bit flips, cuts, invalid UTF-8). The seed is fixed (`SKILLGATE_FUZZ_SEED`
//! varies it) and printed, so a failure replays.
//!
//! Oracles: the process never dies; every case is followed by a `ping` that must be answered
//! within ten seconds (no hang, no lost transport); an HTTP case never gets a 5xx (nor the plain-text
//! 415 rmcp gave JSON that is not a message, which this fuzzer found); at the end
//! the emulator saw no mutating call and the audit log has no confirmation or execution (the
//! fuzzer never knows a plan's phrase); resident memory stays under 300 MiB.

#[path = "support/http_server.rs"]
mod http_server;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use skillgate::catalog::Catalog;
use skillgate::toolsets::ToolsetRegistry;

const BIN: &str = env!("CARGO_BIN_EXE_skillgate");
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
const MAX_RSS_KIB: u64 = 300 * 1024;

fn cases() -> usize {
    std::env::var("SKILLGATE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn seed() -> u64 {
    std::env::var("SKILLGATE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f022)
}

/// xorshift64*: deterministic, tiny, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A standalone emulator and its startup line.
struct Emulator {
    _child: KillOnDrop,
    line: Value,
}

impl Emulator {
    fn start() -> Self {
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("startup line");
        Self {
            _child: KillOnDrop(child),
            line: serde_json::from_str(line.trim()).expect("startup line is JSON"),
        }
    }

    fn text(&self, pointer: &str) -> String {
        self.line
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("startup line lacks {pointer}"))
            .to_owned()
    }

    fn endpoint(&self) -> String {
        self.text("/endpoint")
    }

    fn mutating_calls(&self) -> Vec<Value> {
        let url = format!("{}/_emulator/requests?mutating=true", self.endpoint());
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let body: Value = runtime.block_on(async {
            reqwest::get(url)
                .await
                .expect("request log")
                .json()
                .await
                .expect("request log is JSON")
        });
        body["requests"].as_array().cloned().unwrap_or_default()
    }
}

/// `skillgate serve` pointed at the emulator for every provider, with every toolset listed.
fn serve(emulator: &Emulator, dir: &Path, extra: &[&str]) -> Command {
    let endpoint = emulator.endpoint();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--toolsets", "all", "--audit-log"])
        .arg(dir.join("audit.jsonl"))
        .args(["--alibaba-endpoint", &endpoint])
        .args(["--endpoint", &format!("autodl={endpoint}")])
        .args(["--endpoint", &format!("huawei={endpoint}")])
        .args(extra)
        .env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            emulator.text("/alibaba/access_key_id"),
        )
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            emulator.text("/alibaba/access_key_secret"),
        )
        .env("AUTODL_TOKEN", emulator.text("/autodl/token"))
        .env("HUAWEICLOUD_SDK_AK", emulator.text("/huawei/access_key"))
        .env("HUAWEICLOUD_SDK_SK", emulator.text("/huawei/secret_key"));
    command
}

/// The messages the mutations start from.
fn seeds() -> Vec<Value> {
    let registry =
        ToolsetRegistry::all().catalog_registry(skillgate::providers::KINDS.iter().map(|k| k.id));
    let catalog = Catalog::embedded(&registry).expect("catalog");
    let mut seeds = vec![
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "protocol-fuzz", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/list"}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "prompts/list"}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "resources/templates/list"}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "logging/setLevel", "params": {"level": "debug"}}),
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2}}),
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "search_tools", "arguments": {"query": "quota"}}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {
            "name": "confirm", "arguments": {"plan_id": "plan-0", "phrase": "CONFIRM plan-0"}}}),
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {
            "name": "list_plans", "arguments": {}}}),
    ];
    for (index, (_, tool)) in catalog.tools().enumerate() {
        let arguments = tool.example.clone().unwrap_or_default();
        seeds.push(
            json!({"jsonrpc": "2.0", "id": 100 + index, "method": "tools/call",
            "params": {"name": tool.name, "arguments": arguments}}),
        );
    }
    seeds
}

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/read",
    "prompts/get",
    "completion/complete",
    "notifications/initialized",
    "nope/nope",
    "",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => Value::from(rng.next() as i64),
        3 => json!(-1.5e300),
        4 => Value::String(["", "CONFIRM plan-0", "../../x", "\u{0}", "中文"][rng.below(5)].into()),
        5 => Value::String("x".repeat(rng.below(200_000))),
        6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|i| (format!("k{i}"), random_value(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// Every object in `value`, as JSON pointers.
fn object_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(at.clone());
            for (key, child) in map {
                object_pointers(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                object_pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn mutate_json(rng: &mut Rng, message: &mut Value) {
    for _ in 0..1 + rng.below(3) {
        let mut pointers = Vec::new();
        object_pointers(message, String::new(), &mut pointers);
        let pointer = pointers[rng.below(pointers.len())].clone();
        let Some(Value::Object(map)) = message.pointer_mut(&pointer) else {
            continue;
        };
        let keys: Vec<String> = map.keys().cloned().collect();
        match rng.below(6) {
            0 if !keys.is_empty() => {
                map.remove(&keys[rng.below(keys.len())]);
            }
            1 if !keys.is_empty() => {
                let key = keys[rng.below(keys.len())].clone();
                map.insert(key, random_value(rng, 3));
            }
            2 => {
                map.insert("method".into(), METHODS[rng.below(METHODS.len())].into());
            }
            3 => {
                let id = [
                    json!(null),
                    json!("s"),
                    json!(1.5),
                    json!([1]),
                    json!({}),
                    json!(-1),
                ];
                map.insert("id".into(), id[rng.below(id.len())].clone());
            }
            4 => {
                let mut deep = Value::Null;
                for _ in 0..rng.below(90) {
                    deep = json!([deep]);
                }
                map.insert("deep".into(), deep);
            }
            _ => {
                map.insert(format!("extra{}", rng.below(9)), random_value(rng, 2));
            }
        }
    }
}

fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes.truncate(at),
            2 => bytes.insert(at, [0xff, 0xfe, 0xc3, b'"', b'{', b'\\'][rng.below(6)]),
            _ => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
}

/// One fuzzed message, as bytes without a newline.
fn case(rng: &mut Rng, seeds: &[Value]) -> Vec<u8> {
    let mut message = seeds[rng.below(seeds.len())].clone();
    if rng.chance(70) {
        mutate_json(rng, &mut message);
    }
    let mut bytes = message.to_string().into_bytes();
    if rng.chance(30) {
        mutate_bytes(rng, &mut bytes);
    }
    bytes.retain(|b| *b != b'\n');
    bytes
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn assert_nothing_changed(emulator: &Emulator, dir: &Path, transport: &str) {
    let mutating = emulator.mutating_calls();
    assert!(
        mutating.is_empty(),
        "{transport}: the fuzzer caused mutating calls: {mutating:?}"
    );
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap_or_default();
    for line in audit.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{transport}: a torn audit line ({e}): {line}"));
        let decision = event["decision"].as_str().unwrap_or_default();
        assert!(
            !["confirmed", "executed"].contains(&decision),
            "{transport}: a fuzzed message got a plan executed: {line}"
        );
    }
}

/// Reads stdout lines on a thread so a hang shows as a timeout, not a stuck test.
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn send_line(stdin: &mut ChildStdin, bytes: &[u8]) {
    stdin.write_all(bytes).expect("write a case");
    stdin.write_all(b"\n").expect("write a newline");
    stdin.flush().expect("flush");
}

fn await_answer(lines: &mpsc::Receiver<String>, id: &Value, what: &str) {
    loop {
        let line = lines
            .recv_timeout(ANSWER_WITHIN)
            .unwrap_or_else(|e| panic!("no answer to {id} after {what} ({e})"));
        if let Ok(answer) = serde_json::from_str::<Value>(&line)
            && &answer["id"] == id
        {
            return;
        }
    }
}

#[test]
fn stdio_survives_mutated_messages() {
    let emulator = Emulator::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = KillOnDrop(
        serve(&emulator, dir.path(), &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn skillgate"),
    );
    let pid = child.0.id();
    let lines = stdout_lines(&mut child.0);
    let mut stdin = child.0.stdin.take().expect("stdin");
    let seeds = seeds();
    send_line(&mut stdin, seeds[0].to_string().as_bytes());
    await_answer(&lines, &json!(1), "initialize");
    send_line(&mut stdin, seeds[1].to_string().as_bytes());
    let mut rng = Rng(seed());
    let mut peak = 0;
    for n in 0..cases() {
        let bytes = case(&mut rng, &seeds);
        send_line(&mut stdin, &bytes);
        let probe = format!("probe-{n}");
        send_line(
            &mut stdin,
            json!({"jsonrpc": "2.0", "id": probe, "method": "ping"})
                .to_string()
                .as_bytes(),
        );
        await_answer(
            &lines,
            &json!(probe),
            &format!(
                "case {n}: {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ),
        );
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("skillgate exited ({status}) after case {n}");
        }
        peak = peak.max(rss_kib(pid));
    }
    println!(
        "stdio: {} cases (seed {}), peak RSS {} MiB",
        cases(),
        seed(),
        peak / 1024
    );
    assert!(peak < MAX_RSS_KIB, "stdio: RSS reached {peak} KiB");
    drop(stdin);
    assert_nothing_changed(&emulator, dir.path(), "stdio");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_survives_mutated_messages() {
    let emulator = tokio::task::spawn_blocking(Emulator::start)
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let started = http_server::spawn_until_endpoint(serve(
        &emulator,
        dir.path(),
        &["--transport", "http", "--listen", "127.0.0.1:0"],
    ));
    let pid = started.child.id();
    let mut child = KillOnDrop(started.child);
    let url = started.url;
    let http = reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .build()
        .expect("client");
    let seeds = seeds();
    let post = |body: Vec<u8>, session: Option<String>, headers: Vec<(&'static str, String)>| {
        let mut request = http
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.body(body).send()
    };
    let init = post(seeds[0].to_string().into_bytes(), None, vec![])
        .await
        .expect("initialize");
    let session = init
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let _ = init.text().await;
    let _ = post(seeds[1].to_string().into_bytes(), session.clone(), vec![]).await;
    let mut rng = Rng(seed() ^ 0x4854_5450);
    let mut peak = 0;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..cases() {
        let bytes = case(&mut rng, &seeds);
        let shown: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
        let mut headers = Vec::new();
        let mut this_session = session.clone();
        match rng.below(10) {
            0 => this_session = None,
            1 => this_session = Some("not-a-session".into()),
            2 => headers.push(("mcp-protocol-version", "1999-01-01".to_owned())),
            3 => headers.push(("mcp-protocol-version", "2026-07-28".to_owned())),
            _ => {}
        }
        let response = post(bytes, this_session, headers)
            .await
            .unwrap_or_else(|e| panic!("case {n}: no answer ({e}): {shown}"));
        let status = response.status().as_u16();
        let _ = response.text().await;
        assert!(status < 500, "case {n}: {status} for {shown}");
        // Every case is sent as application/json, so a 415 means a JSON-RPC refusal was lost.
        assert_ne!(status, 415, "case {n}: plain-text 415 for {shown}");
        *statuses.entry(status).or_default() += 1;
        let ping = json!({"jsonrpc": "2.0", "id": format!("probe-{n}"), "method": "ping"});
        let probe = post(ping.to_string().into_bytes(), session.clone(), vec![])
            .await
            .unwrap_or_else(|e| panic!("no ping answer after case {n} ({e}): {shown}"));
        assert_eq!(probe.status().as_u16(), 200, "ping after case {n}: {shown}");
        let _ = probe.text().await;
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("skillgate exited ({status}) after case {n}");
        }
        peak = peak.max(rss_kib(pid));
    }
    println!(
        "http: {} cases (seed {}), statuses {statuses:?}, peak RSS {} MiB",
        cases(),
        seed(),
        peak / 1024
    );
    assert!(peak < MAX_RSS_KIB, "http: RSS reached {peak} KiB");
    let dir_path = dir.path().to_owned();
    tokio::task::spawn_blocking(move || assert_nothing_changed(&emulator, &dir_path, "http"))
        .await
        .expect("checks");
}
