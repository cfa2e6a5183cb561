//! The vendor documentation search (help.aliyun.com) behind `cp_doc_search`: a public site, so
//! no credentials and no signature (an Alibaba signature would hand a key id to a web site).
//! It is off by default: `app.rs` configures this provider only with `--enable-doc-search`, and
//! without it every call answers [`DISABLED`], which says how to turn it on. `--endpoint
//! docs=<url>` sends the calls to the emulator's synthesised index instead.

mod client;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Provider, ProviderKind, ProviderSetup, SetupError};
pub use client::DocsClient;

/// The provider id, as in catalogs and `--endpoint`.
pub const PROVIDER: &str = "docs";

/// What a call answers while the search is off.
pub const DISABLED: &str = "cp_doc_search is disabled: it reaches help.aliyun.com (outbound network) only when the server is started with --enable-doc-search (or `enable_doc_search = true` in the config file); nothing was sent";

/// The provider kind.
pub const KIND: ProviderKind = ProviderKind {
    id: PROVIDER,
    configure,
    status,
    missing_credentials: DISABLED,
};

fn configure(setup: &ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError> {
    let client = DocsClient::new(
        setup.endpoint.clone(),
        Duration::from_secs(15),
        setup.client_id.clone(),
    )
    .map_err(|message| SetupError {
        provider: PROVIDER,
        message,
    })?;
    Ok(Some(Arc::new(client)))
}

fn status(setup: &ProviderSetup<'_>) -> Value {
    json!({
        "credentials": "none (a public site)",
        "endpoint": setup.endpoint.clone().unwrap_or_else(|| "https://help.aliyun.com".into()),
        "enabled_by": "--enable-doc-search",
    })
}
