//! The store interface: what the engine needs from wherever operations are kept.

use super::Operation;

/// A store that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the operation store failed: {0}")]
pub struct StoreError(pub String);

/// What inserting an operation came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// Stored as given.
    New,
    /// The same kind and key was already followed: the existing record, unchanged.
    Existing(Box<Operation>),
}

/// Operations, kept where they survive what they must (a restart for the embedded store,
/// a replica's death for a shared one).
///
/// Every write is one atomic step of the store: an insert is refused when its kind and key
/// exist, an update only lands on the version it read, and a lease is taken only when free.
pub trait OperationStore: Send + Sync + std::fmt::Debug {
    /// Stores a new operation, unless one with its kind and key exists.
    fn insert(&self, operation: &Operation) -> Result<Inserted, StoreError>;

    /// The operation with this id.
    fn get(&self, id: &str) -> Result<Option<Operation>, StoreError>;

    /// The operation of `kind` following `key`.
    fn find(&self, kind: &str, key: &str) -> Result<Option<Operation>, StoreError>;

    /// Writes `operation` if the stored version is still `operation.version`; the stored copy
    /// then has the next version. False when someone else updated it first.
    fn update(&self, operation: &Operation) -> Result<bool, StoreError>;

    /// Operations of `owner` (all owners when `None`), newest first; only running ones when
    /// `running_only`.
    fn list(&self, owner: Option<&str>, running_only: bool) -> Result<Vec<Operation>, StoreError>;

    /// Takes the lease of up to `limit` running operations due for a poll at `now_ms` whose
    /// lease is free or expired, for `holder` until `now_ms + lease_ms`, and returns them
    /// (with the lease and version as stored).
    fn lease_due(
        &self,
        now_ms: u64,
        holder: &str,
        lease_ms: u64,
        limit: usize,
    ) -> Result<Vec<Operation>, StoreError>;

    /// The earliest `next_poll_ms` of any running operation.
    fn next_due(&self) -> Result<Option<u64>, StoreError>;

    /// Where the store is, for `skillgate status` (`sqlite:/path`, `sqlite::memory:`).
    fn describe(&self) -> String;
}
