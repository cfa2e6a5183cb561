use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::*;

fn owner(principal: &str, session: Option<&str>) -> Owner {
    Owner {
        principal: principal.into(),
        session: session.map(Into::into),
    }
}

fn plan(id: &str, target: &str, owner: Owner, now: SystemTime) -> Plan {
    Plan {
        waiver: None,
        id: id.into(),
        owner,
        tool: "pai_quota_scale".into(),
        toolset: "pai-quota".into(),
        target: target.into(),
        summary: "scale".into(),
        confirm_phrase: "CONFIRM q1".into(),
        plain_phrase: "CONFIRM q1".into(),
        forced: false,
        human_only: false,
        arguments: serde_json::Map::new(),
        arguments_digest: "d".into(),
        steps: Vec::new(),
        outcome_unknown: false,
        dry_run: Vec::new(),
        checks: Vec::new(),
        diff: json!({}),
        state_digest: "s".into(),
        created_at: now,
        expires_at: now + Duration::from_secs(600),
    }
}

fn memory_gate() -> Gate {
    Gate::new(
        Arc::new(MemoryPlanStore::default()),
        Duration::from_secs(600),
    )
}

fn claim_with_the_exact_phrase_succeeds_once(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_ok());
    let replay = gate.claim(&me, "p1", "CONFIRM q1", false, now);
    assert!(
        matches!(replay, Err(GateRefusal::Finished { ref what, .. }) if what == "already confirmed")
    );
}

fn near_misses_are_refused_and_cancel_the_plan(make: &dyn Fn() -> Gate) {
    let now = SystemTime::now();
    let me = owner("local", None);
    for phrase in [
        "yes",
        "ok",
        "confirm q1",
        "CONFIRM  q1",
        "CONFIRM q1 ",
        "CONFIRM-FORCE q1",
    ] {
        let gate = make();
        gate.store(plan("p1", "quota:q1", me.clone(), now))
            .expect("stored");
        assert!(
            matches!(
                gate.claim(&me, "p1", phrase, false, now),
                Err(GateRefusal::WrongPhrase { .. })
            ),
            "{phrase}"
        );
        assert!(
            gate.claim(&me, "p1", "CONFIRM q1", false, now).is_err(),
            "a wrong phrase cancels: {phrase}"
        );
    }
}

fn a_forced_plan_refuses_the_plain_phrase_and_says_why(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    let mut forced = plan("p1", "quota:q1", me.clone(), now);
    forced.forced = true;
    forced.confirm_phrase = "CONFIRM-FORCE q1".into();
    gate.store(forced).expect("stored");
    let refusal = gate.claim(&me, "p1", "CONFIRM q1", false, now);
    assert!(
        matches!(refusal, Err(GateRefusal::WrongPhrase { ref advice, .. }) if advice.contains("CONFIRM-FORCE q1"))
    );
}

fn another_session_cannot_see_or_confirm_a_plan(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    gate.store(plan("p1", "quota:q1", owner("local", Some("s1")), now))
        .expect("stored");
    let other = owner("local", Some("s2"));
    assert!(matches!(
        gate.claim(&other, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::UnknownPlan { .. })
    ));
    assert!(gate.list(&other, now).expect("listed").is_empty());
    // The owner still can.
    assert!(
        gate.claim(&owner("local", Some("s1")), "p1", "CONFIRM q1", false, now)
            .is_ok()
    );
}

fn expired_plans_are_refused(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    let later = now + Duration::from_secs(601);
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, later),
        Err(GateRefusal::Expired { .. })
    ));
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, later),
        Err(GateRefusal::Finished { .. })
    ));
}

fn a_new_plan_for_the_same_target_replaces_the_old_one(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    assert_eq!(
        gate.store(plan("p1", "quota:q1", me.clone(), now))
            .expect("stored"),
        None
    );
    assert_eq!(
        gate.store(plan("p2", "quota:q1", me.clone(), now))
            .expect("stored"),
        Some("p1".into())
    );
    assert!(
        matches!(gate.claim(&me, "p1", "CONFIRM q1", false, now), Err(GateRefusal::Finished { ref what, .. }) if what.contains("p2"))
    );
    assert_eq!(gate.list(&me, now).expect("listed").len(), 1);
}

fn cancel_drops_the_plan(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    assert!(gate.cancel(&me, "p1", now).is_ok());
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_err());
}

fn concurrent_claims_succeed_exactly_once(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    let wins: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| gate.claim(&me, "p1", "CONFIRM q1", false, now).is_ok() as usize)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    assert_eq!(wins, 1);
}

fn a_human_only_plan_refuses_the_confirm_tool_but_not_the_human(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    let mut human = plan("p1", "quota:q1", me.clone(), now);
    human.human_only = true;
    gate.store(human).expect("stored");
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::HumanOnly { .. })
    ));
    assert!(gate.claim(&me, "p1", "CONFIRM q1", true, now).is_ok());
}

fn a_plan_put_back_after_a_fault_is_pending_again(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    let claimed = gate
        .claim(&me, "p1", "CONFIRM q1", false, now)
        .expect("claimed");
    assert_eq!(gate.restore(claimed).expect("restored"), Restored::Pending);
    assert_eq!(gate.list(&me, now).expect("listed").len(), 1);
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_ok());
}

fn a_plan_put_back_never_displaces_a_newer_plan(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    let claimed = gate
        .claim(&me, "p1", "CONFIRM q1", false, now)
        .expect("claimed");
    // While p1 is being executed, the same owner plans the same target again.
    assert_eq!(
        gate.store(plan("p2", "quota:q1", me.clone(), now))
            .expect("stored"),
        None
    );
    assert_eq!(
        gate.restore(claimed).expect("restored"),
        Restored::Superseded { by: "p2".into() }
    );
    let open: Vec<String> = gate
        .list(&me, now)
        .expect("listed")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(open, ["p2"], "the newer plan stays, the older one is gone");
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::Finished { ref what, .. }) if what.contains("replaced") && what.contains("p2")
    ));
    assert!(gate.claim(&me, "p2", "CONFIRM q1", false, now).is_ok());
}

