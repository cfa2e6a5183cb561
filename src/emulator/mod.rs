//! The built-in cloud emulator, served on loopback like LocalStack or moto: today Alibaba
//! PAI Studio 2022-01-12 and AIWorkSpace 2021-02-04, and AutoDL elastic deployments.
//!
//! It only sees HTTP on the wire (it never imports the provider clients): it verifies
//! signatures exactly as the cloud does, keeps state per provider, account, region and
//! service with the real business rules (quota capacity across the tree, node-type
//! availability, workloads, workspace bindings), answers with the real error shapes, and
//! lets time pass faster for tests. A demo account with seed data is created on every
//! start. It never executes anything it is sent.
//!
//! Layout (moto's urls/responses/models/exceptions, in Rust):
//! - [`core`]: provider-neutral: server, dispatch by the signed `Host`, the `Front` trait,
//!   services and routes, world state, clock, lifecycles, faults, request log, paging,
//!   admin API.
//! - one folder per provider front ([`alibaba`], [`autodl`], [`huawei`]), with one folder per
//!   service inside (`alibaba::pai`, `alibaba::aiworkspace`, `autodl::esd`, `huawei::modelarts`,
//!   `huawei::iam`).
//!
//! The composition root is [`fronts`]: the list of provider fronts in matching order.

pub mod alibaba;
pub mod autodl;
pub mod core;
pub mod docs;
pub mod huawei;

pub use self::core::clock;
pub use self::core::faults;
pub use self::core::request_log;
pub use self::core::service::RouteInfo;
pub use self::core::wire;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::core::front::Front;
pub use self::core::server::{EmulatorState, router};
use crate::secret::Secret;

/// The provider fronts, in the order a request's host is matched against them.
pub fn fronts() -> Vec<Box<dyn Front>> {
    vec![
        Box::new(alibaba::AlibabaFront::new()),
        Box::new(autodl::AutodlFront::new()),
        Box::new(huawei::HuaweiFront::new()),
        Box::new(docs::DocsFront::new()),
    ]
}

/// Every route the emulator serves, for the catalog coverage test: one entry per
/// `(provider, service, version, action, method, path, mutating)`, sorted.
pub fn route_table() -> Vec<RouteInfo> {
    let mut routes: Vec<RouteInfo> = fronts().iter().flat_map(|f| f.routes()).collect();
    routes.sort();
    routes
}

impl EmulatorState {
    /// A fresh emulator with every provider front and random demo credentials.
    pub fn new(options: EmulatorOptions) -> Self {
        Self::with_fronts(options, fronts())
    }

    /// The Alibaba demo account's credentials.
    pub fn alibaba_account(&self) -> AlibabaAccount {
        let account = self
            .front(alibaba::PROVIDER)
            .map(|f| f.demo_account())
            .unwrap_or_default();
        let field = |name: &str| account[name].as_str().unwrap_or_default().to_owned();
        AlibabaAccount {
            access_key_id: field("access_key_id"),
            access_key_secret: Secret::new(field("access_key_secret")),
        }
    }
}

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
    /// `http://127.0.0.1:PORT2`: the Kubernetes API of the emulated ACK clusters.
    pub kube_endpoint: String,
    /// The demo account's credentials.
    pub alibaba: AlibabaAccount,
    state: EmulatorState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// One line of JSON for a launcher to read: the endpoint and one entry per provider
    /// with its demo account, e.g.
    /// `{"endpoint": "...", "alibaba": {"access_key_id": "...", "access_key_secret": "..."}}`.
    /// It carries the demo secrets on purpose: that is how clients get the credentials.
    pub fn startup_line(&self) -> String {
        let mut line = serde_json::Map::new();
        line.insert("endpoint".into(), self.endpoint.clone().into());
        line.insert(
            "kubernetes".into(),
            serde_json::json!({"endpoint": self.kube_endpoint}),
        );
        for front in self.state.fronts() {
            line.insert(front.provider().to_owned(), front.demo_account());
        }
        serde_json::Value::Object(line).to_string()
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
    // The Kubernetes API of the emulated ACK clusters listens on its own loopback port, as a
    // real cluster's API server is not the cloud's API.
    let kube_listen: SocketAddr = (listen.ip(), 0).into();
    let kube_listener = tokio::net::TcpListener::bind(kube_listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: kube_listen,
            source,
        })?;
    let kube_local = kube_listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: kube_listen,
            source,
        })?;
    let state = EmulatorState::new(options);
    state.set_kube_endpoint(format!("http://{kube_local}"));
    let app = router(state.clone());
    let kube_app = alibaba::cs::kube::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    // TCP_NODELAY, as on the server's own listener: an answer written in more than one piece
    // must not wait for the client's delayed ACK (40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    let (kube_tx, kube_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let kube = tokio::spawn(async move {
            let served = axum::serve(kube_listener, kube_app)
                .with_graceful_shutdown(async {
                    let _ = kube_rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "emulator Kubernetes API stopped");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "emulator server stopped");
        }
        let _ = kube_tx.send(());
        let _ = kube.await;
    });
    tracing::info!(endpoint = %format!("http://{local}"), "emulator listening");
    Ok(EmulatorHandle {
        endpoint: format!("http://{local}"),
        kube_endpoint: format!("http://{kube_local}"),
        alibaba: state.alibaba_account(),
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}
