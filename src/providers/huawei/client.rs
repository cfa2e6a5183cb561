//! The Huawei Cloud HTTP client: resolves the project id, signs each attempt with
//! `SDK-HMAC-SHA256`, retries as a [`RetryMode`] allows and classifies failures.
//!
//! **The project id in paths.** Huawei paths carry the project of the region
//! (`/v2/{project_id}/training-jobs`). Catalog services list `project_id` in
//! `provider_fills`: the catalog leaves the `{project_id}` segment in the path and this client
//! fills it when sending, from the credentials or from IAM `GET /v3/projects?name=<region>`
//! (cached per region), and sends it again as the signed `X-Project-Id`. Agents never pass
//! it and a plan previews the same path it sends.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use time::OffsetDateTime;

use super::credentials::HuaweiCredentials;
use super::endpoints::{self, Origin, SdkOverrides};
use super::obs;
use super::response::{self, PROVIDER, RawResponse};
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::request::{ApiStyle, ProviderRequest, ProviderResponse};
use crate::providers::retry::{RetryMode, backoff};
use crate::providers::{BoxFuture, Provider};
use crate::signing::encoding::encode_path_segment;
use crate::signing::huawei::{self as signer, SignableRequest};

/// The path segment this client fills itself.
pub const PROJECT_ID_FIELD: &str = "{project_id}";

/// How to build a [`HuaweiClient`].
#[derive(Clone, Debug)]
pub struct HuaweiClientConfig {
    /// The credentials every request is signed with.
    pub credentials: HuaweiCredentials,
    /// `--endpoint huawei=URL`: every call goes there, the signed `Host` stays the real host.
    pub endpoint_override: Option<String>,
    /// The SDK's environment overrides per service and region.
    pub sdk_overrides: SdkOverrides,
    /// Limit for one attempt.
    pub timeout: Duration,
    /// Attempts per call including the first; 0 counts as 1.
    pub max_attempts: u32,
    /// Per-process id in the user agent.
    pub client_id: String,
}

/// A client for every Huawei Cloud REST API: the request names service and host.
pub struct HuaweiClient {
    config: HuaweiClientConfig,
    http: reqwest::Client,
    override_origin: Option<Origin>,
    /// Project ids found through IAM, per region.
    projects: Mutex<BTreeMap<String, String>>,
}

impl fmt::Debug for HuaweiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiClient")
            .field("credentials", &self.config.credentials)
            .field("endpoint_override", &self.override_origin)
            .field("max_attempts", &self.config.max_attempts)
            .finish()
    }
}

/// One failed attempt and what the retry decision needs.
struct Failure {
    error: Box<ProviderError>,
    not_processed: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn local(kind: ErrorKind, action: &str, message: impl Into<String>) -> Self {
        Self {
            error: Box::new(ProviderError::local(kind, PROVIDER, action, message)),
            not_processed: true,
            retry_after: None,
        }
    }
}

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

/// Where one request connects and which `Host` it signs.
struct Target {
    origin: String,
    host: String,
}

impl HuaweiClient {
    /// Builds the client; fails on an unusable endpoint override.
    pub fn new(config: HuaweiClientConfig) -> Result<Self, ProviderError> {
        let setup_error = |message: String| {
            ProviderError::local(ErrorKind::InvalidRequest, PROVIDER, "client setup", message)
        };
        let parsed = config
            .endpoint_override
            .as_deref()
            .map(|url| {
                endpoints::parse_origin(url)
                    .map_err(|why| setup_error(format!("invalid endpoint override `{url}`: {why}")))
            })
            .transpose()?;
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // A signed request must never be replayed to another host (the SDK does the same).
            .redirect(reqwest::redirect::Policy::none());
        if let Some(origin) = &parsed {
            // HTTP/1.1 keeps our Host header as signed (HTTP/2 would use :authority).
            builder = builder.http1_only();
            if origin.loopback {
                builder = builder.no_proxy();
                if origin.origin.starts_with("http://") {
                    builder = builder.tls_certs_only(std::iter::empty::<reqwest::Certificate>());
                }
            }
        }
        let http = builder
            .build()
            .map_err(|error| setup_error(format!("cannot build the HTTP client: {error}")))?;
        Ok(Self {
            config,
            http,
            override_origin: parsed,
            projects: Mutex::new(BTreeMap::new()),
        })
    }

