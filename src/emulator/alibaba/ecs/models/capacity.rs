//! What limits creation in one account and region, and what a repeated ClientToken call
//! gets back: stock left per zone and instance type (absent: the catalog default of
//! `rules::stock`), instance prices set through the admin API, the pay-as-you-go vCPU
//! quota, and the first answer of each `(action, ClientToken)`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// The account's capacity state in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Capacity {
    /// `"<zone>/<instance type>"` -> instances left; absent: the default stock.
    pub stock: BTreeMap<String, u32>,
    /// Instance type -> hourly pay-as-you-go price of the instance alone (CNY), replacing
    /// the computed one (an admin override, so a test can make a quote stale).
    pub prices: BTreeMap<String, f64>,
    /// The most vCPUs of pay-as-you-go instances in the region; absent: the default.
    pub vcpu_quota: Option<u32>,
    /// `"<Action>/<ClientToken>"` -> the first answer.
    pub tokens: BTreeMap<String, Map<String, Value>>,
}

impl Capacity {
    /// The stock key of a zone and type.
    pub fn key(zone: &str, instance_type: &str) -> String {
        format!("{zone}/{instance_type}")
    }

    /// The first answer of `action` with `token`, if any.
    pub fn answered(&self, action: &str, token: Option<&str>) -> Option<Map<String, Value>> {
        token.and_then(|t| self.tokens.get(&format!("{action}/{t}")).cloned())
    }

    /// Remembers the answer of `action` with `token` (no token: nothing to remember).
    pub fn remember(&mut self, action: &str, token: Option<&str>, answer: &Map<String, Value>) {
        if let Some(t) = token {
            self.tokens.insert(format!("{action}/{t}"), answer.clone());
        }
    }
}
