//! Huawei Cloud on the wire: the front (`SDK-HMAC-SHA256` verified exactly, routing on the
//! method and path, the `{error_code, error_msg}` shape) and one folder per service.
//!
//! - [`front`]: [`HuaweiFront`], the front of `*.myhuaweicloud.com` / `.cn` and of loopback
//!   requests signed `SDK-HMAC-SHA256`; [`account`]: the demo account (AK/SK, a temporary
//!   pair with its security token, a project in two regions); [`verify`]: signature, date
//!   window, token, project checks; [`routing`]: host or path -> service and route, project ->
//!   region; [`errors`]: the gateway's and ModelArts' error shapes; [`seed`]: the demo data.
//! - [`iam`]: IAM v3 projects and auth domains; [`modelarts`]: ModelArts v1/v2 notebooks (with
//!   OBS storage mounts), training jobs, images, flavors and engines, workspaces, quotas and
//!   authorizations; [`swr`], [`vpc`], [`kms`]: the lookups on their own hosts.

pub mod account;
pub mod errors;
pub mod front;
pub mod iam;
pub mod kms;
pub mod modelarts;
pub mod obs;
pub mod routing;
pub mod seed;
pub mod swr;
pub mod verify;
pub mod vpc;

use crate::emulator::core::service::ServiceApi;

pub use front::HuaweiFront;

/// The provider key: startup line, admin paths, faults.
pub const PROVIDER: &str = "huawei";

/// Every Huawei service the emulator serves.
pub static SERVICES: &[&dyn ServiceApi] = &[
    &iam::SERVICE,
    &modelarts::SERVICE,
    &modelarts::SERVICE_V1,
    &modelarts::infra_routes::SERVICE,
    &modelarts::infra_routes::SERVICE_V1,
    &modelarts::lite_routes::SERVICE_V1,
    &modelarts::core_more_routes::SERVICE,
    &modelarts::core_more_routes::SERVICE_V1,
    &modelarts::services_more_routes::SERVICE,
    &modelarts::services_more_routes::SERVICE_V1,
    &modelarts::pools_more_routes::SERVICE,
    &modelarts::pools_more_routes::SERVICE_V1,
    &modelarts::svc_extra_routes::SERVICE,
    &modelarts::svc_extra_routes::SERVICE_V1,
    &modelarts::mgmt_routes::SERVICE,
    &modelarts::mgmt_routes::SERVICE_V1,
    &modelarts::nb_np_routes::SERVICE,
    &modelarts::nb_np_routes::SERVICE_V1,
    &swr::SERVICE,
    &vpc::SERVICE,
    &kms::SERVICE,
    &obs::SERVICE,
];
