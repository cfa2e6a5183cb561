//! The fault soak: a fixed number of confirmed mutations across the toolsets, sixteen sessions at a
//! time over HTTP, while the emulator throttles 30 % of all calls, fails 5 % with a 5xx and loses
//! the answer of 2 % of the changes after committing them. At the end every confirmed plan was
//! either executed exactly once or reported failed, no resource exists twice, and the audit log's
//! executions match what the emulator committed, one for one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{Value, json};

use crate::common::{Harness, ServerSpec, Session, Transport, array, decisions, str_of};

/// Confirmed mutations in all.
const MUTATIONS: usize = 500;
/// Sessions at once.
const WORKERS: usize = 16;
/// Running, healthy instances of the demo account.
const TARGETS: [&str; 2] = ["i-bp1c215ekaig04d4edao", "i-bp1fxz12lqecdgnxtc5d"];
const PACKAGES: [&str; 4] = [
    "ACS-Extension-node-1853370294850618",
    "ACS-Extension-python-1853370294850618",
    "ACS-Extension-golang-1853370294850618",
    "ACS-Extension-Git-1853370294850618",
];
const QUOTA: &str = "quotateama0000001";

/// How one confirmed plan ended.
#[derive(Debug)]
enum Ended {
    /// Executed; the install's execution id, if it was one.
    Executed(Option<String>),
    /// Refused or failed, with the error type.
    Failed(String),
}

/// Plans one mutation and confirms it; a provider fault that keeps the plan pending is confirmed
/// again with the same phrase (what the hint tells an agent), a few times.
async fn one_mutation(session: &Session, worker: usize, round: usize) -> Option<(String, Ended)> {
    let (tool, args) = if round % 4 == 3 {
        (
            "pai_quota_update",
            json!({"quota_id": QUOTA, "description": format!("soak {worker}-{round}")}),
        )
    } else {
        (
            "ecsext_install",
            json!({
                "region_id": "cn-hangzhou",
                "instance_ids": [TARGETS[worker % TARGETS.len()]],
                "package_name": PACKAGES[(worker + round) % PACKAGES.len()],
            }),
        )
    };
    // Planning reads too, and a read can be throttled past its retries: plan again then.
    let mut plan = None;
    for _ in 0..5 {
        let result = session.call(tool, args.clone()).await;
        if result.is_error != Some(true) {
            plan = result.structured_content;
            break;
        }
    }
    let plan = plan?;
    let plan_id = str_of(&plan["plan_id"]);
    let phrase = str_of(&plan["confirm_phrase"]);
    for _ in 0..6 {
        let result = session.confirm(&plan_id, &phrase).await;
        let structured = result.structured_content.clone().unwrap_or(Value::Null);
        if result.is_error != Some(true) {
            assert_eq!(structured["status"], "executed", "{structured:#}");
            let execution = structured["result"]["execution_id"]
                .as_str()
                .map(str::to_string);
            return Some((plan_id, Ended::Executed(execution)));
        }
        let kind = str_of(&structured["error"]["type"]);
        let pending = str_of(&structured["error"]["user_action"]).contains("still pending");
        if !pending {
            return Some((plan_id, Ended::Failed(kind)));
        }
    }
    Some((plan_id, Ended::Failed("gave up".into())))
}

