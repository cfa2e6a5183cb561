//! The Alibaba Cloud CLI profile file, `~/.aliyun/config.json`.

use serde::Deserialize;

/// The parts of the file the credentials chain reads. No `Debug`: it holds secrets.
#[derive(Default, Deserialize)]
pub struct CliConfig {
    /// The profile used when `ALIBABA_CLOUD_PROFILE` is not set.
    #[serde(default)]
    pub current: String,
    /// All profiles.
    #[serde(default)]
    pub profiles: Vec<CliProfile>,
}

/// One profile; no `Debug`, it holds secrets. Unknown fields (region, language, role settings…) are ignored.
#[derive(Default, Deserialize)]
pub struct CliProfile {
    /// The profile name.
    #[serde(default)]
    pub name: String,
    /// `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`, … (empty in very old files = `AK`).
    #[serde(default)]
    pub mode: String,
    /// The AccessKey id.
    #[serde(default)]
    pub access_key_id: String,
    /// The AccessKey secret.
    #[serde(default)]
    pub access_key_secret: String,
    /// The STS token for mode `StsToken`.
    #[serde(default)]
    pub sts_token: String,
}

impl CliConfig {
    /// The profile called `name`, if any.
    pub fn profile(&self, name: &str) -> Option<&CliProfile> {
        self.profiles.iter().find(|profile| profile.name == name)
    }
}
