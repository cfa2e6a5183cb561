//! [`KubeClient`]: the Kubernetes REST calls of the compute skill's ACK path, nothing more. A
//! call that fails answers [`KubeError`] with the API's `Status` reason and message (or the
//! transport's), never the credential.

use std::time::Duration;

use reqwest::{Certificate, Identity, Method};
use serde_json::{Value, json};

use super::kubeconfig::{KubeAuth, Kubeconfig, KubeconfigError};
use crate::signing::encoding::{encode_path_segment, form_urlencode_pairs};

/// How long one call may take (the skill probes with 3 s; reads of a busy API get more).
const TIMEOUT: Duration = Duration::from_secs(15);

/// A failed Kubernetes call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig cannot be used.
    #[error(transparent)]
    Config(#[from] KubeconfigError),
    /// 401: the credential was refused.
    #[error("the Kubernetes API refused the kubeconfig's credential (401 Unauthorized)")]
    Unauthorized,
    /// 403: RBAC denies it.
    #[error("the Kubernetes API forbids it (403): {0}")]
    Forbidden(String),
    /// 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409 `AlreadyExists`.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// Any other `Status`.
    #[error("the Kubernetes API answered {code} {reason}: {message}")]
    Status {
        /// HTTP status.
        code: u16,
        /// `reason`.
        reason: String,
        /// `message`.
        message: String,
    },
    /// The API could not be reached or answered something unreadable.
    #[error("the Kubernetes API at {server} could not be reached: {message}")]
    Transport {
        /// The server URL (not a secret).
        server: String,
        /// What went wrong.
        message: String,
    },
}

/// A client for one cluster, built from its kubeconfig.
#[derive(Debug)]
pub struct KubeClient {
    server: String,
    http: reqwest::Client,
    /// The bearer token, when the kubeconfig has one (else the client certificate is used).
    token: Option<crate::secret::Secret>,
}

impl KubeClient {
    /// A client for the kubeconfig's current context.
    pub fn new(config: &Kubeconfig) -> Result<Self, KubeError> {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5));
        if let Some(ca) = &config.certificate_authority {
            let ca = Certificate::from_pem(ca).map_err(|_| {
                KubeconfigError("certificate-authority-data is not a PEM certificate".into())
            })?;
            builder = builder.add_root_certificate(ca);
        }
        if config.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let token = match &config.auth {
            KubeAuth::Token(token) => Some(token.clone()),
            KubeAuth::ClientCertificate { certificate, key } => {
                let pem = format!("{}\n{}", certificate.expose(), key.expose());
                let identity = Identity::from_pem(pem.as_bytes()).map_err(|_| {
                    KubeconfigError("the client certificate or key is not usable PEM".into())
                })?;
                builder = builder.identity(identity);
                None
            }
        };
        let http = builder.build().map_err(|e| KubeError::Transport {
            server: config.server.clone(),
            message: e.to_string(),
        })?;
        Ok(Self {
            server: config.server.clone(),
            http,
            token,
        })
    }

    /// The server URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<reqwest::Response, KubeError> {
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let url = if pairs.is_empty() {
            format!("{}{path}", self.server)
        } else {
            format!("{}{path}?{}", self.server, form_urlencode_pairs(&pairs))
        };
        let mut request = self
            .http
            .request(method, url)
            .header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| KubeError::Transport {
            server: self.server.clone(),
            message: without_url(&e),
        })?;
        let status = response.status().as_u16();
        if status < 300 {
            return Ok(response);
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let reason = body
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Err(match status {
            401 => KubeError::Unauthorized,
            403 => KubeError::Forbidden(message),
            404 => KubeError::NotFound(message),
            409 => KubeError::AlreadyExists(message),
            code => KubeError::Status {
                code,
                reason,
                message,
            },
        })
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, KubeError> {
        self.call(method, path, query, body)
            .await?
            .json()
            .await
            .map_err(|e| KubeError::Transport {
                server: self.server.clone(),
                message: format!("unreadable answer: {}", without_url(&e)),
            })
    }

    /// `GET /api/v1/nodes`.
    pub async fn list_nodes(&self) -> Result<Value, KubeError> {
        self.json(Method::GET, "/api/v1/nodes", &[], None).await
    }

    /// `GET /apis/batch/v1/namespaces/{ns}/jobs` (the skill's RBAC probe).
    pub async fn list_jobs(&self, namespace: &str) -> Result<Value, KubeError> {
        let path = format!(
            "/apis/batch/v1/namespaces/{}/jobs",
            encode_path_segment(namespace)
        );
        self.json(Method::GET, &path, &[], None).await
    }

    /// `GET /apis/batch/v1/namespaces/{ns}/jobs/{name}`; `None` when there is none.
    pub async fn get_job(&self, namespace: &str, name: &str) -> Result<Option<Value>, KubeError> {
        match self
            .json(Method::GET, &job_path(namespace, name), &[], None)
            .await
        {
            Ok(job) => Ok(Some(job)),
            Err(KubeError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST /apis/batch/v1/namespaces/{ns}/jobs`.
    pub async fn create_job(&self, namespace: &str, job: &Value) -> Result<Value, KubeError> {
        let path = format!(
            "/apis/batch/v1/namespaces/{}/jobs",
            encode_path_segment(namespace)
        );
        self.json(Method::POST, &path, &[], Some(job)).await
    }

    /// `DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}` with background propagation (its
    /// pods go too); `false` when there was none.
    pub async fn delete_job(&self, namespace: &str, name: &str) -> Result<bool, KubeError> {
        let options =
            json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"});
        match self
            .call(
                Method::DELETE,
                &job_path(namespace, name),
                &[],
                Some(&options),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(KubeError::NotFound(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// `GET /api/v1/namespaces/{ns}/pods?labelSelector=...&limit=...`.
    pub async fn list_pods(
        &self,
        namespace: &str,
        label_selector: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Value, KubeError> {
        let path = format!("/api/v1/namespaces/{}/pods", encode_path_segment(namespace));
        let mut query = Vec::new();
        if let Some(selector) = label_selector {
            query.push(("labelSelector", selector.to_owned()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        self.json(Method::GET, &path, &query, None).await
    }

    /// `GET /api/v1/namespaces/{ns}/pods/{pod}/log?tailLines=N` (text).
    pub async fn pod_log(
        &self,
        namespace: &str,
        pod: &str,
        tail: u32,
    ) -> Result<String, KubeError> {
        let path = format!(
            "/api/v1/namespaces/{}/pods/{}/log",
            encode_path_segment(namespace),
            encode_path_segment(pod)
        );
        self.call(Method::GET, &path, &[("tailLines", tail.to_string())], None)
            .await?
            .text()
            .await
            .map_err(|e| KubeError::Transport {
                server: self.server.clone(),
                message: without_url(&e),
            })
    }
}

fn job_path(namespace: &str, name: &str) -> String {
    format!(
        "/apis/batch/v1/namespaces/{}/jobs/{}",
        encode_path_segment(namespace),
        encode_path_segment(name)
    )
}

/// A transport error's text without its URL (the server is named separately).
fn without_url(error: &reqwest::Error) -> String {
    let error = error.to_string();
    match error.split_once(" for url") {
        Some((head, _)) => head.to_owned(),
        None => error,
    }
}
