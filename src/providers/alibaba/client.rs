//! The Alibaba Cloud HTTP client: signs each attempt with ACS3, retries according to
//! a [`RetryMode`], and maps failures to [`ProviderError`].

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use time::OffsetDateTime;

use super::account;
use super::credentials::AlibabaCredentials;
use super::response::{self, PROVIDER, RawResponse};
use super::retry::Failure;
use super::wire::{self, AttemptStamp};
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::request::{ProviderRequest, ProviderResponse};
use crate::providers::retry::{RetryMode, backoff};
use crate::providers::{BoxFuture, Provider};
use crate::signing::acs3::{self, SignableRequest};

/// How to build an [`AlibabaClient`].
#[derive(Clone, Debug)]
pub struct AlibabaClientConfig {
    /// The credentials every request is signed with.
    pub credentials: AlibabaCredentials,
    /// `http://127.0.0.1:PORT` to send every product to an emulator. The signed
    /// `Host` header stays the product's real host, from which the emulator reads the
    /// region.
    pub endpoint_override: Option<String>,
    /// Limit for one attempt (connect, send, receive).
    pub timeout: Duration,
    /// Attempts per call including the first; 0 counts as 1.
    pub max_attempts: u32,
    /// Per-process id appended to the user agent after the calling skill's name:
    /// `AlibabaCloud-Agent-Skills/<skill>/<client_id>`.
    pub client_id: String,
    /// RAM action prefix per service id (`paistudio` -> `pai`), for permission hints; a
    /// service without one uses its own id.
    pub permission_prefixes: std::collections::BTreeMap<String, String>,
}

/// A client for every Alibaba Cloud API, RPC and ROA alike: the request says which service,
/// version and host.
pub struct AlibabaClient {
    config: AlibabaClientConfig,
    http: reqwest::Client,
    /// `scheme://host[:port]` of the endpoint override, if any.
    override_origin: Option<String>,
    /// The caller's account id once STS has told it (`provider_fills = ["account_id"]`).
    account_id: std::sync::Mutex<Option<String>>,
}

impl fmt::Debug for AlibabaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaClient")
            .field("credentials", &self.config.credentials)
            .field("endpoint_override", &self.override_origin)
            .field("timeout", &self.config.timeout)
            .field("max_attempts", &self.config.max_attempts)
            .field("client_id", &self.config.client_id)
            .finish()
    }
}

/// Checks an endpoint override and reduces it to its origin; reports whether it is
/// loopback (then proxies are bypassed: a local emulator is never behind one).
fn parse_override(endpoint: &str) -> Result<(String, bool), ProviderError> {
    let invalid = |why: &str| {
        ProviderError::local(
            ErrorKind::InvalidRequest,
            PROVIDER,
            "client setup",
            format!("invalid endpoint override `{endpoint}`: {why}"),
        )
    };
    let url = reqwest::Url::parse(endpoint).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("only scheme, host and port are allowed"));
    }
    let host = url.host_str().ok_or_else(|| invalid("no host"))?;
    let loopback = host == "localhost"
        || host == "[::1]"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    Ok((url.origin().ascii_serialization(), loopback))
}

/// A transport-level failure. Only a connection that was never established proves
/// the request was not sent.
fn transport_failure(action: &str, error: &reqwest::Error) -> Failure {
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    Failure {
        error: Box::new(ProviderError::local(kind, PROVIDER, action, detail)),
        not_processed: error.is_connect(),
        retry_after: None,
    }
}

fn invalid_request(action: &str, message: String) -> Failure {
    Failure {
        error: Box::new(ProviderError::local(
            ErrorKind::InvalidRequest,
            PROVIDER,
            action,
            message,
        )),
        not_processed: true,
        retry_after: None,
    }
}

