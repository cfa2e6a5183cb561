//! Key pairs (KPS v3) on `kms.{region}`: the SSH key pairs a notebook endpoint or a Lite Server
//! names. Read only; paged with `limit` and `marker` (a key pair name) and a `page_info`.
//! Only public halves exist here: the emulator never holds a private key.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator::huawei::PROVIDER;
use crate::emulator::huawei::errors::object;
use crate::emulator_route as route;

/// The KPS API version.
pub const VERSION: &str = "v3";

/// The key pairs of one account and region.
#[derive(Debug, Default, Clone, Serialize)]
pub struct KmsBackend {
    /// `{name, type, scope, public_key, fingerprint, is_key_protection, frozen_state}`.
    pub keypairs: Vec<Value>,
}

impl Backend for KmsBackend {
    fn to_json(&self) -> Map<String, Value> {
        object(json!({"kms_keypairs": self.keypairs.len()}))
    }
}

impl ServiceBackend for KmsBackend {
    const SERVICE: &'static str = "kms";
}

/// The key-pair service.
pub static SERVICE: ServiceDef<KmsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "kms",
    product: "KPS",
    version: VERSION,
    routes: ROUTES,
};

static ROUTES: &[Route<KmsBackend>] = &[route!(
    ListKeypairs,
    GET,
    "/v3/{project_id}/keypairs",
    false,
    list_keypairs
)];

fn list_keypairs(
    ctx: &mut Ctx<'_, KmsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let limit = req.query_u64("limit")?.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "KPS.0005",
            format!("limit must be between 1 and 1000, got {limit}."),
        ));
    }
    let start = match req.query_nonempty("marker") {
        Some(marker) => ctx
            .state
            .keypairs
            .iter()
            .position(|k| k["name"] == marker)
            .map(|at| at + 1)
            .ok_or_else(|| ApiError::invalid("KPS.0005", format!("No key pair {marker}.")))?,
        None => 0,
    };
    let page: Vec<Value> = ctx
        .state
        .keypairs
        .iter()
        .skip(start)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|k| json!({"keypair": k}))
        .collect();
    let more = start + page.len() < ctx.state.keypairs.len();
    let last = page
        .last()
        .and_then(|k| k["keypair"]["name"].as_str())
        .map(str::to_owned);
    Ok(object(json!({
        "keypairs": page,
        "page_info": {"current_count": page.len(), "next_marker": if more { last } else { None }, "previous_marker": null},
    })))
}

/// The demo key pairs of a region.
pub fn seed(region: &str) -> KmsBackend {
    let pair = |name: &str, fingerprint: &str| {
        json!({
            "name": name, "type": "ssh", "scope": "user", "is_key_protection": false, "frozen_state": 0,
            "public_key": format!("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC{fingerprint} {name}@{region}"),
            "fingerprint": format!("SHA256:{fingerprint}"),
        })
    };
    KmsBackend {
        keypairs: vec![
            pair("KeyPair-demo", "q3b1ZyJ0YmF6bGlk"),
            pair("KeyPair-team", "Zm9vYmFyYmF6cXV4"),
        ],
    }
}
