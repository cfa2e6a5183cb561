//! Resource lifecycles: a status that moves through steps, like moto's `ManagedState`.
//!
//! A [`Lifecycle`] is a named list of steps (a status and how many emulated seconds it
//! lasts) and a final status. Each resource records a [`Progress`] when it enters the
//! lifecycle, with the [`Mode`] configured for that lifecycle at that moment:
//!
//! - `timed` (the default): each step lasts its seconds of EMULATED time (see the clock's
//!   `time_scale` and `POST /_emulator/clock/advance`);
//! - `immediate`: the resource is in its final status at once;
//! - `manual`: the resource stays in a step until advanced through the admin API
//!   (`POST /_emulator/lifecycles/advance {"id": ...}`).
//!
//! Modes are set per lifecycle name (`POST /_emulator/lifecycles {"name", "mode"}`) and
//! apply to resources that enter the lifecycle afterwards.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::emulator::core::clock::ser;

/// How a lifecycle's transitions happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// After each step's emulated seconds.
    #[default]
    Timed,
    /// At once: the final status.
    Immediate,
    /// Only when advanced through the admin API.
    Manual,
}

/// One step: a status held for `secs` emulated seconds (in `timed` mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The wire status during the step.
    pub status: &'static str,
    /// How long it lasts in `timed` mode.
    pub secs: i64,
}

/// A named lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// `<service>.<resource>.<change>`, e.g. `paistudio.quota.create`.
    pub name: &'static str,
    /// The transitional steps, in order.
    pub steps: &'static [Step],
    /// The status once every step is done.
    pub done: &'static str,
}

/// Where one resource is in a lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// When the resource entered the lifecycle.
    #[serde(serialize_with = "ser::time")]
    pub since: OffsetDateTime,
    /// The mode it follows.
    pub mode: Mode,
    /// Steps advanced manually.
    pub advanced: usize,
}

impl Progress {
    /// Entering a lifecycle now, in `mode`.
    pub fn start(since: OffsetDateTime, mode: Mode) -> Self {
        Self {
            since,
            mode,
            advanced: 0,
        }
    }

    /// Entering a lifecycle now, in the default `timed` mode.
    pub fn timed(since: OffsetDateTime) -> Self {
        Self::start(since, Mode::Timed)
    }
}

impl Lifecycle {
    /// The status of a resource at emulated time `now`.
    pub fn status(&self, progress: &Progress, now: OffsetDateTime) -> &'static str {
        match progress.mode {
            Mode::Immediate => self.done,
            Mode::Manual => self
                .steps
                .get(progress.advanced)
                .map_or(self.done, |s| s.status),
            Mode::Timed => {
                let elapsed = (now - progress.since).whole_seconds();
                let mut end = 0;
                for step in self.steps {
                    end += step.secs;
                    if elapsed < end {
                        return step.status;
                    }
                }
                self.done
            }
        }
    }

    /// Whether the resource has reached the final status.
    pub fn is_done(&self, progress: &Progress, now: OffsetDateTime) -> bool {
        self.status(progress, now) == self.done
    }

    /// When the resource reaches (or reached) the final status, if the mode fixes it in
    /// advance: `timed` after every step's seconds, `immediate` at once. `manual` is
    /// `None`: it ends whenever the last advance happens, which its owner records.
    pub fn finished_at(&self, progress: &Progress) -> Option<OffsetDateTime> {
        match progress.mode {
            Mode::Immediate => Some(progress.since),
            Mode::Manual => None,
            Mode::Timed => {
                let total: i64 = self.steps.iter().map(|s| s.secs).sum();
                Some(progress.since + time::Duration::seconds(total))
            }
        }
    }
}

/// The configured mode of each lifecycle (absent: `timed`).
#[derive(Debug, Default)]
pub struct Lifecycles {
    modes: Mutex<BTreeMap<String, Mode>>,
}

impl Lifecycles {
    /// The mode resources entering `lifecycle` get now.
    pub fn mode(&self, lifecycle: &Lifecycle) -> Mode {
        self.modes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(lifecycle.name)
            .copied()
            .unwrap_or_default()
    }

    /// Sets a lifecycle's mode (`timed` removes the entry).
    pub fn set(&self, name: &str, mode: Mode) {
        let mut modes = self.modes.lock().unwrap_or_else(|e| e.into_inner());
        if mode == Mode::Timed {
            modes.remove(name);
        } else {
            modes.insert(name.to_owned(), mode);
        }
    }

    /// The modes that are not `timed`.
    pub fn modes(&self) -> BTreeMap<String, Mode> {
        self.modes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Back to `timed` everywhere.
    pub fn clear(&self) {
        self.modes.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const CREATE: Lifecycle = Lifecycle {
        name: "svc.thing.create",
        steps: &[
            Step {
                status: "Creating",
                secs: 10,
            },
            Step {
                status: "Initializing",
                secs: 20,
            },
        ],
        done: "Enabled",
    };

    #[test]
    fn timed_steps_follow_the_emulated_clock() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let p = Progress::timed(t0);
        assert_eq!(CREATE.status(&p, t0), "Creating");
        assert_eq!(
            CREATE.status(&p, t0 + time::Duration::seconds(10)),
            "Initializing"
        );
        assert_eq!(
            CREATE.status(&p, t0 + time::Duration::seconds(30)),
            "Enabled"
        );
    }

    #[test]
    fn immediate_is_done_at_once_and_manual_waits_for_advances() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let later = t0 + time::Duration::days(1);
        assert_eq!(
            CREATE.status(&Progress::start(t0, Mode::Immediate), t0),
            "Enabled"
        );
        let mut p = Progress::start(t0, Mode::Manual);
        assert_eq!(CREATE.status(&p, later), "Creating");
        p.advanced += 1;
        assert_eq!(CREATE.status(&p, later), "Initializing");
        p.advanced += 1;
        assert!(CREATE.is_done(&p, t0));
    }

    #[test]
    fn the_end_is_known_in_advance_except_in_manual_mode() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        assert_eq!(
            CREATE.finished_at(&Progress::timed(t0)),
            Some(t0 + time::Duration::seconds(30))
        );
        assert_eq!(
            CREATE.finished_at(&Progress::start(t0, Mode::Immediate)),
            Some(t0)
        );
        assert_eq!(CREATE.finished_at(&Progress::start(t0, Mode::Manual)), None);
    }

    #[test]
    fn modes_are_set_per_lifecycle() {
        let modes = Lifecycles::default();
        assert_eq!(modes.mode(&CREATE), Mode::Timed);
        modes.set(CREATE.name, Mode::Manual);
        assert_eq!(modes.mode(&CREATE), Mode::Manual);
        modes.set(CREATE.name, Mode::Timed);
        assert!(modes.modes().is_empty());
    }
}
