//! A real `redis-server` for the unit tests: started on a free loopback port with no
//! persistence, stopped by its pid when the test ends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::RedisLink;

/// One redis-server process.
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
}

static PREFIXES: AtomicU32 = AtomicU32::new(0);

impl RedisServer {
    /// Starts one, or returns `None` (saying so) when the binary is missing outside CI; in CI
    /// (`CI` set when the tests were built) a missing binary fails the test.
    pub(crate) fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        Self::start_on(port)
    }

    /// Starts one on `port` (a restart on the port a stopped one used).
    pub(crate) fn start_on(port: u16) -> Option<Self> {
        let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists());
        let Some(binary) = binary else {
            // The build's environment: CI builds and runs the tests with `CI` set (and cargo
            // rebuilds when it changes), and the library reads no run-time environment.
            assert!(
                option_env!("CI").is_none(),
                "redis-server is missing in CI: scripts/install-test-deps installs it"
            );
            eprintln!(
                "SKIPPED: redis-server is not installed (scripts/install-test-deps installs it)"
            );
            return None;
        };
        let child = Command::new(binary)
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
            .expect("redis-server starts");
        let server = Self { child, port };
        server.wait_ready();
        Some(server)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut answer = [0u8; 7];
                if stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Its port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Its URL.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A link under a prefix of its own, so one server holds many independent stores.
    pub(crate) fn link(&self) -> Arc<RedisLink> {
        let prefix = format!("t{}:", PREFIXES.fetch_add(1, Ordering::Relaxed));
        Arc::new(RedisLink::open(&self.url(), None, &prefix).expect("link"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
