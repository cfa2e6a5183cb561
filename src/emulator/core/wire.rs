//! The parsed form of one API call and of its error, independent of any product.
//!
//! Handlers never see axum types: they get an [`ApiRequest`] (the signed action, decoded
//! path parameters, decoded query pairs, raw body) and answer with a JSON object or an
//! [`ApiError`]. That keeps the business code testable without HTTP.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Map, Value};

/// A request as it arrived, before anything is trusted.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// HTTP method.
    pub method: String,
    /// Path, still percent-encoded.
    pub raw_path: String,
    /// Query without `?`, still encoded.
    pub raw_query: String,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Host` header, lower case, without its port.
    pub fn host_name(&self) -> String {
        host_name(self.header("host").unwrap_or_default())
    }
}

/// A host, lower case, without its port (`[::1]:80` -> `[::1]`).
pub fn host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    match host.rsplit_once(':') {
        Some((h, port))
            if !h.is_empty() && !h.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) =>
        {
            h.to_owned()
        }
        _ => host,
    }
}

/// Whether a host (as from [`host_name`]) is this machine: `127.x.y.z`, `localhost`,
/// `[::1]` or empty (HTTP/1.0, in-process calls).
pub fn is_loopback_host(host: &str) -> bool {
    host.is_empty()
        || host == "localhost"
        || host == "[::1]"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An error answered on the wire: HTTP status, provider `Code` and `Message` (the front
/// gives it its provider's shape).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The provider's error code, e.g. `QuotaNotFound`.
    pub code: String,
    /// A human-readable message that says what is wrong and what is allowed.
    pub message: String,
    /// `AccessDeniedDetail` for RAM denials (boxed: keeps `Result<_, ApiError>` small).
    pub access_denied_detail: Option<Box<Value>>,
}

impl ApiError {
    /// A new error without RAM detail.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            access_denied_detail: None,
        }
    }

    /// 400 `InvalidParameter` or `InvalidParameter.<Name>`.
    pub fn invalid(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 400 `MissingParameter.<Name>` with the standard Alibaba message.
    pub fn missing(name: &str) -> Self {
        Self::new(
            400,
            format!("MissingParameter.{name}"),
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }
}

/// One signed API call after verification and routing.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The action (Alibaba: the signed `x-acs-action`).
    pub action: String,
    /// The API version (Alibaba: the signed `x-acs-version`).
    pub version: String,
    /// Path parameters from the route template, percent-decoded.
    pub path_params: BTreeMap<String, String>,
    /// Query pairs, form-decoded, in wire order.
    pub query: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
    /// The verified account (Alibaba: the access key id): state is kept per account.
    pub access_key_id: String,
    /// The region read from the `Host` header.
    pub region: String,
    /// The request headers, names in lower case (FC reads `x-fc-invocation-type` and
    /// `x-fc-async-task-id` from them).
    pub headers: Vec<(String, String)>,
    /// The loopback URL of the emulator's Kubernetes API server (`http://127.0.0.1:PORT`),
    /// which CS writes into kubeconfigs; set by the server, never read from the wire.
    pub kube_endpoint: Option<String>,
}

impl ApiRequest {
    /// A path parameter; routing guarantees the template's parameters are present.
    pub fn path(&self, name: &str) -> Result<&str, ApiError> {
        self.path_params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::missing(name))
    }

    /// The last value of a query parameter, if sent (an empty value counts as sent).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A request header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty query value.
    pub fn query_nonempty(&self, name: &str) -> Option<&str> {
        self.query(name).filter(|v| !v.trim().is_empty())
    }

    /// A comma-separated query filter (`QuotaIds=a,b`), trimmed, empties dropped.
    pub fn query_csv(&self, name: &str) -> Option<Vec<String>> {
        self.query_nonempty(name).map(split_csv)
    }

    /// A boolean query flag. Java/Go send `true`/`false`, Python sends `True`/`False`.
    pub fn query_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.query_nonempty(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(
                format!("InvalidParameter.{name}"),
                format!("The parameter {name} must be true or false, got \"{v}\"."),
            )),
        }
    }

    /// A positive integer query parameter.
    pub fn query_u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.query_nonempty(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                ApiError::invalid(
                    format!("InvalidParameter.{name}"),
                    format!("The parameter {name} must be a non-negative integer, got \"{v}\"."),
                )
            }),
        }
    }

    /// `PageNumber` (default 1, >= 1) and `PageSize` (default `default_size`, 1..=100).
    pub fn paging(&self, default_size: u64) -> Result<Paging, ApiError> {
        let number = self.query_u64("PageNumber")?.unwrap_or(1);
        let size = self.query_u64("PageSize")?.unwrap_or(default_size);
        if number < 1 {
            return Err(ApiError::invalid(
                "InvalidParameter.PageNumber",
                "PageNumber must be 1 or greater.",
            ));
        }
        if !(1..=100).contains(&size) {
            return Err(ApiError::invalid(
                "InvalidParameter.PageSize",
                format!("PageSize must be between 1 and 100, got {size}."),
            ));
        }
        Ok(Paging { number, size })
    }

    /// The body as a JSON object. ROA bodies are JSON; an empty body counts as `{}`.
    pub fn json_body(&self) -> Result<Map<String, Value>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::invalid(
                "InvalidParameter",
                "The request body must be a JSON object.",
            )),
            Err(e) => Err(ApiError::invalid(
                "InvalidParameter",
                format!("The request body is not valid JSON: {e}."),
            )),
        }
    }
}

