//! The Alibaba Cloud client, for every Alibaba API (RPC and ROA): the request names the service,
//! version and host, so a new Alibaba service is catalog data, not code here.
//!
//! - [`credentials`]: the credentials type and the SDK-compatible default chain.
//! - [`client`]: signing, sending, retrying ([`AlibabaClient`], the [`Provider`] impl).
//! - [`classify`]: Alibaba error codes to the common kinds.
//! - [`response`]: success and error bodies to `ProviderResponse` / `ProviderError`.
//! - [`retry`]: one failed attempt and whether it may be sent again.
//! - [`wire`]: the signed header set, user agent and URL, shared by send and preview.

pub mod account;
pub mod classify;
pub mod client;
pub mod credentials;
pub mod response;
pub mod retry;
pub mod wire;

pub use client::{AlibabaClient, AlibabaClientConfig};
pub use credentials::{AlibabaCredentials, CredentialsError};

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::providers::{Provider, ProviderKind, ProviderSetup, SetupError};

/// How this provider is configured and reported.
pub const KIND: ProviderKind = ProviderKind {
    id: response::PROVIDER,
    configure,
    status,
    missing_credentials: "no Alibaba Cloud credentials are configured: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, use ~/.alibabacloud/credentials or ~/.aliyun/config.json, or run `skillgate serve --emulator`",
};

fn setup_error(message: impl Into<String>) -> SetupError {
    SetupError {
        provider: response::PROVIDER,
        message: message.into(),
    }
}

/// The emulator's demo account, or the default credentials chain.
fn credentials(setup: &ProviderSetup<'_>) -> Result<Option<AlibabaCredentials>, SetupError> {
    if let Some(account) = setup.emulator_account {
        let text = |key: &str| account.get(key).and_then(Value::as_str).unwrap_or_default();
        return Ok(Some(AlibabaCredentials::new(
            text("access_key_id"),
            text("access_key_secret"),
            None,
            "emulator",
        )));
    }
    AlibabaCredentials::from_default_chain(setup.env, setup.home)
        .map_err(|error| setup_error(error.to_string()))
}

fn configure(setup: &ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError> {
    let Some(credentials) = credentials(setup)? else {
        return Ok(None);
    };
    let client = AlibabaClient::new(AlibabaClientConfig {
        credentials,
        endpoint_override: setup.endpoint.clone(),
        timeout: Duration::from_secs(30),
        max_attempts: 4,
        client_id: setup.client_id.clone(),
        permission_prefixes: setup.permission_prefixes.clone(),
    })
    .map_err(|error| setup_error(error.to_string()))?;
    Ok(Some(Arc::new(client)))
}

fn status(setup: &ProviderSetup<'_>) -> Value {
    let credentials = match AlibabaCredentials::from_default_chain(setup.env, setup.home) {
        Ok(Some(found)) => {
            json!({"source": found.source, "access_key_id": found.masked_key_id(), "sts": found.security_token.is_some()})
        }
        Ok(None) => {
            json!({"source": null, "hint": "set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or run `skillgate serve --emulator`"})
        }
        Err(error) => json!({"error": error.to_string()}),
    };
    json!({
        "credentials": credentials,
        "endpoint": setup.endpoint.clone().unwrap_or_else(|| "each service's public endpoint (<service>.<region>.aliyuncs.com)".into()),
    })
}

#[cfg(test)]
mod client_tests;
