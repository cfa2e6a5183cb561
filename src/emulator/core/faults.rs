//! Injected faults and RAM denials.
//!
//! A client must survive throttling, server errors, timeouts and, hardest of all, a
//! response lost after the change was committed. Tests arm a fault for a provider's action
//! through the admin API; the next matching calls (after signature verification) get it.
//! Faults and denials are keyed by `(provider, action)`; a fault armed without a provider
//! is for `alibaba`.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Default hold time for a `timeout` fault: longer than a typical 30 s client timeout.
pub const DEFAULT_TIMEOUT_DELAY_MS: u64 = 31_000;

/// What the emulator does instead of (or after) handling the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 400 `Throttling.User`, nothing changes.
    Throttle,
    /// 500 `InternalError`, nothing changes.
    ServerError,
    /// Hold the response for `delay_ms`, then 504; nothing changes.
    Timeout,
    /// Apply the change, then answer 500 `InternalError`: the lost-response case.
    ServerErrorAfterCommit,
}

/// The provider a fault or denial applies to when none is named.
pub const DEFAULT_PROVIDER: &str = "alibaba";

/// An armed fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The provider (`alibaba` when not given).
    #[serde(default = "default_provider")]
    pub provider: String,
    /// The action it applies to (`CreateQuota`), or `*` for every action.
    pub action: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many more calls it applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// How many matching calls pass untouched before it applies (a read-back that fails only
    /// after the guards' own read of the same action).
    #[serde(default)]
    pub after: u32,
    /// For `timeout`: how long to hold the response.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// A standing fault: each matching call is hit with this probability (0 to 1), for as long as
    /// it stays armed; `times` and `after` do not apply. What a soak under throttling uses.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Only calls that change state are hit (a lost answer after commit means nothing for a read).
    #[serde(default)]
    pub only_mutating: bool,
}

fn one() -> u32 {
    1
}

fn default_provider() -> String {
    DEFAULT_PROVIDER.to_owned()
}

/// Armed faults and forbidden actions.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<Fault>>,
    forbidden: Mutex<BTreeSet<(String, String)>>,
}

impl Faults {
    /// Arms a fault (appended after faults already armed for the same action).
    pub fn arm(&self, fault: Fault) {
        if fault.times == 0 {
            return;
        }
        self.armed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(fault);
    }

    /// Takes one use of the first counted fault armed for `provider`'s `action`, if any; else
    /// rolls the standing (`rate`) faults that match, in the order they were armed.
    pub fn take(&self, provider: &str, action: &str, mutating: bool) -> Option<Fault> {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        let matches = |f: &Fault| {
            f.provider == provider
                && (f.action == action || f.action == "*")
                && (mutating || !f.only_mutating)
        };
        let Some(index) = armed.iter().position(|f| f.rate.is_none() && matches(f)) else {
            return armed
                .iter()
                .filter(|f| matches(f))
                .find(|f| f.rate.is_some_and(|rate| rand::random::<f64>() < rate))
                .cloned();
        };
        if armed[index].after > 0 {
            armed[index].after -= 1;
            return None;
        }
        let fault = armed[index].clone();
        armed[index].times -= 1;
        if armed[index].times == 0 {
            armed.remove(index);
        }
        Some(fault)
    }

    /// The faults still armed.
    pub fn armed(&self) -> Vec<Fault> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Disarms every fault.
    pub fn disarm_all(&self) {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Forbids (or allows again) a provider's action for every account.
    pub fn set_forbidden(&self, provider: &str, action: &str, forbidden: bool) {
        let mut set = self.forbidden.lock().unwrap_or_else(|e| e.into_inner());
        let key = (provider.to_owned(), action.to_owned());
        if forbidden {
            set.insert(key);
        } else {
            set.remove(&key);
        }
    }

    /// Whether calls to `provider`'s `action` are denied (RAM, IAM ...).
    pub fn is_forbidden(&self, provider: &str, action: &str) -> bool {
        self.forbidden
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&(provider.to_owned(), action.to_owned()))
    }

