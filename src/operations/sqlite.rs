//! The embedded store: SQLite (bundled) in the state directory, WAL mode, one connection behind
//! a mutex. Operations are few and their writes small, so one connection is plenty, and every
//! statement is one transaction, which is what makes insert-if-absent, compare-and-set updates and
//! lease taking atomic.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::store::{Inserted, OperationStore, StoreError};
use super::{OpStatus, Operation};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    tool TEXT NOT NULL,
    plan_id TEXT,
    key TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    report TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    deadline_ms INTEGER NOT NULL,
    next_poll_ms INTEGER NOT NULL,
    polls INTEGER NOT NULL,
    poll_failures INTEGER NOT NULL,
    lease_holder TEXT,
    lease_until_ms INTEGER NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS operations_due ON operations (status, next_poll_ms);
CREATE INDEX IF NOT EXISTS operations_owner ON operations (owner, created_ms);
";

const COLUMNS: &str = "id, kind, owner, tool, plan_id, key, subject, status, message, snapshot, report, \
     created_ms, updated_ms, deadline_ms, next_poll_ms, polls, poll_failures, lease_holder, \
     lease_until_ms, version";

/// Operations in one SQLite database.
pub struct SqliteOperationStore {
    connection: Mutex<Connection>,
    location: String,
}

impl std::fmt::Debug for SqliteOperationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOperationStore")
            .field("location", &self.location)
            .finish()
    }
}

fn failed(error: impl std::fmt::Display) -> StoreError {
    StoreError(error.to_string())
}

