//! skillgate: a gated MCP server for cloud operations.
//!
//! Layers, top down (`ARCHITECTURE.md` is the map; `tests/layering.rs` enforces the rules):
//! - [`server`]: MCP (rmcp) handler and transports; the only module that imports rmcp.
//! - [`engine`]: runs a tool call: read, plan, confirm, cancel; names no provider.
//! - [`gate`]: plans of steps, phrases, single use, expiry, ownership.
//! - [`catalog`]: the declarative catalog (`tools/<toolset>/tools.toml`): tools, services, the
//!   wire mapping; loaded and validated against what the code registers.
//! - [`toolsets`]: each toolset's typed guards and executors, registered from its own module.
//! - [`providers`]: one client per cloud behind the `Provider` trait (preview, send, classify,
//!   permission hints), with its credentials and endpoint overrides.
//! - [`signing`]: pure request signing (ACS3-HMAC-SHA256, V1), no I/O.
//! - [`emulator`]: the built-in cloud emulator, which only sees HTTP on the wire.
//! - [`failure`]: the one failure type; [`config`]: resolved settings; [`audit`]: the log.
//! - [`cli`], [`app`], [`docs`]: command line, wiring, generated docs.
//! - [`secret`]: the redacting `Secret` type.
//! - [`state`]: protocol-state stores (nonces, tool-list changes, confirmation pages) and the
//!   shared Redis stores behind every state interface.

// `ToolFailure` (the error every guard returns) carries a message, details and a hint for the agent;
// it is built only on the failure path, so its size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod docs;
pub mod emulator;
pub mod engine;
pub mod failure;
pub mod gate;
pub mod operations;
pub mod providers;
pub mod secret;
pub mod server;
pub mod signing;
pub mod state;
pub mod toolsets;
