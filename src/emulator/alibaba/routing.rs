//! Finding the service and route of a signed call, and the region of a host.
//!
//! Calls are dispatched on the signed `x-acs-action` + `x-acs-version` headers, because
//! the path alone is ambiguous (both PAI Studio and AIWorkSpace serve
//! `GET /api/v1/resources`, every RPC action is `/`); the method and path must then match
//! that action's real route. RPC routes (path `/`) accept GET as well as POST, as the
//! gateway does, and an RPC call's signed `RegionId` names the region it works on.

use std::collections::BTreeMap;

use crate::emulator::alibaba::{SERVICES, errors, seed};
use crate::emulator::core::service::{RouteInfo, ServiceApi};
use crate::emulator::core::wire::{ApiError, path_decode};

/// The service and route for a signed action and version.
///
/// An unknown version is `InvalidVersion`; a known version with an action this emulator
/// does not serve is `InvalidAction.NotFound`.
pub fn find_route(
    action: &str,
    version: &str,
) -> Result<(&'static dyn ServiceApi, RouteInfo), ApiError> {
    let mut known_version = false;
    for service in SERVICES {
        if service.version() != version {
            continue;
        }
        known_version = true;
        if let Some(route) = service.routes().into_iter().find(|r| r.action == action) {
            return Ok((*service, route));
        }
    }
    if known_version {
        Err(errors::action_not_found())
    } else {
        Err(errors::invalid_version(version))
    }
}

