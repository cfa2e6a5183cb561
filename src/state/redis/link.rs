//! One connection to Redis, shared by every store of a process.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisResult};

use crate::state::{StateUnavailable, Stored};

/// The longest a store call waits for Redis before it is refused as unavailable.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command may take.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// A `--state` URL that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateUrlError {
    /// Not a Redis URL the client understands.
    #[error("--state: not a redis:// or rediss:// URL ({0})")]
    Invalid(String),
    /// A Unix socket or another address form that is not served here.
    #[error("--state: only redis://HOST:PORT/DB and rediss://HOST:PORT/DB are supported")]
    Unsupported,
    /// The client's runtime could not start.
    #[error("--state: cannot start the Redis client: {0}")]
    Runtime(String),
}

/// The connection and the runtime that drives it.
pub struct RedisLink {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    manager: ConnectionManager,
    shown: String,
    prefix: String,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Drop for RedisLink {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is refused inside another runtime; this does not.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl RedisLink {
    /// A link to `url` (`redis://HOST:PORT/DB`, `rediss://...`). `password` is used when the URL
    /// carries none (`SKILLGATE_REDIS_PASSWORD`). Connects lazily: a server starts while Redis
    /// is down, and refuses mutations until it answers.
    pub fn open(url: &str, password: Option<&str>, prefix: &str) -> Result<Self, StateUrlError> {
        let mut info = url
            .into_connection_info()
            .map_err(|e| StateUrlError::Invalid(e.to_string()))?;
        let (scheme, host, port) = match info.addr() {
            ConnectionAddr::Tcp(host, port) => ("redis", host.clone(), *port),
            ConnectionAddr::TcpTls { host, port, .. } => ("rediss", host.clone(), *port),
            _ => return Err(StateUrlError::Unsupported),
        };
        let settings = info.redis_settings().clone();
        let db = settings.db();
        if settings.password().is_none()
            && let Some(password) = password.filter(|p| !p.is_empty())
        {
            info = info.set_redis_settings(settings.set_password(password));
        }
        let shown = format!("{scheme}://{host}:{port}/{db}");
        let client =
            redis::Client::open(info).map_err(|e| StateUrlError::Invalid(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("skillgate-redis")
            .enable_all()
            .build()
            .map_err(|e| StateUrlError::Runtime(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let manager = {
            let _inside = runtime.enter();
            ConnectionManager::new_lazy_with_config(client, config)
                .map_err(|e| StateUrlError::Runtime(e.to_string()))?
        };
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            manager,
            shown,
            prefix: prefix.to_string(),
        })
    }

    /// Where it points, without any password: `redis://127.0.0.1:6379/0`.
    pub fn describe(&self) -> &str {
        &self.shown
    }

    /// A key under this deployment's prefix.
    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// The prefix every key starts with (scripts build keys from it).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs one exchange with Redis and waits for its answer, at most [`CALL_TIMEOUT`].
    pub fn run<T, F>(&self, exchange: impl FnOnce(ConnectionManager) -> F) -> Stored<T>
    where
        T: Send + 'static,
        F: Future<Output = RedisResult<T>> + Send + 'static,
    {
        let (answer, answered) = mpsc::sync_channel(1);
        let future = exchange(self.manager.clone());
        self.handle.spawn(async move {
            // The caller may have stopped waiting; then nobody needs the answer.
            let _ = answer.send(future.await);
        });
        match answered.recv_timeout(CALL_TIMEOUT) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StateUnavailable::new(describe_error(&error))),
            Err(_) => Err(StateUnavailable::new("Redis did not answer in time")),
        }
    }

    /// True when Redis answers `PING`.
    pub fn ping(&self) -> Stored<()> {
        self.run(|mut con| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut con)
                .await
                .map(|_| ())
        })
    }
}

/// The client's words for a failure, which never include the URL or the password.
fn describe_error(error: &redis::RedisError) -> String {
    if error.is_connection_refusal() {
        "Redis refused the connection".into()
    } else if error.is_timeout() {
        "Redis did not answer in time".into()
    } else if error.is_io_error() || error.is_connection_dropped() {
        "the connection to Redis was lost".into()
    } else {
        format!("Redis answered with an error: {}", error.category())
    }
}
