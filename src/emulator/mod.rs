//! The built-in cloud emulator: Alibaba PAI Studio 2022-01-12 and AIWorkSpace 2021-02-04
//! served on loopback, like LocalStack or moto.
//!
//! It only sees HTTP on the wire (it never imports the provider clients): it verifies
//! ACS3 signatures exactly as the cloud does, keeps per-account, per-region state with
//! the real business rules (quota capacity across the tree, node-type availability,
//! workloads, workspace bindings), answers with the real error shapes, and lets time pass
//! faster for tests. A demo account with seed data is created on every start.
//!
//! Modules: [`server`] (axum app, dispatch), [`api`] (the API pipeline), [`verify`]
//! (signature, timestamp, nonce), [`admin`] (unsigned `/_emulator/*`), [`clock`],
//! [`faults`], [`request_log`], [`wire`] (request/error types) and [`alibaba`] (routes,
//! state, rules, handlers, seed).

pub mod admin;
pub mod alibaba;
pub mod api;
pub mod clock;
pub mod faults;
pub mod request_log;
pub mod server;
pub mod verify;
pub mod wire;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::secret::Secret;
pub use server::{EmulatorState, router};

/// How the emulator runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmulatorOptions {
    /// Emulated seconds per real second (>= 1); e.g. 60 makes a 30 s quota creation take 0.5 s.
    pub time_scale: f64,
    /// Whether the demo account gets its seed data.
    pub seed_demo: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            seed_demo: true,
        }
    }
}

/// The emulator's Alibaba Cloud demo account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlibabaAccount {
    /// `LTAI5t` + 18 random letters and digits.
    pub access_key_id: String,
    /// 30 random letters and digits.
    pub access_key_secret: Secret,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The admin API is unsigned, so anything but loopback is refused.
    #[error("the emulator only listens on loopback; {0} is not a loopback address")]
    NotLoopback(SocketAddr),
    /// The socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running emulator. Dropping it stops the server too; [`EmulatorHandle::shutdown`]
/// also waits for it.
#[derive(Debug)]
pub struct EmulatorHandle {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The demo account's credentials.
    pub alibaba: AlibabaAccount,
    state: EmulatorState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// One line of JSON for a launcher to read:
    /// `{"endpoint": "...", "alibaba": {"access_key_id": "...", "access_key_secret": "..."}}`.
    /// It carries the demo secret on purpose: that is how clients get the credentials.
    pub fn startup_line(&self) -> String {
        serde_json::json!({
            "endpoint": self.endpoint,
            "alibaba": {
                "access_key_id": self.alibaba.access_key_id,
                "access_key_secret": self.alibaba.access_key_secret.expose(),
            },
        })
        .to_string()
    }

    /// The shared state, for in-process callers (e.g. `serve --emulator`).
    pub fn state(&self) -> &EmulatorState {
        &self.state
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `listen` (port 0 picks a free port) on loopback and serves the emulator in a
/// background task.
pub async fn start(
    listen: SocketAddr,
    options: EmulatorOptions,
) -> Result<EmulatorHandle, EmulatorError> {
    if !listen.ip().is_loopback() {
        return Err(EmulatorError::NotLoopback(listen));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: listen,
            source,
        })?;
    let local = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: listen,
            source,
        })?;
    let state = EmulatorState::new(options);
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "emulator server stopped");
        }
    });
    tracing::info!(endpoint = %format!("http://{local}"), "emulator listening");
    Ok(EmulatorHandle {
        endpoint: format!("http://{local}"),
        alibaba: state.alibaba_account().clone(),
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}
