//! A kubeconfig's current context: the server URL, the cluster's CA, and the user's bearer
//! token or client certificate and key. Kubeconfigs are YAML; the ones CS and `kubectl` write
//! use the plain block layout (maps by indentation, lists of maps with `- `, scalar values
//! optionally quoted), which [`parse`] reads, and JSON (valid YAML too) is read as JSON. That
//! keeps a YAML library out of the dependency tree for one small, regular document.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::secret::Secret;

/// How the user authenticates.
#[derive(Clone, Debug, PartialEq)]
pub enum KubeAuth {
    /// `users[].user.token`.
    Token(Secret),
    /// `client-certificate-data` and `client-key-data` (PEM, decoded from base64).
    ClientCertificate {
        /// The certificate PEM.
        certificate: Secret,
        /// The private key PEM.
        key: Secret,
    },
}

/// What a client needs from a kubeconfig.
#[derive(Clone, Debug, PartialEq)]
pub struct Kubeconfig {
    /// The API server URL (`https://...:6443`, or the emulator's `http://127.0.0.1:PORT`).
    pub server: String,
    /// The cluster entry's name.
    pub cluster: String,
    /// The user entry's name.
    pub user: String,
    /// The current context's name.
    pub context: String,
    /// The cluster's CA (PEM), when given.
    pub certificate_authority: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub insecure: bool,
    /// The credential.
    pub auth: KubeAuth,
}

/// Why a kubeconfig cannot be used (never quoting a credential).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the kubeconfig cannot be used: {0}")]
pub struct KubeconfigError(pub String);

fn bad(message: impl Into<String>) -> KubeconfigError {
    KubeconfigError(message.into())
}

/// One parsed line: its indentation, whether it starts a list item, the key and the value.
struct Line {
    indent: usize,
    item: bool,
    key: String,
    value: Option<String>,
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        return t[1..t.len() - 1].replace("\\\"", "\"");
    }
    t.to_owned()
}

fn lines(text: &str) -> Result<Vec<Line>, KubeconfigError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_end();
        let content = trimmed.trim_start();
        if content.is_empty() || content.starts_with('#') || content == "---" {
            continue;
        }
        let mut indent = trimmed.len() - content.len();
        let (item, rest) = match content.strip_prefix("- ") {
            Some(rest) => {
                indent += 2;
                (true, rest.trim_start())
            }
            None => (false, content),
        };
        let Some((key, value)) = rest.split_once(':') else {
            return Err(bad(format!("line {} is not `key: value`", n + 1)));
        };
        let value = value.trim();
        out.push(Line {
            indent,
            item,
            key: unquote(key),
            value: (!value.is_empty()).then(|| unquote(value)),
        });
    }
    Ok(out)
}

/// Builds the value of the block starting at `lines[*i]` with indentation `indent`.
fn block(lines: &[Line], i: &mut usize, indent: usize) -> Value {
    let mut list: Vec<Value> = Vec::new();
    let mut map = Map::new();
    let mut is_list = false;
    while *i < lines.len() && lines[*i].indent >= indent {
        let line = &lines[*i];
        if line.indent > indent && !line.item {
            // Deeper than expected: belongs to nothing we read; skip it.
            *i += 1;
            continue;
        }
        if line.item {
            is_list = true;
            // A list item: a map whose first key is on this line.
            let mut item = Map::new();
            let item_indent = line.indent;
            insert(lines, i, &mut item);
            while *i < lines.len() && lines[*i].indent == item_indent && !lines[*i].item {
                insert(lines, i, &mut item);
            }
            list.push(Value::Object(item));
        } else {
            insert(lines, i, &mut map);
        }
    }
    if is_list {
        Value::Array(list)
    } else {
        Value::Object(map)
    }
}

fn insert(lines: &[Line], i: &mut usize, map: &mut Map<String, Value>) {
    let line = &lines[*i];
    let indent = line.indent;
    *i += 1;
    let value = match &line.value {
        Some(v) if v == "{}" => Value::Object(Map::new()),
        Some(v) if v == "[]" => Value::Array(Vec::new()),
        Some(v) => Value::String(v.clone()),
        None if *i < lines.len() && (lines[*i].indent > indent || lines[*i].item) => {
            let child = lines[*i].indent;
            block(lines, i, child)
        }
        None => Value::Null,
    };
    map.insert(line.key.clone(), value);
}

/// The kubeconfig document as JSON (from YAML block layout or JSON).
pub fn document(text: &str) -> Result<Value, KubeconfigError> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|_| bad("it is not valid JSON"));
    }
    let lines = lines(text)?;
    let mut i = 0;
    Ok(block(&lines, &mut i, 0))
}

