//! Where the AutoDL developer token comes from: `AUTODL_ELASTIC_TOKEN` (the newer CLI's name),
//! then `AUTODL_TOKEN` (the seed skill's), then either name in `~/.autodl/.env`. The skill asked
//! the agent to collect the token in the chat and write `.env`; skillgate never does: the token
//! is configured out of band and only ever shown masked.

use std::path::Path;

use crate::secret::Secret;

/// The environment variables, in the order they are tried.
pub const ENV_VARS: [&str; 2] = ["AUTODL_ELASTIC_TOKEN", "AUTODL_TOKEN"];
/// The dotenv file under the home directory.
pub const ENV_FILE: &str = ".autodl/.env";

/// A developer token and where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutodlToken {
    /// The raw token, sent as the `Authorization` header and nowhere else.
    pub token: Secret,
    /// `env:AUTODL_TOKEN`, `~/.autodl/.env`, `emulator`.
    pub source: String,
}

impl AutodlToken {
    /// A token from a known source.
    pub fn new(token: &str, source: &str) -> Self {
        Self {
            token: Secret::new(token.trim()),
            source: source.to_string(),
        }
    }

    /// The first token found in the environment, then the dotenv file.
    pub fn find(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Option<Self> {
        for name in ENV_VARS {
            if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                return Some(Self::new(&value, &format!("env:{name}")));
            }
        }
        let text = std::fs::read_to_string(home?.join(ENV_FILE)).ok()?;
        let token = dotenv_value(&text)?;
        Some(Self::new(&token, &format!("~/{ENV_FILE}")))
    }

    /// What `skillgate status` shows: never a character of the token.
    pub fn masked(&self) -> String {
        format!("**** ({} characters)", self.token.expose().chars().count())
    }
}

/// `AUTODL_ELASTIC_TOKEN=` or `AUTODL_TOKEN=` in dotenv text (quotes and `export` allowed).
fn dotenv_value(text: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            Some((key.trim().to_string(), value.to_string()))
        })
        .collect();
    ENV_VARS.iter().find_map(|name| {
        pairs
            .iter()
            .find(|(key, value)| key == name && !value.is_empty() && value != "your_token_here")
            .map(|(_, value)| value.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_elastic_token_wins_then_the_seed_name_then_the_file() {
        let env = |name: &str| match name {
            "AUTODL_TOKEN" => Some("seed-token".to_string()),
            "AUTODL_ELASTIC_TOKEN" => Some("elastic-token".to_string()),
            _ => None,
        };
        let found = AutodlToken::find(&env, None).expect("a token");
        assert_eq!(found.token.expose(), "elastic-token");
        assert_eq!(found.source, "env:AUTODL_ELASTIC_TOKEN");
        let only_seed = |name: &str| (name == "AUTODL_TOKEN").then(|| "seed-token".to_string());
        assert_eq!(
            AutodlToken::find(&only_seed, None).map(|t| t.source),
            Some("env:AUTODL_TOKEN".into())
        );
        let home = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(home.path().join(".autodl")).expect("dir");
        std::fs::write(
            home.path().join(ENV_FILE),
            "# comment\nexport AUTODL_TOKEN=\"file-token\"\n",
        )
        .expect("write");
        let none = |_: &str| None;
        let found = AutodlToken::find(&none, Some(home.path())).expect("from the file");
        assert_eq!(found.token.expose(), "file-token");
        assert!(!found.masked().contains("file"));
    }

    #[test]
    fn the_example_files_sample_value_is_no_token() {
        assert_eq!(dotenv_value("AUTODL_TOKEN=your_token_here"), None);
        assert_eq!(dotenv_value("AUTODL_TOKEN="), None);
    }
}
