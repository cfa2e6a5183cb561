//! Starting a `skillgate serve --transport http` process and reading its endpoint from stderr,
//! shared by the HTTP test binaries (`#[path]`-included: each test file is its own crate).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The line the server prints when it listens.
pub const MARK: &str = "skillgate: MCP endpoint ";

/// A started server: the process, the `http://127.0.0.1:PORT/mcp` it printed, and its stderr so far
/// (a reader thread keeps appending).
pub struct Started {
    pub child: Child,
    pub url: String,
    // Each test binary includes this module; not every one reads the captured stderr.
    #[allow(dead_code)]
    pub stderr: Arc<Mutex<String>>,
}

/// Spawns `command` (stdout discarded, stderr captured) and waits up to a minute for its endpoint.
pub fn spawn_until_endpoint(mut command: Command) -> Started {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn skillgate");
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().expect("stderr is piped");
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = stderr.lock().unwrap().clone();
        if let Some(url) = text
            .lines()
            .find_map(|line| line.split_once(MARK).map(|(_, url)| url.trim().to_string()))
        {
            return Started { child, url, stderr };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("skillgate exited early ({status}):\n{text}");
        }
        assert!(Instant::now() < deadline, "no endpoint printed:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
