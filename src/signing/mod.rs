//! Request signing: pure functions, no I/O.
//!
//! Nothing here reads the clock, the environment or the network: dates, nonces and
//! secrets are parameters, so every stage can be checked against the recorded SDK
//! vectors and shared verbatim by the client (signing) and the emulator (verifying).
//!
//! - [`encoding`]: the percent/form encodings the Alibaba SDKs use.
//! - [`digest`]: SHA-256 / HMAC helpers with the exact output encodings.
//! - [`acs3`]: signature V3 (`ACS3-HMAC-SHA256`), signing and server-side verification.
//! - [`acs1`]: legacy signature V1 (RPC `Signature=` and ROA `acs AK:sig`).
//! - [`huawei`]: Huawei Cloud `SDK-HMAC-SHA256`, signing and server-side verification.
//! - [`obs`]: Huawei OBS `OBS <AK>:<signature>` (V2-style HMAC-SHA1), signing and verification.

pub mod acs1;
pub mod acs3;
pub mod digest;
pub mod encoding;
pub mod huawei;
pub mod obs;
