//! Alibaba Cloud credentials and the SDK's default credentials chain.
//!
//! The chain follows `alibabacloud_credentials`' `DefaultCredentialsProvider` so a user
//! gets the same account here as with the official SDK and CLI:
//! 1. environment (`ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`, optional `_SECURITY_TOKEN`);
//! 2. (OIDC environment: recognised and reported as unsupported);
//! 3. the CLI profile `~/.aliyun/config.json` (modes `AK`, `StsToken`);
//! 4. the INI file `ALIBABA_CLOUD_CREDENTIALS_FILE`, `~/.alibabacloud/credentials.ini`
//!    or `~/.alibabacloud/credentials` (`type = access_key`);
//! 5. (credentials URI and ECS RAM role: recognised and reported as unsupported).
//!
//! Environment and home directory are parameters so tests use a temp dir and never
//! the developer's real credentials. Errors name files, profiles, fields and line
//! numbers, never values.

mod cli_config;
mod ini;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::secret::{Secret, mask_key_id};

/// An AccessKey pair, optionally with an STS token.
#[derive(Clone)]
pub struct AlibabaCredentials {
    /// The AccessKey id (not secret, but shown masked anyway).
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: Secret,
    /// The STS security token, for temporary credentials.
    pub security_token: Option<Secret>,
    /// Where they came from: `env`, `cli_profile`, `credentials_file`, or what the
    /// caller of [`AlibabaCredentials::new`] said (e.g. `emulator`).
    pub source: &'static str,
}

impl fmt::Debug for AlibabaCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaCredentials")
            .field("access_key_id", &self.masked_key_id())
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("source", &self.source)
            .finish()
    }
}

/// Why the chain could not produce credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A credentials source uses a mode skillgate cannot use.
    #[error(
        "{origin} uses credentials mode `{mode}`, which skillgate does not support; use an AccessKey (INI `type = access_key`, CLI mode `AK`) or an STS token (CLI mode `StsToken`, or ALIBABA_CLOUD_SECURITY_TOKEN)"
    )]
    Unsupported {
        /// Which file/profile or environment variables.
        origin: String,
        /// The mode or type found there.
        mode: String,
    },
    /// A field is missing or empty.
    #[error("{origin}: {field} is missing or empty")]
    Incomplete {
        /// Which file/profile or environment variables.
        origin: String,
        /// The missing field or variable.
        field: &'static str,
    },
    /// A file exists but cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The OS error text.
        reason: String,
    },
    /// A file cannot be parsed.
    #[error("{path} is malformed: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Position and kind of problem, never file content.
        reason: String,
    },
}

/// Reads one variable, treating empty as unset (as the SDK does).
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|value| !value.trim().is_empty())
}

impl AlibabaCredentials {
    /// Credentials given directly; `source` says where from (e.g. `"emulator"`).
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: Option<String>,
        source: &'static str,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: security_token.map(Secret::new),
            source,
        }
    }

    /// The key id as consoles show it (`LTAI****`), for logs and previews.
    pub fn masked_key_id(&self) -> String {
        mask_key_id(&self.access_key_id)
    }

    /// Walks the default chain. `Ok(None)` means no source is configured at all.
    pub fn from_default_chain(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Option<Self>, CredentialsError> {
        if let Some(found) = from_env(env)? {
            return Ok(Some(found));
        }
        reject_oidc_env(env)?;
        let cli_disabled = var(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        if !cli_disabled && let Some(found) = from_cli_config(env, home)? {
            return Ok(Some(found));
        }
        if let Some(found) = from_credentials_file(env, home)? {
            return Ok(Some(found));
        }
        reject_remote_sources(env)?;
        Ok(None)
    }
}

fn from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<AlibabaCredentials>, CredentialsError> {
    let id = var(env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
    let secret = var(env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    let origin = || "environment".to_owned();
    // Half a pair is reported rather than skipped: falling through to a file could
    // silently select a different account for a mutating call.
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        }),
        (None, Some(_)) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: "ALIBABA_CLOUD_ACCESS_KEY_ID",
        }),
        (Some(id), Some(secret)) => Ok(Some(AlibabaCredentials {
            access_key_id: id.trim().to_owned(),
            access_key_secret: Secret::new(secret.trim()),
            security_token: var(env, "ALIBABA_CLOUD_SECURITY_TOKEN")
                .map(|token| Secret::new(token.trim())),
            source: "env",
        })),
    }
}

fn reject_oidc_env(env: &dyn Fn(&str) -> Option<String>) -> Result<(), CredentialsError> {
    let oidc = [
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        "ALIBABA_CLOUD_ROLE_ARN",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    ];
    if oidc.iter().all(|name| var(env, name).is_some()) {
        return Err(CredentialsError::Unsupported {
            origin: "environment (ALIBABA_CLOUD_OIDC_*)".to_owned(),
            mode: "oidc_role_arn".to_owned(),
        });
    }
    Ok(())
}

