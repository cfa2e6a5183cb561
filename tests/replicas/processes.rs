//! The processes of the replica tests: redis-server, the emulator, skillgate replicas and nginx,
//! each on an ephemeral loopback port and stopped by its pid (killed on drop).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http_server;

const BIN: &str = env!("CARGO_BIN_EXE_skillgate");

/// The Debian binaries, or `None` (saying so) when one is missing outside CI.
pub fn binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| names.iter().map(PathBuf::from).find(|p| p.exists());
    let redis = find(&["/usr/bin/redis-server", "/usr/local/bin/redis-server"]);
    let nginx = find(&["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]);
    match (redis, nginx) {
        (Some(redis), Some(nginx)) => Some((redis, nginx)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server and nginx are required in CI: scripts/install-test-deps installs them"
            );
            eprintln!(
                "SKIPPED replicas: redis-server or nginx is not installed (scripts/install-test-deps installs both)"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} never listened on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// redis-server with an append-only file fsync'd on every write, so a stop loses nothing.
pub struct Redis {
    child: Option<Child>,
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Redis {
    pub fn start(binary: &Path, dir: &Path) -> Self {
        let dir = dir.join("redis");
        std::fs::create_dir_all(&dir).expect("redis dir");
        let mut redis = Self {
            child: None,
            binary: binary.to_path_buf(),
            dir,
            port: free_port(),
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts it (again) on its port, from its append-only file.
    pub fn restart(&mut self) {
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut answer = [0u8; 7];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut answer).is_ok()
                    && &answer == b"+PONG\r\n"
                {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it (SIGKILL, by pid).
    pub fn stop(&mut self) {
        stop(&mut self.child);
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A standalone `skillgate emulator` with a fast clock.
pub struct Emulator {
    child: Option<Child>,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
    http: reqwest::Client,
}

impl Emulator {
    pub fn start() -> Self {
        let mut child = Command::new(BIN)
            .args([
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--emulator-time-scale",
                "30",
            ])
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
        let startup: Value = serde_json::from_str(line.trim()).expect("startup JSON");
        let text = |pointer: &str| {
            startup
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Self {
            endpoint: text("/endpoint"),
            key_id: text("/alibaba/access_key_id"),
            secret: text("/alibaba/access_key_secret"),
            child: Some(child),
            http: reqwest::Client::new(),
        }
    }

    /// How many calls of `action` the emulator received.
    pub async fn requests_for(&self, action: &str) -> usize {
        let url = format!("{}/_emulator/requests?action={action}", self.endpoint);
        let answer: Value = self
            .http
            .get(url)
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("JSON");
        answer["requests"].as_array().map_or(0, Vec::len)
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/_emulator/{path}", self.endpoint))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        assert!(response.status().is_success(), "POST /_emulator/{path}");
        response.json().await.expect("JSON")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// One `skillgate serve --transport http --state redis://...` replica.
pub struct Replica {
    child: Option<Child>,
    pub base: String,
    pub port: u16,
    audit: PathBuf,
}

/// The key every replica seals `requestState` with.
const STATE_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

impl Replica {
    pub fn start(n: usize, dir: &Path, emulator: &Emulator, redis_url: &str, token: &str) -> Self {
        let home = dir.join(format!("replica-{n}"));
        std::fs::create_dir_all(&home).expect("replica home");
        let audit = home.join("audit.jsonl");
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--transport", "http", "--listen", "127.0.0.1:0"])
            .args(["--alibaba-endpoint", &emulator.endpoint])
            .arg("--audit-log")
            .arg(&audit)
            .args(["--state", redis_url, "--auth-token", token])
            .args(["--operation-time-scale", "0.01", "--wait-timeout", "2s"])
            .env_clear()
            .env("HOME", &home)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &emulator.key_id)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &emulator.secret)
            .env("SKILLGATE_STATE_KEY", STATE_KEY)
            .env("SKILLGATE_LOG", "warn");
        let started = http_server::spawn_until_endpoint(command);
        let base = started.url.trim_end_matches("/mcp").to_string();
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        Self {
            child: Some(started.child),
            base,
            port,
            audit,
        }
    }

    /// Audit lines of `confirm` calls (executed or refused) this replica wrote.
    pub fn confirm_lines(&self) -> usize {
        std::fs::read_to_string(&self.audit)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|record| record["tool"] == "confirm")
            .count()
    }

    /// SIGKILL, by pid: no shutdown, no hand-over.
    pub fn kill(&mut self) {
        stop(&mut self.child);
    }

    /// SIGTERM, by pid, and the exit status once it has stopped by itself (at most `patience`).
    pub fn terminate(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + patience;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// nginx round-robin over the replicas (HTTP/1.1 with keep-alive to the upstreams; a dead
/// upstream is skipped on a connection error).
pub struct Nginx {
    child: Option<Child>,
    pub base: String,
}

impl Nginx {
    pub fn start(binary: &Path, dir: &Path, replicas: &[Replica]) -> Self {
        let root = dir.join("nginx");
        std::fs::create_dir_all(root.join("logs")).expect("nginx dir");
        let port = free_port();
        let upstreams: String = replicas
            .iter()
            .map(|r| format!("        server 127.0.0.1:{} max_fails=0;\n", r.port))
            .collect();
        let root_user = std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
        let config = format!(
            "{user}daemon off;\nworker_processes 1;\nworker_rlimit_nofile 8192;\npid {root}/nginx.pid;\nerror_log {root}/logs/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n    access_log off;\n    client_body_temp_path {root}/body;\n    proxy_temp_path {root}/proxy;\n\
             fastcgi_temp_path {root}/fastcgi;\n    uwsgi_temp_path {root}/uwsgi;\n    scgi_temp_path {root}/scgi;\n\
             upstream skillgate {{\n{upstreams}        keepalive 64;\n    }}\n\
             server {{\n        listen 127.0.0.1:{port};\n        location / {{\n            proxy_pass http://skillgate;\n\
             proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n            proxy_set_header Host $http_host;\n\
             proxy_buffering off;\n            proxy_read_timeout 60s;\n            proxy_next_upstream error timeout;\n        }}\n    }}\n}}\n",
            user = if root_user { "user root;\n" } else { "" },
            root = root.display(),
        );
        let conf = root.join("nginx.conf");
        std::fs::write(&conf, config).expect("nginx.conf");
        let child = Command::new(binary)
            .arg("-p")
            .arg(&root)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        wait_for_port(port, "nginx");
        Self {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The master stops its workers on SIGTERM; SIGKILL would leave them behind.
        if let Some(child) = &self.child {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
        }
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
