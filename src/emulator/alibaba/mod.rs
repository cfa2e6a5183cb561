//! Alibaba PAI Studio 2022-01-12 and AIWorkSpace 2021-02-04 on the wire.
//!
//! Calls are dispatched on the signed `x-acs-action` + `x-acs-version` headers, because
//! the path alone is ambiguous (both products serve `GET /api/v1/resources`); the method
//! and path must then match that action's real route.

pub mod body;
pub mod capacity;
pub mod catalog;
pub mod errors;
pub mod homogeneity;
pub mod node_types;
pub mod pai_quota;
pub mod quota_checks;
pub mod quota_config;
pub mod quota_rules;
pub mod region;
pub mod render;
pub mod resource_groups;
pub mod seed;
pub mod state;
pub mod usage;
pub mod workloads;
pub mod workspace_attach;
pub mod workspace_resources;
pub mod workspaces;

#[cfg(test)]
mod quota_rules_tests;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::wire::{ApiError, ApiRequest, path_decode};
use state::RegionState;

/// PAI Studio's API version.
pub const PAI_VERSION: &str = "2022-01-12";
/// AIWorkSpace's API version.
pub const AIWORKSPACE_VERSION: &str = "2021-02-04";

/// What a handler works on: one account's region, at one emulated instant.
pub struct Ctx<'a> {
    /// The account's state in the request's region.
    pub state: &'a mut RegionState,
    /// Emulated now.
    pub now: OffsetDateTime,
}

/// A handler: the response body without `RequestId`, or an error.
pub type Handler = fn(&mut Ctx<'_>, &ApiRequest) -> Result<Map<String, Value>, ApiError>;

/// One real route.
pub struct Route {
    /// `x-acs-action`.
    pub action: &'static str,
    /// `x-acs-version`.
    pub version: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template with `{Param}` segments.
    pub path: &'static str,
    /// Whether the action changes state.
    pub mutating: bool,
    /// The handler.
    pub handler: Handler,
}

macro_rules! route {
    ($action:literal, $version:expr, $method:literal, $path:literal, $mutating:literal, $handler:path) => {
        Route {
            action: $action,
            version: $version,
            method: $method,
            path: $path,
            mutating: $mutating,
            handler: $handler,
        }
    };
}

/// Every route the emulator serves, with the SDK's exact method and path.
pub const ROUTES: &[Route] = &[
    route!(
        "ListQuotas",
        PAI_VERSION,
        "GET",
        "/api/v1/quotas/",
        false,
        pai_quota::list_quotas
    ),
    route!(
        "GetQuota",
        PAI_VERSION,
        "GET",
        "/api/v1/quotas/{QuotaId}",
        false,
        pai_quota::get_quota
    ),
    route!(
        "CreateQuota",
        PAI_VERSION,
        "POST",
        "/api/v1/quotas",
        true,
        pai_quota::create_quota
    ),
    route!(
        "UpdateQuota",
        PAI_VERSION,
        "PUT",
        "/api/v1/quotas/{QuotaId}",
        true,
        pai_quota::update_quota
    ),
    route!(
        "ScaleQuota",
        PAI_VERSION,
        "PUT",
        "/api/v1/quotas/{QuotaId}/action/scale",
        true,
        pai_quota::scale_quota
    ),
    route!(
        "DeleteQuota",
        PAI_VERSION,
        "DELETE",
        "/api/v1/quotas/{QuotaId}",
        true,
        pai_quota::delete_quota
    ),
    route!(
        "ListQuotaWorkloads",
        PAI_VERSION,
        "GET",
        "/api/v1/quotas/{QuotaId}/workloads",
        false,
        workloads::list_quota_workloads
    ),
    route!(
        "ListQuotaActiveUserUsages",
        PAI_VERSION,
        "GET",
        "/api/v1/quotas/{QuotaId}/activeuserusages",
        false,
        workloads::list_active_user_usages
    ),
    route!(
        "ListResourceGroups",
        PAI_VERSION,
        "GET",
        "/api/v1/resources",
        false,
        resource_groups::list_resource_groups
    ),
    route!(
        "GetResourceGroup",
        PAI_VERSION,
        "GET",
        "/api/v1/resources/{ResourceGroupId}",
        false,
        resource_groups::get_resource_group
    ),
    route!(
        "ListNodeTypes",
        PAI_VERSION,
        "GET",
        "/api/v1/nodetypes",
        false,
        node_types::list_node_types
    ),
    route!(
        "ListWorkspaces",
        AIWORKSPACE_VERSION,
        "GET",
        "/api/v1/workspaces",
        false,
        workspaces::list_workspaces
    ),
    route!(
        "GetWorkspace",
        AIWORKSPACE_VERSION,
        "GET",
        "/api/v1/workspaces/{WorkspaceId}",
        false,
        workspaces::get_workspace
    ),
    route!(
        "ListResources",
        AIWORKSPACE_VERSION,
        "GET",
        "/api/v1/resources",
        false,
        workspace_resources::list_resources
    ),
    route!(
        "CreateWorkspaceResource",
        AIWORKSPACE_VERSION,
        "POST",
        "/api/v1/workspaces/{WorkspaceId}/resources",
        true,
        workspace_attach::create_workspace_resource
    ),
    route!(
        "DeleteWorkspaceResource",
        AIWORKSPACE_VERSION,
        "DELETE",
        "/api/v1/workspaces/{WorkspaceId}/resources",
        true,
        workspace_resources::delete_workspace_resource
    ),
    route!(
        "UpdateWorkspaceResource",
        AIWORKSPACE_VERSION,
        "PUT",
        "/api/v1/workspaces/{WorkspaceId}/resources",
        true,
        workspace_resources::update_workspace_resource
    ),
];

/// The route for a signed action and version.
///
/// An unknown version is `InvalidVersion`; a known version with an action this emulator
/// does not serve is `InvalidAction.NotFound`.
pub fn find_route(action: &str, version: &str) -> Result<&'static Route, ApiError> {
    if let Some(route) = ROUTES
        .iter()
        .find(|r| r.action == action && r.version == version)
    {
        return Ok(route);
    }
    if version != PAI_VERSION && version != AIWORKSPACE_VERSION {
        return Err(ApiError::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version is not valid: \"{version}\"."),
        ));
    }
    Err(action_not_found())
}

