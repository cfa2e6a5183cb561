//! STS 2015-04-01 (RPC, host `sts.aliyuncs.com` / `sts.{region}.aliyuncs.com`): only
//! `GetCallerIdentity`, which compute provisioning reads for the account id (FC's
//! endpoint is `{account_id}.{region}.fc.aliyuncs.com`). The demo access key belongs to
//! the RAM user `skillgate-demo-user` of the demo account.

use serde_json::{Map, Value, json};

use crate::emulator::alibaba::seed::ACCOUNT_ID;
use crate::emulator::core::service::{Ctx, Route, ServiceDef};
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::core::world::{Backend, ServiceBackend};
use crate::emulator_route as route;

/// The API version.
pub const VERSION: &str = "2015-04-01";

/// The RAM user the demo access key belongs to.
pub const DEMO_USER: &str = "skillgate-demo-user";
/// That user's id.
pub const DEMO_USER_ID: &str = "216959339000654321";

/// STS keeps no state.
#[derive(Debug, Clone, Default)]
pub struct StsBackend;

impl Backend for StsBackend {
    fn to_json(&self) -> Map<String, Value> {
        Map::new()
    }
}

impl ServiceBackend for StsBackend {
    const SERVICE: &'static str = "sts";
}

/// Who the signed access key is: `{AccountId, Arn, IdentityType, PrincipalId, UserId,
/// RoleId}`.
pub fn get_caller_identity(
    _ctx: &mut Ctx<'_, StsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    out.insert("AccountId".into(), json!(ACCOUNT_ID));
    out.insert(
        "Arn".into(),
        json!(format!("acs:ram::{ACCOUNT_ID}:user/{DEMO_USER}")),
    );
    out.insert("IdentityType".into(), json!("RAMUser"));
    out.insert("PrincipalId".into(), json!(DEMO_USER_ID));
    out.insert("UserId".into(), json!(DEMO_USER_ID));
    out.insert("RoleId".into(), json!(""));
    Ok(out)
}

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<StsBackend>] = &[
    route!(GetCallerIdentity, POST, "/", false, get_caller_identity),
];

/// The service.
pub static SERVICE: ServiceDef<StsBackend> = ServiceDef {
    provider: super::PROVIDER,
    code: "sts",
    product: "Sts",
    version: VERSION,
    routes: ROUTES,
};
