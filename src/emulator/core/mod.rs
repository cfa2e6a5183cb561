//! The provider-neutral core of the emulator: what every provider front and every service
//! shares, and nothing that names a provider.
//!
//! - [`server`]: the axum app and [`EmulatorState`](server::EmulatorState) (fronts, world,
//!   clock, faults, log, lifecycle modes).
//! - [`dispatch`]: one API call end to end: pick the front by the signed `Host`,
//!   authenticate, route, RAM check, faults, handle, answer, log.
//! - [`front`]: the [`Front`](front::Front) trait one provider implements (authentication,
//!   routing, error shape, demo account, admin routes).
//! - [`service`]: routes, handlers and the [`ServiceApi`](service::ServiceApi) one service
//!   implements; [`world`]: state per provider, account, region and service.
//! - [`admin`]: the unsigned `/_emulator/*` API; [`clock`], [`lifecycle`], [`faults`],
//!   [`request_log`], [`paging`], [`wire`] (request and error types) and [`rpc`] (RPC
//!   parameters: query and form body, flattened lists, JSON-string parameters).

pub mod admin;
pub mod clock;
pub mod dispatch;
pub mod faults;
pub mod front;
pub mod lifecycle;
pub mod paging;
pub mod request_log;
pub mod rpc;
pub mod server;
pub mod service;
pub mod wire;
pub mod world;