/// 404 `InvalidAction.NotFound`.
pub fn action_not_found() -> ApiError {
    ApiError::new(
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
    )
}

/// Matches a raw (still percent-encoded) path against a template and decodes its
/// parameters. A trailing slash is optional on both sides (the SDK sends `ListQuotas`
/// as `/api/v1/quotas/`, other clients without the slash).
pub fn match_path(template: &str, raw_path: &str) -> Option<BTreeMap<String, String>> {
    let trim = |p: &'_ str| -> String {
        let t = p.trim_end_matches('/');
        if t.is_empty() {
            "/".to_owned()
        } else {
            t.to_owned()
        }
    };
    let template = trim(template);
    let path = trim(raw_path);
    let want: Vec<&str> = template.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    if want.len() != got.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (w, g) in want.iter().zip(&got) {
        if let Some(name) = w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if g.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), path_decode(g));
        } else if w != g {
            return None;
        }
    }
    Some(params)
}

/// The region named by the Host header; any other host (e.g. `127.0.0.1:PORT`) is
/// `cn-hangzhou`, the demo account's region.
pub fn region_from_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let host = host.rsplit_once(':').map_or(host.as_str(), |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host.as_str()
        }
    });
    if host == "pai.cn-hangzhou.data.aliyun.com" {
        return "cn-hangzhou".to_owned();
    }
    for prefix in [
        "pai-vpc.",
        "pai.",
        "aiworkspace-vpc.",
        "aiworkspace.",
        "paistudio.",
    ] {
        if let Some(rest) = host.strip_prefix(prefix)
            && let Some(region) = rest.strip_suffix(".aliyuncs.com")
            && !region.is_empty()
            && !region.contains('.')
        {
            return region.to_owned();
        }
    }
    seed::REGION.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates_with_optional_trailing_slash() {
        assert!(match_path("/api/v1/quotas/", "/api/v1/quotas").is_some());
        assert!(match_path("/api/v1/quotas/", "/api/v1/quotas/").is_some());
        let params = match_path(
            "/api/v1/quotas/{QuotaId}/action/scale",
            "/api/v1/quotas/quota%2Fx/action/scale",
        );
        assert_eq!(
            params.and_then(|p| p.get("QuotaId").cloned()),
            Some("quota/x".to_string())
        );
        assert!(match_path("/api/v1/quotas/{QuotaId}", "/api/v1/quotas/").is_none());
        assert!(match_path("/api/v1/quotas/{QuotaId}", "/api/v1/quotas/a/b").is_none());
    }

    #[test]
    fn regions_come_from_the_host() {
        assert_eq!(
            region_from_host("pai.cn-shanghai.aliyuncs.com"),
            "cn-shanghai"
        );
        assert_eq!(
            region_from_host("pai-vpc.cn-beijing.aliyuncs.com"),
            "cn-beijing"
        );
        assert_eq!(
            region_from_host("aiworkspace.ap-southeast-1.aliyuncs.com:443"),
            "ap-southeast-1"
        );
        assert_eq!(
            region_from_host("pai.cn-hangzhou.data.aliyun.com"),
            "cn-hangzhou"
        );
        assert_eq!(region_from_host("127.0.0.1:8080"), "cn-hangzhou");
        assert_eq!(
            region_from_host("ecs.cn-shanghai.aliyuncs.com"),
            "cn-hangzhou"
        );
    }

    #[test]
    fn unknown_actions_and_versions_are_refused() {
        assert!(find_route("ListQuotas", PAI_VERSION).is_ok());
        assert_eq!(
            find_route("ListQuotas", AIWORKSPACE_VERSION)
                .err()
                .map(|e| e.code),
            Some("InvalidAction.NotFound".into())
        );
        assert_eq!(
            find_route("ListQuotas", "2014-05-26").err().map(|e| e.code),
            Some("InvalidVersion".into())
        );
    }
}
