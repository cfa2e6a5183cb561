//! The `kube` entry among the providers: it only previews. A Kubernetes call's endpoint and
//! credential come from its cluster's kubeconfig, which the compute toolset reads through CS
//! when the plan runs, so the catalog can declare the Job request (and the dry run show it)
//! while the toolset's executor sends it with a [`KubeClient`](super::KubeClient). Sending a
//! `kube` request any other way is refused with that explanation. A request's body holds the
//! Kubernetes object under `object` (so the catalog can fill and tag it); that object is what
//! is sent, and what the preview shows as the body.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::providers::{
    BoxFuture, ErrorKind, Provider, ProviderError, ProviderKind, ProviderRequest, ProviderResponse,
    ProviderSetup, RetryMode, SetupError,
};

/// The provider id catalogs name.
pub const ID: &str = "kube";

/// The kind: always configured (it holds no credential of its own).
pub const KIND: ProviderKind = ProviderKind {
    id: ID,
    configure,
    status,
    missing_credentials: "Kubernetes calls use their cluster's kubeconfig, read through CS when a plan runs",
};

fn configure(_setup: &ProviderSetup<'_>) -> Result<Option<Arc<dyn Provider>>, SetupError> {
    Ok(Some(Arc::new(KubePreview)))
}

fn status(_setup: &ProviderSetup<'_>) -> Value {
    json!({"credentials": "per cluster: the kubeconfig from CS DescribeClusterUserKubeconfig, held in the server only"})
}

/// Previews Kubernetes requests; the compute toolset sends them.
#[derive(Debug)]
pub struct KubePreview;

impl Provider for KubePreview {
    fn id(&self) -> &'static str {
        ID
    }

    fn preview(&self, request: &ProviderRequest) -> Value {
        json!({
            "method": request.method,
            "url": format!("<API server of the cluster's kubeconfig>{}", request.path),
            "headers": {"Authorization": "Bearer **** (or the kubeconfig's client certificate)", "Content-Type": "application/json"},
            "body": request.body.as_ref().and_then(|b| b.get("object")).or(request.body.as_ref()),
            "note": "sent to the cluster's Kubernetes API with its kubeconfig, which never leaves the server; the checks show the server URL",
        })
    }

    fn send<'a>(
        &'a self,
        request: &'a ProviderRequest,
        _retry: RetryMode,
    ) -> BoxFuture<'a, Result<ProviderResponse, ProviderError>> {
        Box::pin(async move {
            Err(ProviderError::local(
                ErrorKind::InvalidRequest,
                ID,
                &request.action,
                "a Kubernetes call is sent by its tool's executor with the cluster's kubeconfig",
            ))
        })
    }

    fn classify(
        &self,
        http_status: Option<u16>,
        _code: Option<&str>,
        _retry_after_ms: Option<u64>,
    ) -> ErrorKind {
        match http_status {
            Some(401) => ErrorKind::Auth,
            Some(403) => ErrorKind::PermissionDenied,
            Some(404) => ErrorKind::NotFound,
            Some(409) => ErrorKind::Conflict,
            Some(429) => ErrorKind::Throttled,
            Some(500..) => ErrorKind::Upstream,
            _ => ErrorKind::InvalidRequest,
        }
    }

    fn permission_hint(&self, request: &ProviderRequest) -> String {
        format!(
            "RBAC on the cluster: allow `{}` on batch/jobs (and get/list on pods, pods/log)",
            request.method.to_lowercase()
        )
    }
}
