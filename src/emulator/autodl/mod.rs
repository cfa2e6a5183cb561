//! AutoDL private-cloud elastic deployments on the wire: the front (raw developer token,
//! routing on method + path, the `{code, msg, data}` envelope with business errors on HTTP 200)
//! and the one service it serves.
//!
//! - [`front`]: [`AutodlFront`], the [`Front`](crate::emulator::core::front::Front) of
//!   `private.autodl.com` / `api.autodl.com`, which also claims loopback requests to
//!   `/api/v1/dev/...` (plain HTTP clients such as the skill's `queue_submit.py`); [`admin`]:
//!   `/_emulator/autodl/*` (other tenants' GPU load).
//! - [`esd`]: elastic deployments: images, deployments (ReplicaSet / Job / Container),
//!   containers on the emulator clock, hosts with scheduling units, GPU stock, the blacklist.

pub mod admin;
pub mod esd;
pub mod front;

use crate::emulator::core::service::ServiceApi;

pub use front::AutodlFront;

/// The provider key: startup line, admin paths, faults.
pub const PROVIDER: &str = "autodl";

/// Every AutoDL service the emulator serves.
pub static SERVICES: &[&dyn ServiceApi] = &[&esd::SERVICE];
