//! The embedded stores: this process's memory, for one server (or sticky sessions).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{NonceStore, PageRecord, PageStore, Stored, ToggleStore};
use crate::catalog::Toggles;

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Consumed nonces, forgotten once they could no longer be replayed.
#[derive(Debug, Default)]
pub struct MemoryNonces {
    consumed: Mutex<HashMap<String, Instant>>,
}

impl NonceStore for MemoryNonces {
    fn consume(&self, nonce: &str, ttl: Duration) -> Stored<bool> {
        let mut consumed = locked(&self.consumed);
        let now = Instant::now();
        consumed.retain(|_, until| *until > now);
        Ok(consumed.insert(nonce.to_string(), now + ttl).is_none())
    }
}

/// Tool-list changes by view.
#[derive(Debug, Default)]
pub struct MemoryToggles {
    views: Mutex<HashMap<String, Toggles>>,
}

impl ToggleStore for MemoryToggles {
    fn load(&self, view: &str) -> Stored<Toggles> {
        Ok(locked(&self.views).get(view).cloned().unwrap_or_default())
    }

    fn set(&self, view: &str, toolset: &str, enabled: bool) -> Stored<()> {
        let mut views = locked(&self.views);
        let toggles = views.entry(view.to_string()).or_default();
        if enabled {
            toggles.enable(toolset);
        } else {
            toggles.disable(toolset);
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Page {
    record: PageRecord,
    until: Instant,
}

/// Confirmation pages by secret; a page is kept a while after it expires so its plan's
/// outcome can still be read.
#[derive(Debug)]
pub struct MemoryPages {
    pages: Mutex<HashMap<String, Page>>,
    ttl: Duration,
}

impl MemoryPages {
    /// Pages that live `ttl` (the plan lifetime).
    pub fn new(ttl: Duration) -> Self {
        Self {
            pages: Mutex::new(HashMap::new()),
            ttl,
        }
    }
}

impl PageStore for MemoryPages {
    fn open(&self, secret: &str, page: &PageRecord, ttl: Duration) -> Stored<()> {
        let mut pages = locked(&self.pages);
        let now = Instant::now();
        let keep = self.ttl;
        pages.retain(|_, p| p.until + keep > now);
        pages.insert(
            secret.to_string(),
            Page {
                record: page.clone(),
                until: now + ttl,
            },
        );
        Ok(())
    }

    fn get(&self, secret: &str) -> Stored<Option<PageRecord>> {
        let now = Instant::now();
        Ok(locked(&self.pages)
            .get(secret)
            .filter(|p| p.until > now)
            .map(|p| p.record.clone()))
    }

    fn take_for_answer(&self, secret: &str) -> Stored<Option<PageRecord>> {
        let now = Instant::now();
        let mut pages = locked(&self.pages);
        let Some(page) = pages
            .get_mut(secret)
            .filter(|p| p.until > now && p.record.outcome.is_none())
        else {
            return Ok(None);
        };
        page.record.outcome = Some(json!({"status": "in_progress"}));
        Ok(Some(page.record.clone()))
    }

    fn record(&self, secret: &str, outcome: &Value) -> Stored<()> {
        if let Some(page) = locked(&self.pages).get_mut(secret) {
            page.record.outcome = Some(outcome.clone());
        }
        Ok(())
    }

    fn outcome_of(&self, plan_id: &str) -> Stored<Option<Value>> {
        Ok(locked(&self.pages)
            .values()
            .find(|p| p.record.plan_id == plan_id)
            .and_then(|p| p.record.outcome.clone()))
    }
}