    /// The region of a call: its scope, else the configured default.
    fn region(&self, req: &ProviderRequest) -> Option<String> {
        let scoped = req.scope_value("region_id");
        if scoped.is_empty() {
            self.config.credentials.region.clone()
        } else {
            Some(scoped.to_owned())
        }
    }

    /// Where a request goes: the `--endpoint` override (real host signed), else the SDK's
    /// environment override for its service and region, else the SDK table's host.
    fn target(&self, req: &ProviderRequest, region: &str) -> Target {
        let host = endpoints::sdk_host(&req.host);
        if let Some(origin) = &self.override_origin {
            return Target {
                origin: origin.origin.clone(),
                host,
            };
        }
        if let Some(url) = self.config.sdk_overrides.get(&req.service, region)
            && let Ok(origin) = endpoints::parse_origin(url)
        {
            return Target {
                origin: origin.origin,
                host: origin.authority,
            };
        }
        Target {
            origin: format!("https://{host}"),
            host,
        }
    }

    fn user_agent(&self, req: &ProviderRequest) -> String {
        let skill = if req.user_agent.is_empty() {
            "skillgate"
        } else {
            req.user_agent.as_str()
        };
        format!(
            "skillgate/{} {skill}/{}",
            env!("CARGO_PKG_VERSION"),
            self.config.client_id
        )
    }

    /// Removes the access key, secret key and token if a server echoed them.
    fn scrub(&self, message: &str) -> String {
        let credentials = &self.config.credentials;
        let mut out = message.to_owned();
        let secrets = [
            Some(credentials.secret_key.expose()),
            credentials.security_token.as_ref().map(|t| t.expose()),
        ];
        for secret in secrets.into_iter().flatten().filter(|s| !s.is_empty()) {
            out = out.replace(secret, "****");
        }
        if !credentials.access_key.is_empty() {
            out = out.replace(&credentials.access_key, &credentials.masked_access_key());
        }
        out
    }

    /// The project id of a region known without a call: configured, or found before.
    fn known_project(&self, region: &str) -> Option<String> {
        self.config.credentials.project_id.clone().or_else(|| {
            self.projects
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(region)
                .cloned()
        })
    }

