//! The ECS data model the emulator keeps per account and region: instances (with the
//! facts an install depends on: OS, Cloud Assistant, disk usage) and Cloud Assistant
//! invocations. Plain data; the wire shapes are in `render`, the rules in `rules`.

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
}

impl Backend for EcsBackend {
    fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    fn advance_lifecycle(&mut self, id: &str, now: OffsetDateTime) -> Option<String> {
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
}

impl Instance {
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
