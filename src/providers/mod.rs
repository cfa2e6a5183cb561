//! Cloud provider clients behind one trait.
//!
//! - [`request`]: the provider-neutral [`ProviderRequest`] plans store and previews show.
//! - [`error`]: the provider-neutral [`ProviderError`] with its common [`ErrorKind`]s.
//! - [`retry`]: when a failed attempt may be sent again.
//! - [`alibaba`]: Alibaba Cloud (ACS3 signing, RPC and ROA, retries, error mapping).
//! - [`autodl`]: AutoDL elastic deployments (raw token, the `{code, msg, data}` envelope).
//! - [`huawei`]: Huawei Cloud (SDK-HMAC-SHA256, project ids through IAM, error mapping).
//! - [`kube`]: the Kubernetes API of an ACK cluster, reached with its kubeconfig (not a provider).
//!
//! The engine holds providers by id ([`Providers`]) and never names one. Each provider module
//! exports a [`ProviderKind`]: how it is configured (credentials from its usual places, the
//! emulator's demo account, an endpoint override) and what `skillgate status` says about it.
//! Adding a cloud is a new module here plus one entry in [`KINDS`].

pub mod alibaba;
pub mod autodl;
pub mod docs;
pub mod error;
pub mod huawei;
pub mod kube;
pub mod request;
pub mod retry;

pub use error::{ErrorKind, ProviderError};
pub use request::{ApiStyle, ProviderRequest, ProviderResponse};
pub use retry::RetryMode;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

/// A boxed future, so providers can sit behind `dyn Provider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One cloud's client.
pub trait Provider: Send + Sync + fmt::Debug {
    /// The id requests name in [`ProviderRequest::provider`].
    fn id(&self) -> &'static str;

    /// What [`Provider::send`] would send, for the dry run: method, real URL, headers with every
    /// credential masked, body, and `sent_to` when an override redirects the connection.
    fn preview(&self, request: &ProviderRequest) -> Value;

    /// Signs and sends `request`, retrying as `retry` allows with fresh signing material on every
    /// attempt. Errors are classified ([`Provider::classify`]) and carry the permission hint.
    fn send<'a>(
        &'a self,
        request: &'a ProviderRequest,
        retry: RetryMode,
    ) -> BoxFuture<'a, Result<ProviderResponse, ProviderError>>;

    /// Maps an HTTP status and this cloud's error code to a common kind.
    fn classify(
        &self,
        http_status: Option<u16>,
        code: Option<&str>,
        retry_after_ms: Option<u64>,
    ) -> ErrorKind;

    /// What to grant when `request` is denied (e.g. the RAM action `pai:CreateQuota`).
    fn permission_hint(&self, request: &ProviderRequest) -> String;
}

/// What a provider is configured from at startup. The environment is read by the caller (the
/// entry point) and handed in as a lookup, so nothing below reads it.
pub struct ProviderSetup<'a> {
    /// Environment lookup.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The user's home directory, for credential files.
    pub home: Option<&'a Path>,
    /// `--endpoint <provider>=<url>`: send every call of this provider there.
    pub endpoint: Option<String>,
    /// This provider's entry of the emulator's demo accounts, when serving `--emulator`.
    pub emulator_account: Option<&'a Value>,
    /// The catalog's services of this provider: id -> permission prefix (e.g. `pai`).
    pub permission_prefixes: BTreeMap<String, String>,
    /// Per-process suffix of the user agent, so one server's calls can be told apart.
    pub client_id: String,
}

/// Why a provider could not be configured.
#[derive(Debug, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct SetupError {
    /// The provider id.
    pub provider: &'static str,
    /// What went wrong (never a secret).
    pub message: String,
}

/// Builds a provider's client; `Ok(None)` when no credentials were found.
pub type ConfigureFn = fn(&ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError>;

/// One provider module's entry points.
pub struct ProviderKind {
    /// The id, as in catalogs and `--endpoint`.
    pub id: &'static str,
    /// Builds the client; `Ok(None)` when no credentials were found.
    pub configure: ConfigureFn,
    /// `skillgate status`: where credentials would come from (masked) and the endpoints.
    pub status: fn(&ProviderSetup<'_>) -> Value,
    /// The configuration error a call gets when this provider has no credentials.
    pub missing_credentials: &'static str,
}

/// Every provider skillgate knows.
pub const KINDS: &[ProviderKind] = &[
    alibaba::KIND,
    autodl::KIND,
    huawei::KIND,
    docs::KIND,
    kube::KIND,
];

/// The provider kind with this id.
pub fn kind(id: &str) -> Option<&'static ProviderKind> {
    KINDS.iter().find(|kind| kind.id == id)
}

/// The configured providers, by id.
#[derive(Clone, Debug, Default)]
pub struct Providers {
    clients: BTreeMap<&'static str, Arc<dyn Provider>>,
}

/// Why a call cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// The provider is known but has no credentials.
    #[error("{0}")]
    NoCredentials(&'static str),
    /// No provider module has this id (a catalog error caught at startup in practice).
    #[error("no provider `{0}` is built into skillgate")]
    Unknown(String),
}

impl Providers {
    /// Adds a configured client.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        self.clients.insert(provider.id(), provider);
    }

    /// The client for `id`.
    pub fn get(&self, id: &str) -> Result<&dyn Provider, Unavailable> {
        match self.clients.get(id) {
            Some(client) => Ok(client.as_ref()),
            None => match kind(id) {
                Some(kind) => Err(Unavailable::NoCredentials(kind.missing_credentials)),
                None => Err(Unavailable::Unknown(id.to_owned())),
            },
        }
    }

    /// The ids of the configured clients.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.clients.keys().copied()
    }
}
