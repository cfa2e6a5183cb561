//! Long operations in Redis: a hash per operation (`json`, `version`, `lease_holder`,
//! `lease_until`), a key per kind and resource (insert-if-absent), a sorted set of running
//! operations by next poll, and indexes by creation for listing. Every write is one script, so
//! an insert, a compare-and-set update and a lease are each one atomic step across replicas.

use std::sync::Arc;

use redis::Script;

use super::RedisLink;
use crate::operations::{Inserted, OpStatus, Operation, OperationStore, StoreError};
use crate::state::StateUnavailable;

/// KEYS: kind+key, operation, due, all, owner index. ARGV: id, JSON, version, lease holder,
/// lease until, status, next poll, created, prefix. Returns the existing operation's fields
/// when its kind and key are taken.
const INSERT: &str = r"
local existing = redis.call('GET', KEYS[1])
if existing then
  return redis.call('HMGET', ARGV[9] .. 'op:' .. existing, 'json', 'version', 'lease_holder', 'lease_until')
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'json', ARGV[2], 'version', ARGV[3], 'lease_holder', ARGV[4], 'lease_until', ARGV[5])
if ARGV[6] == 'running' then redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1]) end
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1])
return false
";

/// KEYS: operation, due. ARGV: id, expected version, JSON, lease holder, lease until, status,
/// next poll. Lands only on the version the writer read.
const UPDATE: &str = r"
local version = redis.call('HGET', KEYS[1], 'version')
if not version or version ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'version', tostring(tonumber(version) + 1), 'lease_holder', ARGV[4], 'lease_until', ARGV[5])
if ARGV[6] == 'running' then
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
";

/// KEYS: due. ARGV: now, holder, lease until, limit, prefix. Leases due operations whose
/// lease is free, expired or already this holder's; returns JSON and new version pairs.
const LEASE_DUE: &str = r"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
local now = tonumber(ARGV[1])
for _, id in ipairs(ids) do
  if #out >= 2 * tonumber(ARGV[4]) then break end
  local key = ARGV[5] .. 'op:' .. id
  local f = redis.call('HMGET', key, 'json', 'version', 'lease_holder', 'lease_until')
  if f[1] then
    local holder = f[3] or ''
    if holder == '' or tonumber(f[4]) <= now or holder == ARGV[2] then
      local version = tostring(tonumber(f[2]) + 1)
      redis.call('HSET', key, 'version', version, 'lease_holder', ARGV[2], 'lease_until', ARGV[3])
      table.insert(out, f[1])
      table.insert(out, version)
    end
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
";

/// Operations shared by every replica.
#[derive(Debug)]
pub struct RedisOperationStore {
    link: Arc<RedisLink>,
    insert: Script,
    update: Script,
    lease: Script,
}

fn failed(error: StateUnavailable) -> StoreError {
    StoreError(error.to_string())
}

/// The stored fields of one operation, read back into an [`Operation`].
fn assemble(
    json: Option<String>,
    version: Option<String>,
    holder: Option<String>,
    until: Option<String>,
) -> Option<Operation> {
    let mut operation: Operation = serde_json::from_str(&json?).ok()?;
    operation.version = version?.parse().ok()?;
    operation.lease_holder = holder.filter(|h| !h.is_empty());
    operation.lease_until_ms = until.and_then(|u| u.parse().ok()).unwrap_or(0);
    Some(operation)
}

type Fields = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const FIELDS: [&str; 4] = ["json", "version", "lease_holder", "lease_until"];

impl RedisOperationStore {
    /// Operations in the Redis behind `link`.
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self {
            link,
            insert: Script::new(INSERT),
            update: Script::new(UPDATE),
            lease: Script::new(LEASE_DUE),
        }
    }

    fn op_key(&self, id: &str) -> String {
        self.link.key(&format!("op:{id}"))
    }

    fn by_ids(&self, ids: Vec<String>) -> Result<Vec<Operation>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| self.op_key(id)).collect();
        let rows: Vec<Fields> = self
            .link
            .run(move |mut con| async move {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.cmd("HMGET").arg(key).arg(&FIELDS);
                }
                pipe.query_async(&mut con).await
            })
            .map_err(failed)?;
        Ok(rows
            .into_iter()
            .filter_map(|(j, v, h, u)| assemble(j, v, h, u))
            .collect())
    }
}

