//! The Alibaba Cloud client for PAI (PAI Studio) and AI Workspace.
//!
//! - [`credentials`]: the credentials type and the SDK-compatible default chain.
//! - [`request`]: one API call as data ([`ApiRequest`]), stored in plans.
//! - [`client`]: signing, sending, retrying ([`AlibabaClient`]).
//! - [`retry`]: the retry modes and backoff.
//! - [`response`]: success and error bodies to [`ApiResponse`] / `ProviderError`.
//! - [`wire`]: the signed header set, user agent and URL, shared by send and preview.

pub mod client;
pub mod credentials;
pub mod request;
pub mod response;
pub mod retry;
pub mod wire;

pub use client::{AlibabaClient, AlibabaClientConfig};
pub use credentials::{AlibabaCredentials, CredentialsError};
pub use request::{ApiRequest, Product, QueryValue};
pub use response::ApiResponse;
pub use retry::RetryMode;

#[cfg(test)]
mod client_tests;
