//! The Kubernetes API of an ACK cluster: another wire, reached with the kubeconfig CS hands out
//! (`DescribeClusterUserKubeconfig`), not with the cloud's signed calls.
//!
//! - [`kubeconfig`]: the kubeconfig, parsed without a YAML dependency (the block layout every
//!   generator writes, or JSON), with its token, client certificate and key held as
//!   [`Secret`](crate::secret::Secret)s.
//! - [`client`]: [`KubeClient`], the seven REST calls the compute skill makes (list nodes;
//!   create, read, list and delete a batch Job; list pods by `job-name`; read a pod's log), with
//!   the bearer token or the client certificate, and `Status` errors as [`KubeError`].
//!
//! Its [`provider`] entry only previews: its endpoint and credential are not configured at
//! startup but come from a cloud answer at run time, so the compute toolset builds a client per
//! call from the kubeconfig it just read and drops it afterwards. The kubeconfig never leaves the
//! server: no result, error, log line or audit record carries it.

pub mod client;
pub mod kubeconfig;
pub mod provider;

pub use client::{KubeClient, KubeError};
pub use kubeconfig::{KubeAuth, Kubeconfig};
pub use provider::KIND;