impl OperationStore for RedisOperationStore {
    fn insert(&self, op: &Operation) -> Result<Inserted, StoreError> {
        let keys = [
            self.link.key(&format!("opkey:{}|{}", op.kind, op.key)),
            self.op_key(&op.id),
            self.link.key("ops:due"),
            self.link.key("ops:all"),
            self.link.key(&format!("ops:owner:{}", op.owner)),
        ];
        let json = serde_json::to_string(op).map_err(|e| StoreError(e.to_string()))?;
        let args = [
            op.id.clone(),
            json,
            op.version.to_string(),
            op.lease_holder.clone().unwrap_or_default(),
            op.lease_until_ms.to_string(),
            op.status.as_str().to_string(),
            op.next_poll_ms.to_string(),
            op.created_ms.to_string(),
            self.link.prefix().to_string(),
        ];
        let script = self.insert.clone();
        let existing: Option<Fields> = self
            .link
            .run(move |mut con| async move {
                let mut call = script.prepare_invoke();
                for key in &keys {
                    call.key(key);
                }
                for arg in &args {
                    call.arg(arg);
                }
                call.invoke_async(&mut con).await
            })
            .map_err(failed)?;
        match existing {
            None => Ok(Inserted::New),
            Some((j, v, h, u)) => assemble(j, v, h, u)
                .map(|o| Inserted::Existing(Box::new(o)))
                .ok_or_else(|| StoreError("the existing operation cannot be read".into())),
        }
    }

    fn get(&self, id: &str) -> Result<Option<Operation>, StoreError> {
        Ok(self.by_ids(vec![id.to_string()])?.pop())
    }

    fn find(&self, kind: &str, key: &str) -> Result<Option<Operation>, StoreError> {
        let index = self.link.key(&format!("opkey:{kind}|{key}"));
        let id: Option<String> =
            self.link
                .run(move |mut con| async move {
                    redis::cmd("GET").arg(index).query_async(&mut con).await
                })
                .map_err(failed)?;
        match id {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    fn update(&self, op: &Operation) -> Result<bool, StoreError> {
        let keys = [self.op_key(&op.id), self.link.key("ops:due")];
        let json = serde_json::to_string(op).map_err(|e| StoreError(e.to_string()))?;
        let args = [
            op.id.clone(),
            op.version.to_string(),
            json,
            op.lease_holder.clone().unwrap_or_default(),
            op.lease_until_ms.to_string(),
            op.status.as_str().to_string(),
            op.next_poll_ms.to_string(),
        ];
        let script = self.update.clone();
        let landed: i64 = self
            .link
            .run(move |mut con| async move {
                let mut call = script.prepare_invoke();
                for key in &keys {
                    call.key(key);
                }
                for arg in &args {
                    call.arg(arg);
                }
                call.invoke_async(&mut con).await
            })
            .map_err(failed)?;
        Ok(landed == 1)
    }

    fn list(&self, owner: Option<&str>, running_only: bool) -> Result<Vec<Operation>, StoreError> {
        let index = match owner {
            Some(owner) => self.link.key(&format!("ops:owner:{owner}")),
            None => self.link.key("ops:all"),
        };
        let ids: Vec<String> = self
            .link
            .run(move |mut con| async move {
                redis::cmd("ZRANGE")
                    .arg(index)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut con)
                    .await
            })
            .map_err(failed)?;
        let mut operations: Vec<Operation> = self
            .by_ids(ids)?
            .into_iter()
            .filter(|o| !running_only || o.status == OpStatus::Running)
            .collect();
        operations.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
        Ok(operations)
    }

    fn lease_due(
        &self,
        now_ms: u64,
        holder: &str,
        lease_ms: u64,
        limit: usize,
    ) -> Result<Vec<Operation>, StoreError> {
        let due = self.link.key("ops:due");
        let until = now_ms.saturating_add(lease_ms);
        let args = [
            now_ms.to_string(),
            holder.to_string(),
            until.to_string(),
            limit.to_string(),
            self.link.prefix().to_string(),
        ];
        let script = self.lease.clone();
        let flat: Vec<String> = self
            .link
            .run(move |mut con| async move {
                let mut call = script.prepare_invoke();
                call.key(&due);
                for arg in &args {
                    call.arg(arg);
                }
                call.invoke_async(&mut con).await
            })
            .map_err(failed)?;
        Ok(flat
            .chunks(2)
            .filter_map(|pair| match pair {
                [json, version] => assemble(
                    Some(json.clone()),
                    Some(version.clone()),
                    Some(holder.to_string()),
                    Some(until.to_string()),
                ),
                _ => None,
            })
            .collect())
    }

    fn next_due(&self) -> Result<Option<u64>, StoreError> {
        let due = self.link.key("ops:due");
        let first: Vec<(String, f64)> = self
            .link
            .run(move |mut con| async move {
                redis::cmd("ZRANGE")
                    .arg(due)
                    .arg(0)
                    .arg(0)
                    .arg("WITHSCORES")
                    .query_async(&mut con)
                    .await
            })
            .map_err(failed)?;
        // Scores are milliseconds, exact in a double.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(first.first().map(|(_, score)| *score as u64))
    }

    fn describe(&self) -> String {
        format!("{} (shared)", self.link.describe())
    }
}