/// One page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number.
    pub number: u64,
    /// Items per page.
    pub size: u64,
}

impl Paging {
    /// The items of this page.
    pub fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let start =
            usize::try_from((self.number - 1).saturating_mul(self.size)).unwrap_or(usize::MAX);
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        items.iter().skip(start).take(size).cloned().collect()
    }
}

/// Splits a comma-separated filter the way the SDK sends it.
pub fn split_csv(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A request id in the POP shape: upper-case hex UUID, e.g. `473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E`.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

/// `prefix` followed by `len` random lowercase letters and digits (PAI ids look like this).
pub fn random_id(prefix: &str, len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..len)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect();
    format!("{prefix}{tail}")
}

/// `len` random ASCII letters and digits (access keys and secrets).
pub fn random_alnum(len: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// Percent-decodes one path segment (`+` stays a plus in paths).
pub fn path_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &[(&str, &str)]) -> ApiRequest {
        ApiRequest {
            kube_endpoint: None,
            action: "ListQuotas".into(),
            version: "2022-01-12".into(),
            path_params: BTreeMap::new(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            access_key_id: "ak".into(),
            region: "cn-hangzhou".into(),
            headers: Vec::new(),
        }
    }

    #[test]
    fn booleans_are_accepted_in_both_casings() {
        let r = req(&[("Verbose", "True"), ("ShowOwn", "false")]);
        assert_eq!(r.query_bool("Verbose"), Ok(Some(true)));
        assert_eq!(r.query_bool("ShowOwn"), Ok(Some(false)));
        assert_eq!(r.query_bool("Missing"), Ok(None));
        assert!(req(&[("Verbose", "yes")]).query_bool("Verbose").is_err());
    }

    #[test]
    fn csv_filters_are_split_and_trimmed() {
        let r = req(&[("QuotaIds", "a, b,,c")]);
        assert_eq!(
            r.query_csv("QuotaIds"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn paging_defaults_and_limits() {
        assert_eq!(
            req(&[]).paging(20),
            Ok(Paging {
                number: 1,
                size: 20
            })
        );
        assert!(req(&[("PageSize", "0")]).paging(20).is_err());
        assert!(req(&[("PageSize", "101")]).paging(20).is_err());
        let page = Paging { number: 2, size: 2 };
        assert_eq!(page.slice(&[1, 2, 3, 4, 5]), vec![3, 4]);
    }

    #[test]
    fn hosts_lose_their_port_and_loopback_is_recognised() {
        assert_eq!(
            host_name("PAI.cn-shanghai.aliyuncs.com:443"),
            "pai.cn-shanghai.aliyuncs.com"
        );
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert!(is_loopback_host(&host_name("127.0.0.1:8080")));
        assert!(is_loopback_host(""));
        assert!(!is_loopback_host("pai.cn-hangzhou.aliyuncs.com"));
    }

    #[test]
    fn path_segments_are_percent_decoded_but_plus_is_kept() {
        assert_eq!(path_decode("quota%2Fx+y"), "quota/x+y");
    }

    #[test]
    fn ids_have_the_pai_shape() {
        let id = random_id("quota", 12);
        assert_eq!(id.len(), 17);
        assert!(
            id[5..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        let rid = new_request_id();
        assert_eq!(rid.len(), 36);
        assert_eq!(rid, rid.to_uppercase());
    }
}
