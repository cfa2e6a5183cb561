//! Huawei Cloud credentials, from the places the official SDK and the ModelArts skill read:
//! 1. `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` (optional `HUAWEICLOUD_SDK_SECURITY_TOKEN`,
//!    `HUAWEICLOUD_SDK_PROJECT_ID`): the SDK's `EnvCredentialProvider`;
//! 2. `MODELARTS_AK` / `MODELARTS_SK` (optional `MODELARTS_PROJECT_ID`): the skill's variables;
//! 3. the SDK's profile file `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`,
//!    section `[basic]` with `ak`, `sk`, optional `security_token` and `project_id`.
//!
//! The region comes from `MODELARTS_REGION`, else `HUAWEICLOUD_SDK_REGION`. Errors name the
//! source and the field, never a value. Environment and home are parameters (tests use a
//! temp dir, never the developer's credentials).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::secret::{Secret, mask_key_id};

/// An AK/SK pair, optionally temporary (with a security token), and a project id if known.
#[derive(Clone)]
pub struct HuaweiCredentials {
    /// The access key (shown masked).
    pub access_key: String,
    /// The secret key.
    pub secret_key: Secret,
    /// The security token of temporary credentials.
    pub security_token: Option<Secret>,
    /// The project id, when configured (else it is looked up through IAM per region).
    pub project_id: Option<String>,
    /// The default region, when configured.
    pub region: Option<String>,
    /// `env`, `modelarts_env`, `credentials_file` or what the caller said (`emulator`).
    pub source: &'static str,
}

impl fmt::Debug for HuaweiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiCredentials")
            .field("access_key", &self.masked_access_key())
            .field("secret_key", &self.secret_key)
            .field("security_token", &self.security_token)
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("source", &self.source)
            .finish()
    }
}

/// Why credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// Half a pair: falling through to another source could select another account.
    #[error("{origin}: {field} is missing or empty")]
    Incomplete {
        /// Which variables or file.
        origin: String,
        /// The missing field.
        field: &'static str,
    },
    /// A file exists but cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// A file line is not `key = value` or `[section]`.
    #[error("{path} is malformed at line {line}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
}

fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

impl HuaweiCredentials {
    /// Credentials given directly (the emulator's demo account).
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        security_token: Option<String>,
        source: &'static str,
    ) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: Secret::new(secret_key),
            security_token: security_token.map(Secret::new),
            project_id: None,
            region: None,
            source,
        }
    }

    /// The access key as consoles show it (`HPUA****`).
    pub fn masked_access_key(&self) -> String {
        mask_key_id(&self.access_key)
    }

    /// Walks the sources in order; `Ok(None)` when none is configured.
    pub fn from_default_chain(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Option<Self>, CredentialsError> {
        let region = var(env, "MODELARTS_REGION").or_else(|| var(env, "HUAWEICLOUD_SDK_REGION"));
        let found = match from_env_pair(env, "HUAWEICLOUD_SDK", "env")? {
            Some(found) => Some(found),
            None => match from_env_pair(env, "MODELARTS", "modelarts_env")? {
                Some(found) => Some(found),
                None => from_file(env, home)?,
            },
        };
        Ok(found.map(|mut credentials| {
            credentials.region = region;
            credentials
        }))
    }
}

fn from_env_pair(
    env: &dyn Fn(&str) -> Option<String>,
    prefix: &str,
    source: &'static str,
) -> Result<Option<HuaweiCredentials>, CredentialsError> {
    let ak = var(env, &format!("{prefix}_AK"));
    let sk = var(env, &format!("{prefix}_SK"));
    let origin = || format!("environment ({prefix}_*)");
    let (ak_field, sk_field): (&'static str, &'static str) = if prefix == "MODELARTS" {
        ("MODELARTS_AK", "MODELARTS_SK")
    } else {
        ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK")
    };
    match (ak, sk) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: sk_field,
        }),
        (None, Some(_)) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: ak_field,
        }),
        (Some(ak), Some(sk)) => Ok(Some(HuaweiCredentials {
            access_key: ak,
            secret_key: Secret::new(sk),
            security_token: var(env, &format!("{prefix}_SECURITY_TOKEN"))
                .or_else(|| var(env, "HUAWEICLOUD_SDK_SECURITY_TOKEN"))
                .map(Secret::new),
            project_id: var(env, &format!("{prefix}_PROJECT_ID"))
                .or_else(|| var(env, "HUAWEICLOUD_SDK_PROJECT_ID")),
            region: None,
            source,
        })),
    }
}

