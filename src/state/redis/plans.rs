//! Plans in Redis: one key per pending plan with the plan's TTL, so Redis expires them; the
//! newest plan id per owner and target (one open plan per resource, across replicas); a
//! tombstone per ended plan, written as `expired` when the plan is made, so a plan Redis expired
//! is reported as expired; an index per principal for `list_plans`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::Script;
use sha2::{Digest, Sha256};

use super::RedisLink;
use crate::gate::{Owner, Plan, PlanStore, Restored, Tombstone, replaced_by};
use crate::state::{StateUnavailable, Stored};

/// How long a tombstone outlives its plan (a replay is told the truth for this long).
const TOMBSTONE_KEEP: Duration = Duration::from_secs(3600);

/// KEYS: plan, slot, tomb, owner index, all index. ARGV: id, plan JSON, TTL ms, the
/// expired tombstone, tombstone TTL ms, the replaced tombstone, created ms, key prefix.
/// Ends the slot's open plan (if pending) as replaced and returns its id.
const INSERT: &str = r"
local old = redis.call('GET', KEYS[2])
local replaced = false
if old and old ~= ARGV[1] then
  if redis.call('DEL', ARGV[8] .. 'plan:' .. old) == 1 then
    redis.call('SET', ARGV[8] .. 'tomb:' .. old, ARGV[6], 'PX', ARGV[5])
    replaced = old
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1])
return replaced
";

/// KEYS: plan, tomb. ARGV: tombstone, tombstone TTL ms. Check and take in one step: the plan is
/// returned to exactly one caller.
const TAKE: &str = r"
local plan = redis.call('GET', KEYS[1])
if not plan then return false end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return plan
";

/// KEYS: plan, slot, tomb, owner index, all index. ARGV: id, plan JSON, TTL ms, the replaced
/// tombstone before and after the newer id, tombstone TTL ms, the expired tombstone, created ms.
const RESTORE: &str = r"
local newest = redis.call('GET', KEYS[2])
if newest and newest ~= ARGV[1] then
  redis.call('SET', KEYS[3], ARGV[4] .. newest .. ARGV[5], 'PX', ARGV[6])
  return newest
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[3], ARGV[7], 'PX', ARGV[6])
if not newest then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) end
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[6])
redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1])
return false
";

/// Plans shared by every replica.
#[derive(Debug)]
pub struct RedisPlanStore {
    link: Arc<RedisLink>,
    insert: Script,
    take: Script,
    restore: Script,
}

fn ms_until(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::now())
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
        .max(1)
}

fn created_ms(plan: &Plan) -> u64 {
    plan.created_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn json<T: serde::Serialize>(value: &T) -> Stored<String> {
    serde_json::to_string(value).map_err(|e| StateUnavailable::new(format!("cannot encode: {e}")))
}

/// A stored plan; one that cannot be read (written by another version) counts as absent.
fn parse_plan(text: &str) -> Option<Plan> {
    serde_json::from_str(text).ok()
}

/// A stand-in for the newer plan's id inside a tombstone built before it is known.
const NEWER: &str = "@@newer-plan@@";

impl RedisPlanStore {
    /// Plans in the Redis behind `link`.
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self {
            link,
            insert: Script::new(INSERT),
            take: Script::new(TAKE),
            restore: Script::new(RESTORE),
        }
    }

    fn slot_key(&self, plan: &Plan) -> String {
        let mut digest = Sha256::new();
        digest.update(plan.owner.principal.as_bytes());
        digest.update([0]);
        digest.update(plan.owner.session.as_deref().unwrap_or("").as_bytes());
        digest.update([0]);
        digest.update(plan.target.as_bytes());
        self.link
            .key(&format!("slot:{}", hex::encode(digest.finalize())))
    }

    fn owner_key(&self, principal: &str) -> String {
        self.link.key(&format!("owner:{principal}"))
    }

    /// Plans listed in a sorted-set index, dropping ids whose plan is gone (taken or expired).
    fn indexed(&self, index: String) -> Stored<Vec<Plan>> {
        let prefix = self.link.key("plan:");
        self.link.run(move |mut con| async move {
            let ids: Vec<String> = redis::cmd("ZRANGE")
                .arg(&index)
                .arg(0)
                .arg(-1)
                .query_async(&mut con)
                .await?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let keys: Vec<String> = ids.iter().map(|id| format!("{prefix}{id}")).collect();
            let texts: Vec<Option<String>> =
                redis::cmd("MGET").arg(&keys).query_async(&mut con).await?;
            let gone: Vec<&String> = ids
                .iter()
                .zip(&texts)
                .filter(|(_, text)| text.is_none())
                .map(|(id, _)| id)
                .collect();
            if !gone.is_empty() {
                redis::cmd("ZREM")
                    .arg(&index)
                    .arg(&gone)
                    .query_async::<i64>(&mut con)
                    .await?;
            }
            Ok(texts
                .iter()
                .flatten()
                .filter_map(|t| parse_plan(t))
                .collect())
        })
    }

    fn take_with(&self, id: &str, tombstone: &Tombstone) -> Stored<Option<Plan>> {
        let keys = [
            self.link.key(&format!("plan:{id}")),
            self.link.key(&format!("tomb:{id}")),
        ];
        let stone = json(tombstone)?;
        let keep = u64::try_from(TOMBSTONE_KEEP.as_millis()).unwrap_or(u64::MAX);
        let script = self.take.clone();
        let text: Option<String> = self.link.run(move |mut con| async move {
            script
                .key(&keys[0])
                .key(&keys[1])
                .arg(stone)
                .arg(keep)
                .invoke_async(&mut con)
                .await
        })?;
        Ok(text.as_deref().and_then(parse_plan))
    }
}