fn a_plan_put_back_is_superseded_even_when_the_newer_plan_already_ran(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now))
        .expect("stored");
    let first = gate.claim(&me, "p1", "CONFIRM q1", false, now).expect("p1");
    gate.store(plan("p2", "quota:q1", me.clone(), now))
        .expect("stored");
    gate.claim(&me, "p2", "CONFIRM q1", false, now).expect("p2");
    assert_eq!(
        gate.restore(first).expect("restored"),
        Restored::Superseded { by: "p2".into() }
    );
    assert!(gate.list(&me, now).expect("listed").is_empty());
}

fn another_owners_plan_for_the_same_target_is_left_alone(make: &dyn Fn() -> Gate) {
    let gate = make();
    let now = SystemTime::now();
    let mine = owner("local", Some("s1"));
    let theirs = owner("local", Some("s2"));
    gate.store(plan("p1", "quota:q1", mine.clone(), now))
        .expect("stored");
    assert_eq!(
        gate.store(plan("p2", "quota:q1", theirs.clone(), now))
            .expect("stored"),
        None,
        "another session's plan replaces nothing of mine"
    );
    assert_eq!(gate.list(&mine, now).expect("listed").len(), 1);
    assert_eq!(gate.list(&theirs, now).expect("listed").len(), 1);
    // A plan of the other session made meanwhile does not supersede mine when it is put back.
    let claimed = gate
        .claim(&mine, "p1", "CONFIRM q1", false, now)
        .expect("p1");
    gate.store(plan("p3", "quota:q1", theirs.clone(), now))
        .expect("stored");
    assert_eq!(gate.restore(claimed).expect("restored"), Restored::Pending);
    assert!(gate.claim(&mine, "p1", "CONFIRM q1", false, now).is_ok());
    // The same owner still gets one open plan per target.
    assert_eq!(
        gate.store(plan("p4", "quota:q1", theirs.clone(), now))
            .expect("stored"),
        Some("p3".into())
    );
}

/// Every rule above holds for the embedded store and for the shared one (a real redis-server).
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[test]
            fn $name() {
                super::$name(&super::memory_gate)
            })*
        }
        mod redis {
            use super::Gate;

            $(#[test]
            fn $name() {
                let Some(server) = crate::state::redis::testing::RedisServer::start() else {
                    return;
                };
                super::$name(&|| {
                    Gate::new(
                        std::sync::Arc::new(crate::state::redis::RedisPlanStore::new(server.link())),
                        std::time::Duration::from_secs(600),
                    )
                })
            })*
        }
    };
}

on_every_store!(
    claim_with_the_exact_phrase_succeeds_once,
    near_misses_are_refused_and_cancel_the_plan,
    a_forced_plan_refuses_the_plain_phrase_and_says_why,
    another_session_cannot_see_or_confirm_a_plan,
    expired_plans_are_refused,
    a_new_plan_for_the_same_target_replaces_the_old_one,
    cancel_drops_the_plan,
    concurrent_claims_succeed_exactly_once,
    a_human_only_plan_refuses_the_confirm_tool_but_not_the_human,
    a_plan_put_back_after_a_fault_is_pending_again,
    a_plan_put_back_never_displaces_a_newer_plan,
    a_plan_put_back_is_superseded_even_when_the_newer_plan_already_ran,
    another_owners_plan_for_the_same_target_is_left_alone,
);

/// The embedded store keeps a plan as its JSON: what comes back is the plan that went in,
/// to the last field (floats, nesting, times).
#[test]
fn the_embedded_store_gives_back_exactly_the_plan_it_was_given() {
    let store = MemoryPlanStore::default();
    let now = SystemTime::now();
    let mut original = plan("p1", "quota:q1", owner("local", Some("s1")), now);
    original.waiver = Some("the user said: go ahead".into());
    original.arguments = json!({"quota_id": "q1", "count": 3, "ratio": 0.35, "tags": [{"k": "v"}]})
        .as_object()
        .cloned()
        .unwrap();
    original.dry_run =
        vec![json!({"step": "update", "body": {"NodeSpecs": [{"Type": "gpu", "Count": 2}]}})];
    original.diff = json!({"cost": {"estimated_total": 0.005943, "formula": "0.5 vCPU x 300 s"}});
    let expected = serde_json::to_value(&original).unwrap();
    store.insert(original.clone()).unwrap();
    let got = store.get("p1").unwrap().expect("pending");
    assert_eq!(serde_json::to_value(&got).unwrap(), expected);
    assert_eq!(got.created_at, original.created_at);
    let listed = store.list(&owner("local", Some("s1"))).unwrap();
    assert_eq!(serde_json::to_value(&listed[0]).unwrap(), expected);
    let taken = store
        .take(
            "p1",
            Tombstone::new("already confirmed", original.owner.clone()),
        )
        .unwrap()
        .expect("taken");
    assert_eq!(serde_json::to_value(&taken).unwrap(), expected);
    assert!(store.get("p1").unwrap().is_none());
    // Expiry ends it with a tombstone without reading it back.
    store.insert(original.clone()).unwrap();
    store.expire(now + Duration::from_secs(601)).unwrap();
    assert!(store.get("p1").unwrap().is_none());
    assert_eq!(store.tombstone("p1").unwrap().unwrap().what, "expired");
}
