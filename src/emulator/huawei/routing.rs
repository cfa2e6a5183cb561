//! Finding the service and route of a Huawei call, and the region it works on.
//!
//! Huawei calls are REST: the method and path decide. A real host names its service
//! (`modelarts.`, `iam.`) and region; a loopback host (the official SDKs pointed at the
//! emulator) names neither, so every service's routes are tried and the region is the one of
//! the project in the path. Of several matching templates the one with the most literal
//! segments wins (`notebooks/flavors` over `notebooks/{id}`). IAM is global.

use std::collections::BTreeMap;

use crate::emulator::core::front::Routed;
use crate::emulator::core::wire::{ApiError, RawRequest, path_decode};
use crate::emulator::huawei::account::{DemoAccount, REGIONS};
use crate::emulator::huawei::verify::path_project;
use crate::emulator::huawei::{SERVICES, errors};

/// The region IAM state lives in: projects belong to the account, not to a region.
pub const GLOBAL: &str = "global";

/// `(service code, region)` of a real Huawei host, e.g. `modelarts.cn-north-4.myhuaweicloud.com`.
pub fn parse_host(host: &str) -> Option<(&str, Option<&str>)> {
    let rest = host
        .strip_suffix(".myhuaweicloud.com")
        .or_else(|| host.strip_suffix(".myhuaweicloud.cn"))?;
    match rest.split_once('.') {
        Some((service, region)) if !region.contains('.') => Some((service, Some(region))),
        None => Some((rest, None)),
        _ => None,
    }
}

/// Whether a path is IAM's (`/v3/projects`, `/v3/auth/...`).
fn is_iam_path(raw_path: &str) -> bool {
    raw_path.starts_with("/v3/projects") || raw_path.starts_with("/v3/auth/")
}

/// The region a request works on.
pub fn request_region(raw: &RawRequest, host: &str, account: &DemoAccount) -> String {
    let named = parse_host(host);
    if named.is_some_and(|(service, _)| service == "iam") || is_iam_path(&raw.raw_path) {
        return GLOBAL.to_owned();
    }
    if let Some((_, Some(region))) = named {
        return region.to_owned();
    }
    path_project(&raw.raw_path)
        .or_else(|| raw.header("x-project-id"))
        .and_then(|project| account.region_of(project.trim()))
        .unwrap_or(REGIONS[0])
        .to_owned()
}

/// Matches a raw path against a template; the decoded parameters and the number of literal
/// segments. A trailing slash is optional.
pub fn match_path(template: &str, raw_path: &str) -> Option<(BTreeMap<String, String>, usize)> {
    let want: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let got: Vec<&str> = raw_path.trim_end_matches('/').split('/').collect();
    if want.len() != got.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut literals = 0;
    for (w, g) in want.iter().zip(&got) {
        if let Some(name) = w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if g.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), path_decode(g));
        } else if w == g {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((params, literals))
}

/// The first label of the host a service is served on, where it differs from the service's
/// code: ModelArts v1 shares the ModelArts host, SWR's API is `swr-api.{region}`.
/// Service codes whose host label differs: a second version of a service, SWR's API host, and
/// a service named after its provider because catalog service ids are global (Alibaba has `vpc`).
const HOST_LABELS: &[(&str, &str)] = &[
    ("modelarts-v1", "modelarts"),
    ("swr", "swr-api"),
    ("vpc-huawei", "vpc"),
];

/// The host label of a service code.
pub fn host_label(code: &str) -> &str {
    HOST_LABELS
        .iter()
        .find(|(service, _)| *service == code)
        .map_or(code, |(_, label)| label)
}

/// The route of a request: among the host's services (or every service on other hosts).
pub fn find_route(raw: &RawRequest, host: &str) -> Result<Routed, ApiError> {
    let only = parse_host(host).map(|(service, _)| service);
    let mut best: Option<(usize, Routed)> = None;
    for service in SERVICES
        .iter()
        .filter(|s| only.is_none_or(|label| label == host_label(s.code())))
        // OBS is found by its own signature and host (`obs::wire::route`), never by path alone.
        .filter(|s| s.code() != "obs")
    {
        for route in service.routes() {
            if !route.method.eq_ignore_ascii_case(&raw.method) {
                continue;
            }
            if let Some((path_params, literals)) = match_path(route.path, &raw.raw_path)
                && best.as_ref().is_none_or(|(score, _)| literals > *score)
            {
                best = Some((
                    literals,
                    Routed {
                        service: *service,
                        action: route.action,
                        mutating: route.mutating,
                        path_params,
                    },
                ));
            }
        }
    }
    best.map(|(_, routed)| routed).ok_or_else(errors::no_api)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(method: &str, path: &str) -> RawRequest {
        RawRequest {
            method: method.into(),
            raw_path: path.into(),
            raw_query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    #[test]
    fn hosts_name_service_and_region() {
        assert_eq!(
            parse_host("modelarts.cn-north-4.myhuaweicloud.com"),
            Some(("modelarts", Some("cn-north-4")))
        );
        assert_eq!(
            parse_host("modelarts.ap-southeast-1.myhuaweicloud.cn"),
            Some(("modelarts", Some("ap-southeast-1")))
        );
        assert_eq!(parse_host("iam.myhuaweicloud.com"), Some(("iam", None)));
        assert_eq!(parse_host("127.0.0.1"), None);
    }

    #[test]
    fn literal_segments_win_and_unknown_paths_are_apig_0101() {
        let flavors = find_route(&raw("GET", "/v1/p/notebooks/flavors"), "127.0.0.1");
        assert_eq!(flavors.map(|r| r.action).ok(), Some("ListFlavors"));
        let show = find_route(&raw("GET", "/v1/p/notebooks/nb-1"), "127.0.0.1");
        assert_eq!(show.map(|r| r.action).ok(), Some("ShowNotebook"));
        let iam = find_route(
            &raw("GET", "/v3/projects"),
            "iam.cn-north-4.myhuaweicloud.com",
        );
        assert_eq!(iam.map(|r| r.action).ok(), Some("KeystoneListProjects"));
        let nowhere = find_route(&raw("GET", "/v1/p/nowhere"), "127.0.0.1");
        assert_eq!(nowhere.err().map(|e| e.code), Some("APIG.0101".into()));
        let wrong_host = find_route(
            &raw("GET", "/v3/projects"),
            "modelarts.cn-north-4.myhuaweicloud.com",
        );
        assert!(wrong_host.is_err());
    }

    #[test]
    fn the_region_comes_from_the_host_or_the_project() {
        let account = DemoAccount::generate();
        let east = account
            .project_of("cn-east-3")
            .unwrap_or_default()
            .to_owned();
        let path = format!("/v1/{east}/notebooks");
        assert_eq!(
            request_region(&raw("GET", &path), "127.0.0.1", &account),
            "cn-east-3"
        );
        assert_eq!(
            request_region(
                &raw("GET", &path),
                "modelarts.cn-north-4.myhuaweicloud.com",
                &account
            ),
            "cn-north-4"
        );
        assert_eq!(
            request_region(&raw("GET", "/v3/projects"), "127.0.0.1", &account),
            GLOBAL
        );
    }
}