impl PlanStore for RedisPlanStore {
    fn insert(&self, plan: Plan) -> Stored<Option<String>> {
        let ttl = ms_until(plan.expires_at);
        let keep = ttl.saturating_add(u64::try_from(TOMBSTONE_KEEP.as_millis()).unwrap_or(0));
        let keys = [
            self.link.key(&format!("plan:{}", plan.id)),
            self.slot_key(&plan),
            self.link.key(&format!("tomb:{}", plan.id)),
            self.owner_key(&plan.owner.principal),
            self.link.key("plans"),
        ];
        let args = [
            plan.id.clone(),
            json(&plan)?,
            ttl.to_string(),
            json(&Tombstone::new("expired", plan.owner.clone()))?,
            keep.to_string(),
            json(&replaced_by(&plan.id, &plan.owner))?,
            created_ms(&plan).to_string(),
            self.link.prefix().to_string(),
        ];
        let script = self.insert.clone();
        self.link.run(move |mut con| async move {
            let mut call = script.prepare_invoke();
            for key in &keys {
                call.key(key);
            }
            for arg in &args {
                call.arg(arg);
            }
            call.invoke_async(&mut con).await
        })
    }

    fn restore(&self, plan: Plan) -> Stored<Restored> {
        let ttl = ms_until(plan.expires_at);
        let keep = ttl.saturating_add(u64::try_from(TOMBSTONE_KEEP.as_millis()).unwrap_or(0));
        let replaced = json(&replaced_by(NEWER, &plan.owner))?;
        let (before, after) = replaced
            .split_once(NEWER)
            .map(|(b, a)| (b.to_string(), a.to_string()))
            .unwrap_or_default();
        let keys = [
            self.link.key(&format!("plan:{}", plan.id)),
            self.slot_key(&plan),
            self.link.key(&format!("tomb:{}", plan.id)),
            self.owner_key(&plan.owner.principal),
            self.link.key("plans"),
        ];
        let args = [
            plan.id.clone(),
            json(&plan)?,
            ttl.to_string(),
            before,
            after,
            keep.to_string(),
            json(&Tombstone::new("expired", plan.owner.clone()))?,
            created_ms(&plan).to_string(),
        ];
        let script = self.restore.clone();
        let newer: Option<String> = self.link.run(move |mut con| async move {
            let mut call = script.prepare_invoke();
            for key in &keys {
                call.key(key);
            }
            for arg in &args {
                call.arg(arg);
            }
            call.invoke_async(&mut con).await
        })?;
        Ok(match newer {
            Some(by) => Restored::Superseded { by },
            None => Restored::Pending,
        })
    }

    fn get(&self, id: &str) -> Stored<Option<Plan>> {
        let key = self.link.key(&format!("plan:{id}"));
        let text: Option<String> = self.link.run(move |mut con| async move {
            redis::cmd("GET").arg(key).query_async(&mut con).await
        })?;
        Ok(text.as_deref().and_then(parse_plan))
    }

    fn take(&self, id: &str, tombstone: Tombstone) -> Stored<Option<Plan>> {
        self.take_with(id, &tombstone)
    }

    fn finish(&self, id: &str, tombstone: Tombstone) -> Stored<()> {
        self.take_with(id, &tombstone).map(|_| ())
    }

    fn tombstone(&self, id: &str) -> Stored<Option<Tombstone>> {
        let key = self.link.key(&format!("tomb:{id}"));
        let text: Option<String> = self.link.run(move |mut con| async move {
            redis::cmd("GET").arg(key).query_async(&mut con).await
        })?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    fn list(&self, owner: &Owner) -> Stored<Vec<Plan>> {
        let mut plans: Vec<Plan> = self
            .indexed(self.owner_key(&owner.principal))?
            .into_iter()
            .filter(|p| p.owner.matches(owner))
            .collect();
        plans.sort_by_key(|p| p.created_at);
        Ok(plans)
    }

    fn all(&self) -> Stored<Vec<Plan>> {
        self.indexed(self.link.key("plans"))
    }

    fn describe(&self) -> String {
        format!("{} (shared)", self.link.describe())
    }
}
