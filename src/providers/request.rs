//! One provider call as plain data, whatever the cloud.
//!
//! A plan stores [`ProviderRequest`]s when it is previewed and sends exactly those values after
//! confirmation, so everything that decides *what* is sent (service, version, action, host, path,
//! query, headers, body) is fixed here; only per-attempt material (date, nonce, signature, token)
//! is added by the provider at send time. Serialisable, so plans can live in any store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::signing::encoding::encode_path_segment;

/// How a service lays out its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiStyle {
    /// `POST /` with every parameter in the query (Alibaba ECS, VPC, OOS, STS).
    Rpc,
    /// Resource paths, query and a JSON body (Alibaba PAI, AIWorkSpace, FC, ACK, DLC).
    Roa,
    /// Plain REST with a JSON body (Huawei, AutoDL).
    Rest,
}

/// One call, fully determined before it is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderRequest {
    /// Which provider sends it (`alibaba`, ...): the engine picks the client by this id.
    pub provider: String,
    /// The service id from the catalog (`paistudio`, `ecs`, ...).
    pub service: String,
    /// The API version (`x-acs-version` for Alibaba).
    pub version: String,
    /// RPC, ROA or REST.
    pub style: ApiStyle,
    /// The API action (`CreateQuota`, `RunInstances`).
    pub action: String,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The endpoint host, rendered from the service's template and the scope.
    pub host: String,
    /// The path, already percent-encoded (built with [`encode_path_segment`]).
    pub path: String,
    /// Query pairs, unencoded, in the order they are sent.
    pub query: Vec<(String, String)>,
    /// Extra headers the API defines (never credentials; those are added at send time).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The JSON body, when the operation has one.
    pub body: Option<Value>,
    /// The scope the call runs in (`region_id`, `project_id`), for logs and checks.
    #[serde(default)]
    pub scope: BTreeMap<String, String>,
    /// The skill that makes the call, put in the user agent (each toolset names its own).
    #[serde(default)]
    pub user_agent: String,
}

impl ProviderRequest {
    /// A request with an empty query and no body. The path template's `{Name}` fields are filled
    /// with [`ProviderRequest::with_path`].
    pub fn new(
        provider: impl Into<String>,
        service: impl Into<String>,
        version: impl Into<String>,
        style: ApiStyle,
        action: impl Into<String>,
        method: impl Into<String>,
        host: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            service: service.into(),
            version: version.into(),
            style,
            action: action.into(),
            method: method.into().to_ascii_uppercase(),
            host: host.into(),
            path: "/".into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            scope: BTreeMap::new(),
            user_agent: String::new(),
        }
    }

    /// Sets the path: each `{Name}` in `template` is replaced by the matching parameter run
    /// through [`encode_path_segment`], so a value can never add path segments or a query. A
    /// stand-in without a parameter stays as it is and is rejected by
    /// [`ProviderRequest::validate`] before anything is sent.
    pub fn with_path(mut self, template: &str, params: &[(&str, &str)]) -> Self {
        let mut path = template.to_owned();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), &encode_path_segment(value));
        }
        self.path = path;
        self
    }

    /// Appends a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, value: Value) -> Self {
        self.body = Some(value);
        self
    }

    /// Records a scope value (`region_id`).
    pub fn scoped(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.scope.insert(key.into(), value.into());
        self
    }

    /// Names the skill in the user agent.
    pub fn user_agent(mut self, skill: impl Into<String>) -> Self {
        self.user_agent = skill.into();
        self
    }

    /// A scope value, or `""`.
    pub fn scope_value(&self, key: &str) -> &str {
        self.scope.get(key).map(String::as_str).unwrap_or_default()
    }

    /// The first value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The exact bytes that are hashed and sent: compact JSON with raw UTF-8 (like the SDKs'
    /// `ensure_ascii=False`), or nothing when there is no body.
    pub fn body_bytes(&self) -> Vec<u8> {
        self.body
            .as_ref()
            .map(|value| value.to_string().into_bytes())
            .unwrap_or_default()
    }

    /// Checks what would otherwise surface as confusing wire errors, or worse: a host that is
    /// not a plain DNS name would send the signed call elsewhere, a `.`/`..` path segment would
    /// be collapsed by the URL parser and address a different resource.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(
            self.method.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
        ) {
            return Err(format!("unsupported HTTP method `{}`", self.method));
        }
        let host_ok = !self.host.is_empty()
            && !self.host.starts_with(['.', '-'])
            && !self.host.contains("..")
            && self
                .host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !host_ok {
            return Err(format!("invalid endpoint host `{}`", self.host));
        }
        if self.action.is_empty() || !self.action.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("invalid action `{}`", self.action));
        }
        if !self.path.starts_with('/') {
            return Err("the path must start with `/`".to_owned());
        }
        if self.path.contains(['{', '}']) {
            return Err(format!("unresolved path parameter in `{}`", self.path));
        }
        if self.path.contains(['?', '#']) || self.path.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(format!("the path `{}` is not percent-encoded", self.path));
        }
        if self
            .path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(format!(
                "the path `{}` has a `.` or `..` segment",
                self.path
            ));
        }
        Ok(())
    }
}

