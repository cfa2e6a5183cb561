//! The vendor documentation search `cp_doc_search` calls (help.aliyun.com), served from a small
//! synthesised index so the enabled path is tested without ever reaching the real site.
//!
//! - [`front`]: [`DocsFront`], the front of `help.aliyun.com`, which also claims unsigned
//!   loopback `GET`s of the search path; no credentials (the real search is public).
//! - [`search`]: the one route and its index (titles, summaries, links per product).

pub mod front;
pub mod search;

use crate::emulator::core::service::ServiceApi;

pub use front::DocsFront;

/// The provider key: startup line, admin paths, faults.
pub const PROVIDER: &str = "docs";

/// Every documentation service the emulator serves.
pub static SERVICES: &[&dyn ServiceApi] = &[&search::SERVICE];
