//! Cloud provider clients.
//!
//! - [`error`]: the provider-neutral [`ProviderError`] the gate and workflows handle.
//! - [`alibaba`]: the Alibaba Cloud client (ACS3 signing, retries, error mapping).

pub mod alibaba;
pub mod error;

pub use error::{ErrorKind, ProviderError};
