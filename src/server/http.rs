//! MCP over streamable HTTP (axum). Bound to loopback by default; a non-loopback bind needs a
//! bearer token. Host and Origin are checked against allow-lists (DNS rebinding).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use super::{Principal, Shared, Skillgate};
use crate::secret::Secret;

/// How the HTTP transport is exposed.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Bearer token clients must send; required for a non-loopback bind.
    pub auth_token: Option<Secret>,
    /// Extra allowed Host header values (loopback names are always allowed).
    pub allowed_hosts: Vec<String>,
    /// Allowed browser origins; requests with any other Origin are refused.
    pub allowed_origins: Vec<String>,
}

/// Refuses a configuration that would expose an unauthenticated server beyond this machine.
pub fn check_exposure(options: &HttpOptions) -> anyhow::Result<()> {
    if !options.listen.ip().is_loopback() && options.auth_token.is_none() {
        anyhow::bail!(
            "refusing to listen on {} without --auth-token: a non-loopback bind must require a bearer token",
            options.listen
        );
    }
    Ok(())
}

/// The principal name of a token: a digest, so the token itself never reaches logs or audit lines.
fn principal_of(token: &Secret) -> Principal {
    let digest = hex::encode(Sha256::digest(token.expose().as_bytes()));
    Principal(format!("token:{}", &digest[..12]))
}

async fn authenticate(
    State(token): State<Option<Secret>>,
    mut request: Request,
    next: Next,
) -> Response {
    match &token {
        None => {
            request.extensions_mut().insert(Principal("local".into()));
            next.run(request).await
        }
        Some(expected) => {
            let given = request
                .headers()
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
                request.extensions_mut().insert(principal_of(expected));
                next.run(request).await
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                    "missing or wrong bearer token\n",
                )
                    .into_response()
            }
        }
    }
}

/// The axum app: `/mcp` (streamable HTTP) behind the auth layer.
pub fn app(shared: Arc<Shared>, options: &HttpOptions, cancel: CancellationToken) -> axum::Router {
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    hosts.extend(options.allowed_hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(options.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(1024 * 1024)
        .with_cancellation_token(cancel);
    let mut sessions = LocalSessionManager::default();
    // Long cloud waits are silent; a 5-minute idle timer would kill the session under them.
    sessions.session_config.keep_alive = Some(Duration::from_secs(30 * 60));
    let service = StreamableHttpService::new(
        move || Ok(Skillgate::new(shared.clone())),
        Arc::new(sessions),
        config,
    );
    axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(
            options.auth_token.clone(),
            authenticate,
        ))
}

/// Serves until ctrl-c. Prints nothing on stdout except what the caller decides.
pub async fn serve_http(shared: Arc<Shared>, options: HttpOptions) -> anyhow::Result<SocketAddr> {
    check_exposure(&options)?;
    let cancel = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let address = listener.local_addr()?;
    let router = app(shared, &options, cancel.clone());
    tracing::info!(%address, "streamable HTTP MCP endpoint at http://{address}/mcp");
    eprintln!("skillgate: MCP endpoint http://{address}/mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            cancel.cancel();
        })
        .await?;
    Ok(address)
}