impl SqliteOperationStore {
    /// Opens (or creates) `operations.sqlite3` in `dir`, creating the directory.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| failed(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("operations.sqlite3");
        let connection = Connection::open(&path)
            .map_err(|e| failed(format!("cannot open {}: {e}", path.display())))?;
        // WAL keeps readers off the writer's back; NORMAL sync survives a crash of the process
        // (what a restart test does) at far less cost than FULL.
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(failed)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(failed)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(failed)?;
        Self::with(connection, format!("sqlite:{}", path.display()))
    }

    /// A private in-memory database: for a server whose cloud is the in-process emulator, whose
    /// resources end with the process anyway.
    pub fn in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(failed)?;
        Self::with(connection, "sqlite::memory:".into())
    }

    fn with(connection: Connection, location: String) -> Result<Self, StoreError> {
        connection.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Self {
            connection: Mutex::new(connection),
            location,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn from_i64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn json_text(value: &Value) -> String {
    value.to_string()
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Operation> {
    let status: String = row.get(7)?;
    let report: Option<String> = row.get(10)?;
    Ok(Operation {
        id: row.get(0)?,
        kind: row.get(1)?,
        owner: row.get(2)?,
        tool: row.get(3)?,
        plan_id: row.get(4)?,
        key: row.get(5)?,
        subject: parse_json(&row.get::<_, String>(6)?),
        status: OpStatus::parse(&status).unwrap_or(OpStatus::Failed),
        message: row.get(8)?,
        snapshot: parse_json(&row.get::<_, String>(9)?),
        report: report.as_deref().map(parse_json),
        created_ms: from_i64(row.get(11)?),
        updated_ms: from_i64(row.get(12)?),
        deadline_ms: from_i64(row.get(13)?),
        next_poll_ms: from_i64(row.get(14)?),
        polls: u32::try_from(row.get::<_, i64>(15)?).unwrap_or(u32::MAX),
        poll_failures: u32::try_from(row.get::<_, i64>(16)?).unwrap_or(u32::MAX),
        lease_holder: row.get(17)?,
        lease_until_ms: from_i64(row.get(18)?),
        version: from_i64(row.get(19)?),
    })
}

impl OperationStore for SqliteOperationStore {
    fn insert(&self, op: &Operation) -> Result<Inserted, StoreError> {
        let connection = self.lock();
        let inserted = connection
            .execute(
                &format!(
                    "INSERT INTO operations ({COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) \
                     ON CONFLICT (kind, key) DO NOTHING"
                ),
                params![
                    op.id,
                    op.kind,
                    op.owner,
                    op.tool,
                    op.plan_id,
                    op.key,
                    json_text(&op.subject),
                    op.status.as_str(),
                    op.message,
                    json_text(&op.snapshot),
                    op.report.as_ref().map(json_text),
                    to_i64(op.created_ms),
                    to_i64(op.updated_ms),
                    to_i64(op.deadline_ms),
                    to_i64(op.next_poll_ms),
                    i64::from(op.polls),
                    i64::from(op.poll_failures),
                    op.lease_holder,
                    to_i64(op.lease_until_ms),
                    to_i64(op.version),
                ],
            )
            .map_err(failed)?;
        if inserted == 1 {
            return Ok(Inserted::New);
        }
        let existing = connection
            .query_row(
                &format!("SELECT {COLUMNS} FROM operations WHERE kind = ?1 AND key = ?2"),
                params![op.kind, op.key],
                read_row,
            )
            .map_err(failed)?;
        Ok(Inserted::Existing(Box::new(existing)))
    }

    fn get(&self, id: &str) -> Result<Option<Operation>, StoreError> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM operations WHERE id = ?1"),
                params![id],
                read_row,
            )
            .optional()
            .map_err(failed)
    }

    fn find(&self, kind: &str, key: &str) -> Result<Option<Operation>, StoreError> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM operations WHERE kind = ?1 AND key = ?2"),
                params![kind, key],
                read_row,
            )
            .optional()
            .map_err(failed)
    }

    fn update(&self, op: &Operation) -> Result<bool, StoreError> {
        let changed = self
            .lock()
            .execute(
                "UPDATE operations SET subject = ?1, status = ?2, message = ?3, snapshot = ?4, \
                 report = ?5, updated_ms = ?6, deadline_ms = ?7, next_poll_ms = ?8, polls = ?9, \
                 poll_failures = ?10, lease_holder = ?11, lease_until_ms = ?12, version = version + 1 \
                 WHERE id = ?13 AND version = ?14",
                params![
                    json_text(&op.subject),
                    op.status.as_str(),
                    op.message,
                    json_text(&op.snapshot),
                    op.report.as_ref().map(json_text),
                    to_i64(op.updated_ms),
                    to_i64(op.deadline_ms),
                    to_i64(op.next_poll_ms),
                    i64::from(op.polls),
                    i64::from(op.poll_failures),
                    op.lease_holder,
                    to_i64(op.lease_until_ms),
                    op.id,
                    to_i64(op.version),
                ],
            )
            .map_err(failed)?;
        Ok(changed == 1)
    }

    fn list(&self, owner: Option<&str>, running_only: bool) -> Result<Vec<Operation>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM operations \
                 WHERE (?1 IS NULL OR owner = ?1) AND (?2 = 0 OR status = 'running') \
                 ORDER BY created_ms DESC, id"
            ))
            .map_err(failed)?;
        let rows = statement
            .query_map(params![owner, i64::from(running_only)], read_row)
            .map_err(failed)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(failed)
    }

    fn lease_due(
        &self,
        now_ms: u64,
        holder: &str,
        lease_ms: u64,
        limit: usize,
    ) -> Result<Vec<Operation>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!(
                "UPDATE operations SET lease_holder = ?1, lease_until_ms = ?2, version = version + 1 \
                 WHERE id IN (SELECT id FROM operations WHERE status = 'running' \
                     AND next_poll_ms <= ?3 AND (lease_holder IS NULL OR lease_until_ms <= ?3 OR lease_holder = ?1) \
                     ORDER BY next_poll_ms LIMIT ?4) \
                 RETURNING {COLUMNS}"
            ))
            .map_err(failed)?;
        let rows = statement
            .query_map(
                params![
                    holder,
                    to_i64(now_ms.saturating_add(lease_ms)),
                    to_i64(now_ms),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                read_row,
            )
            .map_err(failed)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(failed)
    }

    fn next_due(&self) -> Result<Option<u64>, StoreError> {
        let next: Option<i64> = self
            .lock()
            .query_row(
                "SELECT MIN(next_poll_ms) FROM operations WHERE status = 'running'",
                [],
                |row| row.get(0),
            )
            .map_err(failed)?;
        Ok(next.map(from_i64))
    }

    fn describe(&self) -> String {
        self.location.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(key: &str, next: u64) -> Operation {
        Operation::new(
            "test.kind",
            "local",
            "test_tool",
            Some("plan-1".into()),
            key.into(),
            json!({"region_id": "cn-hangzhou"}),
            1_000,
            100_000,
            next,
        )
    }

    #[test]
    fn one_operation_per_kind_and_key() {
        let store = SqliteOperationStore::in_memory().expect("store");
        let first = op("r/exec-1", 2_000);
        assert_eq!(store.insert(&first).expect("insert"), Inserted::New);
        let again = op("r/exec-1", 2_000);
        match store.insert(&again).expect("insert") {
            Inserted::Existing(existing) => assert_eq!(existing.id, first.id),
            Inserted::New => panic!("a second record for the same key"),
        }
        assert_eq!(store.list(None, false).expect("list").len(), 1);
        assert_eq!(
            store
                .find("test.kind", "r/exec-1")
                .expect("find")
                .map(|o| o.id),
            Some(first.id)
        );
    }

    #[test]
    fn updates_compare_versions() {
        let store = SqliteOperationStore::in_memory().expect("store");
        let mut first = op("k", 2_000);
        store.insert(&first).expect("insert");
        let mut stale = first.clone();
        first.message = "polled".into();
        assert!(store.update(&first).expect("update"));
        stale.message = "lost update".into();
        assert!(
            !store.update(&stale).expect("update"),
            "a stale version must not land"
        );
        let stored = store.get(&first.id).expect("get").expect("present");
        assert_eq!(stored.message, "polled");
        assert_eq!(stored.version, 1);
    }

    #[test]
    fn leases_are_taken_once_until_they_expire() {
        let store = SqliteOperationStore::in_memory().expect("store");
        store.insert(&op("due", 2_000)).expect("insert");
        store.insert(&op("later", 9_000)).expect("insert");
        let taken = store.lease_due(3_000, "a", 1_000, 10).expect("lease");
        assert_eq!(
            taken.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
            ["due"]
        );
        assert!(
            store
                .lease_due(3_500, "b", 1_000, 10)
                .expect("lease")
                .is_empty()
        );
        let retaken = store.lease_due(4_001, "b", 1_000, 10).expect("lease");
        assert_eq!(retaken.len(), 1, "an expired lease is free again");
        assert_eq!(store.next_due().expect("next"), Some(2_000));
    }

    #[test]
    fn records_survive_reopening_the_directory() {
        let dir = tempfile::tempdir().expect("dir");
        let first = op("k", 2_000);
        {
            let store = SqliteOperationStore::open_dir(dir.path()).expect("store");
            store.insert(&first).expect("insert");
        }
        let store = SqliteOperationStore::open_dir(dir.path()).expect("store");
        let stored = store.get(&first.id).expect("get").expect("present");
        assert_eq!(stored, first);
        assert!(store.describe().starts_with("sqlite:"));
    }
}
