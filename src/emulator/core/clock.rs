//! The emulated clock.
//!
//! Cloud resources move through states over time (a quota is `Creating`, then `Initializing`,
//! then `Enabled`). Tests cannot wait minutes, so the emulator keeps its own clock: the real
//! start time, plus real elapsed time multiplied by `time_scale`, plus any explicit jumps made
//! through the admin API. Signature timestamps are still checked against the REAL clock,
//! because that is what a client's `x-acs-date` is made from.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A monotonic emulated clock shared by every request.
#[derive(Debug)]
pub struct Clock {
    started_real: Instant,
    started_wall: OffsetDateTime,
    time_scale: f64,
    /// Explicit jumps made with `POST /_emulator/clock/advance`.
    advanced: Mutex<Duration>,
}

impl Clock {
    /// A clock that starts now and runs `time_scale` emulated seconds per real second.
    /// Values below 1 (or not finite) are treated as 1: the emulated clock never runs slow.
    pub fn new(time_scale: f64) -> Self {
        let time_scale = if time_scale.is_finite() && time_scale >= 1.0 {
            time_scale
        } else {
            1.0
        };
        Self {
            started_real: Instant::now(),
            started_wall: OffsetDateTime::now_utc(),
            time_scale,
            advanced: Mutex::new(Duration::ZERO),
        }
    }

    /// The current emulated time.
    pub fn now(&self) -> OffsetDateTime {
        let real = self.started_real.elapsed().as_secs_f64() * self.time_scale;
        let advanced = *self.advanced.lock().unwrap_or_else(|e| e.into_inner());
        self.started_wall + Duration::from_secs_f64(real) + advanced
    }

    /// The wall-clock instant the emulator started, used to date the demo seed.
    pub fn started_at(&self) -> OffsetDateTime {
        self.started_wall
    }

    /// Moves the emulated clock forward by `seconds`.
    pub fn advance(&self, seconds: u64) {
        let mut advanced = self.advanced.lock().unwrap_or_else(|e| e.into_inner());
        *advanced += Duration::from_secs(seconds);
    }

    /// The configured speed-up.
    pub fn time_scale(&self) -> f64 {
        self.time_scale
    }
}

/// Formats a time the way PAI does: `2023-06-22T00:00:00Z` (UTC, whole seconds).
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Serialisers for the admin state dump (times as RFC 3339, like the wire).
pub mod ser {
    use serde::Serializer;
    use time::OffsetDateTime;

    use super::format_time;

    /// A time as RFC 3339 in whole UTC seconds.
    pub fn time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(*t))
    }

    /// An optional time, `null` when absent.
    pub fn time_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_time(*t)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_the_emulated_clock_forward() {
        let clock = Clock::new(1.0);
        let before = clock.now();
        clock.advance(3600);
        let after = clock.now();
        assert!(after - before >= time::Duration::seconds(3600));
    }

    #[test]
    fn slow_or_invalid_scales_fall_back_to_real_time() {
        assert_eq!(Clock::new(0.5).time_scale(), 1.0);
        assert_eq!(Clock::new(f64::NAN).time_scale(), 1.0);
        assert_eq!(Clock::new(60.0).time_scale(), 60.0);
    }

    #[test]
    fn times_are_formatted_in_whole_utc_seconds() {
        let t = time::macros::datetime!(2026-11-22 08:00:00.123 UTC);
        assert_eq!(format_time(t), "2026-11-22T08:00:00Z");
    }
}
