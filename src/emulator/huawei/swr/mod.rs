//! SWR image repositories on `swr-api.{region}`: `GET /v2/manage/repos` with the SWR
//! `filter=center::self|limit::N|offset::N|...` query, the lookup of training images
//! (`namespace/name:tag`). No project in the path: the account's repositories in the region.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator::huawei::PROVIDER;
use crate::emulator::huawei::errors::object;
use crate::emulator_route as route;

/// The SWR API version.
pub const VERSION: &str = "v2";

/// The repositories of one account and region.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SwrBackend {
    /// `{namespace, name, tags, category, is_public, num_images, size, updated_at}`, newest first.
    pub repos: Vec<Value>,
}

impl Backend for SwrBackend {
    fn to_json(&self) -> Map<String, Value> {
        object(json!({"swr_repos": self.repos.len()}))
    }
}

impl ServiceBackend for SwrBackend {
    const SERVICE: &'static str = "swr";
}

/// The SWR service (served on `swr-api.`, see `routing::HOST_LABELS`).
pub static SERVICE: ServiceDef<SwrBackend> = ServiceDef {
    provider: PROVIDER,
    code: "swr",
    product: "SWR",
    version: VERSION,
    routes: ROUTES,
};

static ROUTES: &[Route<SwrBackend>] = &[route!(
    ListReposDetails,
    GET,
    "/v2/manage/repos",
    false,
    list_repos
)];

/// The `key::value` pairs of an SWR `filter` (`center::self|limit::10|offset::0`).
fn filter_pairs(filter: &str) -> Vec<(&str, &str)> {
    filter
        .split('|')
        .filter_map(|pair| pair.split_once("::"))
        .collect()
}

fn list_repos(
    ctx: &mut Ctx<'_, SwrBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let filter = req.query("filter").unwrap_or_default();
    let pairs = filter_pairs(filter);
    let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let number = |key: &str, default: usize| -> Result<usize, ApiError> {
        get(key).map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                ApiError::invalid(
                    "SVCSTG.SWR.4000001",
                    format!("{key} must be a number, got {v}."),
                )
            })
        })
    };
    let (limit, offset) = (number("limit", 100)?, number("offset", 0)?);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "SVCSTG.SWR.4000001",
            format!("limit must be between 1 and 100, got {limit}."),
        ));
    }
    let namespace = get("namespace");
    let name = get("name");
    let repos: Vec<Value> = ctx
        .state
        .repos
        .iter()
        .filter(|r| namespace.is_none_or(|n| r["namespace"] == n))
        .filter(|r| name.is_none_or(|n| r["name"].as_str().is_some_and(|own| own.contains(n))))
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    Ok(object(json!({"repositories": repos})))
}

/// The demo repositories of a region: two training images of the team's organisation.
pub fn seed(region: &str) -> SwrBackend {
    let repo = |name: &str, tags: &[&str], updated: &str| {
        json!({
            "namespace": "demo-team", "name": name, "tags": tags, "category": "linux", "is_public": false,
            "num_images": tags.len(), "size": 8_589_934_592_i64, "updated_at": updated,
            "path": format!("swr.{region}.myhuaweicloud.com/demo-team/{name}"),
        })
    };
    SwrBackend {
        repos: vec![
            repo(
                "pytorch-train",
                &["2.1.0-cuda12.1", "2.0.1-cuda11.8"],
                "2026-10-01T08:00:00Z",
            ),
            repo(
                "mindspore-train",
                &["2.2.0-cann7.0"],
                "2026-09-12T08:00:00Z",
            ),
        ],
    }
}
