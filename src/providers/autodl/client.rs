//! The AutoDL HTTP client: the raw token in `Authorization` (no `Bearer`), JSON in and out, the
//! `{code, msg, data}` envelope checked on every answer (a business error is HTTP 200 with
//! `code != "Success"`), retries as the step's [`RetryMode`] allows.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::{Value, json};

use super::PROVIDER;
use super::credentials::AutodlToken;
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::request::{ProviderRequest, ProviderResponse};
use crate::providers::retry::{RetryMode, backoff};
use crate::providers::{BoxFuture, Provider};

/// How to build an [`AutodlClient`].
#[derive(Clone, Debug)]
pub struct AutodlClientConfig {
    /// The developer token.
    pub token: AutodlToken,
    /// `http://127.0.0.1:PORT` to send every call to an emulator; the `Host` header stays the
    /// real host, which the emulator dispatches on.
    pub endpoint_override: Option<String>,
    /// Limit for one attempt.
    pub timeout: Duration,
    /// Attempts per call including the first; 0 counts as 1.
    pub max_attempts: u32,
    /// Per-process id in the user agent.
    pub client_id: String,
}

/// The AutoDL elastic deployment client.
pub struct AutodlClient {
    config: AutodlClientConfig,
    http: reqwest::Client,
    override_origin: Option<String>,
}

impl fmt::Debug for AutodlClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutodlClient")
            .field("token_source", &self.config.token.source)
            .field("endpoint_override", &self.override_origin)
            .finish_non_exhaustive()
    }
}

/// One failed attempt and whether it may be sent again.
#[derive(Debug)]
struct Failure {
    error: ProviderError,
    /// True only when the request provably never reached the service's logic.
    not_processed: bool,
}

fn local(kind: ErrorKind, action: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::local(kind, PROVIDER, action, message)
}

