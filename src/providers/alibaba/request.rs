//! One Alibaba API call as plain data.
//!
//! The gate stores an [`ApiRequest`] in a plan when it is previewed and sends exactly
//! that value after confirmation, so everything that decides *what* is sent (product,
//! action, path, query, body) is fixed here; only per-attempt signing material (date,
//! nonce, signature) is added at send time.

use serde::{Deserialize, Serialize};

use crate::signing::encoding::encode_path_segment;

/// The ROA products skillgate calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// PAI Studio / PAI resource service (`paistudio`, 2022-01-12).
    PaiStudio,
    /// AI Workspace (`aiworkspace`, 2021-02-04).
    AiWorkspace,
}

impl Product {
    /// The SDK product id.
    pub fn code(self) -> &'static str {
        match self {
            Self::PaiStudio => "paistudio",
            Self::AiWorkspace => "aiworkspace",
        }
    }

    /// The API version sent as `x-acs-version`.
    pub fn version(self) -> &'static str {
        match self {
            Self::PaiStudio => "2022-01-12",
            Self::AiWorkspace => "2021-02-04",
        }
    }

    /// The public endpoint for `region`.
    ///
    /// PAI Studio uses the documented `pai.{region}.aliyuncs.com` for every region,
    /// including cn-hangzhou, where SDK 2.6.2's endpoint map has the undocumented
    /// `pai.cn-hangzhou.data.aliyun.com`.
    pub fn host(self, region: &str) -> String {
        match self {
            Self::PaiStudio => format!("pai.{region}.aliyuncs.com"),
            Self::AiWorkspace => format!("aiworkspace.{region}.aliyuncs.com"),
        }
    }
}

/// A value that can go into the query string.
///
/// Booleans become lower-case `true`/`false` (the Python SDK's `True`/`False` is a
/// quirk; Java and Go send lower case and the services accept both).
pub trait QueryValue {
    /// The unencoded text.
    fn to_query_value(self) -> String;
}

impl QueryValue for &str {
    fn to_query_value(self) -> String {
        self.to_owned()
    }
}

impl QueryValue for String {
    fn to_query_value(self) -> String {
        self
    }
}

impl QueryValue for &String {
    fn to_query_value(self) -> String {
        self.clone()
    }
}

impl QueryValue for bool {
    fn to_query_value(self) -> String {
        if self { "true" } else { "false" }.to_owned()
    }
}

macro_rules! integer_query_value {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn to_query_value(self) -> String {
                self.to_string()
            }
        }
    )*};
}
integer_query_value!(i32, i64, u32, u64, usize);

/// One API call, fully determined before it is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiRequest {
    /// Which product (endpoint and version).
    pub product: Product,
    /// The API action, sent as `x-acs-action`.
    pub action: String,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The region, which selects the endpoint host.
    pub region_id: String,
    /// The path, already percent-encoded (built with [`encode_path_segment`]).
    pub path: String,
    /// Query pairs, unencoded, in the order they are sent.
    pub query: Vec<(String, String)>,
    /// The JSON body, when the operation has one.
    pub body: Option<serde_json::Value>,
}

