//! The confirmation gate: plans, phrases and the rules that make a confirmation mean something.
//!
//! A mutation never runs on its first call. The engine stores a [`Plan`] holding the exact requests
//! it will send, and only [`Gate::claim`] (phrase right, same owner, not expired, not used) hands it
//! back for execution, once. Transport-agnostic: it knows owners, not MCP sessions.

mod memory;
mod plan;
mod store;

pub use memory::{Memory, NOTE_TTL, SessionMemory};
pub use plan::{Check, Owner, Plan, PlanView, Step};
pub use store::{MemoryPlanStore, PlanStore, Restored, Tombstone, replaced_by};

use crate::state::StateUnavailable;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Why a confirmation was refused. Every variant leaves the world unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    /// No such plan for this caller (never existed, or belongs to another session: the two are
    /// indistinguishable on purpose, so plan ids cannot be probed).
    #[error(
        "no pending plan `{plan_id}` for this session; plans are bound to the session that made them"
    )]
    UnknownPlan {
        /// The id given.
        plan_id: String,
    },
    /// The plan was already executed, cancelled, replaced or expired.
    #[error("plan `{plan_id}` was {what}; nothing was done. Plan again to make this change")]
    Finished {
        /// The id given.
        plan_id: String,
        /// What happened to it.
        what: String,
    },
    /// The plan is confirmed by the human in the client's form, not through the `confirm` tool.
    #[error(
        "plan `{plan_id}` is confirmed by the user in the client's confirmation form, not with the `confirm` tool; nothing was done"
    )]
    HumanOnly {
        /// The id given.
        plan_id: String,
    },
    /// The plan's time ran out.
    #[error(
        "plan `{plan_id}` expired at {expired_at}; nothing was done. Plan again to make this change"
    )]
    Expired {
        /// The id given.
        plan_id: String,
        /// RFC 3339 time.
        expired_at: String,
    },
    /// The phrase was not the exact phrase; the plan is cancelled, as the skill's rule says
    /// ("any other input cancels").
    #[error(
        "the phrase does not match; plan `{plan_id}` is cancelled and nothing was done. {advice}"
    )]
    WrongPhrase {
        /// The id given.
        plan_id: String,
        /// What the phrase should have been, or why a plain CONFIRM is not enough.
        advice: String,
    },
    /// The plan store cannot be reached (a shared store that is down): nothing is planned,
    /// confirmed or cancelled until it answers again, so nothing can run twice.
    #[error("{0}; nothing was done")]
    StateUnavailable(#[from] StateUnavailable),
}

/// Plan policy and storage.
#[derive(Clone)]
pub struct Gate {
    store: Arc<dyn PlanStore>,
    ttl: Duration,
    memory: SessionMemory,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Gate {
    /// A gate over a store, with the plan lifetime.
    pub fn new(store: Arc<dyn PlanStore>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            memory: SessionMemory::default(),
        }
    }

    /// What sessions decided that their later calls must respect (a product lock).
    pub fn memory(&self) -> &SessionMemory {
        &self.memory
    }

    /// How long a plan stays valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Stores a new plan; an open plan of the same owner for the same target is replaced and its
    /// id returned. Another owner's plan for that target stays open.
    pub fn store(&self, plan: Plan) -> Result<Option<String>, GateRefusal> {
        Ok(self.store.insert(plan)?)
    }

    /// Where plans are kept (`memory (this process)`, `redis://host:port/db`).
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    /// Puts back a claimed plan that did not run (a provider fault at confirm), so the same phrase
    /// works again. It never displaces a newer plan: when its owner planned the same target again
    /// in the meantime, this plan is the one replaced, and [`Restored::Superseded`] names the
    /// newer plan.
    pub fn restore(&self, plan: Plan) -> Result<Restored, GateRefusal> {
        Ok(self.store.restore(plan)?)
    }

    /// The caller's pending plans, oldest first.
    pub fn list(&self, owner: &Owner, now: SystemTime) -> Result<Vec<Plan>, GateRefusal> {
        self.sweep(now)?;
        Ok(self.store.list(owner)?)
    }

    /// Drops a plan of the caller's.
    pub fn cancel(
        &self,
        owner: &Owner,
        plan_id: &str,
        now: SystemTime,
    ) -> Result<Plan, GateRefusal> {
        let plan = self.pending(owner, plan_id, now)?;
        self.store
            .finish(&plan.id, Tombstone::new("cancelled", owner.clone()))?;
        Ok(plan)
    }

    /// Checks everything the confirmation rule demands and, when it holds, takes the plan out of
    /// the store in one atomic step, so two concurrent confirmations cannot both get it.
    ///
    /// `by_human` is true only on the elicitation paths, where the phrase comes from the human's
    /// own answer in the client; a human-only plan refuses any other channel.
    pub fn claim(
        &self,
        owner: &Owner,
        plan_id: &str,
        phrase: &str,
        by_human: bool,
        now: SystemTime,
    ) -> Result<Plan, GateRefusal> {
        let plan = self.pending(owner, plan_id, now)?;
        if plan.human_only && !by_human {
            return Err(GateRefusal::HumanOnly { plan_id: plan.id });
        }
        if phrase != plan.confirm_phrase {
            let advice = if plan.forced && phrase == plan.plain_phrase {
                format!(
                    "this change goes below current usage, so a plain `{}` is refused; after planning again, type exactly `{}`",
                    plan.plain_phrase, plan.confirm_phrase
                )
            } else {
                format!(
                    "the phrase was exactly `{}` (case-sensitive)",
                    plan.confirm_phrase
                )
            };
            self.store.finish(
                &plan.id,
                Tombstone::new("cancelled by a wrong phrase", owner.clone()),
            )?;
            return Err(GateRefusal::WrongPhrase {
                plan_id: plan.id,
                advice,
            });
        }
        self.store
            .take(&plan.id, Tombstone::new("already confirmed", owner.clone()))?
            .ok_or_else(|| GateRefusal::Finished {
                plan_id: plan_id.to_string(),
                what: "already confirmed".into(),
            })
    }

    fn pending(&self, owner: &Owner, plan_id: &str, now: SystemTime) -> Result<Plan, GateRefusal> {
        match self.store.get(plan_id)? {
            Some(plan) if plan.owner.matches(owner) => {
                if plan.expires_at <= now {
                    self.store
                        .finish(plan_id, Tombstone::new("expired", plan.owner.clone()))?;
                    return Err(GateRefusal::Expired {
                        plan_id: plan_id.to_string(),
                        expired_at: plan::rfc3339(plan.expires_at),
                    });
                }
                Ok(plan)
            }
            Some(_) => Err(GateRefusal::UnknownPlan {
                plan_id: plan_id.to_string(),
            }),
            None => match self.store.tombstone(plan_id)? {
                Some(stone) if stone.owner.matches(owner) => Err(GateRefusal::Finished {
                    plan_id: plan_id.to_string(),
                    what: stone.what,
                }),
                _ => Err(GateRefusal::UnknownPlan {
                    plan_id: plan_id.to_string(),
                }),
            },
        }
    }

    fn sweep(&self, now: SystemTime) -> Result<(), GateRefusal> {
        Ok(self.store.expire(now)?)
    }
}

#[cfg(test)]
mod tests;

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    plan::rfc3339(SystemTime::now())
}

pub use plan::{new_plan_id, rfc3339};
