//! The ECS data model the emulator keeps per account and region: instances (with the
//! facts an install depends on: OS, Cloud Assistant, disk usage; and, for instances made
//! by `RunInstances`, where they are in [`INSTANCE_CREATE`]), Cloud Assistant
//! invocations, [`security_group`]s, and the account's [`capacity`] (stock and price
//! overrides, quota, ClientTokens). Plain data; the wire shapes are in `render`, the rules
//! in `rules`.

pub mod capacity;
pub mod security_group;

pub use capacity::Capacity;
pub use security_group::{Direction, SecurityGroup, SecurityGroupRule};

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;
use crate::emulator::core::lifecycle::{Lifecycle, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// Emulated seconds a Cloud Assistant invocation runs before its results are final.
pub const INVOCATION_SECS: i64 = 5;

/// A `RunCommand` invocation: `Running`, then finished (each instance `Success` or `Failed`).
pub const INVOCATION_RUN: Lifecycle = Lifecycle {
    name: "ecs.invocation.run",
    steps: &[Step {
        status: "Running",
        secs: INVOCATION_SECS,
    }],
    done: "Finished",
};

/// Emulated seconds a new instance is `Pending`, then `Starting`.
pub const INSTANCE_PENDING_SECS: i64 = 10;
/// Emulated seconds a new instance is `Starting` before it is `Running`.
pub const INSTANCE_STARTING_SECS: i64 = 20;

/// A `RunInstances` instance: `Pending`, `Starting`, then `Running` (its Cloud Assistant
/// agent comes online with it).
pub const INSTANCE_CREATE: Lifecycle = Lifecycle {
    name: "ecs.instance.create",
    steps: &[
        Step {
            status: "Pending",
            secs: INSTANCE_PENDING_SECS,
        },
        Step {
            status: "Starting",
            secs: INSTANCE_STARTING_SECS,
        },
    ],
    done: "Running",
};

/// Everything one account has in ECS in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EcsBackend {
    /// Instances, in creation order.
    #[serde(rename = "ecs_instances")]
    pub instances: Vec<Instance>,
    /// Cloud Assistant invocations, in start order.
    #[serde(rename = "ecs_invocations")]
    pub invocations: Vec<Invocation>,
    /// `RunCommand` ClientToken -> InvokeId, so a retried call starts nothing new.
    #[serde(rename = "ecs_run_command_tokens")]
    pub run_command_tokens: BTreeMap<String, String>,
    /// Security groups, in creation order.
    #[serde(rename = "ecs_security_groups")]
    pub security_groups: Vec<SecurityGroup>,
    /// Stock, prices, quota and the answers of ClientToken calls.
    #[serde(rename = "ecs_capacity")]
    pub capacity: Capacity,
}

impl Backend for EcsBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
        if let Some(instance) = self
            .instances
            .iter_mut()
            .find(|i| i.id == id && i.boot.is_some_and(|b| b.mode == Mode::Manual))
        {
            if let Some(boot) = instance.boot.as_mut() {
                boot.advanced += 1;
            }
            instance.settle(now);
            return Some(instance.status.as_str().to_owned());
        }
        let invocation = self
            .invocations
            .iter_mut()
            .find(|i| i.invoke_id == id && i.progress.mode == Mode::Manual)?;
        invocation.progress.advanced += 1;
        if INVOCATION_RUN.is_done(&invocation.progress, now) && invocation.manual_done_at.is_none()
        {
            invocation.manual_done_at = Some(now);
        }
        Some(invocation.status(now).to_owned())
    }
}

impl ServiceBackend for EcsBackend {
    const SERVICE: &'static str = "ecs";
}

impl EcsBackend {
    /// An instance by id.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    /// An invocation by id.
    pub fn invocation(&self, invoke_id: &str) -> Option<&Invocation> {
        self.invocations.iter().find(|i| i.invoke_id == invoke_id)
    }

    /// A security group by id.
    pub fn security_group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| g.id == id)
    }

    /// Brings every booting instance to its status at `now` (see [`INSTANCE_CREATE`]).
    /// Every ECS handler calls this first, so stored statuses are never stale on the wire.
    pub fn settle(&mut self, now: OffsetDateTime) {
        for instance in &mut self.instances {
            instance.settle(now);
        }
    }
}

/// An instance's status, spelled as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InstanceStatus {
    /// Being created.
    Pending,
    /// Running.
    Running,
    /// Booting.
    Starting,
    /// Shutting down.
    Stopping,
    /// Stopped.
    Stopped,
}

impl InstanceStatus {
    /// Every status, for filter validation.
    pub const ALL: [InstanceStatus; 5] = [
        Self::Pending,
        Self::Running,
        Self::Starting,
        Self::Stopping,
        Self::Stopped,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Starting => "Starting",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
        }
    }
}

/// The operating system family, as `OSType` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsType {
    /// Linux distributions.
    Linux,
    /// Windows Server.
    Windows,
}

impl OsType {
    /// `linux` or `windows`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linux => "linux",
            Self::Windows => "windows",
        }
    }
}

/// The Cloud Assistant agent on an instance.
#[derive(Debug, Clone, Serialize)]
pub struct CloudAssistant {
    /// Whether the agent answers (`CloudAssistantStatus` "true").
    pub online: bool,
    /// The agent version.
    pub version: String,
    /// Its last heartbeat.
    #[serde(serialize_with = "ser::time")]
    pub last_heartbeat: OffsetDateTime,
}