    /// The forbidden actions of one provider.
    pub fn forbidden(&self, provider: &str) -> Vec<String> {
        self.forbidden
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(p, _)| p == provider)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// Every forbidden `(provider, action)`.
    pub fn forbidden_all(&self) -> Vec<(String, String)> {
        self.forbidden
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Disarms everything.
    pub fn clear(&self) {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.forbidden
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(action: &str, kind: FaultKind, times: u32) -> Fault {
        Fault {
            provider: "alibaba".into(),
            action: action.into(),
            kind,
            times,
            after: 0,
            delay_ms: None,
            rate: None,
            only_mutating: false,
        }
    }

    #[test]
    fn standing_faults_hit_at_their_rate_and_only_where_they_apply() {
        let faults = Faults::default();
        faults.arm(Fault {
            rate: Some(0.3),
            ..fault("*", FaultKind::Throttle, 1)
        });
        faults.arm(Fault {
            rate: Some(1.0),
            only_mutating: true,
            ..fault("*", FaultKind::ServerErrorAfterCommit, 1)
        });
        let reads = (0..2000)
            .filter(|_| faults.take("alibaba", "ListQuotas", false).is_some())
            .count();
        assert!(
            (450..750).contains(&reads),
            "about 30% of 2000 reads: {reads}"
        );
        let lost = (0..200)
            .filter(|_| {
                faults.take("alibaba", "CreateQuota", true).map(|f| f.kind)
                    == Some(FaultKind::ServerErrorAfterCommit)
            })
            .count();
        assert!(
            (100..180).contains(&lost),
            "writes not throttled are lost: {lost}"
        );
        assert_eq!(faults.armed().len(), 2, "standing faults stay armed");
    }

    #[test]
    fn a_fault_can_let_calls_pass_first() {
        let faults = Faults::default();
        faults.arm(Fault {
            after: 1,
            ..fault("ListQuotas", FaultKind::ServerError, 1)
        });
        assert!(
            faults.take("alibaba", "ListQuotas", false).is_none(),
            "the first passes"
        );
        assert!(
            faults.take("alibaba", "ListQuotas", false).is_some(),
            "the second fails"
        );
        assert!(
            faults.take("alibaba", "ListQuotas", false).is_none(),
            "then it is spent"
        );
    }

    #[test]
    fn a_fault_applies_exactly_times_calls() {
        let faults = Faults::default();
        faults.arm(fault("CreateQuota", FaultKind::Throttle, 2));
        assert_eq!(faults.take("alibaba", "GetQuota", false), None);
        assert_eq!(
            faults.take("alibaba", "CreateQuota", true).map(|f| f.kind),
            Some(FaultKind::Throttle)
        );
        assert_eq!(
            faults.take("alibaba", "CreateQuota", true).map(|f| f.kind),
            Some(FaultKind::Throttle)
        );
        assert_eq!(faults.take("alibaba", "CreateQuota", true), None);
    }

    #[test]
    fn faults_for_one_action_queue_in_order() {
        let faults = Faults::default();
        faults.arm(fault("ScaleQuota", FaultKind::ServerError, 1));
        faults.arm(fault("ScaleQuota", FaultKind::ServerErrorAfterCommit, 1));
        assert_eq!(
            faults.take("alibaba", "ScaleQuota", true).map(|f| f.kind),
            Some(FaultKind::ServerError)
        );
        assert_eq!(
            faults.take("alibaba", "ScaleQuota", true).map(|f| f.kind),
            Some(FaultKind::ServerErrorAfterCommit)
        );
    }

    #[test]
    fn forbidding_can_be_undone() {
        let faults = Faults::default();
        faults.set_forbidden("alibaba", "DeleteQuota", true);
        assert!(faults.is_forbidden("alibaba", "DeleteQuota"));
        faults.set_forbidden("alibaba", "DeleteQuota", false);
        assert!(!faults.is_forbidden("alibaba", "DeleteQuota"));
    }

    #[test]
    fn faults_and_denials_are_keyed_by_provider() {
        let faults = Faults::default();
        faults.arm(fault("CreateQuota", FaultKind::Throttle, 1));
        assert_eq!(faults.take("huawei", "CreateQuota", true), None);
        assert!(faults.take("alibaba", "CreateQuota", true).is_some());
        faults.set_forbidden("huawei", "DeleteQuota", true);
        assert!(!faults.is_forbidden("alibaba", "DeleteQuota"));
        assert_eq!(faults.forbidden("huawei"), vec!["DeleteQuota".to_string()]);
        let unnamed: Fault =
            serde_json::from_value(serde_json::json!({"action": "X", "kind": "throttle"}))
                .unwrap_or_else(|_| fault("?", FaultKind::Timeout, 0));
        assert_eq!(unnamed.provider, "alibaba");
    }
}
