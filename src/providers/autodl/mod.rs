//! The AutoDL private-cloud elastic deployment client: the raw developer token in
//! `Authorization`, JSON bodies, and the `{code, msg, data}` envelope whose business errors
//! arrive with HTTP 200 (huawei-autodl-wire.md part B).
//!
//! - [`credentials`]: the token from `AUTODL_ELASTIC_TOKEN`, `AUTODL_TOKEN` or `~/.autodl/.env`.
//! - [`client`]: sending, retrying and the envelope ([`AutodlClient`], the [`Provider`] impl).
//! - [`classify`]: AutoDL codes and statuses to the common kinds.

pub mod classify;
pub mod client;
pub mod credentials;

pub use client::{AutodlClient, AutodlClientConfig};
pub use credentials::AutodlToken;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::providers::{Provider, ProviderKind, ProviderSetup, SetupError};

/// The provider id, as catalogs, `--endpoint` and the emulator's startup line name it.
pub const PROVIDER: &str = "autodl";

/// How to give skillgate the token: never by pasting it into a chat.
pub const SETUP: &str = "no AutoDL token is configured: create a developer token in the AutoDL console (Settings -> Developer Token), then set AUTODL_ELASTIC_TOKEN (or AUTODL_TOKEN) in the environment skillgate starts in, or put `AUTODL_TOKEN=<token>` in ~/.autodl/.env (chmod 600), and restart skillgate; do not paste the token into the chat. `skillgate serve --emulator` needs no token";

/// How this provider is configured and reported.
pub const KIND: ProviderKind = ProviderKind {
    id: PROVIDER,
    configure,
    status,
    missing_credentials: SETUP,
};

fn configure(setup: &ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError> {
    let token = match setup.emulator_account {
        Some(account) => account
            .get("token")
            .and_then(Value::as_str)
            .map(|token| AutodlToken::new(token, "emulator")),
        None => AutodlToken::find(setup.env, setup.home),
    };
    let Some(token) = token else {
        return Ok(None);
    };
    let client = AutodlClient::new(AutodlClientConfig {
        token,
        endpoint_override: setup.endpoint.clone(),
        timeout: Duration::from_secs(30),
        max_attempts: 4,
        client_id: setup.client_id.clone(),
    })
    .map_err(|error| SetupError {
        provider: PROVIDER,
        message: error.to_string(),
    })?;
    Ok(Some(Arc::new(client)))
}

fn status(setup: &ProviderSetup<'_>) -> Value {
    let credentials = match AutodlToken::find(setup.env, setup.home) {
        Some(found) => json!({"source": found.source, "token": found.masked()}),
        None => json!({"source": null, "hint": SETUP}),
    };
    json!({
        "credentials": credentials,
        "endpoint": setup.endpoint.clone().unwrap_or_else(|| "https://private.autodl.com".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{Providers, Unavailable};

    #[test]
    fn without_a_token_calls_get_the_setup_message_which_never_asks_for_the_token_in_chat() {
        let none = |_: &str| None;
        let setup = ProviderSetup {
            env: &none,
            home: None,
            endpoint: None,
            emulator_account: None,
            permission_prefixes: Default::default(),
            client_id: "c".into(),
        };
        assert!(matches!(configure(&setup), Ok(None)));
        match Providers::default().get(PROVIDER) {
            Err(Unavailable::NoCredentials(message)) => {
                assert!(
                    message.contains("AUTODL_ELASTIC_TOKEN") && message.contains("AUTODL_TOKEN")
                );
                assert!(message.contains("do not paste the token into the chat"));
            }
            other => panic!("expected the setup message, got {other:?}"),
        }
        let env = |name: &str| (name == "AUTODL_TOKEN").then(|| "secret-token-value".to_string());
        let status = status(&ProviderSetup { env: &env, ..setup });
        assert!(
            !status.to_string().contains("secret-token-value"),
            "{status}"
        );
        assert_eq!(status["credentials"]["source"], "env:AUTODL_TOKEN");
    }
}
