//! skillgate: a gated MCP server for cloud operations.
//!
//! Module map (dependency direction `server -> {catalog, gate, workflows, providers, audit}`,
//! `providers -> signing`, `emulator -> signing`):
//! - [`signing`]: pure request signing (ACS3-HMAC-SHA256, V1), no I/O.
//! - [`providers`]: real cloud clients (reqwest + signing, retries, error mapping).
//! - [`emulator`]: the built-in cloud emulator, which only sees HTTP on the wire.
//! - [`secret`]: the redacting `Secret` type.

pub mod emulator;
pub mod providers;
pub mod secret;
pub mod signing;
