//! The autodl toolset end to end against the emulator's AutoDL front: queued submits that wait
//! for stock and then succeed, time out, or fail three times; a lost submit answer and a server
//! restart that never submit twice; every validation refusal; replicas up and down; stop and
//! delete; passwords that only a confirmed reveal shows.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, str_of};

const REPLICASET: &str = "7f3a9c2e1b4d5a6";
const JOB: &str = "2c8e4b6a9d1f3e7";
const NOTEBOOK: &str = "5b1d7e3f9a2c4e8";
const NOTEBOOK_CONTAINER: &str = "5b1d7e3f9a2c-004";
const TORCH: &str = "image-4f1c2b9d8e";

/// Operations 100 times faster than the skill's cadence (interval_s 5 -> 50 ms) against an
/// emulator whose clock runs 30 times faster.
fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport)
        .args(&[
            "--toolsets",
            "autodl",
            "--operation-time-scale",
            "0.01",
            "--wait-timeout",
            "8s",
        ])
        .emulator_args(&["--emulator-time-scale", "30"])
}

fn config(name: &str, gpu: &str) -> Value {
    json!({
        "name": name, "deployment_type": "ReplicaSet", "replica_num": 1, "reuse_container": false,
        "container_template": {
            "gpu_name_set": [gpu], "gpu_num": 1, "cuda_v": "11.8",
            "cpu_num_from": 1, "cpu_num_to": 64, "memory_size_from": 1, "memory_size_to": 256,
            "price_from": 100, "price_to": 20000, "image_uuid": TORCH, "cmd": "cd /root && python app.py",
        }
    })
}

async fn occupy(h: &Harness, gpu: &str, seconds: i64) {
    h.emu
        .admin_post(
            "autodl/occupy",
            json!({"gpu_name": gpu, "gpus": 64, "seconds": seconds}),
        )
        .await;
}

async fn deployments_named(h: &Harness, prefix: &str) -> Vec<Value> {
    let state = h.emu.accounts().await;
    array(&state["autodl-demo"]["private"]["autodl_esd"]["deployments"])
        .into_iter()
        .filter(|d| str_of(&d["name"]).starts_with(prefix))
        .collect()
}

async fn creates(h: &Harness) -> usize {
    h.emu.requests_for("CreateDeployment").await.len()
}

