//! What a session decided that later calls of the same session must respect: a skill's rule that
//! outlives one call (the compute skill's product lock: once the user named a product, every
//! create stays on it). Kept per session, or per principal for sessionless requests, like plans.
//!
//! Notes are small named values, set by guards and readers through [`Memory`], read back by the
//! guards of later calls (and at confirmation). They live in memory for a bounded time: a session
//! that is gone leaves nothing that could bind a later one forever.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::Owner;

/// How long a note outlives its last write: a working day, longer than any session of the
/// skill's flows and short enough that a forgotten lock does not bind the principal for ever.
pub const NOTE_TTL: Duration = Duration::from_secs(12 * 3600);

/// Most notes kept per owner: a guard that writes a new name per call cannot grow the map.
const MAX_NOTES_PER_OWNER: usize = 32;

#[derive(Debug, Default)]
struct Notes {
    values: HashMap<String, (Value, SystemTime)>,
}

/// Every owner's notes.
#[derive(Clone, Debug, Default)]
pub struct SessionMemory {
    owners: Arc<Mutex<HashMap<String, Notes>>>,
}

/// The key a caller's notes are kept under: the session when the transport has one, else the
/// principal (stdio and sessionless HTTP), so a lock holds where the plans of that caller do.
fn owner_key(owner: &Owner) -> String {
    match &owner.session {
        Some(session) => format!("session:{}:{session}", owner.principal),
        None => format!("principal:{}", owner.principal),
    }
}

impl SessionMemory {
    /// The notes of one caller.
    pub fn for_owner(&self, owner: &Owner) -> Memory {
        Memory {
            store: self.clone(),
            key: owner_key(owner),
        }
    }

    fn get(&self, key: &str, name: &str, now: SystemTime) -> Option<Value> {
        let owners = self.owners.lock().ok()?;
        let (value, written) = owners.get(key)?.values.get(name)?;
        let fresh = now.duration_since(*written).unwrap_or_default() < NOTE_TTL;
        fresh.then(|| value.clone())
    }

    fn set(&self, key: &str, name: &str, value: Value, now: SystemTime) {
        let Ok(mut owners) = self.owners.lock() else {
            return;
        };
        // Forget whole owners whose notes have all expired, so the map follows live sessions.
        owners.retain(|_, notes| {
            notes.values.retain(|_, (_, written)| {
                now.duration_since(*written).unwrap_or_default() < NOTE_TTL
            });
            !notes.values.is_empty()
        });
        let notes = owners.entry(key.to_string()).or_default();
        if notes.values.len() >= MAX_NOTES_PER_OWNER && !notes.values.contains_key(name) {
            return;
        }
        notes.values.insert(name.to_string(), (value, now));
    }
}

/// One caller's notes.
#[derive(Clone, Debug)]
pub struct Memory {
    store: SessionMemory,
    key: String,
}

impl Memory {
    /// A note, while it is fresh.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.store.get(&self.key, name, SystemTime::now())
    }

    /// Writes a note (its time starts again).
    pub fn set(&self, name: &str, value: Value) {
        self.store.set(&self.key, name, value, SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn owner(principal: &str, session: Option<&str>) -> Owner {
        Owner {
            principal: principal.into(),
            session: session.map(str::to_string),
        }
    }

    #[test]
    fn notes_belong_to_one_session_or_one_principal() {
        let memory = SessionMemory::default();
        memory
            .for_owner(&owner("alice", Some("s1")))
            .set("lock", json!("ecs"));
        assert_eq!(
            memory.for_owner(&owner("alice", Some("s1"))).get("lock"),
            Some(json!("ecs"))
        );
        assert_eq!(
            memory.for_owner(&owner("alice", Some("s2"))).get("lock"),
            None
        );
        assert_eq!(memory.for_owner(&owner("alice", None)).get("lock"), None);
        assert_eq!(
            memory.for_owner(&owner("bob", Some("s1"))).get("lock"),
            None
        );
        memory
            .for_owner(&owner("bob", None))
            .set("lock", json!("fc"));
        assert_eq!(
            memory.for_owner(&owner("bob", None)).get("lock"),
            Some(json!("fc"))
        );
    }

    #[test]
    fn notes_expire_and_stay_bounded() {
        let memory = SessionMemory::default();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        memory.set("k", "lock", json!("ecs"), start);
        assert_eq!(
            memory.get("k", "lock", start + NOTE_TTL / 2),
            Some(json!("ecs"))
        );
        assert_eq!(memory.get("k", "lock", start + NOTE_TTL), None);
        for i in 0..100 {
            memory.set("k", &format!("n{i}"), json!(i), start);
        }
        let kept = (0..100)
            .filter(|i| memory.get("k", &format!("n{i}"), start).is_some())
            .count();
        assert_eq!(kept, MAX_NOTES_PER_OWNER - 1);
    }
}
