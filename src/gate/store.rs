//! Where plans live. One interface so the gate never cares whether it is memory or a shared
//! store; single use is one atomic step of the store (take-and-delete), never a read then a write.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use super::{Owner, Plan};
use crate::state::Stored;

/// What happened to a plan that is no longer pending, kept so a replay is told the truth.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tombstone {
    /// e.g. `already confirmed`, `cancelled`, `replaced by plan-…`, `expired`.
    pub what: String,
    /// Whose plan it was (a replay from elsewhere learns nothing).
    pub owner: Owner,
}

impl Tombstone {
    /// A record of what ended the plan.
    pub fn new(what: impl Into<String>, owner: Owner) -> Self {
        Self {
            what: what.into(),
            owner,
        }
    }
}

/// What putting a plan back did (see [`PlanStore::restore`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restored {
    /// The plan is pending again; the same phrase confirms it.
    Pending,
    /// A newer plan of the same owner for the same target was made after this one; the restored
    /// plan was finished as replaced by it (and the newer plan left alone).
    Superseded {
        /// The newer plan's id.
        by: String,
    },
}

/// Plan storage. Open plans are one per owner and target: another owner's plan for the same
/// target is left alone (the re-check at confirm refuses whichever became stale).
///
/// Every method may fail with [`StateUnavailable`](crate::state::StateUnavailable) (a shared store that cannot be reached); the
/// gate then refuses, so nothing is confirmed on a store that cannot record it.
pub trait PlanStore: Send + Sync {
    /// Adds a new plan; a pending plan of the same owner with the same target is finished as
    /// replaced and its id returned.
    fn insert(&self, plan: Plan) -> Stored<Option<String>>;
    /// Puts back a plan that was taken (claimed) and not executed, e.g. after a provider fault.
    /// Never displaces a newer plan: when the same owner made a plan for the same target after
    /// this one, this one is finished as replaced by it instead. One atomic step.
    fn restore(&self, plan: Plan) -> Stored<Restored>;
    /// A pending plan.
    fn get(&self, id: &str) -> Stored<Option<Plan>>;
    /// Removes and returns a pending plan atomically, leaving the tombstone.
    fn take(&self, id: &str, tombstone: Tombstone) -> Stored<Option<Plan>>;
    /// Ends a pending plan (cancel, expiry) with a tombstone.
    fn finish(&self, id: &str, tombstone: Tombstone) -> Stored<()>;
    /// What ended a plan, if it ended.
    fn tombstone(&self, id: &str) -> Stored<Option<Tombstone>>;
    /// Pending plans of an owner, oldest first.
    fn list(&self, owner: &Owner) -> Stored<Vec<Plan>>;
    /// Every pending plan (for sweeping).
    fn all(&self) -> Stored<Vec<Plan>>;
    /// Ends every pending plan that expired by `now` with an `expired` tombstone.
    fn expire(&self, now: SystemTime) -> Stored<()> {
        for plan in self.all()? {
            if plan.expires_at <= now {
                self.finish(&plan.id, Tombstone::new("expired", plan.owner.clone()))?;
            }
        }
        Ok(())
    }
    /// Where plans are kept, for `skillgate status`.
    fn describe(&self) -> String {
        "memory (this process)".into()
    }
}

/// The embedded store: plans expire in minutes, so memory is the right place.
#[derive(Debug, Default)]
pub struct MemoryPlanStore {
    inner: Mutex<Inner>,
}

/// One open plan per owner and target: principal, session, target.
type SlotKey = (String, Option<String>, String);

fn slot(plan: &Plan) -> SlotKey {
    (
        plan.owner.principal.clone(),
        plan.owner.session.clone(),
        plan.target.clone(),
    )
}

/// A pending plan as this store keeps it: its JSON, plus what the store itself looks at.
///
/// Why not the `Plan`: its arguments, steps, previews and checks are `serde_json::Value` trees,
/// several times the size of their text, and a server holding a plan in each of a thousand
/// sessions held mostly those trees. A plan is read back only to confirm, cancel or list it.
#[derive(Debug)]
struct Kept {
    json: Box<str>,
    owner: Owner,
    target: String,
    expires_at: SystemTime,
}

impl Kept {
    fn of(plan: &Plan) -> Stored<Self> {
        let json = serde_json::to_string(plan).map_err(|error| {
            crate::state::StateUnavailable::new(format!("a plan could not be kept: {error}"))
        })?;
        Ok(Self {
            json: json.into_boxed_str(),
            owner: plan.owner.clone(),
            target: plan.target.clone(),
            expires_at: plan.expires_at,
        })
    }

    fn plan(&self) -> Stored<Plan> {
        serde_json::from_str(&self.json).map_err(|error| {
            crate::state::StateUnavailable::new(format!("a kept plan could not be read: {error}"))
        })
    }

    fn slot(&self) -> SlotKey {
        (
            self.owner.principal.clone(),
            self.owner.session.clone(),
            self.target.clone(),
        )
    }
}

/// The newest plan ever inserted for a slot: its id, and when it expires (after which no older
/// plan of the slot can still be pending, so the record can go).
#[derive(Debug)]
struct Newest {
    id: String,
    expires_at: SystemTime,
}