fn reject_remote_sources(env: &dyn Fn(&str) -> Option<String>) -> Result<(), CredentialsError> {
    if var(env, "ALIBABA_CLOUD_CREDENTIALS_URI").is_some() {
        return Err(CredentialsError::Unsupported {
            origin: "environment (ALIBABA_CLOUD_CREDENTIALS_URI)".to_owned(),
            mode: "credentials_uri".to_owned(),
        });
    }
    if var(env, "ALIBABA_CLOUD_ECS_METADATA").is_some() {
        return Err(CredentialsError::Unsupported {
            origin: "environment (ALIBABA_CLOUD_ECS_METADATA)".to_owned(),
            mode: "ecs_ram_role".to_owned(),
        });
    }
    Ok(())
}

/// Reads a file that is known to exist; `Ok(None)` when it does not.
fn read_optional(path: &Path) -> Result<Option<String>, CredentialsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(CredentialsError::Unreadable {
            path: path.to_owned(),
            reason: error.to_string(),
        }),
    }
}

fn required(value: &str, origin: &str, field: &'static str) -> Result<String, CredentialsError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CredentialsError::Incomplete {
            origin: origin.to_owned(),
            field,
        });
    }
    Ok(value.to_owned())
}

fn from_cli_config(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<AlibabaCredentials>, CredentialsError> {
    let Some(home) = home else { return Ok(None) };
    let path = home.join(".aliyun").join("config.json");
    let Some(text) = read_optional(&path)? else {
        return Ok(None);
    };
    let config: cli_config::CliConfig =
        serde_json::from_str(&text).map_err(|error| CredentialsError::Malformed {
            path: path.clone(),
            // serde_json reports positions and expectations, not the offending text.
            reason: error.to_string(),
        })?;
    let name = var(env, "ALIBABA_CLOUD_PROFILE").unwrap_or_else(|| config.current.clone());
    // A missing profile makes the SDK move on to the next source; so do we.
    let Some(profile) = config.profile(&name) else {
        return Ok(None);
    };
    let origin = format!("{} profile `{name}`", path.display());
    let token = match profile.mode.as_str() {
        "" | "AK" => None,
        "StsToken" => Some(required(&profile.sts_token, &origin, "sts_token")?),
        other => {
            return Err(CredentialsError::Unsupported {
                origin,
                mode: other.to_owned(),
            });
        }
    };
    Ok(Some(AlibabaCredentials {
        access_key_id: required(&profile.access_key_id, &origin, "access_key_id")?,
        access_key_secret: Secret::new(required(
            &profile.access_key_secret,
            &origin,
            "access_key_secret",
        )?),
        security_token: token.map(Secret::new),
        source: "cli_profile",
    }))
}

fn from_credentials_file(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<AlibabaCredentials>, CredentialsError> {
    let (path, text) = if let Some(explicit) = var(env, "ALIBABA_CLOUD_CREDENTIALS_FILE") {
        // An explicitly named file must exist: a typo should not fall through silently.
        let path = PathBuf::from(explicit);
        let text =
            std::fs::read_to_string(&path).map_err(|error| CredentialsError::Unreadable {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        (path, text)
    } else {
        let Some(home) = home else { return Ok(None) };
        let dir = home.join(".alibabacloud");
        let mut found = None;
        // Python/Java SDKs use `credentials.ini`; Go/Node SDKs and tools `credentials`.
        for candidate in [dir.join("credentials.ini"), dir.join("credentials")] {
            if let Some(text) = read_optional(&candidate)? {
                found = Some((candidate, text));
                break;
            }
        }
        let Some(found) = found else { return Ok(None) };
        found
    };
    let sections = ini::parse(&text).map_err(|reason| CredentialsError::Malformed {
        path: path.clone(),
        reason,
    })?;
    let name = var(env, "ALIBABA_CLOUD_PROFILE").unwrap_or_else(|| "default".to_owned());
    let Some(section) = sections.get(&name) else {
        return Ok(None);
    };
    let origin = format!("{} [{name}]", path.display());
    let field = |key: &str| section.get(key).map(String::as_str).unwrap_or("");
    match field("type") {
        "access_key" => Ok(Some(AlibabaCredentials {
            access_key_id: required(field("access_key_id"), &origin, "access_key_id")?,
            access_key_secret: Secret::new(required(
                field("access_key_secret"),
                &origin,
                "access_key_secret",
            )?),
            security_token: None,
            source: "credentials_file",
        })),
        "" => Err(CredentialsError::Incomplete {
            origin,
            field: "type",
        }),
        other => Err(CredentialsError::Unsupported {
            origin,
            mode: other.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests;
