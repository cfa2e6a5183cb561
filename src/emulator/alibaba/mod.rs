//! Alibaba Cloud on the wire: the front (ACS3 signatures, `x-acs-action` routing, the POP
//! error shape) and one folder per service.
//!
//! - [`front`]: [`AlibabaFront`], the [`Front`](crate::emulator::core::front::Front) of
//!   `*.aliyuncs.com` (and loopback); [`verify`]: ACS3, date window, nonce; [`routing`]:
//!   action + version -> service and route, host -> region; [`errors`]: the errors every
//!   product shares and the POP shape; [`body`]: ROA JSON body fields; [`admin`]:
//!   `/_emulator/alibaba/*`; [`seed`]: the demo account.
//! - [`pai`]: PAI Studio 2022-01-12; [`aiworkspace`]: AIWorkSpace 2021-02-04 (ROA);
//!   [`oos`]: OOS 2019-06-01, [`ecs`]: ECS 2014-05-26 and [`vpc`]: VPC 2016-04-28 (RPC);
//!   [`sts`]: STS 2015-04-01 `GetCallerIdentity`; [`fc`]: FC 3.0 2023-03-30 (ROA, routed by
//!   method and path when the action is `anonymous`). Each has `routes`,
//!   `handlers`, `models`, `rules`, `errors`, `render` and `seed`.
//! - [`cs`]: CS 2015-12-15 (ACK clusters, node pools, the kubeconfig; ROA routed by method and
//!   path), and each cluster's small Kubernetes API on the emulator's second loopback port.

pub mod admin;
pub mod aiworkspace;
pub mod body;
pub mod cs;
pub mod dlc;
pub mod ecs;
pub mod errors;
pub mod fc;
pub mod front;
pub mod oos;
pub mod pai;
pub mod routing;
pub mod seed;
pub mod sts;
pub mod verify;
pub mod vpc;

use crate::emulator::core::service::ServiceApi;

pub use front::AlibabaFront;

/// The provider key: startup line, admin paths, faults.
pub const PROVIDER: &str = "alibaba";
/// PAI Studio's API version.
pub const PAI_VERSION: &str = pai::VERSION;
/// AIWorkSpace's API version.
pub const AIWORKSPACE_VERSION: &str = aiworkspace::VERSION;
/// OOS's API version.
pub const OOS_VERSION: &str = oos::VERSION;
/// ECS's API version.
pub const ECS_VERSION: &str = ecs::VERSION;
/// STS's API version.
pub const STS_VERSION: &str = sts::VERSION;
/// PAI-DLC's API version.
pub const DLC_VERSION: &str = dlc::VERSION;
/// FC 3.0's API version.
pub const FC_VERSION: &str = fc::VERSION;
/// CS (ACK)'s API version.
pub const CS_VERSION: &str = cs::VERSION;
/// VPC's API version.
pub const VPC_VERSION: &str = vpc::VERSION;

/// Every Alibaba service the emulator serves.
pub static SERVICES: &[&dyn ServiceApi] = &[
    &pai::SERVICE,
    &aiworkspace::SERVICE,
    &oos::SERVICE,
    &ecs::SERVICE,
    &vpc::SERVICE,
    &sts::SERVICE,
    &dlc::SERVICE,
    &fc::SERVICE,
    &cs::SERVICE,
];
