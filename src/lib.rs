//! skillgate: a gated MCP server for cloud operations.
//!
//! Module map (dependency direction `server -> engine -> {catalog, gate, workflows, providers,
//! audit}`, `providers -> signing`, `emulator -> signing`):
//! - [`catalog`]: the declarative tool catalog (`tools/<toolset>/tools.toml`), loaded and validated.
//! - [`gate`]: plans, phrases, single use, expiry, ownership.
//! - [`engine`]: runs a tool call: read, plan, confirm, cancel.
//! - [`workflows`]: the skills' rules (guards) and multi-step executors.
//! - [`providers`]: real cloud clients (reqwest + signing, retries, error mapping).
//! - [`signing`]: pure request signing (ACS3-HMAC-SHA256, V1), no I/O.
//! - [`emulator`]: the built-in cloud emulator, which only sees HTTP on the wire.
//! - [`server`]: MCP (rmcp) handler and transports; the only module that imports rmcp.
//! - [`audit`]: the append-only JSON-lines audit log.
//! - [`cli`], [`app`], [`docs`]: command line, wiring, generated docs.
//! - [`secret`]: the redacting `Secret` type.

// `ToolFailure` (the error every guard returns) carries a message, details and a hint for the agent;
// it is built only on the failure path, so its size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod docs;
pub mod emulator;
pub mod engine;
pub mod gate;
pub mod providers;
pub mod secret;
pub mod server;
pub mod signing;
pub mod workflows;
