//! The ESD state of one account: hosts, other tenants' load, images, deployments, containers
//! and the blacklist, and the reconcile every call runs first (the emulator has no background
//! thread: state moves on when it is looked at, from the emulator clock).
//!
//! A host splits its CPU and memory evenly over its GPUs into scheduling units; a container of
//! `gpu_num` GPUs gets `gpu_num` units. A container holds its GPUs until it is `shutdown`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::clock::{format_time, ser};
use crate::emulator::core::lifecycle::{Lifecycle, Lifecycles, Mode, Progress, Step};
use crate::emulator::core::world::{Backend, ServiceBackend};

/// A ReplicaSet or a long-lived container starting: creating -> created -> starting -> running.
pub const CONTAINER_START: Lifecycle = Lifecycle {
    name: "esd.container.start",
    steps: &[
        Step {
            status: "creating",
            secs: 3,
        },
        Step {
            status: "created",
            secs: 2,
        },
        Step {
            status: "starting",
            secs: 4,
        },
    ],
    done: "running",
};

/// A Job's container (or a Container's whose cmd ends): it starts, runs its cmd, shuts down.
pub const JOB_RUN: Lifecycle = Lifecycle {
    name: "esd.container.job",
    steps: &[
        Step {
            status: "creating",
            secs: 3,
        },
        Step {
            status: "created",
            secs: 2,
        },
        Step {
            status: "starting",
            secs: 4,
        },
        Step {
            status: "running",
            secs: 120,
        },
        Step {
            status: "shutting_down",
            secs: 3,
        },
    ],
    done: "shutdown",
};

/// A container being stopped.
pub const CONTAINER_STOP: Lifecycle = Lifecycle {
    name: "esd.container.stop",
    steps: &[Step {
        status: "shutting_down",
        secs: 3,
    }],
    done: "shutdown",
};

/// How long a blacklisted host is skipped by default.
pub const BLACKLIST_MINUTES: i64 = 24 * 60;
/// The longest blacklist entry (30 days).
pub const BLACKLIST_MAX_MINUTES: i64 = 43_200;

/// One machine.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// `machine_id`.
    pub id: String,
    /// The GPU model, e.g. `RTX 4090`.
    pub gpu_name: String,
    /// GPUs on the host.
    pub gpus: u32,
    /// vCPUs on the host.
    pub cpu: u32,
    /// Memory on the host, GB.
    pub memory_gb: u32,
    /// Price per GPU-hour in milli-CNY (CNY x 1000).
    pub price: u64,
    /// The newest CUDA its driver runs, as a code (122 = 12.2).
    pub max_cuda: u32,
    /// The data centre, e.g. `westDC2`.
    pub data_center: String,
}

impl Host {
    /// vCPUs of one scheduling unit.
    pub fn unit_cpu(&self) -> u32 {
        self.cpu / self.gpus.max(1)
    }

    /// GB of one scheduling unit.
    pub fn unit_memory(&self) -> u32 {
        self.memory_gb / self.gpus.max(1)
    }
}

/// GPUs other tenants hold on a host until a time.
#[derive(Debug, Clone, Serialize)]
pub struct Occupation {
    /// The host.
    pub host: String,
    /// GPUs held.
    pub gpus: u32,
    /// When they are given back.
    #[serde(serialize_with = "ser::time")]
    pub until: OffsetDateTime,
}

/// A private image.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// Numeric id.
    pub id: u64,
    /// `image-...`.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// When it was made.
    #[serde(serialize_with = "ser::time")]
    pub created_at: OffsetDateTime,
}

/// What a deployment's containers are made from, as checked at creation.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    /// GPU models any of which will do.
    pub gpu_name_set: Vec<String>,
    /// GPUs per container.
    pub gpu_num: u32,
    /// The lowest CUDA code the image needs.
    pub cuda_min: u32,
    /// vCPU range of the container.
    pub cpu: (u32, u32),
    /// Memory range of the container, GB.
    pub memory: (u32, u32),
    /// Price range per GPU-hour, milli-CNY.
    pub price: (u64, u64),
    /// The image.
    pub image_uuid: String,
    /// The command (never run: only whether it keeps the container alive is read).
    pub cmd: String,
    /// Data centres allowed (empty: any).
    pub dc_list: Vec<String>,
    /// The template as sent, echoed by the deployment list.
    pub raw: Value,
}

impl Template {
    /// Whether the cmd keeps its container alive on its own (`sleep infinity`, a `tail -f`):
    /// then a Job or Container never finishes until stopped. Anything else "finishes" after
    /// [`JOB_RUN`]'s running time. The cmd is read, never executed.
    pub fn keeps_alive(&self) -> bool {
        self.cmd.contains("sleep infinity") || self.cmd.contains("tail -f")
    }
}

