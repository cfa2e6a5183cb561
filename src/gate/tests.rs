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

fn gate() -> Gate {
    Gate::new(
        Arc::new(MemoryPlanStore::default()),
        Duration::from_secs(600),
    )
}

#[test]
fn claim_with_the_exact_phrase_succeeds_once() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now));
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_ok());
    let replay = gate.claim(&me, "p1", "CONFIRM q1", false, now);
    assert!(
        matches!(replay, Err(GateRefusal::Finished { ref what, .. }) if what == "already confirmed")
    );
}

#[test]
fn near_misses_are_refused_and_cancel_the_plan() {
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
        let gate = gate();
        gate.store(plan("p1", "quota:q1", me.clone(), now));
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

#[test]
fn a_forced_plan_refuses_the_plain_phrase_and_says_why() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    let mut forced = plan("p1", "quota:q1", me.clone(), now);
    forced.forced = true;
    forced.confirm_phrase = "CONFIRM-FORCE q1".into();
    gate.store(forced);
    let refusal = gate.claim(&me, "p1", "CONFIRM q1", false, now);
    assert!(
        matches!(refusal, Err(GateRefusal::WrongPhrase { ref advice, .. }) if advice.contains("CONFIRM-FORCE q1"))
    );
}

#[test]
fn another_session_cannot_see_or_confirm_a_plan() {
    let gate = gate();
    let now = SystemTime::now();
    gate.store(plan("p1", "quota:q1", owner("local", Some("s1")), now));
    let other = owner("local", Some("s2"));
    assert!(matches!(
        gate.claim(&other, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::UnknownPlan { .. })
    ));
    assert!(gate.list(&other, now).is_empty());
    // The owner still can.
    assert!(
        gate.claim(&owner("local", Some("s1")), "p1", "CONFIRM q1", false, now)
            .is_ok()
    );
}

#[test]
fn expired_plans_are_refused() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now));
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

#[test]
fn a_new_plan_for_the_same_target_replaces_the_old_one() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    assert_eq!(gate.store(plan("p1", "quota:q1", me.clone(), now)), None);
    assert_eq!(
        gate.store(plan("p2", "quota:q1", me.clone(), now)),
        Some("p1".into())
    );
    assert!(
        matches!(gate.claim(&me, "p1", "CONFIRM q1", false, now), Err(GateRefusal::Finished { ref what, .. }) if what.contains("p2"))
    );
    assert_eq!(gate.list(&me, now).len(), 1);
}

#[test]
fn cancel_drops_the_plan() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now));
    assert!(gate.cancel(&me, "p1", now).is_ok());
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_err());
}

#[test]
fn concurrent_claims_succeed_exactly_once() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now));
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

#[test]
fn a_human_only_plan_refuses_the_confirm_tool_but_not_the_human() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    let mut human = plan("p1", "quota:q1", me.clone(), now);
    human.human_only = true;
    gate.store(human);
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::HumanOnly { .. })
    ));
    assert!(gate.claim(&me, "p1", "CONFIRM q1", true, now).is_ok());
}

#[test]
fn a_plan_put_back_after_a_fault_is_pending_again() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now));
    let claimed = gate
        .claim(&me, "p1", "CONFIRM q1", false, now)
        .expect("claimed");
    assert_eq!(gate.restore(claimed), Restored::Pending);
    assert_eq!(gate.list(&me, now).len(), 1);
    assert!(gate.claim(&me, "p1", "CONFIRM q1", false, now).is_ok());
}

#[test]
fn a_plan_put_back_never_displaces_a_newer_plan() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", Some("s1"));
    gate.store(plan("p1", "quota:q1", me.clone(), now));
    let claimed = gate
        .claim(&me, "p1", "CONFIRM q1", false, now)
        .expect("claimed");
    // While p1 is being executed, the same owner plans the same target again.
    assert_eq!(gate.store(plan("p2", "quota:q1", me.clone(), now)), None);
    assert_eq!(
        gate.restore(claimed),
        Restored::Superseded { by: "p2".into() }
    );
    let open: Vec<String> = gate.list(&me, now).into_iter().map(|p| p.id).collect();
    assert_eq!(open, ["p2"], "the newer plan stays, the older one is gone");
    assert!(matches!(
        gate.claim(&me, "p1", "CONFIRM q1", false, now),
        Err(GateRefusal::Finished { ref what, .. }) if what.contains("replaced") && what.contains("p2")
    ));
    assert!(gate.claim(&me, "p2", "CONFIRM q1", false, now).is_ok());
}

#[test]
fn a_plan_put_back_is_superseded_even_when_the_newer_plan_already_ran() {
    let gate = gate();
    let now = SystemTime::now();
    let me = owner("local", None);
    gate.store(plan("p1", "quota:q1", me.clone(), now));
    let first = gate.claim(&me, "p1", "CONFIRM q1", false, now).expect("p1");
    gate.store(plan("p2", "quota:q1", me.clone(), now));
    gate.claim(&me, "p2", "CONFIRM q1", false, now).expect("p2");
    assert_eq!(
        gate.restore(first),
        Restored::Superseded { by: "p2".into() }
    );
    assert!(gate.list(&me, now).is_empty());
}

#[test]
fn another_owners_plan_for_the_same_target_is_left_alone() {
    let gate = gate();
    let now = SystemTime::now();
    let mine = owner("local", Some("s1"));
    let theirs = owner("local", Some("s2"));
    gate.store(plan("p1", "quota:q1", mine.clone(), now));
    assert_eq!(
        gate.store(plan("p2", "quota:q1", theirs.clone(), now)),
        None,
        "another session's plan replaces nothing of mine"
    );
    assert_eq!(gate.list(&mine, now).len(), 1);
    assert_eq!(gate.list(&theirs, now).len(), 1);
    // A plan of the other session made meanwhile does not supersede mine when it is put back.
    let claimed = gate
        .claim(&mine, "p1", "CONFIRM q1", false, now)
        .expect("p1");
    gate.store(plan("p3", "quota:q1", theirs.clone(), now));
    assert_eq!(gate.restore(claimed), Restored::Pending);
    assert!(gate.claim(&mine, "p1", "CONFIRM q1", false, now).is_ok());
    // The same owner still gets one open plan per target.
    assert_eq!(
        gate.store(plan("p4", "quota:q1", theirs.clone(), now)),
        Some("p3".into())
    );
}
