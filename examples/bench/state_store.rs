//! The state store beside the embedded one, in the same run: confirm latency (plan+confirm of
//! a PAI quota update) and read throughput (`pai_quota_get`, one at a time) over stdio, once with
//! the embedded store (memory + SQLite) and once with `--state redis://...` against a
//! redis-server started here on a free loopback port. Skipped, saying so, without redis-server.
//! It measures; it asserts nothing.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{
    Options, Sandbox, close, measure_mutations, measure_reads, progress, spawn_stdio_with,
};

const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// A redis-server for the run, killed by its pid on drop.
struct Redis(std::process::Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Result<(Redis, String)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(REDIS_SERVER)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start redis-server")?;
    let redis = Redis(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "redis-server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((redis, format!("redis://127.0.0.1:{port}/0")))
}

/// Both stores' figures, or `None` when redis-server is not installed.
pub(super) async fn run(sandbox: &Sandbox, o: &Options) -> Result<Option<Value>> {
    if !std::path::Path::new(REDIS_SERVER).exists() {
        return Ok(None);
    }
    let (_redis, url) = start_redis()?;
    let mut rows = Vec::new();
    for (store, extra) in [
        ("embedded", vec![]),
        ("redis", vec!["--state", url.as_str()]),
    ] {
        progress(o, &format!("state store: {store}"));
        let server =
            spawn_stdio_with(sandbox, &o.binary, &format!("state-{store}"), &extra).await?;
        let reads = measure_reads(&server.client, o.iterations, o.warmup).await;
        let mutations = measure_mutations(&server.client, o.iterations, o.warmup).await;
        close(server.client).await;
        let (reads, mutations) = (reads?, mutations?);
        let mean = reads.get.0.iter().sum::<f64>() / reads.get.0.len().max(1) as f64;
        rows.push(json!({
            "store": store,
            "confirm_ms_p50": mutations.confirm.median(),
            "confirm_ms_p99": mutations.confirm.percentile(99.0),
            "plan_confirm_ms_p50": mutations.pair.median(),
            "read_ms_p50": reads.get.median(),
            "reads_per_s": if mean > 0.0 { 1000.0 / mean } else { 0.0 },
        }));
    }
    Ok(Some(json!({"url": url, "rows": rows})))
}

/// The text section.
pub(super) fn print(figures: Option<&Value>) {
    println!();
    println!("State store (stdio, one call at a time; the same workload against each store)");
    let Some(figures) = figures else {
        println!(
            "  skipped: {REDIS_SERVER} is not installed (scripts/install-test-deps installs it)"
        );
        return;
    };
    println!(
        "  {:<10} {:>14} {:>14} {:>18} {:>12} {:>10}",
        "store", "confirm p50", "confirm p99", "plan+confirm p50", "read p50", "reads/s"
    );
    for row in figures["rows"].as_array().into_iter().flatten() {
        let ms = |key: &str| format!("{:.2} ms", row[key].as_f64().unwrap_or(0.0));
        println!(
            "  {:<10} {:>14} {:>14} {:>18} {:>12} {:>10.0}",
            row["store"].as_str().unwrap_or("?"),
            ms("confirm_ms_p50"),
            ms("confirm_ms_p99"),
            ms("plan_confirm_ms_p50"),
            ms("read_ms_p50"),
            row["reads_per_s"].as_f64().unwrap_or(0.0)
        );
    }
}