/// `ReplicaSet`, `Job` or `Container`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeploymentType {
    /// Keeps `replica_num` containers running.
    ReplicaSet,
    /// Runs containers until `replica_num` have finished, `parallelism_num` at a time.
    Job,
    /// One container until it ends.
    Container,
}

impl DeploymentType {
    /// From the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ReplicaSet" => Some(Self::ReplicaSet),
            "Job" => Some(Self::Job),
            "Container" => Some(Self::Container),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplicaSet => "ReplicaSet",
            Self::Job => "Job",
            Self::Container => "Container",
        }
    }
}

/// A deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    /// 15 hex digits.
    pub uuid: String,
    /// Its name (not unique).
    pub name: String,
    /// Its type.
    pub kind: DeploymentType,
    /// Replicas (ReplicaSet: running; Job: to complete; Container: 1).
    pub replica_num: u32,
    /// Job containers at once.
    pub parallelism_num: u32,
    /// Reuse stopped containers.
    pub reuse_container: bool,
    /// The container template.
    pub template: Template,
    /// Stopped by `operate: stop` (or on delete).
    pub stopped: bool,
    /// When it was created.
    #[serde(serialize_with = "ser::time")]
    pub created_at: OffsetDateTime,
}

/// A container.
#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// Its uuid.
    pub uuid: String,
    /// Its deployment.
    pub deployment_uuid: String,
    /// The host it runs on.
    pub host: String,
    /// GPU model.
    pub gpu_name: String,
    /// GPUs.
    pub gpu_num: u32,
    /// vCPUs.
    pub cpu: u32,
    /// GB.
    pub memory_gb: u32,
    /// milli-CNY per hour for the whole container.
    pub price: u64,
    /// The image.
    pub image_uuid: String,
    /// The root password the API returns (the gate never shows it unconfirmed).
    pub root_password: String,
    /// SSH port.
    pub ssh_port: u32,
    /// Data centre.
    pub data_center: String,
    /// Whether its cmd ends ([`JOB_RUN`]) or runs until stopped ([`CONTAINER_START`]).
    pub finite: bool,
    /// Entering its run lifecycle.
    pub run: Progress,
    /// Entering [`CONTAINER_STOP`], once stopped.
    pub stop: Option<Progress>,
}

impl Container {
    /// Its status now.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        match &self.stop {
            Some(stop) => CONTAINER_STOP.status(stop, now),
            None => self.run_lifecycle().status(&self.run, now),
        }
    }

    fn run_lifecycle(&self) -> &'static Lifecycle {
        if self.finite {
            &JOB_RUN
        } else {
            &CONTAINER_START
        }
    }

    /// Holding its GPUs (anything but `shutdown`).
    pub fn active(&self, now: OffsetDateTime) -> bool {
        self.status(now) != "shutdown"
    }

    /// Finished its cmd (a Job's completion), rather than stopped.
    pub fn finished(&self, now: OffsetDateTime) -> bool {
        self.stop.is_none() && self.finite && self.status(now) == "shutdown"
    }

    /// `(status, at)` for every state it has entered, oldest first.
    pub fn events(&self, now: OffsetDateTime) -> Vec<(&'static str, OffsetDateTime)> {
        let mut out = Vec::new();
        let mut walk = |lifecycle: &Lifecycle, progress: &Progress, until: OffsetDateTime| {
            let mut at = progress.since;
            let current = lifecycle.status(progress, until.min(now));
            for step in lifecycle.steps {
                if at > now {
                    return;
                }
                out.push((step.status, at));
                if step.status == current {
                    return;
                }
                if progress.mode == Mode::Timed {
                    at += time::Duration::seconds(step.secs);
                }
            }
            out.push((lifecycle.done, at));
        };
        match &self.stop {
            Some(stop) => {
                walk(self.run_lifecycle(), &self.run, stop.since);
                walk(&CONTAINER_STOP, stop, now);
            }
            None => walk(self.run_lifecycle(), &self.run, now),
        }
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    /// When it reached `running`, if it did.
    pub fn started_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.events(now)
            .into_iter()
            .find(|(status, _)| *status == "running")
            .map(|(_, at)| at)
    }

    /// When it reached `shutdown`, if it did.
    pub fn stopped_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.events(now)
            .into_iter()
            .find(|(status, _)| *status == "shutdown")
            .map(|(_, at)| at)
    }
}

/// A host the account's containers are not scheduled on for a while.
#[derive(Debug, Clone, Serialize)]
pub struct BlacklistEntry {
    /// The host.
    pub host: String,
    /// The container it was reported through.
    pub container_uuid: String,
    /// Why.
    pub comment: String,
    /// When it expires on its own.
    #[serde(serialize_with = "ser::time")]
    pub until: OffsetDateTime,
    /// When it was added.
    #[serde(serialize_with = "ser::time")]
    pub created_at: OffsetDateTime,
}

