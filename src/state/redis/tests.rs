//! The Redis stores against a real redis-server (the plan store's rules run in `gate::tests`
//! against both stores).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::testing::RedisServer;
use super::*;
use crate::gate::Owner;
use crate::operations::{Inserted, OpStatus, Operation, OperationStore};
use crate::state::{NonceStore, PageRecord, PageStore, ToggleStore};

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
fn a_nonce_is_consumed_once_across_replicas() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let link = server.link();
    let (one, two) = (RedisNonces::new(Arc::clone(&link)), RedisNonces::new(link));
    let ttl = Duration::from_secs(60);
    assert_eq!(one.consume("n1", ttl), Ok(true));
    assert_eq!(
        two.consume("n1", ttl),
        Ok(false),
        "a replay on another replica"
    );
    assert_eq!(two.consume("n2", ttl), Ok(true));
}

#[test]
fn nonces_expire_by_redis_ttl() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let nonces = RedisNonces::new(server.link());
    assert_eq!(nonces.consume("n", Duration::from_millis(50)), Ok(true));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(nonces.consume("n", Duration::from_millis(50)), Ok(true));
}

#[test]
fn toggles_are_shared_per_view() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let link = server.link();
    let (one, two) = (
        RedisToggles::new(Arc::clone(&link)),
        RedisToggles::new(link),
    );
    one.set("principal:a", "autodl", true).expect("set");
    one.set("principal:a", "pai-quota", false).expect("set");
    let mut expected = crate::catalog::Toggles::default();
    expected.enable("autodl");
    expected.disable("pai-quota");
    assert_eq!(two.load("principal:a").expect("load"), expected);
    assert_eq!(two.load("principal:b").expect("load"), Default::default());
}

#[test]
fn a_page_is_answered_once_and_its_outcome_read_anywhere() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let link = server.link();
    let ttl = Duration::from_secs(60);
    let (one, two) = (
        RedisPages::new(Arc::clone(&link), ttl),
        RedisPages::new(link, ttl),
    );
    let record = PageRecord {
        plan_id: "plan-1".into(),
        owner: Owner {
            principal: "local".into(),
            session: None,
        },
        plan: json!({"plan_id": "plan-1", "summary": "scale"}),
        outcome: None,
    };
    one.open("secret", &record, ttl).expect("open");
    assert_eq!(
        two.get("secret").expect("get").map(|p| p.plan_id),
        Some("plan-1".into())
    );
    let wins = std::thread::scope(|scope| {
        let handles: Vec<_> = [&one, &two, &one, &two]
            .into_iter()
            .map(|pages| {
                scope.spawn(move || pages.take_for_answer("secret").expect("take").is_some())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap_or(false)))
            .sum::<usize>()
    });
    assert_eq!(wins, 1, "one answer runs");
    two.record("secret", &json!({"status": "executed"}))
        .expect("record");
    assert_eq!(
        one.outcome_of("plan-1").expect("outcome"),
        Some(json!({"status": "executed"}))
    );
    assert!(one.get("absent").expect("get").is_none());
}

#[test]
fn one_operation_per_kind_and_key_and_versions_compare() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisOperationStore::new(server.link());
    let mut first = op("r/exec-1", 2_000);
    assert_eq!(store.insert(&first).expect("insert"), Inserted::New);
    match store.insert(&op("r/exec-1", 2_000)).expect("insert") {
        Inserted::Existing(existing) => assert_eq!(existing.id, first.id),
        Inserted::New => panic!("a second record for the same key"),
    }
    assert_eq!(
        store
            .find("test.kind", "r/exec-1")
            .expect("find")
            .map(|o| o.id),
        Some(first.id.clone())
    );
    let mut stale = first.clone();
    first.message = "polled".into();
    assert!(store.update(&first).expect("update"));
    stale.message = "lost update".into();
    assert!(
        !store.update(&stale).expect("update"),
        "a stale version must not land"
    );
    let stored = store.get(&first.id).expect("get").expect("present");
    assert_eq!((stored.message.as_str(), stored.version), ("polled", 1));
    let mut done = stored;
    done.status = OpStatus::Succeeded;
    assert!(store.update(&done).expect("update"));
    assert!(store.list(None, true).expect("list").is_empty());
    assert_eq!(store.list(Some("local"), false).expect("list").len(), 1);
    assert_eq!(
        store.next_due().expect("next"),
        None,
        "a finished operation is not due"
    );
}

#[test]
fn leases_are_taken_once_until_they_expire() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let link = server.link();
    let (a, b) = (
        RedisOperationStore::new(Arc::clone(&link)),
        RedisOperationStore::new(link),
    );
    a.insert(&op("due", 2_000)).expect("insert");
    a.insert(&op("later", 9_000)).expect("insert");
    let taken = a.lease_due(3_000, "a", 1_000, 10).expect("lease");
    assert_eq!(
        taken.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["due"]
    );
    assert_eq!(taken[0].lease_holder.as_deref(), Some("a"));
    assert!(
        b.lease_due(3_500, "b", 1_000, 10)
            .expect("lease")
            .is_empty(),
        "held by a"
    );
    let retaken = b.lease_due(4_001, "b", 1_000, 10).expect("lease");
    assert_eq!(retaken.len(), 1, "an expired lease is free again");
    // The lease bumped the version, so a's stale write after losing the lease does not land.
    assert!(!a.update(&taken[0]).expect("update"));
    assert!(b.update(&retaken[0]).expect("update"));
    assert_eq!(a.next_due().expect("next"), Some(2_000));
}

#[test]
fn a_stopped_redis_is_reported_unavailable_and_a_restarted_one_answers() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let (url, port) = (server.url(), server.port());
    let link = Arc::new(RedisLink::open(&url, None, "down:").expect("link"));
    let nonces = RedisNonces::new(Arc::clone(&link));
    assert_eq!(link.ping(), Ok(()));
    assert_eq!(nonces.consume("n", Duration::from_secs(60)), Ok(true));
    drop(server);
    let refused = nonces.consume("m", Duration::from_secs(60));
    let message = refused.expect_err("Redis is down").to_string();
    assert!(
        !message.contains("redis://"),
        "no URL in the message: {message}"
    );
    let _again = RedisServer::start_on(port).expect("restarted");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while link.ping().is_err() {
        assert!(std::time::Instant::now() < deadline, "the link reconnects");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(nonces.consume("m", Duration::from_secs(60)), Ok(true));
}

#[test]
fn the_url_is_shown_without_its_password() {
    let link = RedisLink::open("redis://:hunter2@127.0.0.1:1/3", None, "p:").expect("link");
    assert_eq!(link.describe(), "redis://127.0.0.1:1/3");
    assert!(!format!("{link:?}").contains("hunter2"));
    let tls = RedisLink::open("rediss://127.0.0.1:2/0", Some("pw"), "p:").expect("link");
    assert_eq!(tls.describe(), "rediss://127.0.0.1:2/0");
    assert!(RedisLink::open("http://127.0.0.1:1", None, "p:").is_err());
}
