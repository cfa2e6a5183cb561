//! Nonces, tool-list changes and confirmation pages in Redis.

use std::sync::Arc;
use std::time::Duration;

use redis::Script;
use serde_json::{Value, json};

use super::RedisLink;
use crate::catalog::Toggles;
use crate::state::{NonceStore, PageRecord, PageStore, StateUnavailable, Stored, ToggleStore};

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn encode(value: &impl serde::Serialize) -> Stored<String> {
    serde_json::to_string(value).map_err(|e| StateUnavailable::new(format!("cannot encode: {e}")))
}

/// Consumed nonces: `SET NX` with the TTL, which is the check and the mark in one step.
#[derive(Debug)]
pub struct RedisNonces {
    link: Arc<RedisLink>,
}

impl RedisNonces {
    /// Nonces in the Redis behind `link`.
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self { link }
    }
}

impl NonceStore for RedisNonces {
    fn consume(&self, nonce: &str, ttl: Duration) -> Stored<bool> {
        let key = self.link.key(&format!("nonce:{nonce}"));
        let ttl = millis(ttl);
        let set: Option<String> = self.link.run(move |mut con| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query_async(&mut con)
                .await
        })?;
        Ok(set.is_some())
    }
}

/// How long a view's changes are kept after its last change: longer than any session lasts.
const TOGGLES_KEEP: Duration = Duration::from_secs(24 * 3600);

/// Tool-list changes: one hash per view, one field per toolset (`1` enabled, `0` disabled), so
/// every change is one `HSET`.
#[derive(Debug)]
pub struct RedisToggles {
    link: Arc<RedisLink>,
}

impl RedisToggles {
    /// Changes in the Redis behind `link`.
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self { link }
    }
}

impl ToggleStore for RedisToggles {
    fn load(&self, view: &str) -> Stored<Toggles> {
        let key = self.link.key(&format!("toggles:{view}"));
        let fields: Vec<(String, String)> = self.link.run(move |mut con| async move {
            redis::cmd("HGETALL").arg(key).query_async(&mut con).await
        })?;
        let mut toggles = Toggles::default();
        for (toolset, state) in fields {
            if state == "1" {
                toggles.enable(&toolset);
            } else {
                toggles.disable(&toolset);
            }
        }
        Ok(toggles)
    }

    fn set(&self, view: &str, toolset: &str, enabled: bool) -> Stored<()> {
        let key = self.link.key(&format!("toggles:{view}"));
        let toolset = toolset.to_string();
        self.link.run(move |mut con| async move {
            redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(&key)
                .arg(toolset)
                .arg(if enabled { "1" } else { "0" })
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(millis(TOGGLES_KEEP))
                .ignore()
                .query_async::<()>(&mut con)
                .await
        })
    }
}

/// KEYS: page, outcome. ARGV: the in-progress outcome, its TTL ms. Marks an unanswered page
/// answered and returns it, in one step, so one answer runs on whichever replica gets it.
const TAKE_FOR_ANSWER: &str = r"
local page = redis.call('GET', KEYS[1])
if not page then return false end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return page end
return false
";

/// Confirmation pages: the page (TTL of the plan), its outcome and the plan's page (kept twice
/// as long, so the outcome can be read after the page is gone).
#[derive(Debug)]
pub struct RedisPages {
    link: Arc<RedisLink>,
    ttl: Duration,
    take: Script,
}

impl RedisPages {
    /// Pages in the Redis behind `link`, living `ttl` (the plan lifetime).
    pub fn new(link: Arc<RedisLink>, ttl: Duration) -> Self {
        Self {
            link,
            ttl,
            take: Script::new(TAKE_FOR_ANSWER),
        }
    }

    fn keys(&self, secret: &str) -> (String, String) {
        (
            self.link.key(&format!("page:{secret}")),
            self.link.key(&format!("page-outcome:{secret}")),
        )
    }
}

fn parse_page(text: Option<String>, outcome: Option<String>) -> Option<PageRecord> {
    let mut page: PageRecord = serde_json::from_str(&text?).ok()?;
    page.outcome = outcome.and_then(|o| serde_json::from_str(&o).ok());
    Some(page)
}

impl PageStore for RedisPages {
    fn open(&self, secret: &str, page: &PageRecord, ttl: Duration) -> Stored<()> {
        let (page_key, _) = self.keys(secret);
        let of_plan = self.link.key(&format!("page-of:{}", page.plan_id));
        let text = encode(&PageRecord {
            outcome: None,
            ..page.clone()
        })?;
        let secret = secret.to_string();
        let (ttl, keep) = (millis(ttl), millis(self.ttl * 2));
        self.link.run(move |mut con| async move {
            redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(page_key)
                .arg(text)
                .arg("PX")
                .arg(ttl)
                .ignore()
                .cmd("SET")
                .arg(of_plan)
                .arg(secret)
                .arg("PX")
                .arg(keep)
                .ignore()
                .query_async::<()>(&mut con)
                .await
        })
    }

    fn get(&self, secret: &str) -> Stored<Option<PageRecord>> {
        let (page, outcome) = self.keys(secret);
        let (text, outcome): (Option<String>, Option<String>) =
            self.link.run(move |mut con| async move {
                redis::cmd("MGET")
                    .arg(page)
                    .arg(outcome)
                    .query_async(&mut con)
                    .await
            })?;
        Ok(parse_page(text, outcome))
    }

    fn take_for_answer(&self, secret: &str) -> Stored<Option<PageRecord>> {
        let (page, outcome) = self.keys(secret);
        let in_progress = json!({"status": "in_progress"}).to_string();
        let keep = millis(self.ttl * 2);
        let script = self.take.clone();
        let text: Option<String> = self.link.run(move |mut con| async move {
            script
                .key(page)
                .key(outcome)
                .arg(&in_progress)
                .arg(keep)
                .invoke_async(&mut con)
                .await
        })?;
        Ok(parse_page(
            text,
            Some(json!({"status": "in_progress"}).to_string()),
        ))
    }

    fn record(&self, secret: &str, outcome: &Value) -> Stored<()> {
        let (_, key) = self.keys(secret);
        let text = outcome.to_string();
        let keep = millis(self.ttl * 2);
        self.link.run(move |mut con| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(text)
                .arg("PX")
                .arg(keep)
                .query_async::<()>(&mut con)
                .await
        })
    }

    fn outcome_of(&self, plan_id: &str) -> Stored<Option<Value>> {
        let of_plan = self.link.key(&format!("page-of:{plan_id}"));
        let prefix = self.link.key("page-outcome:");
        let text: Option<String> = self.link.run(move |mut con| async move {
            let secret: Option<String> =
                redis::cmd("GET").arg(of_plan).query_async(&mut con).await?;
            match secret {
                Some(secret) => {
                    redis::cmd("GET")
                        .arg(format!("{prefix}{secret}"))
                        .query_async(&mut con)
                        .await
                }
                None => Ok(None),
            }
        })?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}