impl AlibabaClient {
    /// Builds the client. Fails on an unusable endpoint override or TLS setup error.
    pub fn new(config: AlibabaClientConfig) -> Result<Self, ProviderError> {
        let parsed = config
            .endpoint_override
            .as_deref()
            .map(parse_override)
            .transpose()?;
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // A signed request must never be replayed to another host.
            .redirect(reqwest::redirect::Policy::none());
        if let Some((_, loopback)) = &parsed {
            // HTTP/1.1 guarantees our Host header is what the emulator sees (HTTP/2
            // would derive :authority from the emulator URL instead).
            builder = builder.http1_only();
            if *loopback {
                builder = builder.no_proxy();
            }
            // A plain-http loopback endpoint (the emulator) needs no trust store; loading the
            // system's is about half of the server's cold start.
            if *loopback
                && config
                    .endpoint_override
                    .as_deref()
                    .is_some_and(|e| e.starts_with("http://"))
            {
                builder = builder.tls_certs_only(std::iter::empty::<reqwest::Certificate>());
            }
        }
        let http = builder.build().map_err(|error| {
            ProviderError::local(
                ErrorKind::Transport,
                PROVIDER,
                "client setup",
                format!("cannot build the HTTP client: {error}"),
            )
        })?;
        Ok(Self {
            config,
            http,
            override_origin: parsed.map(|(origin, _)| origin),
            account_id: std::sync::Mutex::new(None),
        })
    }

    /// Where the connection goes: the override, or the service's real host over HTTPS.
    fn base_url(&self, req: &ProviderRequest) -> String {
        self.override_origin
            .clone()
            .unwrap_or_else(|| format!("https://{}", req.host))
    }

    /// The user agent of a call: the SDK-style prefix, the calling skill and this process.
    fn user_agent(&self, req: &ProviderRequest) -> String {
        let skill = if req.user_agent.is_empty() {
            "skillgate"
        } else {
            req.user_agent.as_str()
        };
        wire::user_agent(&format!("{skill}/{}", self.config.client_id))
    }

    /// Removes the key id, secret and token if a server echoed them into a message.
    fn scrub(&self, message: &str) -> String {
        let credentials = &self.config.credentials;
        let mut out = message.to_owned();
        for secret in [
            Some(credentials.access_key_secret.expose()),
            credentials
                .security_token
                .as_ref()
                .map(|token| token.expose()),
        ]
        .into_iter()
        .flatten()
        .filter(|secret| !secret.is_empty())
        {
            out = out.replace(secret, "****");
        }
        if !credentials.access_key_id.is_empty() {
            out = out.replace(&credentials.access_key_id, &credentials.masked_key_id());
        }
        out
    }

    /// Sends `req`, retrying as `retry` allows, with a fresh date, nonce and signature
    /// on every attempt (a replayed nonce would be rejected as `SignatureNonceUsed`).
    pub async fn call(
        &self,
        req: &ProviderRequest,
        retry: RetryMode,
    ) -> Result<ProviderResponse, ProviderError> {
        let filled;
        let req = if account::needs_account(req) {
            filled = account::filled(req, &self.account_id(req).await?);
            &filled
        } else {
            req
        };
        self.call_unhinted(req, retry).await.map_err(|mut error| {
            if error.kind == ErrorKind::PermissionDenied {
                error.hint = Some(self.permission_hint(req));
            }
            error
        })
    }

    /// The account id, cached; asked of STS `GetCallerIdentity` the first time.
    async fn account_id(&self, req: &ProviderRequest) -> Result<String, ProviderError> {
        if let Some(known) = self.known_account() {
            return Ok(known);
        }
        let identity = account::caller_identity(&req.user_agent);
        let answer = self.call_unhinted(&identity, RetryMode::Safe).await?;
        let id = account::account_of(&answer.body).ok_or_else(|| {
            ProviderError::local(
                ErrorKind::Upstream,
                PROVIDER,
                &req.action,
                "STS GetCallerIdentity answered without a numeric AccountId, which the endpoint needs",
            )
        })?;
        if let Ok(mut slot) = self.account_id.lock() {
            *slot = Some(id.clone());
        }
        Ok(id)
    }