/// A route found by path: its service, the route and the decoded path parameters.
pub type PathRoute = (&'static dyn ServiceApi, RouteInfo, BTreeMap<String, String>);

/// The route of a ROA call signed with `x-acs-action: anonymous` (the generic Tea client's
/// default, which the compute skill uses for FC and ACK): found by version, method and
/// path, since the action names nothing.
pub fn find_route_by_path(
    version: &str,
    method: &str,
    raw_path: &str,
) -> Result<PathRoute, ApiError> {
    let mut known_version = false;
    for service in SERVICES.iter().filter(|s| s.version() == version) {
        known_version = true;
        // Literal segments beat `{Param}` ones: `/functions/{F}/async-tasks` before
        // `/functions/{F}/{x}`-like shapes, whatever the table order.
        let mut routes = service.routes();
        routes.sort_by_key(|r| {
            std::cmp::Reverse(r.path.matches('/').count() * 2 - r.path.matches('{').count())
        });
        for route in routes {
            if route.path != "/"
                && route.method.eq_ignore_ascii_case(method)
                && let Some(params) = match_path(route.path, raw_path)
            {
                return Ok((*service, route, params));
            }
        }
    }
    if known_version {
        Err(errors::action_not_found())
    } else {
        Err(errors::invalid_version(version))
    }
}

/// Whether `method` may call `route`: its own method, or GET/POST for an RPC route.
pub fn method_allowed(route: &RouteInfo, method: &str) -> bool {
    method.eq_ignore_ascii_case(route.method)
        || (route.path == "/"
            && (method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("POST")))
}

/// The RAM action of a call, as `Forbidden.RAM` names it: `ecs:RunCommand`,
/// `oos:StartExecution`, `pai:DeleteQuota` (AIWorkSpace's actions are `pai:` too).
pub fn ram_action(action: &str) -> String {
    let prefix = SERVICES
        .iter()
        .find(|s| s.routes().iter().any(|r| r.action == action))
        .map_or("pai", |s| match s.code() {
            "oos" => "oos",
            "ecs" => "ecs",
            "vpc" => "vpc",
            "sts" => "sts",
            "pai-dlc" => "paidlc",
            "fc" => "fc",
            _ => "pai",
        });
    format!("{prefix}:{action}")
}

/// The region an RPC call names in its (signed) `RegionId`, else the host's region.
pub fn call_region(host_region: String, params: &[(String, String)]) -> String {
    params
        .iter()
        .rev()
        .find(|(k, v)| k == "RegionId" && !v.trim().is_empty())
        .map_or(host_region, |(_, v)| v.trim().to_owned())
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

/// The region named by the Host header (`pai.`, `aiworkspace.`, `oos.`, `ecs.`, `vpc.`,
/// `sts.` and the
/// SDK's `ecs-cn-hangzhou.` forms, with their `-vpc` variants); any other host (e.g.
/// `127.0.0.1:PORT`, `ecs.aliyuncs.com`) is `cn-hangzhou`, the demo account's region.
pub fn region_from_host(host: &str) -> String {
    let host = crate::emulator::core::wire::host_name(host);
    let host = host.as_str();
    if host == "pai.cn-hangzhou.data.aliyun.com" {
        return "cn-hangzhou".to_owned();
    }
    for prefix in [
        "pai-dlc-vpc.",
        "pai-dlc.",
        "pai-vpc.",
        "pai.",
        "aiworkspace-vpc.",
        "aiworkspace.",
        "paistudio.",
        "oos-vpc.",
        "oos.",
        "ecs-vpc.",
        "ecs.",
        "ecs-",
        "vpc-vpc.",
        "vpc.",
        "sts-vpc.",
        "sts.",
        "fcv3-vpc.",
        "fcv3.",
    ] {
        if let Some(rest) = host.strip_prefix(prefix)
            && let Some(region) = rest.strip_suffix(".aliyuncs.com")
            && !region.is_empty()
            && !region.contains('.')
        {
            return region.to_owned();
        }
    }
    // FC 3.0's account endpoint: `{account_id}.{region}.fc.aliyuncs.com` (and `-internal`).
    if let Some(rest) = host.strip_suffix(".fc.aliyuncs.com")
        && let Some((_, region)) = rest.split_once('.')
        && !region.is_empty()
        && !region.contains('.')
    {
        return region.trim_end_matches("-internal").to_owned();
    }
    seed::REGION.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::{AIWORKSPACE_VERSION, ECS_VERSION, OOS_VERSION, PAI_VERSION};

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
            "cn-shanghai"
        );
        assert_eq!(
            region_from_host("ecs-cn-hangzhou.aliyuncs.com"),
            "cn-hangzhou"
        );
        assert_eq!(
            region_from_host("oos.cn-shanghai.aliyuncs.com:80"),
            "cn-shanghai"
        );
        assert_eq!(
            region_from_host("ecs-vpc.cn-beijing.aliyuncs.com"),
            "cn-beijing"
        );
        assert_eq!(region_from_host("ecs.aliyuncs.com"), "cn-hangzhou");
        assert_eq!(
            region_from_host("vpc.cn-shanghai.aliyuncs.com"),
            "cn-shanghai"
        );
        assert_eq!(region_from_host("vpc.aliyuncs.com"), "cn-hangzhou");
        assert_eq!(region_from_host("sts.aliyuncs.com"), "cn-hangzhou");
        assert_eq!(
            region_from_host("cs.cn-shanghai.aliyuncs.com"),
            "cn-hangzhou"
        );
    }

    #[test]
    fn rpc_calls_name_their_region_and_accept_get() {
        let params = vec![("RegionId".to_string(), "cn-shanghai".to_string())];
        assert_eq!(call_region("cn-hangzhou".into(), &params), "cn-shanghai");
        assert_eq!(call_region("cn-beijing".into(), &[]), "cn-beijing");
        let (_, rpc) =
            find_route("DescribeInstances", ECS_VERSION).unwrap_or_else(|e| panic!("{e}"));
        assert!(method_allowed(&rpc, "GET") && method_allowed(&rpc, "POST"));
        assert!(!method_allowed(&rpc, "DELETE"));
        let (_, roa) = find_route("ListQuotas", PAI_VERSION).unwrap_or_else(|e| panic!("{e}"));
        assert!(!method_allowed(&roa, "POST"));
        assert_eq!(ram_action("StartExecution"), "oos:StartExecution");
        assert_eq!(ram_action("RunCommand"), "ecs:RunCommand");
        assert_eq!(ram_action("DeleteQuota"), "pai:DeleteQuota");
    }

    #[test]
    fn unknown_actions_and_versions_are_refused() {
        assert!(find_route("ListQuotas", PAI_VERSION).is_ok());
        assert_eq!(
            find_route("ListResources", AIWORKSPACE_VERSION)
                .map(|(s, _)| s.code())
                .ok(),
            Some("aiworkspace")
        );
        assert_eq!(
            find_route("ListQuotas", AIWORKSPACE_VERSION)
                .err()
                .map(|e| e.code),
            Some("InvalidAction.NotFound".into())
        );
        assert_eq!(
            find_route("ListQuotas", "2014-05-26").err().map(|e| e.code),
            Some("InvalidAction.NotFound".into())
        );
        assert_eq!(
            find_route("ListQuotas", "2099-01-01").err().map(|e| e.code),
            Some("InvalidVersion".into())
        );
        assert_eq!(
            find_route("StartExecution", OOS_VERSION)
                .map(|(s, _)| s.code())
                .ok(),
            Some("oos")
        );
    }
}