/// An ECS instance.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    /// `i-bp1...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Host name inside the OS.
    pub host_name: String,
    /// Free text (says what the demo instance is for).
    pub description: String,
    /// Region.
    pub region_id: String,
    /// Zone.
    pub zone_id: String,
    /// Status.
    pub status: InstanceStatus,
    /// OS family.
    pub os_type: OsType,
    /// OS name (Chinese console spelling, as `OSName`).
    pub os_name: String,
    /// OS name in English (`OSNameEn`).
    pub os_name_en: String,
    /// Image.
    pub image_id: String,
    /// `ecs.g7.large`.
    pub instance_type: String,
    /// `ecs.g7`.
    pub instance_type_family: String,
    /// vCPUs.
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// Primary private IPv4.
    pub private_ip: String,
    /// Public IPv4, if any.
    pub public_ip: Option<String>,
    /// VPC.
    pub vpc_id: String,
    /// VSwitch.
    pub vswitch_id: String,
    /// Security group.
    pub security_group_id: String,
    /// Creation time.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Last start.
    #[serde(serialize_with = "ser::time")]
    pub started: OffsetDateTime,
    /// Tags `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// The Cloud Assistant agent.
    pub cloud_assistant: CloudAssistant,
    /// System disk size in GiB.
    pub system_disk_gib: u32,
    /// How full the system disk is, in percent (100: an install cannot write anything).
    pub disk_used_percent: u8,
    /// `cloud_essd`, `cloud_efficiency` ...
    pub system_disk_category: String,
    /// `PostPaid` or `PrePaid`.
    pub charge_type: String,
    /// Outbound public bandwidth in Mbit/s (0: no public IP).
    pub internet_max_bandwidth_out: u32,
    /// `PayByTraffic` or `PayByBandwidth`.
    pub internet_charge_type: String,
    /// The size of the UserData received (it is stored as a size only and never run).
    pub user_data_bytes: usize,
    /// Where a `RunInstances` instance is in [`INSTANCE_CREATE`]; `None` once it runs
    /// (and for the demo instances).
    pub boot: Option<Progress>,
    /// Whether the demo seed made it (the admin resource listing leaves these out).
    pub seeded: bool,
}

impl Instance {
    /// Moves a booting instance to its status at `now`; once `Running`, its Cloud
    /// Assistant agent is online and the boot record is dropped.
    pub fn settle(&mut self, now: OffsetDateTime) {
        let Some(boot) = self.boot else {
            return;
        };
        let status = INSTANCE_CREATE.status(&boot, now);
        self.status = InstanceStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .unwrap_or(InstanceStatus::Pending);
        if self.status == InstanceStatus::Running {
            self.boot = None;
            self.started = now;
            self.cloud_assistant.online = true;
            self.cloud_assistant.last_heartbeat = now;
        }
    }

    /// Whether `CloudAssistantStatus` is "true": the agent answers and the instance runs.
    pub fn cloud_assistant_ok(&self) -> bool {
        self.cloud_assistant.online && self.status == InstanceStatus::Running
    }
}

/// What one instance did with a command, decided when the command is sent (the emulator
/// never runs it: the output is synthesised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandOutcome {
    /// The synthesised output (stdout and stderr together, as Cloud Assistant reports it).
    pub output: String,
    /// The exit code.
    pub exit_code: i64,
    /// Empty on success; `ExitCodeNonzero`, `ClientNotRunning`, `CommandNotApplicable` ...
    pub error_code: String,
    /// The explanation of `error_code`.
    pub error_info: String,
}

impl CommandOutcome {
    /// Whether the instance finished successfully.
    pub fn succeeded(&self) -> bool {
        self.error_code.is_empty() && self.exit_code == 0
    }
}

/// One instance of an invocation.
#[derive(Debug, Clone, Serialize)]
pub struct InvocationTarget {
    /// The instance.
    pub instance_id: String,
    /// What it reported.
    pub outcome: CommandOutcome,
}

/// A Cloud Assistant invocation (one `RunCommand`).
#[derive(Debug, Clone, Serialize)]
pub struct Invocation {
    /// `t-hz...`.
    pub invoke_id: String,
    /// `c-hz...`.
    pub command_id: String,
    /// Command name.
    pub name: String,
    /// Command description.
    pub description: String,
    /// `RunShellScript`, `RunBatScript`, `RunPowerShellScript`.
    pub command_type: String,
    /// The script as received (decoded when it was sent in Base64). Never executed.
    pub content: String,
    /// Custom parameters.
    pub parameters: Map<String, Value>,
    /// Timeout in seconds.
    pub timeout: u64,
    /// The user it runs as.
    pub username: String,
    /// The working directory.
    pub working_dir: String,
    /// When it was sent.
    #[serde(serialize_with = "ser::time")]
    pub created: OffsetDateTime,
    /// Where it is in [`INVOCATION_RUN`].
    pub progress: Progress,
    /// When a manual lifecycle reached its end.
    #[serde(serialize_with = "ser::time_opt")]
    pub manual_done_at: Option<OffsetDateTime>,
    /// The instances, in request order.
    pub targets: Vec<InvocationTarget>,
}

impl Invocation {
    /// When the results became final, if they are by `now`.
    pub fn finished_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let end = self
            .manual_done_at
            .or_else(|| INVOCATION_RUN.finished_at(&self.progress))?;
        (now >= end).then_some(end)
    }

    /// `InvocationStatus`: `Running`, then `Success`, `Failed` or `PartialFailed`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        if self.finished_at(now).is_none() {
            return "Running";
        }
        let ok = self
            .targets
            .iter()
            .filter(|t| t.outcome.succeeded())
            .count();
        match ok {
            n if n == self.targets.len() => "Success",
            0 => "Failed",
            _ => "PartialFailed",
        }
    }
}
