//! Replicas that share one Redis (`--state redis://HOST:PORT/DB`, or `rediss://` with TLS): plans
//! with their TTL, consumed nonces, tool-list changes, confirmation pages and long operations,
//! behind the same interfaces as the embedded stores.
//!
//! Every single-use step is one atomic Redis step: `SET NX` for a nonce, a short Lua script
//! where a check and a take must go together (a plan's take, a page's answer, an operation's
//! compare-and-set update and lease). Scripts name keys they compute from the prefix, so the
//! deployment is one Redis (or a primary with replicas), not a cluster.
//!
//! The interfaces are synchronous (like the SQLite store's); [`RedisLink`] runs the async client
//! (`redis` with its reconnecting `ConnectionManager`) on a small runtime of its own, so a call
//! blocks its caller for one round-trip and works from any thread, inside a runtime or not.

mod link;
mod operations;
mod plans;
mod sessions;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use link::{RedisLink, StateUrlError};
pub use operations::RedisOperationStore;
pub use plans::RedisPlanStore;
pub use sessions::{RedisNonces, RedisPages, RedisToggles};