    /// The project id of `region`: configured, cached, or looked up through IAM as the SDK
    /// does (`GET /v3/projects?name=<region>`; none or several is an error naming them).
    pub async fn project_id(&self, region: &str, action: &str) -> Result<String, ProviderError> {
        if let Some(known) = self.known_project(region) {
            return Ok(known);
        }
        let lookup = ProviderRequest::new(
            PROVIDER,
            "iam",
            "v3",
            ApiStyle::Rest,
            "KeystoneListProjects",
            "GET",
            endpoints::iam_host(region),
        )
        .with_path("/v3/projects", &[])
        .query("name", region)
        .scoped("region_id", region);
        let answer = self
            .send_resolved(&lookup, RetryMode::Safe, None)
            .await
            .map_err(|mut error| {
                error.action = action.to_owned();
                error.message = format!(
                    "failed to get the project id of region {region} from IAM: {}",
                    error.message
                );
                error
            })?;
        let ids: Vec<String> = answer
            .body
            .get("projects")
            .and_then(Value::as_array)
            .map(|projects| {
                projects
                    .iter()
                    .filter(|p| {
                        p.get("name")
                            .and_then(Value::as_str)
                            .is_none_or(|n| n == region)
                    })
                    .filter_map(|p| p.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        match ids.as_slice() {
            [one] => {
                self.projects
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(region.to_owned(), one.clone());
                Ok(one.clone())
            }
            [] => Err(ProviderError::local(
                ErrorKind::InvalidRequest,
                PROVIDER,
                action,
                format!(
                    "this account has no IAM project named {region}: check the region, or set HUAWEICLOUD_SDK_PROJECT_ID (MODELARTS_PROJECT_ID)"
                ),
            )),
            several => Err(ProviderError::local(
                ErrorKind::InvalidRequest,
                PROVIDER,
                action,
                format!(
                    "this account has several IAM projects named {region} ({}): set HUAWEICLOUD_SDK_PROJECT_ID (MODELARTS_PROJECT_ID) to the one to use",
                    several.join(", ")
                ),
            )),
        }
    }

    /// Sends `req`, retrying as `retry` allows; the permission hint is added to a denial.
    pub async fn call(
        &self,
        req: &ProviderRequest,
        retry: RetryMode,
    ) -> Result<ProviderResponse, ProviderError> {
        let result = async {
            let region = self.region(req);
            let mut resolved = req.clone();
            let mut project = None;
            if req.path.contains(PROJECT_ID_FIELD) {
                let region = region.clone().ok_or_else(|| {
                    ProviderError::local(
                        ErrorKind::InvalidRequest,
                        PROVIDER,
                        &req.action,
                        "no region: pass region_id or set MODELARTS_REGION",
                    )
                })?;
                let id = self.project_id(&region, &req.action).await?;
                resolved.path = req
                    .path
                    .replace(PROJECT_ID_FIELD, &encode_path_segment(&id));
                project = Some(id);
            }
            self.send_resolved(&resolved, retry, project.as_deref())
                .await
        }
        .await;
        result.map_err(|mut error| {
            if error.kind == ErrorKind::PermissionDenied {
                error.hint = Some(self.permission_hint(req));
            }
            error
        })
    }

    async fn send_resolved(
        &self,
        req: &ProviderRequest,
        retry: RetryMode,
        project: Option<&str>,
    ) -> Result<ProviderResponse, ProviderError> {
        req.validate().map_err(|message| {
            ProviderError::local(ErrorKind::InvalidRequest, PROVIDER, &req.action, message)
        })?;
        let region = self.region(req).unwrap_or_default();
        let target = self.target(req, &region);
        let body = if obs::is_obs(req) {
            obs::xml_body(req)
        } else {
            req.body_bytes()
        };
        let max_attempts = self.config.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(req, &target, &body, project).await {
                Ok(response) => return Ok(response),
                Err(failure) => {
                    let may_retry =
                        retry.allows_retry(failure.error.retryable(), failure.not_processed);
                    if attempt >= max_attempts || !may_retry {
                        return Err(*failure.error);
                    }
                    tracing::debug!(action = %req.action, attempt, error = %failure.error, "retrying Huawei Cloud call");
                    tokio::time::sleep(backoff(attempt, failure.retry_after)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// The headers present when signing, in the SDK's order (the date is per attempt).
    fn headers_to_sign(
        &self,
        req: &ProviderRequest,
        host: &str,
        date: &str,
        project: Option<&str>,
        token: Option<&str>,
    ) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        // IAM lookups carry no Content-Type (vector v14); ModelArts calls always do.
        if req.service != "iam" {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        headers.push(("User-Agent".to_owned(), self.user_agent(req)));
        if let Some(project) = project {
            headers.push(("X-Project-Id".to_owned(), project.to_owned()));
        }
        if let Some(token) = token {
            headers.push(("X-Security-Token".to_owned(), token.to_owned()));
        }
        headers.extend(req.headers.iter().cloned());
        headers.push((signer::DATE_HEADER.to_owned(), date.to_owned()));
        headers.push(("Host".to_owned(), host.to_owned()));
        headers
    }

    fn url(origin: &str, req: &ProviderRequest) -> String {
        let query = signer::canonical_query(&req.query);
        if query.is_empty() {
            format!("{origin}{}", req.path)
        } else {
            format!("{origin}{}?{query}", req.path)
        }
    }

    /// One signed exchange.
    async fn attempt(
        &self,
        req: &ProviderRequest,
        target: &Target,
        body: &[u8],
        project: Option<&str>,
    ) -> Result<ProviderResponse, Failure> {
        let action = req.action.as_str();
        let credentials = &self.config.credentials;
        let token = credentials.security_token.as_ref().map(|t| t.expose());
        let is_obs = obs::is_obs(req);
        let (to_sign, authorization) = if is_obs {
            // OBS signs its own way (`OBS <AK>:<signature>`, RFC 1123 `Date`).
            let date = obs::format_date(OffsetDateTime::now_utc());
            let headers = obs::headers(
                req,
                &target.host,
                &date,
                !body.is_empty(),
                token,
                &self.user_agent(req),
            );
            let authorization = obs::authorization(
                req,
                &headers,
                &credentials.access_key,
                credentials.secret_key.expose(),
            );
            (headers, authorization)
        } else {
            let date = signer::format_sdk_date(OffsetDateTime::now_utc());
            let to_sign = self.headers_to_sign(req, &target.host, &date, project, token);
            let signature = signer::sign(
                &SignableRequest {
                    method: &req.method,
                    path: &req.path,
                    query: &req.query,
                    headers: &to_sign,
                    body,
                },
                &credentials.access_key,
                credentials.secret_key.expose(),
            );
            (to_sign, signature.authorization)
        };
        let mut headers = HeaderMap::new();
        let authorization = ("Authorization".to_owned(), authorization);
        for (name, value) in to_sign.into_iter().chain([authorization]) {
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Failure::local(
                    ErrorKind::InvalidRequest,
                    action,
                    format!("invalid header name `{name}`"),
                )
            })?;
            let mut header_value = HeaderValue::from_str(&value).map_err(|_| {
                Failure::local(
                    ErrorKind::InvalidRequest,
                    action,
                    format!("header `{name}` has an invalid value"),
                )
            })?;
            if header_name == "authorization" || header_name == "x-security-token" {
                header_value.set_sensitive(true);
            }
            headers.insert(header_name, header_value);
        }
        let url_text = Self::url(&target.origin, req);
        let url = reqwest::Url::parse(&url_text).map_err(|error| {
            Failure::local(
                ErrorKind::InvalidRequest,
                action,
                format!("invalid URL: {error}"),
            )
        })?;
        let signed_query = url_text.split_once('?').map(|(_, q)| q);
        if url.path() != req.path || url.query() != signed_query {
            return Err(Failure::local(
                ErrorKind::InvalidRequest,
                action,
                "the URL would not be sent as signed",
            ));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
            Failure::local(
                ErrorKind::InvalidRequest,
                action,
                format!("invalid method `{}`", req.method),
            )
        })?;
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
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header_text("x-request-id").or_else(|| header_text("x-iam-trace-id"));
        let retry_after = header_text("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|secs| *secs > 0)
            .map(Duration::from_secs);
        let bytes = response
            .bytes()
            .await
            .map_err(|error| transport_failure(action, &error))?;
        let bytes = if is_obs {
            Self::obs_answer(action, status, &bytes)?
        } else {
            bytes.to_vec()
        };
        let raw = RawResponse {
            status,
            request_id_header: request_id.as_deref(),
            body: &bytes,
        };
        if status < 300 {
            response::success(action, &raw).map_err(|error| Failure {
                error: Box::new(error),
                not_processed: false,
                retry_after: None,
            })
        } else {
            let retry_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let error = response::failure(action, &raw, retry_ms, &|m| self.scrub(m));
            // A gateway refusal (signature, throttling at the gateway) never reached the service.
            let not_processed =
                status == 429 || error.code.as_deref().is_some_and(|c| c.starts_with("APIG"));
            Err(Failure {
                error: Box::new(error),
                not_processed,
                retry_after,
            })
        }
    }

    /// An OBS answer read into the JSON the rest of the client takes: XML documents as JSON,
    /// `<Error>` as `{code, message, request_id}`.
    fn obs_answer(action: &str, status: u16, bytes: &[u8]) -> Result<Vec<u8>, Failure> {
        let value = obs::xml_to_json(bytes).map_err(|why| Failure {
            error: Box::new(ProviderError::local(
                ErrorKind::Upstream,
                PROVIDER,
                action,
                format!("the OBS answer is not XML: {why}"),
            )),
            not_processed: false,
            retry_after: None,
        })?;
        let value = if status >= 300 && !value.is_null() {
            obs::error_json(&value)
        } else {
            value
        };
        if value.is_null() {
            return Ok(Vec::new());
        }
        Ok(serde_json::to_vec(&value).unwrap_or_default())
    }

    /// What [`HuaweiClient::call`] would send: method, real URL (the project id filled when
    /// known, else left as `{project_id}` with a note), headers with the key masked and the
    /// token and signature hidden, body, and `sent_to` under an override.
    pub fn preview(&self, req: &ProviderRequest) -> Value {
        let credentials = &self.config.credentials;
        let region = self.region(req).unwrap_or_default();
        let mut shown = req.clone();
        let mut notes = Vec::new();
        let project = if req.path.contains(PROJECT_ID_FIELD) {
            match self.known_project(&region) {
                Some(id) => {
                    shown.path = req
                        .path
                        .replace(PROJECT_ID_FIELD, &encode_path_segment(&id));
                    Some(id)
                }
                None => {
                    notes.push(format!(
                        "{{project_id}} is the IAM project of {region}, looked up when the call is sent"
                    ));
                    Some("<project of the region>".to_owned())
                }
            }
        } else {
            None
        };
        let target = self.target(&shown, &region);
        let token = credentials.security_token.as_ref().map(|_| "****");
        let is_obs = obs::is_obs(&shown);
        let (to_sign, authorization) = if is_obs {
            let body = obs::xml_body(&shown);
            let headers = obs::headers(
                &shown,
                &target.host,
                "<set when sent>",
                !body.is_empty(),
                token,
                &self.user_agent(&shown),
            );
            let masked = format!("OBS {}:****", credentials.masked_access_key());
            (headers, masked)
        } else {
            let to_sign = self.headers_to_sign(
                &shown,
                &target.host,
                "<set when sent>",
                project.as_deref(),
                token,
            );
            let (_, names) = signer::canonical_headers(&signer::signable_headers(&to_sign));
            let masked = signer::authorization(&credentials.masked_access_key(), &names, "****");
            (to_sign, masked)
        };
        let mut headers = serde_json::Map::new();
        for (name, value) in to_sign {
            headers.insert(name, Value::String(value));
        }
        headers.insert("Authorization".to_owned(), Value::String(authorization));
        let mut preview = serde_json::Map::new();
        preview.insert("method".to_owned(), Value::String(shown.method.clone()));
        preview.insert(
            "url".to_owned(),
            Value::String(Self::url(&format!("https://{}", target.host), &shown)),
        );
        preview.insert("headers".to_owned(), Value::Object(headers));
        let body = if is_obs && shown.body.is_some() {
            Value::String(String::from_utf8_lossy(&obs::xml_body(&shown)).into_owned())
        } else {
            shown.body.clone().unwrap_or(Value::Null)
        };
        preview.insert("body".to_owned(), body);
        if self.override_origin.is_some() || !target.origin.ends_with(&target.host) {
            preview.insert("sent_to".to_owned(), Value::String(target.origin));
        }
        if !notes.is_empty() {
            preview.insert("notes".to_owned(), Value::from(notes));
        }
        let mut check = shown.clone();
        check.path = check.path.replace(PROJECT_ID_FIELD, "p");
        if let Err(problem) = check.validate() {
            preview.insert("invalid".to_owned(), Value::String(problem));
        }
        Value::Object(preview)
    }
}

impl Provider for HuaweiClient {
    fn id(&self) -> &'static str {
        PROVIDER
    }

    fn preview(&self, request: &ProviderRequest) -> Value {
        HuaweiClient::preview(self, request)
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

    /// The IAM fine-grained action family of the service, and the agency ModelArts needs.
    fn permission_hint(&self, request: &ProviderRequest) -> String {
        if obs::is_obs(request) {
            return format!(
                "grant this IAM user a policy allowing `obs:bucket:{}` (e.g. the system policy `OBS Administrator`, or a custom policy with the exact action), then call again; this is not retried",
                request.action
            );
        }
        format!(
            "grant this IAM user a policy allowing `{}:*:*` actions for `{}` (e.g. the system policy `ModelArts FullAccess`, or a custom policy with the exact action) in the project of {}, and check that ModelArts has an agency (`ma_authz_add`), then call again; this is not retried",
            endpoints::sdk_service(&request.service),
            request.action,
            self.region(request)
                .unwrap_or_else(|| "the region".to_owned())
        )
    }
}