/// A successful call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The provider's request id (body or header), for support tickets and the audit log.
    pub request_id: Option<String>,
    /// The parsed JSON body (`null` for an empty body).
    pub body: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pai(action: &str, method: &str) -> ProviderRequest {
        ProviderRequest::new(
            "alibaba",
            "paistudio",
            "2022-01-12",
            ApiStyle::Roa,
            action,
            method,
            "pai.cn-hangzhou.aliyuncs.com",
        )
    }

    #[test]
    fn paths_encode_their_parameters_and_bodies_are_compact_utf8() {
        let req = pai("ScaleQuota", "put")
            .with_path(
                "/api/v1/quotas/{QuotaId}/action/scale",
                &[("QuotaId", "a/b c")],
            )
            .query("Verbose", "true")
            .query("Name", "测试")
            .body(json!({"Min": {"NodeSpecs": [{"Type": "ecs.x", "Count": 3}]}, "Name": "名"}));
        assert_eq!(req.method, "PUT");
        assert_eq!(req.path, "/api/v1/quotas/a%2Fb%20c/action/scale");
        assert_eq!(req.query_value("Name"), Some("测试"));
        assert_eq!(
            String::from_utf8(req.body_bytes()).ok().as_deref(),
            Some(r#"{"Min":{"NodeSpecs":[{"Type":"ecs.x","Count":3}]},"Name":"名"}"#)
        );
        assert_eq!(req.validate(), Ok(()));
    }

    #[test]
    fn requests_round_trip_through_json_for_plans() {
        let req = pai("ListQuotas", "GET")
            .with_path("/api/v1/quotas/", &[])
            .query("PageNumber", "1")
            .scoped("region_id", "cn-hangzhou")
            .user_agent("pai-quota");
        let text = serde_json::to_string(&req).expect("serialise");
        assert_eq!(
            serde_json::from_str::<ProviderRequest>(&text).ok(),
            Some(req)
        );
    }

    #[test]
    fn validation_rejects_unsafe_requests() {
        let base =
            || pai("GetQuota", "GET").with_path("/api/v1/quotas/{QuotaId}", &[("QuotaId", "q1")]);
        assert_eq!(base().validate(), Ok(()));
        for host in ["evil.com/x", "", ".x", "a..b", "EVIL.com", "a b"] {
            let req = ProviderRequest {
                host: host.to_owned(),
                ..base()
            };
            assert!(req.validate().is_err(), "{host}");
        }
        assert!(
            ProviderRequest {
                method: "TRACE".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
        assert!(
            ProviderRequest {
                action: "Get Quota".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
        assert!(
            pai("GetQuota", "GET")
                .with_path("/api/v1/quotas/{QuotaId}", &[])
                .validate()
                .is_err()
        );
        assert!(
            pai("DeleteQuota", "DELETE")
                .with_path("/api/v1/quotas/{QuotaId}", &[("QuotaId", "..")])
                .validate()
                .is_err()
        );
        assert!(
            ProviderRequest {
                path: "/a b".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
    }
}
