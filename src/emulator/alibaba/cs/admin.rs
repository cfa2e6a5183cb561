//! CS's admin route: an injected image-pull failure for the next Job, or for every Job using
//! one image, so a workflow's diagnostics on a pod that never starts can be tested.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::emulator::alibaba::cs::models::{CsBackend, PullFailure};
use crate::emulator::core::world::Services;

/// The waiting reasons a Job's pod may be stuck with.
pub const REASONS: [&str; 5] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
];

/// `POST /_emulator/alibaba/cs/pull-failure`.
#[derive(Debug, Deserialize)]
pub struct SetPullFailure {
    /// The image it applies to; absent: the next Job, once.
    #[serde(default)]
    pub image: Option<String>,
    /// The waiting reason (default `ErrImagePull`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Records the failure; answers what was set.
pub fn add_pull_failure(services: &mut Services, set: SetPullFailure) -> Value {
    let reason = set
        .reason
        .filter(|r| REASONS.contains(&r.as_str()))
        .unwrap_or_else(|| "ErrImagePull".into());
    services
        .get_mut::<CsBackend>()
        .pull_failures
        .push(PullFailure {
            image: set.image.clone(),
            reason: reason.clone(),
        });
    json!({"image": set.image, "reason": reason})
}
