//! IAM v3: the account's projects (one per region; what the SDKs look up to find the project
//! id of a region) and its auth domain (what the global services' SDK clients look up).
//! Account-wide state, kept in the `global` region.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator::huawei::PROVIDER;
use crate::emulator::huawei::errors::object;
use crate::emulator_route as route;

/// The IAM API version.
pub const VERSION: &str = "v3";

/// The account's identity data.
#[derive(Debug, Default, Clone, Serialize)]
pub struct IamBackend {
    /// The domain id.
    pub domain_id: String,
    /// The domain name.
    pub domain_name: String,
    /// `(region, project id)`.
    pub projects: Vec<(String, String)>,
}

impl Backend for IamBackend {
    fn to_json(&self) -> Map<String, Value> {
        object(json!({"iam_projects": self.projects}))
    }
}

impl ServiceBackend for IamBackend {
    const SERVICE: &'static str = "iam";
}

/// The IAM service.
pub static SERVICE: ServiceDef<IamBackend> = ServiceDef {
    provider: PROVIDER,
    code: "iam",
    product: "IAM",
    version: VERSION,
    routes: ROUTES,
};

static ROUTES: &[Route<IamBackend>] = &[
    route!(
        KeystoneListProjects,
        GET,
        "/v3/projects",
        false,
        list_projects
    ),
    route!(
        KeystoneListAuthDomains,
        GET,
        "/v3/auth/domains",
        false,
        list_domains
    ),
];

fn list_projects(
    ctx: &mut Ctx<'_, IamBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.query_nonempty("name");
    let projects: Vec<Value> = ctx
        .state
        .projects
        .iter()
        .filter(|(region, _)| name.is_none_or(|n| n == region))
        .map(|(region, id)| {
            json!({
                "id": id,
                "name": region,
                "domain_id": ctx.state.domain_id,
                "parent_id": ctx.state.domain_id,
                "description": "",
                "enabled": true,
                "is_domain": false,
                "links": {"self": format!("https://iam.myhuaweicloud.com/v3/projects/{id}")},
            })
        })
        .collect();
    Ok(object(json!({
        "projects": projects,
        "links": {"self": "https://iam.myhuaweicloud.com/v3/projects", "next": null, "previous": null},
    })))
}

fn list_domains(
    ctx: &mut Ctx<'_, IamBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    Ok(object(json!({
        "domains": [{
            "id": ctx.state.domain_id,
            "name": ctx.state.domain_name,
            "enabled": true,
            "description": "",
            "links": {"self": format!("https://iam.myhuaweicloud.com/v3/domains/{}", ctx.state.domain_id)},
        }],
        "links": {"self": "https://iam.myhuaweicloud.com/v3/auth/domains"},
    })))
}
