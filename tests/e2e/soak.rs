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
/// Every provider the mix reaches gets the same faults.
const PROVIDERS: [&str; 3] = ["alibaba", "huawei", "autodl"];

/// The names of the VPCs, notebooks and AutoDL deployments in every account of the emulator.
fn created_names(accounts: &Value) -> BTreeMap<String, usize> {
    fn walk(value: &Value, out: &mut BTreeMap<String, usize>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if ["vpcs", "notebooks", "deployments"]
                        .iter()
                        .any(|k| key.ends_with(k))
                    {
                        for resource in array(item) {
                            let name = ["name", "Name", "VpcName"]
                                .iter()
                                .find_map(|k| resource[*k].as_str())
                                .unwrap_or_default();
                            *out.entry(name.to_owned()).or_insert(0) += 1;
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
    walk(accounts, &mut out);
    out
}

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
async fn one_mutation(
    session: &Session,
    worker: usize,
    round: usize,
) -> Option<(String, Option<String>, Ended)> {
    let name = format!("soak-{worker}-{round}");
    let (tool, args, created) = match round % 8 {
        // Eight VPCs in all: the account's quota is ten per region.
        4 if worker.is_multiple_of(4) && round % 16 == 4 => (
            "cp_vpc_create_vpc",
            json!({"region_id": "cn-hangzhou", "vpc_name": name, "cidr_block": "10.0.0.0/16"}),
            Some(name),
        ),
        5 => (
            "ma_nb_create",
            json!({"name": name, "flavor": "modelarts.vm.cpu.2u", "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54202", "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}),
            Some(name),
        ),
        // Half the workers: 32 one-GPU deployments, within the demo stock of three GPU models.
        6 if worker.is_multiple_of(2) => (
            "autodl_create_deployment",
            // The confirmation queues the deployment and skillgate submits it when GPUs are idle:
            // by the end it exists at most once (the queue may still hold it).
            json!({"config": {
                "name": format!("soak-dl-{worker}-{round}"), "deployment_type": "ReplicaSet", "replica_num": 1, "reuse_container": false,
                "container_template": {
                    "gpu_name_set": ["RTX 4090", "RTX 3090", "A100"], "gpu_num": 1, "cuda_v": "11.8",
                    "cpu_num_from": 1, "cpu_num_to": 64, "memory_size_from": 1, "memory_size_to": 256,
                    "price_from": 100, "price_to": 20000, "image_uuid": "image-4f1c2b9d8e", "cmd": "cd /root && python app.py",
                }
            }}),
            Some(format!("soak-dl-{worker}-{round}")),
        ),
        _ => old_mix(worker, round),
    };
    let ended = confirm_one(session, tool, args).await?;
    Some((ended.0, created, ended.1))
}

/// The first toolsets' mix: OOS installs, and every fourth a PAI quota update.
fn old_mix(worker: usize, round: usize) -> (&'static str, Value, Option<String>) {
    if round % 4 == 3 {
        (
            "pai_quota_update",
            json!({"quota_id": QUOTA, "description": format!("soak {worker}-{round}")}),
            None,
        )
    } else {
        (
            "ecsext_install",
            json!({
                "region_id": "cn-hangzhou",
                "instance_ids": [TARGETS[worker % TARGETS.len()]],
                "package_name": PACKAGES[(worker + round) % PACKAGES.len()],
            }),
            None,
        )
    }
}

/// Plans one mutation and confirms it, confirming again while a fault keeps the plan pending.
async fn confirm_one(session: &Session, tool: &str, args: Value) -> Option<(String, Ended)> {
    // Planning reads too, and a read can be throttled past its retries: plan again then.
    let mut plan = None;
    let mut last = Value::Null;
    for _ in 0..8 {
        let result = session.call(tool, args.clone()).await;
        if result.is_error != Some(true) {
            plan = result.structured_content;
            break;
        }
        last = result.structured_content.unwrap_or(Value::Null);
    }
    let Some(plan) = plan else {
        eprintln!("soak: {tool} never planned: {}", last["error"]);
        return None;
    };
    assert!(plan["plan_id"].is_string(), "{tool}: {plan:#}");
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
        let kind = structured["error"]["type"]
            .as_str()
            .unwrap_or_else(|| panic!("{tool}: a refusal names its type: {structured:#}"))
            .to_owned();
        let pending = structured["error"]["user_action"]
            .as_str()
            .is_some_and(|a| a.contains("still pending"));
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
        for provider in PROVIDERS {
            h.emu
                .admin_post(
                    "faults",
                    json!({"provider": provider, "action": "*", "kind": kind, "rate": rate, "only_mutating": only_mutating}),
                )
                .await;
        }
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

    let by_tool: BTreeMap<bool, usize> = ended.iter().fold(BTreeMap::new(), |mut m, (_, c, _)| {
        *m.entry(c.is_some()).or_insert(0) += 1;
        m
    });
    let created: Vec<(String, bool)> = ended
        .iter()
        .filter_map(|(_, c, e)| {
            c.clone().map(|n| {
                if let Ended::Failed(kind) = e {
                    eprintln!("soak: {n} failed: {kind}");
                }
                (n, matches!(e, Ended::Executed(_)))
            })
        })
        .collect();
    let ended: Vec<(String, Ended)> = ended.into_iter().map(|(p, _, e)| (p, e)).collect();
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

    // Every create across the providers: nothing twice; an executed one exists, a failed one does not.
    eprintln!("soak mix: {by_tool:?} (true: creates across compute, ModelArts and AutoDL)");
    let names = created_names(&h.emu.accounts().await);
    assert!(
        names
            .iter()
            .all(|(n, c)| !n.starts_with("soak-") || *c == 1),
        "no resource exists twice: {:?}",
        names.iter().filter(|(_, c)| **c > 1).collect::<Vec<_>>()
    );
    for (name, executed) in &created {
        let exists = names.get(name).copied().unwrap_or(0);
        if name.starts_with("soak-dl-") {
            assert!(*executed || exists == 0, "{name}: failed, yet exists");
        } else {
            assert_eq!(
                exists,
                usize::from(*executed),
                "{name}: executed {executed}, exists {exists}"
            );
        }
    }

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
