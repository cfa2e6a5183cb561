//! The VPC data model per account and region: VPCs and VSwitches, each `Pending` then
//! `Available` on the emulated clock, and the first answer of each ClientToken call.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// A new VPC: `Pending` for 5 emulated seconds, then `Available`.
pub const VPC_CREATE: Lifecycle = Lifecycle {
    name: "vpc.vpc.create",
    steps: &[Step {
        status: "Pending",
        secs: 5,
    }],
    done: "Available",
};

/// A new VSwitch: `Pending` for 3 emulated seconds, then `Available`.
pub const VSWITCH_CREATE: Lifecycle = Lifecycle {
    name: "vpc.vswitch.create",
    steps: &[Step {
        status: "Pending",
        secs: 3,
    }],
    done: "Available",
};

/// A VPC.
#[derive(Debug, Clone, Serialize)]
pub struct Vpc {
    /// `vpc-...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Its IPv4 block.
    pub cidr: String,
    /// `vrt-...`.
    pub vrouter_id: String,
    /// `vtb-...`, the system route table.
    pub route_table_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Where it is in [`VPC_CREATE`].
    pub progress: Progress,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Whether the demo seed made it.
    pub seeded: bool,
}

impl Vpc {
    /// `Pending` or `Available` at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        VPC_CREATE.status(&self.progress, now)
    }
}

/// A VSwitch.
#[derive(Debug, Clone, Serialize)]
pub struct VSwitch {
    /// `vsw-...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its zone.
    pub zone_id: String,
    /// Its IPv4 block, inside the VPC's.
    pub cidr: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Where it is in [`VSWITCH_CREATE`].
    pub progress: Progress,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Whether the demo seed made it.
    pub seeded: bool,
}

impl VSwitch {
    /// `Pending` or `Available` at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        VSWITCH_CREATE.status(&self.progress, now)
    }
}

/// Everything one account has in VPC in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VpcBackend {
    /// VPCs, in creation order.
    #[serde(rename = "vpc_vpcs")]
    pub vpcs: Vec<Vpc>,
    /// VSwitches, in creation order.
    #[serde(rename = "vpc_vswitches")]
    pub vswitches: Vec<VSwitch>,
    /// `"<Action>/<ClientToken>"` -> the first answer.
    #[serde(rename = "vpc_client_tokens")]
    pub tokens: BTreeMap<String, Map<String, Value>>,
}

impl VpcBackend {
    /// A VPC by id.
    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.iter().find(|v| v.id == id)
    }

    /// A VSwitch by id.
    pub fn vswitch(&self, id: &str) -> Option<&VSwitch> {
        self.vswitches.iter().find(|v| v.id == id)
    }

    /// The first answer of `action` with `token`, if any.
    pub fn answered(&self, action: &str, token: Option<&str>) -> Option<Map<String, Value>> {
        token.and_then(|t| self.tokens.get(&format!("{action}/{t}")).cloned())
    }

    /// Remembers the answer of `action` with `token`.
    pub fn remember(&mut self, action: &str, token: Option<&str>, answer: &Map<String, Value>) {
        if let Some(t) = token {
            self.tokens.insert(format!("{action}/{t}"), answer.clone());
        }
    }
}

impl Backend for VpcBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, _now: OffsetDateTime) -> Option<String> {
        if let Some(vpc) = self
            .vpcs
            .iter_mut()
            .find(|v| v.id == id && v.progress.mode == Mode::Manual)
        {
            vpc.progress.advanced += 1;
            return Some(VPC_CREATE.status(&vpc.progress, vpc.created).to_owned());
        }
        let vsw = self
            .vswitches
            .iter_mut()
            .find(|v| v.id == id && v.progress.mode == Mode::Manual)?;
        vsw.progress.advanced += 1;
        Some(VSWITCH_CREATE.status(&vsw.progress, vsw.created).to_owned())
    }
}

impl ServiceBackend for VpcBackend {
    const SERVICE: &'static str = "vpc";
}
