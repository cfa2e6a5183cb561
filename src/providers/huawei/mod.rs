//! The Huawei Cloud client, for every Huawei REST API (ModelArts, IAM, VPC, SWR, KPS): the
//! request names service and host, so a new Huawei service is catalog data, not code here.
//!
//! - [`credentials`]: the SDK's and the ModelArts skill's credentials sources.
//! - [`endpoints`]: the SDK's region tables and environment overrides.
//! - [`client`]: project id resolution, signing, sending, retrying ([`HuaweiClient`]).
//! - [`classify`]: Huawei error codes to the common kinds; [`response`]: answers and errors.

pub mod classify;
pub mod client;
pub mod credentials;
pub mod endpoints;
pub mod obs;
pub mod response;

pub use client::{HuaweiClient, HuaweiClientConfig};
pub use credentials::{CredentialsError, HuaweiCredentials};

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::providers::{Provider, ProviderKind, ProviderSetup, SetupError};

/// How this provider is configured and reported.
pub const KIND: ProviderKind = ProviderKind {
    id: response::PROVIDER,
    configure,
    status,
    missing_credentials: "no Huawei Cloud credentials are configured: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or MODELARTS_AK/MODELARTS_SK), use ~/.huaweicloud/credentials, or run `skillgate serve --emulator`",
};

fn setup_error(message: impl Into<String>) -> SetupError {
    SetupError {
        provider: response::PROVIDER,
        message: message.into(),
    }
}

/// The emulator's demo account, or the default chain.
fn credentials(setup: &ProviderSetup<'_>) -> Result<Option<HuaweiCredentials>, SetupError> {
    if let Some(account) = setup.emulator_account {
        let text = |key: &str| account.get(key).and_then(Value::as_str).unwrap_or_default();
        let mut found =
            HuaweiCredentials::new(text("access_key"), text("secret_key"), None, "emulator");
        found.region = account
            .get("region")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Ok(Some(found));
    }
    HuaweiCredentials::from_default_chain(setup.env, setup.home)
        .map_err(|error| setup_error(error.to_string()))
}

fn configure(setup: &ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError> {
    let Some(credentials) = credentials(setup)? else {
        return Ok(None);
    };
    let services = setup.permission_prefixes.keys().map(String::as_str);
    let client = HuaweiClient::new(HuaweiClientConfig {
        credentials,
        endpoint_override: setup.endpoint.clone(),
        sdk_overrides: endpoints::SdkOverrides::from_env(setup.env, services),
        timeout: Duration::from_secs(30),
        max_attempts: 4,
        client_id: setup.client_id.clone(),
    })
    .map_err(|error| setup_error(error.to_string()))?;
    Ok(Some(Arc::new(client)))
}

fn status(setup: &ProviderSetup<'_>) -> Value {
    let credentials = match HuaweiCredentials::from_default_chain(setup.env, setup.home) {
        Ok(Some(found)) => json!({
            "source": found.source,
            "access_key": found.masked_access_key(),
            "security_token": found.security_token.is_some(),
            "project_id": found.project_id.clone().unwrap_or_else(|| "looked up through IAM per region".into()),
            "region": found.region,
        }),
        Ok(None) => {
            json!({"source": null, "hint": "set HUAWEICLOUD_SDK_AK/SK (or MODELARTS_AK/SK) or run `skillgate serve --emulator`"})
        }
        Err(error) => json!({"error": error.to_string()}),
    };
    json!({
        "credentials": credentials,
        "endpoint": setup.endpoint.clone().unwrap_or_else(|| "each service's public endpoint (<service>.<region>.myhuaweicloud.com; ModelArts ap-southeast-1 on .myhuaweicloud.cn)".into()),
    })
}

#[cfg(test)]
mod client_tests;
