//! Three `skillgate serve` replicas sharing one real `redis-server`, behind a real round-robin
//! nginx, against one standalone emulator: every process on an ephemeral loopback port, stopped
//! by its pid. The scenarios run in order in one test, sharing the processes (replicas are
//! stopped in the last two):
//! - a plan made on one replica is confirmed on another;
//! - 500 concurrent confirms of one plan, spread over the replicas by nginx, execute it once
//!   (the emulator's request log counts the mutating calls);
//! - Redis stopped mid-run: reads go on, mutations and confirmations are refused with
//!   `state_unavailable`; restarted, the pending plan confirms once, nothing lost or doubled;
//! - a replica killed (SIGKILL) during a long operation, which another replica finishes without
//!   a second submit;
//! - a replica sent SIGTERM while a confirmation of its is in flight: the confirmation runs to
//!   its end, the replica exits by itself, and the rest keep serving.
//!
//! Skips (saying so) when redis-server or nginx is missing outside CI; in CI it fails.

#[path = "../support/http_server.rs"]
mod http_server;
mod processes;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use processes::{Emulator, Nginx, Redis, Replica};

const QUOTA_ID: &str = "quotateamroot0001";
const TOKEN: &str = "replica-test-token-0123456789";
const NODE: &str = "ACS-Extension-node-1853370294850618";
/// Running, Cloud Assistant healthy, nothing installed (emulator seed).
const WEB_02: &str = "i-bp1c215ekaig04d4edao";

/// A stateless 2026-07-28 client with the shared bearer token.
struct Client {
    http: reqwest::Client,
}