/// One account's ESD state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EsdBackend {
    /// Machines.
    pub hosts: Vec<Host>,
    /// Other tenants' GPUs.
    pub occupations: Vec<Occupation>,
    /// Private images.
    pub images: Vec<Image>,
    /// Deployments, oldest first.
    pub deployments: Vec<Deployment>,
    /// Containers, oldest first (those of deleted deployments stay as released).
    pub containers: Vec<Container>,
    /// The blacklist.
    pub blacklist: Vec<BlacklistEntry>,
}

impl Backend for EsdBackend {
    fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        out.insert("autodl_esd".into(), value);
        out
    }
}

impl ServiceBackend for EsdBackend {
    const SERVICE: &'static str = "esd";
}

impl EsdBackend {
    /// GPUs of a host held now by containers and other tenants.
    pub fn used(&self, host: &str, now: OffsetDateTime) -> u32 {
        let own: u32 = self
            .containers
            .iter()
            .filter(|c| c.host == host && c.active(now))
            .map(|c| c.gpu_num)
            .sum();
        let others: u32 = self
            .occupations
            .iter()
            .filter(|o| o.host == host && o.until > now)
            .map(|o| o.gpus)
            .sum();
        own + others
    }

    /// Free GPUs of a host now.
    pub fn idle(&self, host: &Host, now: OffsetDateTime) -> u32 {
        host.gpus.saturating_sub(self.used(&host.id, now))
    }

    /// `{gpu_name: {idle_gpu_num, total_gpu_num}}`, every GPU model (the private cloud's shape).
    pub fn stock(&self, now: OffsetDateTime) -> BTreeMap<String, (u32, u32)> {
        let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for host in &self.hosts {
            let entry = out.entry(host.gpu_name.clone()).or_default();
            entry.0 += self.idle(host, now);
            entry.1 += host.gpus;
        }
        out
    }

    /// Other tenants take up to `gpus` idle GPUs of a model until `until`; how many they got.
    pub fn occupy(
        &mut self,
        gpu_name: &str,
        gpus: u32,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> u32 {
        let mut left = gpus;
        let hosts: Vec<Host> = self
            .hosts
            .iter()
            .filter(|h| h.gpu_name == gpu_name)
            .cloned()
            .collect();
        for host in hosts {
            let take = self.idle(&host, now).min(left);
            if take > 0 {
                self.occupations.push(Occupation {
                    host: host.id.clone(),
                    gpus: take,
                    until,
                });
                left -= take;
            }
        }
        gpus - left
    }

    /// Other tenants give back their GPUs (of one model, or all).
    pub fn release(&mut self, gpu_name: Option<&str>) {
        let hosts: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| gpu_name.is_none_or(|g| h.gpu_name == g))
            .map(|h| h.id.clone())
            .collect();
        self.occupations.retain(|o| !hosts.contains(&o.host));
    }

    /// Whether a host is blacklisted now.
    pub fn blacklisted(&self, host: &str, now: OffsetDateTime) -> bool {
        self.blacklist
            .iter()
            .any(|b| b.host == host && b.until > now)
    }