/// The OOS executions the emulator holds, by ClientToken (the plan's idempotency token).
fn executions_by_token(state: &Value) -> BTreeMap<String, Vec<String>> {
    fn walk(value: &Value, out: &mut BTreeMap<String, Vec<String>>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if key == "oos_client_tokens" {
                        if let Some(tokens) = item.as_object() {
                            for (token, id) in tokens {
                                out.entry(token.clone()).or_default().push(str_of(id));
                            }
                        }
                    } else {
                        walk(item, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(state, &mut out);
    out
}

/// Every OOS execution id in the emulator's state.
fn execution_ids(state: &Value) -> Vec<String> {
    let text = state.to_string();
    let mut ids = Vec::new();
    fn walk(value: &Value, ids: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if key == "oos_executions" {
                        ids.extend(array(item).iter().map(|e| str_of(&e["id"])));
                    } else {
                        walk(item, ids);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, ids)),
            _ => {}
        }
    }
    walk(state, &mut ids);
    assert!(!text.is_empty());
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_confirmed_mutations_under_faults_execute_once_or_fail_cleanly() {
    let h = Harness::start(
        ServerSpec::new(Transport::Http)
            .args(&["--operation-time-scale", "0.01", "--wait-timeout", "2s"])
            .emulator_args(&["--emulator-time-scale", "30"]),
    )
    .await;
    let seeded: BTreeSet<String> = execution_ids(&h.emu.state().await).into_iter().collect();
    for (kind, rate, only_mutating) in [
        ("throttle", 0.30, false),
        ("server_error", 0.05, false),
        ("server_error_after_commit", 0.02, true),
    ] {
        h.emu
            .admin_post(
                "faults",
                json!({"action": "*", "kind": kind, "rate": rate, "only_mutating": only_mutating}),
            )
            .await;
    }
    let started = Instant::now();
    let mut sessions = Vec::new();
    for _ in 0..WORKERS {
        sessions.push(h.new_session().await);
    }
    let per_worker = MUTATIONS.div_ceil(WORKERS);
    let workers = sessions
        .iter()
        .enumerate()
        .map(|(worker, session)| async move {
            let mut ended = Vec::new();
            let mut unplanned = 0;
            for round in 0..per_worker {
                if worker * per_worker + round >= MUTATIONS {
                    break;
                }
                match one_mutation(session, worker, round).await {
                    Some(done) => ended.push(done),
                    None => unplanned += 1,
                }
            }
            (ended, unplanned)
        });
    let mut ended = Vec::new();
    let mut unplanned = 0;
    for (done, missed) in futures::future::join_all(workers).await {
        ended.extend(done);
        unplanned += missed;
    }
    let elapsed = started.elapsed();
    h.emu.clear_faults().await;

    let executed: Vec<&(String, Ended)> = ended
        .iter()
        .filter(|(_, e)| matches!(e, Ended::Executed(_)))
        .collect();
    let failed: BTreeMap<String, usize> =
        ended.iter().fold(BTreeMap::new(), |mut counts, (_, e)| {
            if let Ended::Failed(kind) = e {
                *counts.entry(kind.clone()).or_insert(0) += 1;
            }
            counts
        });
    eprintln!(
        "soak: {} confirmed plans ({} executed, failed {failed:?}), {unplanned} never planned, in {elapsed:.1?} over HTTP at concurrency {WORKERS}",
        ended.len(),
        executed.len()
    );
    assert!(
        ended.len() + unplanned == MUTATIONS && ended.len() >= MUTATIONS * 9 / 10,
        "most mutations reached a confirmation: {} of {MUTATIONS}",
        ended.len()
    );
    assert!(
        executed.len() >= MUTATIONS / 2,
        "most confirmations executed"
    );

    // No plan executed twice, and each executed install is one execution the emulator holds.
    let state = h.emu.state().await;
    let tokens = executions_by_token(&state);
    assert!(
        tokens.values().all(|ids| ids.len() == 1),
        "one execution per ClientToken"
    );
    let ours: BTreeSet<String> = execution_ids(&state)
        .into_iter()
        .filter(|id| !seeded.contains(id))
        .collect();
    let reported: Vec<String> = executed
        .iter()
        .filter_map(|(_, e)| match e {
            Ended::Executed(id) => id.clone(),
            Ended::Failed(_) => None,
        })
        .collect();
    let reported_set: BTreeSet<String> = reported.iter().cloned().collect();
    assert_eq!(
        reported.len(),
        reported_set.len(),
        "no execution reported twice"
    );
    assert_eq!(
        ours, reported_set,
        "every execution in the emulator was reported executed, and every reported one exists: no duplicate, nothing lost"
    );

    // The audit log's executions match the confirmations one for one.
    drop(sessions);
    let finished = h.finish().await;
    let audited: Vec<&Value> = decisions(&finished.audit, "executed");
    let audited_plans: BTreeSet<String> = audited.iter().map(|l| str_of(&l["plan_id"])).collect();
    assert_eq!(
        audited.len(),
        audited_plans.len(),
        "no plan is audited as executed twice"
    );
    let executed_plans: BTreeSet<String> = executed.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(audited_plans, executed_plans, "audit and results agree");
    let audited_installs: BTreeSet<String> = audited
        .iter()
        .filter(|l| l["tool"] == "confirm" && l["plan_tool"] == "ecsext_install")
        .map(|l| str_of(&l["outcome"]["execution_id"]))
        .collect();
    assert_eq!(
        audited_installs, ours,
        "the audit names every execution the emulator committed"
    );
}
