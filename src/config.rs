//! Resolved settings: what the command line, the environment and a config file came to, in the
//! types the server and the engine take, so neither depends on the command-line parser's types.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// How a human confirms mutations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfirmMode {
    /// The strongest the client supports: input-required or elicitation where the client
    /// declares elicitation, else the token flow.
    #[default]
    Auto,
    /// The two-call plan/confirm flow with the exact phrase.
    Token,
    /// Only through elicitation to the human; mutations from clients without it are refused.
    Elicit,
}

/// What the MCP server needs to know.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// `--confirm`.
    pub confirm: ConfirmMode,
    /// Key that seals 2026-07-28 `requestState` (at least 32 bytes; the same on every replica).
    pub state_key: Vec<u8>,
    /// How long a human has to answer a confirmation form (the plan lifetime).
    pub confirmation_timeout: Duration,
    /// `--confirm-url`: confirmations happen on this server's confirmation page.
    pub confirm_url: bool,
    /// `--dynamic-toolsets`: `list_toolsets`, `enable_toolset`, `disable_toolset` and
    /// `notifications/tools/list_changed`.
    pub dynamic_toolsets: bool,
}

/// `--endpoint PROVIDER=URL` values (and the legacy `--alibaba-endpoint URL`), by provider id.
///
/// Fails on a value without `=` or a provider given twice, naming the value.
pub fn endpoint_overrides(
    values: &[String],
    legacy_alibaba: Option<&str>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let pairs = values
        .iter()
        .map(|value| {
            value
                .split_once('=')
                .map(|(p, u)| (p.trim().to_string(), u.trim().to_string()))
                .ok_or_else(|| format!("--endpoint `{value}`: expected PROVIDER=URL"))
        })
        .chain(legacy_alibaba.map(|url| Ok(("alibaba".to_string(), url.to_string()))));
    for pair in pairs {
        let (provider, url) = pair?;
        if out.insert(provider.clone(), url).is_some() {
            return Err(format!("the endpoint of `{provider}` is given twice"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_with_the_legacy_flag_and_refuse_duplicates() {
        let parsed = endpoint_overrides(
            &["huawei=http://127.0.0.1:1".into()],
            Some("http://127.0.0.1:2"),
        );
        assert_eq!(
            parsed.ok().map(|m| m.into_iter().collect::<Vec<_>>()),
            Some(vec![
                ("alibaba".into(), "http://127.0.0.1:2".into()),
                ("huawei".into(), "http://127.0.0.1:1".into())
            ])
        );
        assert!(endpoint_overrides(&["nope".into()], None).is_err());
        assert!(endpoint_overrides(&["alibaba=x".into()], Some("y")).is_err());
    }
}