#[derive(Debug, Default)]
struct Inner {
    plans: HashMap<String, Kept>,
    by_target: HashMap<SlotKey, String>,
    /// Kept while a plan is taken (being executed) too, so putting an older plan back can tell
    /// that a newer one was made meanwhile.
    newest: HashMap<SlotKey, Newest>,
    tombstones: HashMap<String, Tombstone>,
}

/// Tombstones beyond this many are dropped oldest-first-ish, so a long-running server stays small.
const MAX_TOMBSTONES: usize = 10_000;

impl MemoryPlanStore {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl Inner {
    fn end(&mut self, id: &str, tombstone: Tombstone) -> Option<Kept> {
        let kept = self.plans.remove(id)?;
        let key = kept.slot();
        if self.by_target.get(&key).is_some_and(|t| t == id) {
            self.by_target.remove(&key);
        }
        self.remember(id.to_string(), tombstone);
        Some(kept)
    }

    fn remember(&mut self, id: String, tombstone: Tombstone) {
        if self.tombstones.len() >= MAX_TOMBSTONES
            && let Some(key) = self.tombstones.keys().next().cloned()
        {
            self.tombstones.remove(&key);
        }
        self.tombstones.insert(id, tombstone);
    }

    /// Makes `plan` the slot's open plan.
    fn open(&mut self, key: SlotKey, id: String, plan: Kept) {
        self.by_target.insert(key, id.clone());
        self.plans.insert(id, plan);
    }
}

/// The tombstone of a plan replaced by a newer one (shared with the other stores).
pub fn replaced_by(newer: &str, owner: &Owner) -> Tombstone {
    Tombstone::new(
        format!("replaced by the newer plan `{newer}`"),
        owner.clone(),
    )
}

impl PlanStore for MemoryPlanStore {
    fn insert(&self, plan: Plan) -> Stored<Option<String>> {
        let kept = Kept::of(&plan)?;
        Ok(self.with(|inner| {
            let key = slot(&plan);
            let replaced = inner.by_target.get(&key).cloned();
            if let Some(old) = &replaced {
                inner.end(old, replaced_by(&plan.id, &plan.owner));
            }
            // Records of slots whose newest plan has expired say nothing any more.
            let now = plan.created_at;
            inner.newest.retain(|_, newest| newest.expires_at > now);
            inner.newest.insert(
                key.clone(),
                Newest {
                    id: plan.id.clone(),
                    expires_at: plan.expires_at,
                },
            );
            inner.open(key, plan.id, kept);
            replaced
        }))
    }

    fn restore(&self, plan: Plan) -> Stored<Restored> {
        let kept = Kept::of(&plan)?;
        Ok(self.with(|inner| {
            let key = slot(&plan);
            let newer = inner
                .newest
                .get(&key)
                .map(|n| n.id.clone())
                .filter(|id| *id != plan.id)
                .or_else(|| {
                    inner
                        .by_target
                        .get(&key)
                        .filter(|id| **id != plan.id)
                        .cloned()
                });
            match newer {
                Some(by) => {
                    inner.plans.remove(&plan.id);
                    inner.remember(plan.id.clone(), replaced_by(&by, &plan.owner));
                    Restored::Superseded { by }
                }
                None => {
                    inner.tombstones.remove(&plan.id);
                    inner.open(key, plan.id, kept);
                    Restored::Pending
                }
            }
        }))
    }

    fn get(&self, id: &str) -> Stored<Option<Plan>> {
        self.with(|inner| inner.plans.get(id).map(Kept::plan).transpose())
    }

    fn take(&self, id: &str, tombstone: Tombstone) -> Stored<Option<Plan>> {
        self.with(|inner| inner.end(id, tombstone))
            .as_ref()
            .map(Kept::plan)
            .transpose()
    }

    fn finish(&self, id: &str, tombstone: Tombstone) -> Stored<()> {
        self.with(|inner| {
            inner.end(id, tombstone);
        });
        Ok(())
    }

    fn tombstone(&self, id: &str) -> Stored<Option<Tombstone>> {
        Ok(self.with(|inner| inner.tombstones.get(id).cloned()))
    }

    fn list(&self, owner: &Owner) -> Stored<Vec<Plan>> {
        let mut plans: Vec<Plan> = self.with(|inner| {
            inner
                .plans
                .values()
                .filter(|kept| kept.owner.matches(owner))
                .map(Kept::plan)
                .collect::<Stored<_>>()
        })?;
        plans.sort_by_key(|p| p.created_at);
        Ok(plans)
    }

    fn all(&self) -> Stored<Vec<Plan>> {
        self.with(|inner| inner.plans.values().map(Kept::plan).collect())
    }

    fn expire(&self, now: SystemTime) -> Stored<()> {
        self.with(|inner| {
            let expired: Vec<(String, Owner)> = inner
                .plans
                .iter()
                .filter(|(_, kept)| kept.expires_at <= now)
                .map(|(id, kept)| (id.clone(), kept.owner.clone()))
                .collect();
            for (id, owner) in expired {
                inner.end(&id, Tombstone::new("expired", owner));
            }
        });
        Ok(())
    }
}