impl AutodlClient {
    /// Builds the client; fails on an unusable endpoint override.
    pub fn new(config: AutodlClientConfig) -> Result<Self, ProviderError> {
        let origin = match config.endpoint_override.as_deref() {
            Some(endpoint) => {
                let url = reqwest::Url::parse(endpoint).map_err(|error| {
                    local(
                        ErrorKind::InvalidRequest,
                        "client setup",
                        format!("invalid endpoint override `{endpoint}`: {error}"),
                    )
                })?;
                if !matches!(url.scheme(), "http" | "https")
                    || !url.username().is_empty()
                    || !matches!(url.path(), "" | "/")
                {
                    return Err(local(
                        ErrorKind::InvalidRequest,
                        "client setup",
                        format!(
                            "invalid endpoint override `{endpoint}`: only scheme, host and port are allowed"
                        ),
                    ));
                }
                Some(url.origin().ascii_serialization())
            }
            None => None,
        };
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none());
        if origin.is_some() {
            // HTTP/1.1 keeps our Host header as sent; a local emulator is never behind a proxy.
            builder = builder.http1_only().no_proxy();
        }
        let http = builder.build().map_err(|error| {
            local(
                ErrorKind::Transport,
                "client setup",
                format!("cannot build the HTTP client: {error}"),
            )
        })?;
        Ok(Self {
            config,
            http,
            override_origin: origin,
        })
    }

    fn user_agent(&self, req: &ProviderRequest) -> String {
        let skill = if req.user_agent.is_empty() {
            "skillgate"
        } else {
            req.user_agent.as_str()
        };
        format!(
            "skillgate/{} ({skill}/{})",
            env!("CARGO_PKG_VERSION"),
            self.config.client_id
        )
    }

    /// The real URL of a request (`https://<host><path>?<query>`).
    fn url(base: &str, req: &ProviderRequest) -> Result<reqwest::Url, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{base}{}", req.path)).map_err(|error| {
            local(
                ErrorKind::InvalidRequest,
                &req.action,
                format!("invalid URL: {error}"),
            )
        })?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        Ok(url)
    }

    /// Removes the token if a server echoed it into a message.
    fn scrub(&self, text: &str) -> String {
        let token = self.config.token.token.expose();
        if token.is_empty() {
            text.to_string()
        } else {
            text.replace(token, "****")
        }
    }

    /// Sends `req`, retrying as `retry` allows.
    pub async fn call(
        &self,
        req: &ProviderRequest,
        retry: RetryMode,
    ) -> Result<ProviderResponse, ProviderError> {
        req.validate()
            .map_err(|message| local(ErrorKind::InvalidRequest, &req.action, message))?;
        let max_attempts = self.config.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(req).await {
                Ok(response) => return Ok(response),
                Err(failure) => {
                    let may = retry.allows_retry(failure.error.retryable(), failure.not_processed);
                    if attempt >= max_attempts || !may {
                        return Err(failure.error);
                    }
                    tracing::debug!(action = %req.action, attempt, error = %failure.error, "retrying AutoDL call");
                    tokio::time::sleep(backoff(attempt, None)).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, req: &ProviderRequest) -> Result<ProviderResponse, Failure> {
        let action = req.action.as_str();
        let invalid = |message: String| Failure {
            error: local(ErrorKind::InvalidRequest, action, message),
            not_processed: true,
        };
        let base = self
            .override_origin
            .clone()
            .unwrap_or_else(|| format!("https://{}", req.host));
        let url = Self::url(&base, req).map_err(|error| Failure {
            error,
            not_processed: true,
        })?;
        let mut headers = HeaderMap::new();
        let mut token = HeaderValue::from_str(self.config.token.token.expose())
            .map_err(|_| invalid("the AutoDL token is not a valid header value".into()))?;
        token.set_sensitive(true);
        headers.insert(AUTHORIZATION, token);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&self.user_agent(req))
                .map_err(|_| invalid("invalid user agent".into()))?,
        );
        if self.override_origin.is_some() {
            headers.insert(
                HOST,
                HeaderValue::from_str(&req.host)
                    .map_err(|_| invalid(format!("invalid host `{}`", req.host)))?,
            );
        }
        for (name, value) in &req.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("invalid header name `{name}`")))?;
            let value =
                HeaderValue::from_str(value).map_err(|_| invalid("invalid header value".into()))?;
            headers.insert(name, value);
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| invalid(format!("invalid method `{}`", req.method)))?;
        let mut builder = self.http.request(method, url).headers(headers);
        if req.body.is_some() {
            builder = builder.body(req.body_bytes());
        }
        let response = builder.send().await.map_err(|error| {
            let kind = if error.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Transport
            };
            Failure {
                not_processed: error.is_connect(),
                error: local(kind, action, self.scrub(&error.to_string())),
            }
        })?;
        let status = response.status().as_u16();
        let header_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response.bytes().await.map_err(|error| Failure {
            not_processed: false,
            error: local(ErrorKind::Transport, action, self.scrub(&error.to_string())),
        })?;
        self.answer(action, status, header_id, &bytes)
    }

    /// Reads the envelope: success only with HTTP 2xx and `code == "Success"`.
    fn answer(
        &self,
        action: &str,
        status: u16,
        header_id: Option<String>,
        bytes: &[u8],
    ) -> Result<ProviderResponse, Failure> {
        let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
        let field = |key: &str| {
            parsed
                .as_ref()
                .and_then(|b| b.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let request_id = field("request_id").or(header_id);
        let code = field("code");
        if (200..300).contains(&status) && code.as_deref() == Some("Success") {
            return Ok(ProviderResponse {
                status,
                request_id,
                body: parsed.unwrap_or(Value::Null),
            });
        }
        let kind = if parsed.is_none() && (200..300).contains(&status) {
            ErrorKind::Upstream
        } else {
            super::classify::classify(Some(status), code.as_deref())
        };
        let message = match (&parsed, field("msg")) {
            (_, Some(msg)) => self.scrub(&msg),
            (None, None) => format!("HTTP {status} with a body that is not JSON"),
            (Some(_), None) => format!("HTTP {status} without `code: Success`"),
        };
        Err(Failure {
            // A throttled or unauthorised call never reached the business logic.
            not_processed: matches!(kind, ErrorKind::Throttled | ErrorKind::Auth),
            error: ProviderError::from_response(
                kind, PROVIDER, action, status, code, request_id, message,
            ),
        })
    }

    /// The dry run: method, real URL, headers with the token masked, body, and `sent_to` when an
    /// override redirects the connection.
    pub fn preview(&self, req: &ProviderRequest) -> Value {
        let url = Self::url(&format!("https://{}", req.host), req)
            .map(|u| u.to_string())
            .unwrap_or_else(|e| e.message);
        let mut preview = json!({
            "method": req.method,
            "url": url,
            "headers": {
                "authorization": "**** (the AutoDL developer token)",
                "content-type": "application/json",
                "user-agent": self.user_agent(req),
            },
            "body": req.body.clone().unwrap_or(Value::Null),
        });
        if let Some(origin) = &self.override_origin {
            preview["sent_to"] = json!(origin);
        }
        if let Err(problem) = req.validate() {
            preview["invalid"] = json!(problem);
        }
        preview
    }
}

impl Provider for AutodlClient {
    fn id(&self) -> &'static str {
        PROVIDER
    }

    fn preview(&self, request: &ProviderRequest) -> Value {
        AutodlClient::preview(self, request)
    }

    fn send<'a>(
        &'a self,
        request: &'a ProviderRequest,
        retry: RetryMode,
    ) -> BoxFuture<'a, Result<ProviderResponse, ProviderError>> {
        Box::pin(async move {
            self.call(request, retry).await.map_err(|mut error| {
                if error.kind == ErrorKind::PermissionDenied {
                    error.hint = Some(self.permission_hint(request));
                }
                error
            })
        })
    }

    fn classify(
        &self,
        http_status: Option<u16>,
        code: Option<&str>,
        _retry_after_ms: Option<u64>,
    ) -> ErrorKind {
        super::classify::classify(http_status, code)
    }

    fn permission_hint(&self, request: &ProviderRequest) -> String {
        format!(
            "the AutoDL account behind this token may not call `{}` (elastic deployment needs an enterprise-verified account); ask its owner, then call again; this is not retried",
            request.action
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> AutodlClient {
        AutodlClient::new(AutodlClientConfig {
            token: AutodlToken::new("tok-very-secret-123", "test"),
            endpoint_override: None,
            timeout: Duration::from_secs(1),
            max_attempts: 1,
            client_id: "c".into(),
        })
        .expect("client")
    }

    #[test]
    fn a_business_error_on_200_is_an_error_and_the_token_is_scrubbed() {
        let c = client();
        let body = br#"{"code":"DeploymentNotFound","msg":"no deployment tok-very-secret-123","data":null}"#;
        let failure = c
            .answer("StopDeployment", 200, None, body)
            .expect_err("an error");
        assert_eq!(failure.error.kind, ErrorKind::NotFound);
        assert_eq!(failure.error.code.as_deref(), Some("DeploymentNotFound"));
        assert!(!failure.error.message.contains("tok-very-secret"));
        let ok = c
            .answer(
                "ListImages",
                200,
                None,
                br#"{"code":"Success","msg":"","data":{"list":[]}}"#,
            )
            .expect("success");
        assert_eq!(ok.body["data"]["list"], json!([]));
        let garbage = c
            .answer("ListImages", 200, None, b"<html>")
            .expect_err("error");
        assert_eq!(garbage.error.kind, ErrorKind::Upstream);
        let unauthorized = c
            .answer(
                "ListImages",
                401,
                None,
                br#"{"code":"Unauthorized","msg":"bad token"}"#,
            )
            .expect_err("error");
        assert_eq!(unauthorized.error.kind, ErrorKind::Auth);
        assert!(unauthorized.not_processed);
    }

    #[test]
    fn the_preview_masks_the_token() {
        let c = client();
        let req = ProviderRequest::new(
            PROVIDER,
            "esd",
            "v1",
            crate::providers::ApiStyle::Rest,
            "ListDeployments",
            "POST",
            "private.autodl.com",
        )
        .with_path("/api/v1/dev/deployment/list", &[])
        .body(json!({"page_index": 1, "page_size": 10}));
        let preview = c.preview(&req).to_string();
        assert!(!preview.contains("tok-very-secret"));
        assert!(preview.contains("https://private.autodl.com/api/v1/dev/deployment/list"));
    }
}