impl Client {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(600)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    /// `tools/call` on `base` (a replica or nginx); the tool's `structuredContent` and whether
    /// it is an error.
    async fn call(&self, base: &str, name: &str, arguments: Value) -> (Value, bool) {
        let response = self
            .http
            .post(format!("{base}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", name)
            .json(&json!({
                "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {
                    "name": name, "arguments": arguments,
                    "_meta": {
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientCapabilities": {},
                        "io.modelcontextprotocol/clientInfo": {"name": "replicas-test", "version": "0"}
                    }
                }
            }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {base}/mcp {name}: {e}"));
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{name} on {base}: {status}: {text}");
        let answer = answer_of(&text);
        let result = &answer["result"];
        (
            result["structuredContent"].clone(),
            result["isError"] == json!(true),
        )
    }

    async fn ok(&self, base: &str, name: &str, arguments: Value) -> Value {
        let (value, error) = self.call(base, name, arguments).await;
        assert!(!error, "{name} failed: {value:#}");
        value
    }
}

fn answer_of(text: &str) -> Value {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value;
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|message| message.get("result").is_some() || message.get("error").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in:\n{text}"))
}

fn error_type(value: &Value) -> String {
    value["error"]["type"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// Everything one run shares.
struct World {
    emulator: Emulator,
    redis: Redis,
    replicas: Vec<Replica>,
    nginx: Nginx,
    client: Client,
    _dir: tempfile::TempDir,
}

impl World {
    async fn update_count(&self) -> usize {
        self.emulator.requests_for("UpdateQuota").await
    }

    /// Plans a description change of the demo quota through `base`.
    async fn plan_update(&self, base: &str, description: &str) -> Value {
        let plan = self
            .client
            .ok(
                base,
                "pai_quota_update",
                json!({"quota_id": QUOTA_ID, "description": description}),
            )
            .await;
        assert_eq!(plan["status"], "confirmation_required", "{plan:#}");
        plan
    }

    async fn confirm(&self, base: &str, plan: &Value) -> (Value, bool) {
        self.client
            .call(
                base,
                "confirm",
                json!({"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}),
            )
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_redis_and_execute_each_confirmation_once() {
    let Some((redis_bin, nginx_bin)) = processes::binaries() else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let redis = Redis::start(&redis_bin, dir.path());
    let emulator = Emulator::start();
    let replicas: Vec<Replica> = (0..3)
        .map(|n| Replica::start(n, dir.path(), &emulator, &redis.url(), TOKEN))
        .collect();
    let nginx = Nginx::start(&nginx_bin, dir.path(), &replicas);
    let world = World {
        emulator,
        redis,
        replicas,
        nginx,
        client: Client::new(),
        _dir: dir,
    };
    plan_on_one_replica_confirmed_on_another(&world).await;
    concurrent_confirms_execute_once(&world).await;
    let mut world = world;
    redis_stopped_and_restarted(&mut world).await;
    replica_killed_during_a_long_operation(&mut world).await;
    replica_terminated_gracefully(&mut world).await;
    eprintln!("replicas: every scenario in {:?}", started.elapsed());
}

async fn plan_on_one_replica_confirmed_on_another(world: &World) {
    let before = world.update_count().await;
    let plan = world
        .plan_update(&world.replicas[0].base, "planned on replica 0")
        .await;
    let (done, error) = world.confirm(&world.replicas[1].base, &plan).await;
    assert!(!error, "confirmed on another replica: {done:#}");
    assert_eq!(world.update_count().await, before + 1);
    let (replay, error) = world.confirm(&world.replicas[2].base, &plan).await;
    assert!(error, "a replay on a third replica is refused: {replay:#}");
    assert_eq!(error_type(&replay), "plan_not_pending", "{replay:#}");
    assert_eq!(world.update_count().await, before + 1, "nothing sent again");
    // One open plan per resource across replicas: a new plan on replica 2 replaces one made
    // on replica 0.
    let first = world.plan_update(&world.replicas[0].base, "first").await;
    let second = world.plan_update(&world.replicas[2].base, "second").await;
    let (stale, error) = world.confirm(&world.replicas[1].base, &first).await;
    assert!(error, "{stale:#}");
    assert!(
        str_of(&stale["error"]["message"]).contains(&str_of(&second["plan_id"])),
        "the older plan was replaced by the newer one: {stale:#}"
    );
    let (_, error) = world
        .client
        .call(
            &world.nginx.base,
            "cancel",
            json!({"plan_id": second["plan_id"]}),
        )
        .await;
    assert!(!error, "the newer plan is pending on every replica");
    eprintln!("replicas: a plan made on one replica was confirmed on another");
}

async fn concurrent_confirms_execute_once(world: &World) {
    let before = world.update_count().await;
    let audits_before: Vec<usize> = world.replicas.iter().map(Replica::confirm_lines).collect();
    let plan = world
        .plan_update(&world.nginx.base, "confirmed once of 500")
        .await;
    let confirms = (0..500).map(|_| world.confirm(&world.nginx.base, &plan));
    let answers = futures::future::join_all(confirms).await;
    let executed = answers.iter().filter(|(_, error)| !error).count();
    assert_eq!(executed, 1, "exactly one of 500 confirms executed");
    for (answer, error) in &answers {
        if *error {
            assert!(
                ["plan_not_pending", "plan_not_found"].contains(&error_type(answer).as_str()),
                "every other confirm is refused as used: {answer:#}"
            );
        }
    }
    assert_eq!(
        world.update_count().await,
        before + 1,
        "the emulator received the change once"
    );
    let served: Vec<usize> = world
        .replicas
        .iter()
        .zip(&audits_before)
        .map(|(replica, before)| replica.confirm_lines() - before)
        .collect();
    assert!(
        served.iter().all(|n| *n > 0),
        "nginx spread the confirms over every replica: {served:?}"
    );
    eprintln!("replicas: 500 concurrent confirms ({served:?} per replica) executed once");
}

async fn redis_stopped_and_restarted(world: &mut World) {
    let before = world.update_count().await;
    let plan = world
        .plan_update(&world.nginx.base, "survives a Redis restart")
        .await;
    world.redis.stop();
    let read = world
        .client
        .ok(
            &world.nginx.base,
            "pai_quota_get",
            json!({"quota_id": QUOTA_ID}),
        )
        .await;
    assert!(
        !read.to_string().is_empty(),
        "reads work while Redis is down"
    );
    let (refused, error) = world.confirm(&world.replicas[1].base, &plan).await;
    assert!(error, "{refused:#}");
    assert_eq!(error_type(&refused), "state_unavailable", "{refused:#}");
    let (refused, error) = world
        .client
        .call(
            &world.nginx.base,
            "pai_quota_update",
            json!({"quota_id": QUOTA_ID, "description": "planned while Redis is down"}),
        )
        .await;
    assert!(error, "{refused:#}");
    assert_eq!(error_type(&refused), "state_unavailable", "{refused:#}");
    assert!(
        !refused.to_string().contains("redis://"),
        "the store's address is not shown: {refused:#}"
    );
    assert_eq!(
        world.update_count().await,
        before,
        "nothing sent while Redis is down"
    );
    world.redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    let done = loop {
        let (answer, error) = world.confirm(&world.replicas[2].base, &plan).await;
        if !error {
            break answer;
        }
        assert_eq!(error_type(&answer), "state_unavailable", "{answer:#}");
        assert!(
            Instant::now() < deadline,
            "Redis never came back: {answer:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!done.to_string().is_empty());
    assert_eq!(
        world.update_count().await,
        before + 1,
        "the kept plan ran once"
    );
    let (replay, error) = world.confirm(&world.replicas[0].base, &plan).await;
    assert!(
        error && error_type(&replay) == "plan_not_pending",
        "{replay:#}"
    );
    eprintln!("replicas: Redis stopped and restarted, nothing lost, nothing doubled");
}

async fn replica_killed_during_a_long_operation(world: &mut World) {
    world
        .emulator
        .admin_post(
            "lifecycles",
            json!({"name": "oos.execution.run", "mode": "manual"}),
        )
        .await;
    let submits_before = world.emulator.requests_for("StartExecution").await;
    let doomed = world.replicas[2].base.clone();
    let plan = world
        .client
        .ok(
            &doomed,
            "ecsext_install",
            json!({"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": NODE, "parameters": {"version": "20"}}),
        )
        .await;
    let (done, error) = world.confirm(&doomed, &plan).await;
    assert!(!error, "{done:#}");
    let execution_id = str_of(&done["result"]["execution_id"]);
    assert!(
        str_of(&done["operation"]["operation_id"]).starts_with("op-"),
        "{done:#}"
    );
    // Let its runner poll the operation at least once, then kill it without warning.
    tokio::time::sleep(Duration::from_millis(400)).await;
    world.replicas[2].kill();
    world
        .emulator
        .admin_post("lifecycles/advance", json!({"id": execution_id}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = loop {
        let answer = world
            .client
            .ok(
                &world.replicas[0].base,
                "ecsext_wait_execution",
                json!({"region_id": "cn-hangzhou", "execution_id": execution_id}),
            )
            .await;
        if answer["operation_status"] != "running" {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "the operation was never finished: {answer:#}"
        );
    };
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert_eq!(
        report["operation_id"], done["operation"]["operation_id"],
        "the surviving replicas followed the operation the dead one started"
    );
    assert_eq!(
        world.emulator.requests_for("StartExecution").await,
        submits_before + 1,
        "no second submit"
    );
    eprintln!("replicas: a killed replica's long operation was finished by another");
}

async fn replica_terminated_gracefully(world: &mut World) {
    let leaving = world.replicas[1].base.clone();
    let plan = world
        .plan_update(&leaving, "confirmed while its replica stops")
        .await;
    // The change's answer is held 1.5 s, so the confirmation is surely in flight at SIGTERM.
    world
        .emulator
        .admin_post(
            "faults",
            json!({"action": "UpdateQuota", "kind": "timeout", "times": 1, "delay_ms": 1500}),
        )
        .await;
    let confirm = {
        let client = Client::new();
        let plan = plan.clone();
        tokio::spawn(async move {
            client
                .call(
                    &leaving,
                    "confirm",
                    json!({"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    let status =
        tokio::task::block_in_place(|| world.replicas[1].terminate(Duration::from_secs(30)));
    let status = status.expect("the replica stopped by itself after SIGTERM");
    assert!(status.success(), "a graceful stop exits 0: {status}");
    assert!(
        signalled.elapsed() >= Duration::from_millis(900),
        "the replica waited for the confirmation in flight"
    );
    // A tool result, whatever the provider fault made of it (a retried update, or a refusal
    // that keeps the plan): the confirmation ran to its end and its answer was sent.
    let (done, _) = confirm.await.expect("the confirm task");
    assert!(done.is_object(), "{done:#}");
    let read = world
        .client
        .ok(
            &world.nginx.base,
            "pai_quota_get",
            json!({"quota_id": QUOTA_ID}),
        )
        .await;
    assert!(read.is_object(), "the remaining replica serves: {read:#}");
    eprintln!("replicas: SIGTERM finished the confirmation in flight, then stopped the replica");
}