/// Confirms a queued submit; the answer comes at once with the operation's handle.
async fn queue(h: &Harness, config: Value, extra: Value) -> (Value, String) {
    let mut args = json!({"config": config, "interval_s": 5, "timeout_s": 600});
    if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let plan = h.plan("autodl_queue_submit", args).await;
    let name = str_of(&plan["diff"]["deployment"]["target"]["name"]);
    assert_eq!(
        plan["confirm_phrase"],
        format!("CONFIRM-CREATE {}", config_name(&plan))
    );
    let done = h
        .ok(
            "confirm",
            json!({"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}),
        )
        .await;
    assert_eq!(done["status"], "executed", "{done:#}");
    assert!(
        done["operation"]["operation_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("op-")),
        "{done:#}"
    );
    (done, name)
}

fn config_name(plan: &Value) -> String {
    str_of(&plan["diff"]["deployment"]["target"]["config"]["name"])
}

async fn follow(h: &Harness, name: &str) -> Value {
    for _ in 0..15 {
        let answer = h
            .ok("autodl_queue_status", json!({"deployment_name": name}))
            .await;
        if answer["operation_status"] != "running" {
            return answer;
        }
    }
    panic!("queued submit {name} never ended");
}

both_transports!(
    a_queued_submit_waits_for_stock_then_submits_once,
    queued_submit_waits
);
async fn queued_submit_waits(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    // Other tenants hold every A100 for 90 emulated seconds (3 s here).
    occupy(&h, "A100", 90).await;
    let plan = h
        .plan(
            "autodl_queue_submit",
            json!({"config": config("queued", "A100")}),
        )
        .await;
    let stock = &plan["checks"];
    assert!(
        stock.to_string().contains("\"enough_now\":false"),
        "the plan shows the stock now: {stock:#}"
    );
    assert!(
        plan.to_string().contains("11.8 -> code 118") || plan.to_string().contains("code 118"),
        "the CUDA choice is said: {plan:#}"
    );
    assert!(
        plan["dry_run"][0]["headers"]["authorization"]
            .as_str()
            .is_some_and(|a| a.starts_with("****"))
    );
    h.ok("cancel", json!({"plan_id": plan["plan_id"]})).await;
    let (done, name) = queue(&h, config("queued", "A100"), json!({})).await;
    assert_eq!(
        done["result"]["queued"], true,
        "no GPU is idle: it waits: {done:#}"
    );
    assert_eq!(creates(&h).await, 0);
    let report = follow(&h, &name).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert_eq!(report["report"]["status"], "success");
    assert!(
        report["report"]["waited_seconds"]
            .as_u64()
            .is_some_and(|s| s >= 5),
        "{report:#}"
    );
    let uuid = str_of(&report["report"]["deployment_uuid"]);
    assert_eq!(creates(&h).await, 1, "submitted exactly once");
    let made = deployments_named(&h, "queued-sg").await;
    assert_eq!(made.len(), 1);
    assert_eq!(str_of(&made[0]["uuid"]), uuid);
    h.finish().await;
}

both_transports!(
    a_queued_submit_times_out_with_the_last_stock,
    queued_submit_times_out
);
async fn queued_submit_times_out(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    occupy(&h, "A100", 36_000).await;
    let (_, name) = queue(&h, config("never", "A100"), json!({"timeout_s": 60})).await;
    let report = follow(&h, &name).await;
    assert_eq!(report["operation_status"], "timed_out", "{report:#}");
    assert_eq!(report["report"]["error_type"], "timeout");
    assert_eq!(report["report"]["details"]["timeout_seconds"], 60);
    assert!(
        report["report"]["details"]["last_stock"]
            .to_string()
            .contains("A100"),
        "{report:#}"
    );
    assert_eq!(creates(&h).await, 0);
    h.finish().await;
}

both_transports!(
    three_refused_submits_are_a_submission_error,
    submission_errors
);
async fn submission_errors(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    // Idle RTX 4090s, but no host of them is priced within 100..150 milli-CNY.
    let mut cfg = config("cheap", "RTX 4090");
    cfg["container_template"]["price_to"] = json!(150);
    let (done, name) = queue(&h, cfg, json!({})).await;
    assert_eq!(
        done["result"]["queued"], true,
        "the first submit failed and it keeps trying: {done:#}"
    );
    let report = follow(&h, &name).await;
    assert_eq!(report["operation_status"], "failed", "{report:#}");
    assert_eq!(report["report"]["error_type"], "submission_error");
    assert_eq!(report["report"]["details"]["failures"], 3);
    assert_eq!(
        report["report"]["details"]["api_response"]["code"],
        "NoMatchingMachine"
    );
    assert!(
        str_of(&report["report"]["details"]["suggestion"]).contains("price"),
        "{report:#}"
    );
    assert_eq!(creates(&h).await, 3);
    assert!(deployments_named(&h, "cheap").await.is_empty());
    h.finish().await;
}

#[tokio::test]
async fn a_lost_submit_answer_and_a_restart_never_submit_twice() {
    let mut h = Harness::start(spec(Transport::Stdio)).await;
    // The first create is made but its answer is lost (500 after the commit).
    h.emu
        .admin_post("faults", json!({"provider": "autodl", "action": "CreateDeployment", "kind": "server_error_after_commit", "times": 1}))
        .await;
    occupy(&h, "A100", 60).await;
    let (_, lost) = queue(&h, config("lost", "A100"), json!({})).await;
    let report = follow(&h, &lost).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert!(
        str_of(&report["progress"]).contains("found by its plan-derived name"),
        "{report:#}"
    );
    assert_eq!(deployments_named(&h, "lost-sg").await.len(), 1);
    assert_eq!(creates(&h).await, 1, "looked up, never re-submitted");

    // A restart while a submit waits: the new process picks the queue up and submits once.
    occupy(&h, "RTX 3090", 36_000).await;
    let (_, waiting) = queue(
        &h,
        config("restart", "RTX 3090"),
        json!({"timeout_s": 7200}),
    )
    .await;
    let before = h
        .ok("autodl_queue_status", json!({"deployment_name": waiting}))
        .await;
    assert_eq!(before["operation_status"], "running", "{before:#}");
    h.restart().await;
    h.emu
        .admin_post("autodl/release", json!({"gpu_name": "RTX 3090"}))
        .await;
    let report = follow(&h, &waiting).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert_eq!(deployments_named(&h, "restart-sg").await.len(), 1);
    assert_eq!(
        creates(&h).await,
        2,
        "one create per queued submit, across the restart"
    );
    h.finish().await;
}

both_transports!(
    every_validation_refusal_is_reported_before_a_plan,
    validation_refusals
);
async fn validation_refusals(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let mut bad = config("bad", "RTX 4090");
    bad["deployment_type"] = json!("Job");
    bad["replica_num"] = json!(1);
    bad["parallelism_num"] = json!(2);
    bad["container_template"]["memory_size_from"] = json!(300);
    bad["container_template"]["cuda_v"] = json!("13.0");
    bad["container_template"]["cmd"] = json!("ls /data && process || echo fallback");
    let error = h
        .refused(
            "autodl_queue_submit",
            json!({"config": bad}),
            "validation_error",
        )
        .await;
    let errors = array(&error["details"]["errors"]);
    assert!(errors.len() >= 4, "all problems at once: {error:#}");
    let text = Value::Array(errors).to_string();
    for needle in [
        "parallelism_num (2)",
        "memory_size_from (300)",
        "13.0",
        "&& B || C",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let mut image = config("img", "RTX 4090");
    image["container_template"]["image_uuid"] = json!("image-nope");
    let error = h
        .refused(
            "autodl_create_deployment",
            json!({"config": image}),
            "not_found",
        )
        .await;
    assert_eq!(error["details"]["error_type"], "image_not_found");
    assert_eq!(array(&error["details"]["available_images"]).len(), 3);
    let gpu = config("gpu", "RTX 5090");
    let error = h
        .refused("autodl_queue_submit", json!({"config": gpu}), "not_found")
        .await;
    assert_eq!(error["details"]["error_type"], "gpu_type_not_found");
    assert!(
        error["details"]["available_gpus"]
            .to_string()
            .contains("H800"),
        "{error:#}"
    );
    let mut units = config("units", "A100");
    units["container_template"]["cpu_num_to"] = json!(8);
    let error = h
        .refused(
            "autodl_queue_submit",
            json!({"config": units}),
            "validation_error",
        )
        .await;
    assert!(
        str_of(&error["message"]).contains("scheduling units"),
        "{error:#}"
    );
    let mut schema = config("schema", "RTX 4090");
    schema["container_template"]["cuda_v_from"] = json!(118);
    schema["container_template"]["cuda_v_to"] = json!(122);
    schema["container_template"]
        .as_object_mut()
        .map(|t| t.remove("cuda_v"));
    let error = h
        .refused(
            "autodl_queue_submit",
            json!({"config": schema.clone()}),
            "validation_error",
        )
        .await;
    assert!(str_of(&error["message"]).contains("dc_list"), "{error:#}");
    schema["container_template"]["dc_list"] = json!(["westDC2"]);
    schema["container_template"]["cmd"] = json!("nohup python app.py &");
    let plan = h
        .plan("autodl_queue_submit", json!({"config": schema}))
        .await;
    let warnings = plan["checks"].to_string();
    assert!(
        warnings.contains("background") && warnings.contains("does not `cd`"),
        "{warnings}"
    );
    h.refused(
        "autodl_queue_submit",
        json!({"config": config("x", "A100"), "timeout_s": 0}),
        "validation_error",
    )
    .await;
    h.refused(
        "autodl_queue_submit",
        json!({"config": config("x", "A100"), "deployment_name": "forged"}),
        "validation_error",
    )
    .await;
    occupy(&h, "A100", 36_000).await;
    let error = h
        .refused(
            "autodl_create_deployment",
            json!({"config": config("now", "A100")}),
            "validation_error",
        )
        .await;
    assert!(
        str_of(&error["user_action"]).contains("autodl_queue_submit"),
        "{error:#}"
    );
    assert_eq!(h.emu.mutating_requests().await.len(), 0, "nothing was sent");
    h.finish().await;
}

both_transports!(
    replicas_stop_and_delete_take_their_phrases,
    replicas_stop_delete
);
async fn replicas_stop_delete(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let up = h
        .plan(
            "autodl_set_replicas",
            json!({"deployment_uuid": REPLICASET, "replica_num": 3}),
        )
        .await;
    assert_eq!(up["confirm_phrase"], format!("CONFIRM {REPLICASET}"));
    assert!(
        str_of(&up["diff"]["replica_num"]["effect"]).contains("billed"),
        "{up:#}"
    );
    h.execute(&up).await;
    let ready = h
        .ok(
            "autodl_wait_deployment_ready",
            json!({"deployment_uuid": REPLICASET, "target_running": 3}),
        )
        .await;
    assert_eq!(ready["operation_status"], "succeeded", "{ready:#}");
    let down = h
        .plan(
            "autodl_set_replicas",
            json!({"deployment_uuid": REPLICASET, "replica_num": 1}),
        )
        .await;
    assert!(str_of(&down["diff"]["replica_num"]["effect"]).contains("scale down"));
    let wrong = h.confirm(&str_of(&down["plan_id"]), "CONFIRM").await;
    crate::common::expect_error(&wrong, "confirmation_mismatch", "a bare CONFIRM");
    let down = h
        .plan(
            "autodl_set_replicas",
            json!({"deployment_uuid": REPLICASET, "replica_num": 1}),
        )
        .await;
    h.execute(&down).await;
    let listed = h
        .ok(
            "autodl_list_deployments",
            json!({"deployment_uuid": REPLICASET}),
        )
        .await;
    assert_eq!(listed["deployments"][0]["replica_num"], 1);
    let error = h
        .refused(
            "autodl_set_replicas",
            json!({"deployment_uuid": JOB, "replica_num": 3}),
            "validation_error",
        )
        .await;
    assert!(
        str_of(&error["message"]).contains("only a ReplicaSet"),
        "{error:#}"
    );
    let stop = h
        .plan("autodl_stop_deployment", json!({"deployment_uuid": JOB}))
        .await;
    assert_eq!(stop["confirm_phrase"], format!("CONFIRM {JOB}"));
    h.execute(&stop).await;
    let listed = h
        .ok("autodl_list_deployments", json!({"deployment_uuid": JOB}))
        .await;
    assert_eq!(listed["deployments"][0]["status"], "stopped");
    let delete = h
        .plan(
            "autodl_delete_deployment",
            json!({"deployment_uuid": NOTEBOOK}),
        )
        .await;
    h.execute(&delete).await;
    let listed = h.ok("autodl_list_deployments", json!({})).await;
    assert!(!listed.to_string().contains(NOTEBOOK));
    h.refused(
        "autodl_delete_deployment",
        json!({"deployment_uuid": "nope"}),
        "not_found",
    )
    .await;
    h.finish().await;
}

both_transports!(
    passwords_are_shown_only_after_a_confirmed_reveal,
    password_redaction
);
async fn password_redaction(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let state = h.emu.accounts().await;
    let containers = array(&state["autodl-demo"]["private"]["autodl_esd"]["containers"]);
    let password = containers
        .iter()
        .find(|c| c["uuid"] == NOTEBOOK_CONTAINER)
        .map(|c| str_of(&c["root_password"]))
        .expect("the demo notebook container");
    let listed = h
        .ok(
            "autodl_list_containers",
            json!({"deployment_uuid": NOTEBOOK}),
        )
        .await;
    assert!(!listed.to_string().contains(&password), "{listed:#}");
    assert!(
        str_of(&listed["containers"][0]["root_password"])
            .contains("autodl_reveal_container_password")
    );
    assert!(str_of(&listed["containers"][0]["ssh_command"]).starts_with("ssh -p"));
    let plan = h
        .plan(
            "autodl_reveal_container_password",
            json!({"deployment_container_uuid": NOTEBOOK_CONTAINER}),
        )
        .await;
    assert_eq!(
        plan["confirm_phrase"],
        format!("CONFIRM-REVEAL {NOTEBOOK_CONTAINER}")
    );
    assert!(!plan.to_string().contains(&password));
    let done = h.execute(&plan).await;
    assert_eq!(str_of(&done["result"]["root_password"]), password);
    let audit = h.audit();
    assert!(
        !serde_json::to_string(&audit)
            .unwrap_or_default()
            .contains(&password),
        "the audit log masks it"
    );
    h.finish().await;
}

both_transports!(
    a_queued_submit_can_be_cancelled_before_it_submits,
    cancel_queue
);
async fn cancel_queue(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    occupy(&h, "A100", 30).await;
    let (done, name) = queue(&h, config("cancelled", "A100"), json!({})).await;
    let handle = str_of(&done["operation"]["operation_id"]);
    let cancelled = h.ok("cancel", json!({"plan_id": handle})).await;
    assert_eq!(cancelled["operation_status"], "cancelled", "{cancelled:#}");
    h.refused("cancel", json!({"plan_id": handle}), "plan_not_pending")
        .await;
    h.emu
        .admin_post("autodl/release", json!({"gpu_name": "A100"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let status = h
        .ok("autodl_queue_status", json!({"deployment_name": name}))
        .await;
    assert_eq!(status["operation_status"], "cancelled");
    assert_eq!(creates(&h).await, 0, "a cancelled queue never submits");
    let audit = h.audit();
    assert!(
        audit
            .iter()
            .any(|l| l["decision"] == "cancelled" && str_of(&l["reason"]).contains(&handle)),
        "the cancellation is audited: {audit:#?}"
    );
    h.finish().await;
}
