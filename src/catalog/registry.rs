//! What the code behind the catalog provides, so a catalog can be checked against it at startup:
//! every guard, executor and provider a catalog names must exist, and guards must come in an
//! order where every fact a guard reads was loaded by a guard before it.

use std::collections::{BTreeMap, BTreeSet};

/// What one guard declares about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardInfo {
    /// Facts an earlier guard must have loaded (`quota`, `workspace`).
    pub needs: &'static [&'static str],
    /// Facts it loads for later guards.
    pub provides: &'static [&'static str],
    /// Catalog tools whose declared call it sends (reads), so they must exist.
    pub calls: &'static [&'static str],
}

/// Guards, executors and providers the binary has.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Guard names (without arguments) with what they need and provide.
    pub guards: BTreeMap<&'static str, GuardInfo>,
    /// Executor names.
    pub executors: BTreeSet<&'static str>,
    /// Reader names with the catalog tools whose declared calls they send.
    pub readers: BTreeMap<&'static str, &'static [&'static str]>,
    /// Long-operation kinds with the catalog tools whose declared calls they send.
    pub operations: BTreeMap<&'static str, &'static [&'static str]>,
    /// Provider ids with a client.
    pub providers: BTreeSet<&'static str>,
}