fn named<'a>(doc: &'a Value, list: &str, name: &str, field: &str) -> Option<&'a Value> {
    doc.get(list)?
        .as_array()?
        .iter()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(name))?
        .get(field)
}

fn decoded(value: &Value, what: &str) -> Result<Vec<u8>, KubeconfigError> {
    let text = value.as_str().unwrap_or_default();
    STANDARD
        .decode(text.trim())
        .map_err(|_| bad(format!("{what} is not base64")))
}

/// Reads the current context of a kubeconfig.
pub fn parse(text: &Secret) -> Result<Kubeconfig, KubeconfigError> {
    let doc = document(text.expose())?;
    let contexts: BTreeMap<String, Value> = doc
        .get("contexts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((
                c.get("name")?.as_str()?.to_owned(),
                c.get("context")?.clone(),
            ))
        })
        .collect();
    let current = doc
        .get("current-context")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| contexts.keys().next().cloned())
        .ok_or_else(|| bad("it has no context"))?;
    let context = contexts.get(&current).ok_or_else(|| {
        bad(format!(
            "its current context `{current}` is not among its contexts"
        ))
    })?;
    let cluster_name = context
        .get("cluster")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let user_name = context
        .get("user")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let cluster = named(&doc, "clusters", &cluster_name, "cluster")
        .ok_or_else(|| bad(format!("it has no cluster `{cluster_name}`")))?;
    let user = named(&doc, "users", &user_name, "user")
        .ok_or_else(|| bad(format!("it has no user `{user_name}`")))?;
    let server = cluster
        .get("server")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
        .ok_or_else(|| bad("its cluster has no http(s) server URL"))?
        .trim_end_matches('/')
        .to_owned();
    let certificate_authority = cluster
        .get("certificate-authority-data")
        .map(|v| decoded(v, "certificate-authority-data"))
        .transpose()?;
    let insecure = cluster
        .get("insecure-skip-tls-verify")
        .and_then(Value::as_str)
        .is_some_and(|v| v == "true");
    let auth = if let Some(token) = user.get("token").and_then(Value::as_str) {
        KubeAuth::Token(Secret::new(token))
    } else if let (Some(cert), Some(key)) = (
        user.get("client-certificate-data"),
        user.get("client-key-data"),
    ) {
        let text = |bytes: Vec<u8>| Secret::new(String::from_utf8_lossy(&bytes).into_owned());
        KubeAuth::ClientCertificate {
            certificate: text(decoded(cert, "client-certificate-data")?),
            key: text(decoded(key, "client-key-data")?),
        }
    } else {
        return Err(bad(
            "its user has neither a token nor client-certificate-data with client-key-data",
        ));
    };
    Ok(Kubeconfig {
        server,
        cluster: cluster_name,
        user: user_name,
        context: current,
        certificate_authority,
        insecure,
        auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACK: &str = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://192.168.0.10:6443\n    certificate-authority-data: Q0EK\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: \"2370\"\n  name: 2370-c1\ncurrent-context: 2370-c1\nkind: Config\npreferences: {}\nusers:\n- name: \"2370\"\n  user:\n    client-certificate-data: Q0VSVAo=\n    client-key-data: S0VZCg==\n";

    #[test]
    fn reads_the_block_layout_with_a_client_certificate() {
        let config = parse(&Secret::new(ACK)).unwrap();
        assert_eq!(config.server, "https://192.168.0.10:6443");
        assert_eq!(config.user, "2370");
        assert_eq!(config.context, "2370-c1");
        assert_eq!(config.certificate_authority.as_deref(), Some(&b"CA\n"[..]));
        match config.auth {
            KubeAuth::ClientCertificate { certificate, key } => {
                assert_eq!(certificate.expose(), "CERT\n");
                assert_eq!(key.expose(), "KEY\n");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_a_token_from_json_and_never_shows_it() {
        let json = r#"{"clusters":[{"name":"k","cluster":{"server":"http://127.0.0.1:1"}}],"contexts":[{"name":"c","context":{"cluster":"k","user":"u"}}],"current-context":"c","users":[{"name":"u","user":{"token":"tok-123"}}]}"#;
        let config = parse(&Secret::new(json)).unwrap();
        assert_eq!(config.auth, KubeAuth::Token(Secret::new("tok-123")));
        assert!(!format!("{config:?}").contains("tok-123"));
    }

    #[test]
    fn refuses_what_it_cannot_use_without_quoting_it() {
        let no_user = ACK
            .replace("client-certificate-data", "x")
            .replace("client-key-data", "y");
        let error = parse(&Secret::new(no_user)).unwrap_err();
        assert!(error.0.contains("neither a token"), "{error}");
        assert!(parse(&Secret::new("just words")).is_err());
    }
}