    fn known_account(&self) -> Option<String> {
        self.account_id.lock().ok().and_then(|slot| slot.clone())
    }

    async fn call_unhinted(
        &self,
        req: &ProviderRequest,
        retry: RetryMode,
    ) -> Result<ProviderResponse, ProviderError> {
        req.validate().map_err(|message| {
            ProviderError::local(ErrorKind::InvalidRequest, PROVIDER, &req.action, message)
        })?;
        let body = req.body_bytes();
        let max_attempts = self.config.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(req, &body).await {
                Ok(response) => return Ok(response),
                Err(failure) => {
                    if attempt >= max_attempts || !failure.may_retry(retry) {
                        return Err(*failure.error);
                    }
                    tracing::debug!(
                        action = %req.action,
                        attempt,
                        error = %failure.error,
                        "retrying Alibaba Cloud call"
                    );
                    tokio::time::sleep(backoff(attempt, failure.retry_after)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One signed exchange.
    async fn attempt(
        &self,
        req: &ProviderRequest,
        body: &[u8],
    ) -> Result<ProviderResponse, Failure> {
        let action = req.action.as_str();
        let credentials = &self.config.credentials;
        let date = wire::x_acs_date(OffsetDateTime::now_utc());
        let nonce = acs3::signature_nonce();
        let stamp = AttemptStamp {
            date: &date,
            nonce: &nonce,
            security_token: credentials
                .security_token
                .as_ref()
                .map(|token| token.expose()),
            access_key_id: &credentials.access_key_id,
        };
        let signed = wire::signed_headers(req, &acs3::hashed_payload(body), &stamp);
        let signature = acs3::sign(
            &SignableRequest {
                method: &req.method,
                canonical_uri: &req.path,
                query: &req.query,
                headers: &signed,
                body,
            },
            &credentials.access_key_id,
            credentials.access_key_secret.expose(),
        );

        let mut headers = HeaderMap::new();
        let extra = [
            ("user-agent".to_owned(), self.user_agent(req)),
            ("authorization".to_owned(), signature.authorization),
        ];
        for (name, value) in signed.into_iter().chain(extra) {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid_request(action, format!("invalid header name `{name}`")))?;
            let mut header_value = HeaderValue::from_str(&value).map_err(|_| {
                invalid_request(action, format!("header `{name}` has an invalid value"))
            })?;
            if name == "authorization" || name == "x-acs-security-token" {
                header_value.set_sensitive(true);
            }
            headers.append(header_name, header_value);
        }

        let url_text = wire::url(&self.base_url(req), req);
        let url = reqwest::Url::parse(&url_text)
            .map_err(|error| invalid_request(action, format!("invalid URL: {error}")))?;
        // The URL parser must not rewrite what was signed (it would normalise dot
        // segments or escape stray characters); `validate` should make this unreachable.
        let signed_query = url_text.split_once('?').map(|(_, query)| query);
        if url.path() != req.path || url.query() != signed_query {
            return Err(invalid_request(
                action,
                "the URL would not be sent as signed".to_owned(),
            ));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| invalid_request(action, format!("invalid method `{}`", req.method)))?;

        let response = self
            .http
            .request(method, url)
            .headers(headers)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|error| transport_failure(action, &error))?;
        let status = response.status().as_u16();
        let header_text = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let request_id_header = header_text("x-acs-request-id");
        let retry_after_header = header_text("x-acs-retry-after");
        let bytes = response
            .bytes()
            .await
            .map_err(|error| transport_failure(action, &error))?;
        let raw = RawResponse {
            status,
            request_id_header: request_id_header.as_deref(),
            retry_after_header: retry_after_header.as_deref(),
            body: &bytes,
        };
        if status < 300 {
            response::success(action, &raw)
        } else {
            Err(response::failure(action, &raw, &|message| {
                self.scrub(message)
            }))
        }
    }

    /// What [`AlibabaClient::call`] would send, for the dry run: method, real URL,
    /// headers (date and nonce as stand-ins, key id masked, token and signature
    /// hidden), body, and `sent_to` when an override redirects the connection.
    pub fn preview(&self, req: &ProviderRequest) -> Value {
        if account::needs_account(req) {
            if let Some(id) = self.known_account() {
                return self.preview(&account::filled(req, &id));
            }
            // Shown with `{account_id}` in the host; checked as it will be sent.
            let mut preview = self.preview(&account::filled(req, "0"));
            if let Some(map) = preview.as_object_mut() {
                map.insert(
                    "url".to_owned(),
                    Value::String(wire::url(&format!("https://{}", req.host), req)),
                );
                if let Some(headers) = map.get_mut("headers").and_then(Value::as_object_mut) {
                    headers.insert("host".to_owned(), Value::String(req.host.clone()));
                }
                map.insert("note".to_owned(), Value::String(account::NOTE.to_owned()));
            }
            return preview;
        }
        let credentials = &self.config.credentials;
        let masked = credentials.masked_key_id();
        let body = req.body_bytes();
        let stamp = AttemptStamp {
            date: "<set when sent>",
            nonce: "<random, new for every attempt>",
            security_token: credentials.security_token.as_ref().map(|_| "****"),
            access_key_id: &masked,
        };
        let signed = wire::signed_headers(req, &acs3::hashed_payload(&body), &stamp);
        let (_, signed_names) = acs3::canonical_headers(&signed);
        let mut headers = serde_json::Map::new();
        for (name, value) in signed {
            headers.insert(name, Value::String(value));
        }
        headers.insert("user-agent".to_owned(), Value::String(self.user_agent(req)));
        headers.insert(
            "authorization".to_owned(),
            Value::String(format!(
                "{} Credential={masked},SignedHeaders={signed_names},Signature=****",
                acs3::ALGORITHM
            )),
        );
        let mut preview = serde_json::Map::new();
        preview.insert("method".to_owned(), Value::String(req.method.clone()));
        preview.insert(
            "url".to_owned(),
            Value::String(wire::url(&format!("https://{}", req.host), req)),
        );
        preview.insert("headers".to_owned(), Value::Object(headers));
        preview.insert("body".to_owned(), req.body.clone().unwrap_or(Value::Null));
        if let Some(origin) = &self.override_origin {
            preview.insert("sent_to".to_owned(), Value::String(origin.clone()));
        }
        if let Err(problem) = req.validate() {
            preview.insert("invalid".to_owned(), Value::String(problem));
        }
        Value::Object(preview)
    }
}

impl Provider for AlibabaClient {
    fn id(&self) -> &'static str {
        PROVIDER
    }

    fn preview(&self, request: &ProviderRequest) -> Value {
        AlibabaClient::preview(self, request)
    }

    fn send<'a>(
        &'a self,
        request: &'a ProviderRequest,
        retry: RetryMode,
    ) -> BoxFuture<'a, Result<ProviderResponse, ProviderError>> {
        Box::pin(self.call(request, retry))
    }

    fn classify(
        &self,
        http_status: Option<u16>,
        code: Option<&str>,
        retry_after_ms: Option<u64>,
    ) -> ErrorKind {
        super::classify::classify(http_status, code, retry_after_ms)
    }

    /// The RAM action, `<prefix>:<Action>`, the form the skills' RAM policy maps use.
    fn permission_hint(&self, request: &ProviderRequest) -> String {
        let prefix = self
            .config
            .permission_prefixes
            .get(&request.service)
            .map(String::as_str)
            .unwrap_or(request.service.as_str());
        format!(
            "grant the RAM action `{prefix}:{}` to this identity (no wildcards), then call again; this is not retried",
            request.action
        )
    }
}