/// The `[basic]` section of the SDK's profile file.
fn from_file(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<HuaweiCredentials>, CredentialsError> {
    let explicit = var(env, "HUAWEICLOUD_SDK_CREDENTIALS_FILE").map(PathBuf::from);
    let Some(path) = explicit
        .clone()
        .or_else(|| home.map(|h| h.join(".huaweicloud").join("credentials")))
    else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // An explicitly named file must exist: a typo should not pass silently.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            return Ok(None);
        }
        Err(error) => {
            return Err(CredentialsError::Unreadable {
                path,
                reason: error.to_string(),
            });
        }
    };
    let basic = basic_section(&text).map_err(|line| CredentialsError::Malformed {
        path: path.clone(),
        line,
    })?;
    let get = |key: &str| {
        basic
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let origin = || format!("{} [basic]", path.display());
    match (get("ak"), get("sk")) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: "sk",
        }),
        (None, Some(_)) => Err(CredentialsError::Incomplete {
            origin: origin(),
            field: "ak",
        }),
        (Some(ak), Some(sk)) => Ok(Some(HuaweiCredentials {
            access_key: ak,
            secret_key: Secret::new(sk),
            security_token: get("security_token").map(Secret::new),
            project_id: get("project_id"),
            region: None,
            source: "credentials_file",
        })),
    }
}

/// The `key = value` pairs of `[basic]`; `Err(line)` on a line that is neither.
fn basic_section(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        let (key, value) = line.split_once('=').ok_or(index + 1)?;
        if section == "basic" {
            out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_sdk_variables_come_first_then_the_skill_variables() {
        let env = env_of(&[
            ("HUAWEICLOUD_SDK_AK", "AK1"),
            ("HUAWEICLOUD_SDK_SK", "SK1"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "TOK"),
            ("MODELARTS_AK", "AK2"),
            ("MODELARTS_SK", "SK2"),
            ("MODELARTS_REGION", "cn-east-3"),
        ]);
        let found = HuaweiCredentials::from_default_chain(&env, None)
            .ok()
            .flatten();
        let found = found.expect("credentials");
        assert_eq!((found.access_key.as_str(), found.source), ("AK1", "env"));
        assert_eq!(
            found.security_token.map(|t| t.expose().to_owned()),
            Some("TOK".into())
        );
        assert_eq!(found.region.as_deref(), Some("cn-east-3"));
        let env = env_of(&[
            ("MODELARTS_AK", "AK2"),
            ("MODELARTS_SK", "SK2"),
            ("MODELARTS_PROJECT_ID", "p1"),
        ]);
        let found = HuaweiCredentials::from_default_chain(&env, None)
            .ok()
            .flatten();
        let found = found.expect("credentials");
        assert_eq!(
            (
                found.access_key.as_str(),
                found.project_id.as_deref(),
                found.source
            ),
            ("AK2", Some("p1"), "modelarts_env")
        );
    }

    #[test]
    fn half_a_pair_is_an_error_that_names_the_field_only() {
        let env = env_of(&[("MODELARTS_AK", "AKSECRETLOOKING")]);
        let error = HuaweiCredentials::from_default_chain(&env, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("MODELARTS_SK"), "{error}");
        assert!(!error.contains("AKSECRETLOOKING"), "{error}");
    }

    #[test]
    fn the_profile_file_basic_section_is_read_and_its_errors_name_no_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join(".huaweicloud");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("credentials"),
            "[global]\nak = GLOBALAK\nsk = nope\n\n[basic]\nak = FILEAK\nsk = FILESK\nproject_id = pid\n",
        )
        .expect("write");
        let env = env_of(&[]);
        let found = HuaweiCredentials::from_default_chain(&env, Some(dir.path()))
            .ok()
            .flatten()
            .expect("credentials");
        assert_eq!(
            (
                found.access_key.as_str(),
                found.secret_key.expose(),
                found.project_id.as_deref()
            ),
            ("FILEAK", "FILESK", Some("pid"))
        );
        std::fs::write(
            folder.join("credentials"),
            "[basic]\nak = FILEAK\nthis line is bad\n",
        )
        .expect("write");
        let error = HuaweiCredentials::from_default_chain(&env, Some(dir.path()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("line 3") && !error.contains("FILEAK"),
            "{error}"
        );
        let missing = env_of(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nonexistent/creds")]);
        assert!(HuaweiCredentials::from_default_chain(&missing, None).is_err());
        assert!(matches!(
            HuaweiCredentials::from_default_chain(&env_of(&[]), None),
            Ok(None)
        ));
    }

    #[test]
    fn debug_output_masks_the_key_and_hides_the_secrets() {
        let credentials = HuaweiCredentials::new(
            "HPUAEXAMPLEAKID00001",
            "S3CR3T",
            Some("T0K3N".into()),
            "test",
        );
        let text = format!("{credentials:?}");
        assert!(
            !text.contains("S3CR3T")
                && !text.contains("T0K3N")
                && !text.contains("HPUAEXAMPLEAKID00001")
        );
    }
}