    /// A deployment by uuid.
    pub fn deployment(&self, uuid: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.uuid == uuid)
    }

    /// Stops a container now (no-op when it is already down).
    pub fn stop_container(&mut self, uuid: &str, now: OffsetDateTime, lifecycles: &Lifecycles) {
        if let Some(c) = self.containers.iter_mut().find(|c| c.uuid == uuid)
            && c.active(now)
            && c.stop.is_none()
        {
            c.stop = Some(Progress::start(now, lifecycles.mode(&CONTAINER_STOP)));
        }
    }

    /// Brings every deployment to what it should be now: ReplicaSets at `replica_num` running
    /// containers, Jobs running up to `parallelism_num` until `replica_num` have finished, a
    /// Container's one container started once. New containers go where the rules allow
    /// ([`super::rules::place`]); when nothing is free they wait for the next look.
    pub fn reconcile(&mut self, now: OffsetDateTime, lifecycles: &Lifecycles) {
        let deployments = self.deployments.clone();
        for d in deployments.iter().filter(|d| !d.stopped) {
            let mine: Vec<&Container> = self
                .containers
                .iter()
                .filter(|c| c.deployment_uuid == d.uuid)
                .collect();
            let active: Vec<String> = mine
                .iter()
                .filter(|c| c.active(now) && c.stop.is_none())
                .map(|c| c.uuid.clone())
                .collect();
            let finished = mine.iter().filter(|c| c.finished(now)).count() as u32;
            let ever = mine.len() as u32;
            let active_n = active.len() as u32;
            let wanted = match d.kind {
                DeploymentType::ReplicaSet => {
                    if active_n > d.replica_num {
                        for uuid in active
                            .iter()
                            .rev()
                            .take((active_n - d.replica_num) as usize)
                        {
                            self.stop_container(uuid, now, lifecycles);
                        }
                    }
                    d.replica_num.saturating_sub(active_n)
                }
                DeploymentType::Job => {
                    let remaining = d.replica_num.saturating_sub(finished + active_n);
                    d.parallelism_num.saturating_sub(active_n).min(remaining)
                }
                DeploymentType::Container => u32::from(ever == 0),
            };
            for _ in 0..wanted {
                if !self.start_container(d, now, lifecycles) {
                    break;
                }
            }
        }
    }

    /// Starts one container of `d` on a host that takes it; false when none does now.
    pub fn start_container(
        &mut self,
        d: &Deployment,
        now: OffsetDateTime,
        lifecycles: &Lifecycles,
    ) -> bool {
        let Some(host) = super::rules::place(self, &d.template, now).cloned() else {
            return false;
        };
        let finite = d.kind != DeploymentType::ReplicaSet && !d.template.keeps_alive();
        let lifecycle = if finite { &JOB_RUN } else { &CONTAINER_START };
        let n = d.template.gpu_num;
        let index = self.containers.len();
        self.containers.push(Container {
            uuid: format!("{}-{index:03}", &d.uuid[..d.uuid.len().min(12)]),
            deployment_uuid: d.uuid.clone(),
            host: host.id.clone(),
            gpu_name: host.gpu_name.clone(),
            gpu_num: n,
            cpu: host.unit_cpu() * n,
            memory_gb: host.unit_memory() * n,
            price: host.price * u64::from(n),
            image_uuid: d.template.image_uuid.clone(),
            root_password: crate::emulator::core::wire::random_alnum(14),
            ssh_port: 20_000 + (index as u32 * 37) % 40_000,
            data_center: host.data_center.clone(),
            finite,
            run: Progress::start(now, lifecycles.mode(lifecycle)),
            stop: None,
        });
        true
    }

    /// A deployment as the list shows it.
    pub fn deployment_json(&self, d: &Deployment, now: OffsetDateTime) -> Value {
        let mine: Vec<&Container> = self
            .containers
            .iter()
            .filter(|c| c.deployment_uuid == d.uuid)
            .collect();
        let count = |pred: &dyn Fn(&Container) -> bool| mine.iter().filter(|c| pred(c)).count();
        let starting = count(&|c| {
            matches!(
                c.status(now),
                "creating" | "created" | "starting" | "oss_merged"
            )
        });
        let running = count(&|c| c.status(now) == "running");
        let finished = count(&|c| c.finished(now));
        let price: u64 = mine.iter().filter(|c| c.active(now)).map(|c| c.price).sum();
        json!({
            "id": d.created_at.unix_timestamp(),
            "uuid": d.uuid,
            "name": d.name,
            "deployment_type": d.kind.as_str(),
            "status": if d.stopped { "stopped" } else { "running" },
            "replica_num": d.replica_num,
            "parallelism_num": d.parallelism_num,
            "reuse_container": d.reuse_container,
            "starting_num": starting,
            "running_num": running,
            "finished_num": finished,
            "price_estimates": price,
            "image_uuid": d.template.image_uuid,
            "template": d.template.raw,
            "created_at": format_time(d.created_at),
        })
    }

    /// A container as the list shows it (memory in bytes, as the API answers).
    pub fn container_json(&self, c: &Container, now: OffsetDateTime) -> Value {
        json!({
            "id": c.ssh_port,
            "uuid": c.uuid,
            "deployment_uuid": c.deployment_uuid,
            "machine_id": c.host,
            "data_center": c.data_center,
            "status": c.status(now),
            "gpu_name": c.gpu_name,
            "gpu_num": c.gpu_num,
            "cpu_num": c.cpu,
            "memory_size": u64::from(c.memory_gb) * 1024 * 1024 * 1024,
            "image_uuid": c.image_uuid,
            "price": c.price,
            "info": {
                "ssh_command": format!("ssh -p {} root@connect.{}.autodl.com", c.ssh_port, c.data_center.to_lowercase()),
                "root_password": c.root_password,
                "service_url": format!("https://u{}-{}.{}.autodl.com:8443", c.ssh_port, &c.uuid[..6.min(c.uuid.len())], c.data_center.to_lowercase()),
            },
            "created_at": format_time(c.run.since),
            "started_at": c.started_at(now).map(format_time),
            "stopped_at": c.stopped_at(now).map(format_time),
        })
    }
}