impl ApiRequest {
    /// A ROA request. Each `{Name}` in `path_template` is replaced by the matching
    /// parameter run through [`encode_path_segment`], so a value can never add path
    /// segments or a query. A stand-in without a parameter stays as it is and is
    /// rejected by [`ApiRequest::validate`] before anything is sent.
    pub fn roa(
        product: Product,
        action: impl Into<String>,
        method: impl Into<String>,
        region_id: impl Into<String>,
        path_template: &str,
        path_params: &[(&str, &str)],
    ) -> Self {
        let mut path = path_template.to_owned();
        for (name, value) in path_params {
            path = path.replace(&format!("{{{name}}}"), &encode_path_segment(value));
        }
        Self {
            product,
            action: action.into(),
            method: method.into().to_ascii_uppercase(),
            region_id: region_id.into(),
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// Appends a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl QueryValue) -> Self {
        self.query.push((key.into(), value.to_query_value()));
        self
    }

    /// Appends a query parameter when `value` is `Some` (the SDK omits `None`).
    pub fn query_opt<V: QueryValue>(self, key: impl Into<String>, value: Option<V>) -> Self {
        match value {
            Some(value) => self.query(key, value),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn body(mut self, value: serde_json::Value) -> Self {
        self.body = Some(value);
        self
    }

    /// The exact bytes that are hashed and sent: compact JSON with raw UTF-8 (like
    /// the SDK's `ensure_ascii=False`), or nothing when there is no body.
    pub fn body_bytes(&self) -> Vec<u8> {
        self.body
            .as_ref()
            .map(|value| value.to_string().into_bytes())
            .unwrap_or_default()
    }

    /// The endpoint host for this request's product and region.
    pub fn host(&self) -> String {
        self.product.host(&self.region_id)
    }

    /// Checks what would otherwise surface as confusing wire errors, or worse: a
    /// region that is not a plain id would change the host, a `.`/`..` path segment
    /// would be collapsed by the URL parser and address a different resource.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.method.as_str(), "GET" | "POST" | "PUT" | "DELETE") {
            return Err(format!("unsupported HTTP method `{}`", self.method));
        }
        let region_ok = !self.region_id.is_empty()
            && self
                .region_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(format!("invalid region id `{}`", self.region_id));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn products_have_versions_hosts_and_lowercase_serde_names() {
        assert_eq!(Product::PaiStudio.version(), "2022-01-12");
        assert_eq!(Product::AiWorkspace.version(), "2021-02-04");
        assert_eq!(
            Product::PaiStudio.host("cn-hangzhou"),
            "pai.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            Product::AiWorkspace.host("cn-hangzhou"),
            "aiworkspace.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            serde_json::to_value(Product::PaiStudio).ok(),
            Some(json!("paistudio"))
        );
        assert_eq!(
            serde_json::from_value::<Product>(json!("aiworkspace")).ok(),
            Some(Product::AiWorkspace)
        );
    }

    #[test]
    fn roa_encodes_path_params_and_builds_query_and_body() {
        let req = ApiRequest::roa(
            Product::PaiStudio,
            "ScaleQuota",
            "put",
            "cn-hangzhou",
            "/api/v1/quotas/{QuotaId}/action/scale",
            &[("QuotaId", "a/b c")],
        )
        .query("Verbose", true)
        .query("PageSize", 20_u32)
        .query_opt::<&str>("Skipped", None)
        .query_opt("Name", Some("测试"))
        .body(json!({"Min": {"NodeSpecs": [{"Type": "ecs.x", "Count": 3}]}, "Name": "名"}));
        assert_eq!(req.method, "PUT");
        assert_eq!(req.path, "/api/v1/quotas/a%2Fb%20c/action/scale");
        assert_eq!(
            req.query,
            vec![
                ("Verbose".to_owned(), "true".to_owned()),
                ("PageSize".to_owned(), "20".to_owned()),
                ("Name".to_owned(), "测试".to_owned()),
            ]
        );
        assert_eq!(
            String::from_utf8(req.body_bytes()).ok().as_deref(),
            Some(r#"{"Min":{"NodeSpecs":[{"Type":"ecs.x","Count":3}]},"Name":"名"}"#)
        );
        assert_eq!(req.validate(), Ok(()));
    }

    #[test]
    fn requests_round_trip_through_json_for_plans() {
        let req = ApiRequest::roa(
            Product::AiWorkspace,
            "ListWorkspaces",
            "GET",
            "cn-shanghai",
            "/api/v1/workspaces",
            &[],
        )
        .query("PageNumber", 1_u32);
        let text = serde_json::to_string(&req).expect("serialise");
        assert_eq!(serde_json::from_str::<ApiRequest>(&text).ok(), Some(req));
    }

    #[test]
    fn validation_rejects_unsafe_requests() {
        let base = || {
            ApiRequest::roa(
                Product::PaiStudio,
                "GetQuota",
                "GET",
                "cn-hangzhou",
                "/api/v1/quotas/{QuotaId}",
                &[("QuotaId", "q1")],
            )
        };
        assert_eq!(base().validate(), Ok(()));
        assert!(
            ApiRequest {
                region_id: "evil.com/x".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
        assert!(
            ApiRequest {
                method: "PATCH".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
        assert!(
            ApiRequest {
                action: "Get Quota".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
        let unresolved = ApiRequest::roa(
            Product::PaiStudio,
            "GetQuota",
            "GET",
            "cn-hangzhou",
            "/api/v1/quotas/{QuotaId}",
            &[],
        );
        assert!(unresolved.validate().is_err());
        let dots = ApiRequest::roa(
            Product::PaiStudio,
            "DeleteQuota",
            "DELETE",
            "cn-hangzhou",
            "/api/v1/quotas/{QuotaId}",
            &[("QuotaId", "..")],
        );
        assert!(dots.validate().is_err());
        assert!(
            ApiRequest {
                path: "/a b".to_owned(),
                ..base()
            }
            .validate()
            .is_err()
        );
    }
}
