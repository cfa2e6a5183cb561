//! A plain HTTPS GET client for the documentation search: no credentials, JSON answers, errors
//! classified by HTTP status, retries as the call's [`RetryMode`] allows.

use std::time::Duration;

use reqwest::header::{HOST, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::{Value, json};

use super::PROVIDER;
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::request::{ProviderRequest, ProviderResponse};
use crate::providers::retry::{RetryMode, backoff};
use crate::providers::{BoxFuture, Provider};

/// Attempts per call, the first included.
const MAX_ATTEMPTS: u32 = 3;

/// The documentation search client.
#[derive(Debug)]
pub struct DocsClient {
    http: reqwest::Client,
    override_origin: Option<String>,
    client_id: String,
}

fn local(kind: ErrorKind, action: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::local(kind, PROVIDER, action, message)
}

impl DocsClient {
    /// Builds the client; `endpoint` (`http://127.0.0.1:PORT`) sends every call there, the
    /// `Host` header staying the real host.
    pub fn new(
        endpoint: Option<String>,
        timeout: Duration,
        client_id: String,
    ) -> Result<Self, String> {
        let origin = match endpoint.as_deref() {
            Some(endpoint) => {
                let url = reqwest::Url::parse(endpoint)
                    .map_err(|e| format!("invalid endpoint override `{endpoint}`: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") || !matches!(url.path(), "" | "/") {
                    return Err(format!(
                        "invalid endpoint override `{endpoint}`: only scheme, host and port are allowed"
                    ));
                }
                Some(url.origin().ascii_serialization())
            }
            None => None,
        };
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none());
        if origin.is_some() {
            builder = builder.http1_only().no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            http,
            override_origin: origin,
            client_id,
        })
    }

    fn url(base: &str, req: &ProviderRequest) -> Result<reqwest::Url, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{base}{}", req.path)).map_err(|e| {
            local(
                ErrorKind::InvalidRequest,
                &req.action,
                format!("invalid URL: {e}"),
            )
        })?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        Ok(url)
    }

    fn user_agent(&self) -> String {
        format!(
            "skillgate/{} ({})",
            env!("CARGO_PKG_VERSION"),
            self.client_id
        )
    }

    async fn attempt(&self, req: &ProviderRequest) -> Result<ProviderResponse, ProviderError> {
        let action = req.action.as_str();
        let base = self
            .override_origin
            .clone()
            .unwrap_or_else(|| format!("https://{}", req.host));
        let url = Self::url(&base, req)?;
        let mut headers = HeaderMap::new();
        let bad = |_| local(ErrorKind::InvalidRequest, action, "invalid header value");
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&self.user_agent()).map_err(bad)?,
        );
        headers.insert(HOST, HeaderValue::from_str(&req.host).map_err(bad)?);
        let response = self
            .http
            .get(url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| {
                let kind = if e.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Transport
                };
                local(
                    kind,
                    action,
                    format!("documentation search unreachable: {e}"),
                )
            })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| {
            local(
                ErrorKind::Transport,
                action,
                format!("cannot read the answer: {e}"),
            )
        })?;
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text}));
        let request_id = body
            .get("requestId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if (200..300).contains(&status) {
            return Ok(ProviderResponse {
                status,
                request_id,
                body,
            });
        }
        let code = body.get("code").and_then(Value::as_str).map(str::to_owned);
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the documentation search refused the request")
            .to_owned();
        Err(ProviderError::from_response(
            self.classify(Some(status), code.as_deref(), None),
            PROVIDER,
            action,
            status,
            code,
            request_id,
            message,
        ))
    }
}

impl Provider for DocsClient {
    fn id(&self) -> &'static str {
        PROVIDER
    }

    fn preview(&self, req: &ProviderRequest) -> Value {
        let url = Self::url(&format!("https://{}", req.host), req)
            .map(|u| u.to_string())
            .unwrap_or_else(|e| e.message);
        let mut preview =
            json!({"method": req.method, "url": url, "headers": {"user-agent": self.user_agent()}});
        if let Some(origin) = &self.override_origin {
            preview["sent_to"] = json!(origin);
        }
        preview
    }

    fn send<'a>(
        &'a self,
        req: &'a ProviderRequest,
        retry: RetryMode,
    ) -> BoxFuture<'a, Result<ProviderResponse, ProviderError>> {
        Box::pin(async move {
            if !req.method.eq_ignore_ascii_case("GET") {
                return Err(local(
                    ErrorKind::InvalidRequest,
                    &req.action,
                    "the documentation search only reads",
                ));
            }
            let mut attempt = 1;
            loop {
                match self.attempt(req).await {
                    Ok(response) => return Ok(response),
                    Err(error) => {
                        if attempt >= MAX_ATTEMPTS || !retry.allows_retry(error.retryable(), false)
                        {
                            return Err(error);
                        }
                        tokio::time::sleep(backoff(attempt, None)).await;
                        attempt += 1;
                    }
                }
            }
        })
    }

    fn classify(
        &self,
        http_status: Option<u16>,
        _code: Option<&str>,
        _retry_after_ms: Option<u64>,
    ) -> ErrorKind {
        match http_status {
            Some(404) => ErrorKind::NotFound,
            Some(401 | 403) => ErrorKind::PermissionDenied,
            Some(429) => ErrorKind::Throttled,
            Some(504) => ErrorKind::Timeout,
            Some(s) if s >= 500 => ErrorKind::Upstream,
            _ => ErrorKind::InvalidRequest,
        }
    }

    fn permission_hint(&self, _req: &ProviderRequest) -> String {
        "the documentation search is public; a denial means the site refused this client".into()
    }
}
