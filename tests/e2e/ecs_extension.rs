//! The ecs-extension toolset end to end: the package catalog, installs planned with every check at
//! once, confirmed executions followed as long operations (report on success, failure and
//! timeout), the duplicate warning, cancellation, throttling without a second execution, and a
//! server restart in the middle of a wait.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, expect_error, str_of};

const NODE: &str = "ACS-Extension-node-1853370294850618";
const BT_PANEL: &str = "ACS-Extension-BaoTaPanelFree-One-Click-1853370294850618";
/// Running, Cloud Assistant healthy, nothing installed (emulator seed).
const WEB_02: &str = "i-bp1c215ekaig04d4edao";
/// Running, healthy.
const APP_02: &str = "i-bp1fxz12lqecdgnxtc5d";
/// Running, disk full: every install fails.
const DB_01: &str = "i-bp1w1tob6r8e8yj8fn3r";
/// Stopped.
const BATCH_01: &str = "i-bp1jcvtcbgaonku9150c";
/// Running in cn-shanghai.
const SH_APP_01: &str = "i-uf6y1rm05nhn6j84tnm4";
/// Running with Node.js 20 installed (`node -v` answers v20.18.1).
const APP_01: &str = "i-bp1cwcyf7kspptwdmktk";
/// Running, Cloud Assistant unhealthy.
const OPS_01: &str = "i-bp1kulm1ve9atr03cua0";
const EXECUTION_LIFECYCLE: &str = "oos.execution.run";

/// A server whose operations run 100 times faster than the skill's cadence (a poll every 200 ms,
/// the 20-minute deadline after 12 s) against an emulator whose executions take 2 s.
fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport)
        .args(&["--operation-time-scale", "0.01", "--wait-timeout", "8s"])
        .emulator_args(&["--emulator-time-scale", "30"])
}

fn install_args(instances: &[&str]) -> Value {
    json!({"region_id": "cn-hangzhou", "instance_ids": instances, "package_name": NODE, "parameters": {"version": "20"}})
}

/// Calls `ecsext_wait_execution` until the operation ends; every answer is bounded.
async fn wait_report(h: &Harness, execution_id: &str) -> Value {
    for _ in 0..12 {
        let answer = h
            .ok(
                "ecsext_wait_execution",
                json!({"region_id": "cn-hangzhou", "execution_id": execution_id}),
            )
            .await;
        if answer["operation_status"] != "running" {
            return answer;
        }
        assert!(
            str_of(&answer["next"]).contains("ecsext_wait_execution"),
            "a running answer says what to do next: {answer:#}"
        );
    }
    panic!("execution {execution_id} never ended");
}

async fn start_install(h: &Harness, instances: &[&str]) -> (Value, String) {
    let plan = h.plan("ecsext_install", install_args(instances)).await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM-INSTALL {NODE}"));
    let done = h.execute(&plan).await;
    let execution_id = str_of(&done["result"]["execution_id"]);
    assert!(execution_id.starts_with("exec-"), "{done:#}");
    let operation = &done["operation"];
    assert!(
        str_of(&operation["operation_id"]).starts_with("op-"),
        "the confirmation returns an operation handle at once: {done:#}"
    );
    (done, execution_id)
}

async fn browse_and_search(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let all = h.ok("ecsext_list_extensions", json!({})).await;
    let packages = array(&all["extensions"]);
    assert!(packages.len() >= 10, "{all:#}");
    assert_eq!(all["total_count"], json!(packages.len()));
    let node = packages
        .iter()
        .find(|p| p["package_name"] == NODE)
        .expect("Node.js is listed");
    assert_eq!(
        node["display_name"], "Node.js",
        "the Description JSON string is parsed"
    );
    assert!(!array(&node["categories"]).is_empty(), "{node:#}");
    assert!(str_of(&node["version"]).starts_with('v'), "{node:#}");

    let hit = h
        .ok("ecsext_search_extensions", json!({"keyword": "docker"}))
        .await;
    assert_eq!(hit["supported"], true, "{hit:#}");
    assert!(
        array(&hit["matches"])
            .iter()
            .any(|m| str_of(&m["package_name"]).contains("DockerCE")),
        "{hit:#}"
    );
    let miss = h
        .ok(
            "ecsext_search_extensions",
            json!({"keyword": "kubernetess"}),
        )
        .await;
    assert_eq!(miss["supported"], false, "{miss:#}");
    assert!(
        str_of(&miss["message"]).contains("not supported"),
        "{miss:#}"
    );
    assert!(!array(&miss["suggestions"]).is_empty(), "{miss:#}");

    let bt = h
        .ok("ecsext_get_extension", json!({"package_name": "BT Panel"}))
        .await;
    assert_eq!(
        bt["package_name"], BT_PANEL,
        "a display name resolves: {bt:#}"
    );
    assert!(
        bt.get("Content").is_none() && !bt.to_string().contains("Tasks"),
        "never the template body: {bt:#}"
    );
    let node = h
        .ok("ecsext_get_extension", json!({"package_name": NODE}))
        .await;
    let version = array(&node["parameters"])
        .into_iter()
        .find(|p| p["name"] == "version")
        .expect("the version parameter");
    assert!(!array(&version["allowed_values"]).is_empty(), "{version:#}");
    h.finish().await;
}
both_transports!(browse_and_search, browse_and_search);

async fn install_to_success(transport: Transport) {
    let h = Harness::start(spec(transport)).await;
    let (done, execution_id) = start_install(&h, &[WEB_02]).await;
    assert_eq!(done["operation"]["operation_status"], "running", "{done:#}");
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert_eq!(
        report["operation_id"], done["operation"]["operation_id"],
        "the wait follows the operation the confirmation started"
    );
    let body = &report["report"];
    assert_eq!(body["status"], "Success", "{report:#}");
    assert_eq!(body["extension"], NODE);
    assert_eq!(body["targets"], json!([WEB_02]));
    assert_eq!(body["parameters"], json!({"version": "20"}));
    assert_eq!(body["execution_id"], execution_id);
    assert!(
        !str_of(&body["completed_at"]).starts_with("N/A"),
        "{body:#}"
    );
    assert!(array(&body["suggestions"]).len() >= 2, "{body:#}");
    let starts = h.emu.requests_for("StartExecution").await;
    assert_eq!(starts.len(), 1, "one execution: {starts:#?}");
    let states = h
        .ok(
            "ecsext_list_instance_package_states",
            json!({"region_id": "cn-hangzhou", "instance_id": WEB_02}),
        )
        .await;
    assert!(
        array(&states["packages"])
            .iter()
            .any(|p| p["package_name"] == NODE),
        "the package is on the instance: {states:#}"
    );
    let finished = h.finish().await;
    assert_eq!(
        crate::common::decisions(&finished.audit, "executed").len(),
        1
    );
}
both_transports!(install_to_success, install_to_success);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_install_reports_each_instance() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    let (_, execution_id) = start_install(&h, &[APP_02, DB_01]).await;
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "failed", "{report:#}");
    let body = &report["report"];
    assert_eq!(body["status"], "Failed", "{body:#}");
    let instances = array(&body["instances"]);
    let db = instances
        .iter()
        .find(|i| i["instance_id"] == DB_01)
        .unwrap_or_else(|| panic!("the full-disk instance is reported: {body:#}"));
    assert_eq!(db["status"], "Failed", "{db:#}");
    assert!(
        str_of(&db["message"]).to_lowercase().contains("space"),
        "the per-instance error says why: {db:#}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_still_running_after_twenty_minutes_is_reported_pending() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    h.emu
        .admin_post(
            "lifecycles",
            json!({"name": EXECUTION_LIFECYCLE, "mode": "manual"}),
        )
        .await;
    let (_, execution_id) = start_install(&h, &[WEB_02]).await;
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "timed_out", "{report:#}");
    let body = &report["report"];
    assert_eq!(
        body["status"], "Pending (timed out after 20 minutes)",
        "{body:#}"
    );
    assert_eq!(body["completed_at"], "N/A - still running");
    assert!(
        array(&body["suggestions"])
            .iter()
            .any(|s| str_of(s).contains(&execution_id)),
        "the report says how to check it by hand: {body:#}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_validation_problem_is_refused_before_any_plan() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    let before = h.emu.snapshot().await;
    let many: Vec<String> = (0..51).map(|n| format!("i-bp1abcdefg{n:05}")).collect();
    let cases: Vec<(Value, &str)> = vec![
        (install_args(&["i-short"]), "not ECS instance ids"),
        (
            json!({"region_id": "cn-hangzhou", "instance_ids": many, "package_name": NODE}),
            "1 to 50",
        ),
        (install_args(&[WEB_02, WEB_02]), "more than once"),
        (
            json!({"region_id": "cn-nowhere-9", "instance_ids": [WEB_02], "package_name": NODE}),
            "not an ECS region",
        ),
        (install_args(&[SH_APP_01]), "not found in cn-hangzhou"),
        (install_args(&[BATCH_01]), "not Running"),
        (
            json!({"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": NODE, "parameters": {"colour": "red"}}),
            "`colour` is not a parameter",
        ),
        (
            json!({"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": NODE, "parameters": {"version": "12"}}),
            "is not allowed",
        ),
        (
            json!({"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": "LeftPad"}),
            "no public extension package",
        ),
    ];
    for (args, expected) in cases {
        let error = h
            .refused("ecsext_install", args.clone(), "validation_error")
            .await;
        assert!(
            str_of(&error["message"]).contains(expected),
            "{args}: expected `{expected}` in {error:#}"
        );
    }
    // Several problems in one call are all reported.
    let error = h
        .refused(
            "ecsext_install",
            json!({"region_id": "cn-hangzhou", "instance_ids": ["i-short", BATCH_01], "package_name": NODE, "parameters": {"colour": "red"}}),
            "validation_error",
        )
        .await;
    assert_eq!(array(&error["details"]["problems"]).len(), 3, "{error:#}");
    assert!(h.plans().await.is_empty());
    h.emu.assert_unchanged(&before, "refused installs").await;
    assert!(h.emu.requests_for("StartExecution").await.is_empty());
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_install_is_reported_and_can_be_cancelled() {
    let h = Harness::start(spec(Transport::Http)).await;
    h.emu
        .admin_post(
            "lifecycles",
            json!({"name": EXECUTION_LIFECYCLE, "mode": "manual"}),
        )
        .await;
    let (_, execution_id) = start_install(&h, &[APP_02]).await;
    let again = h.plan("ecsext_install", install_args(&[APP_02])).await;
    let warning = array(&again["checks"])
        .into_iter()
        .find(|c| c["check"] == "running_install_exists")
        .unwrap_or_else(|| panic!("the plan warns about the running install: {again:#}"));
    assert_eq!(warning["result"], "warning");
    assert!(warning.to_string().contains(&execution_id), "{warning:#}");
    assert!(
        str_of(&warning["detail"]["meaning"]).contains("NEW execution"),
        "{warning:#}"
    );
    h.call("cancel", json!({"plan_id": again["plan_id"]})).await;

    let cancel = h
        .plan(
            "ecsext_cancel_execution",
            json!({"region_id": "cn-hangzhou", "execution_id": execution_id}),
        )
        .await;
    assert_eq!(cancel["confirm_phrase"], format!("CONFIRM {execution_id}"));
    h.execute(&cancel).await;
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "cancelled", "{report:#}");
    assert_eq!(report["report"]["status"], "Cancelled");
    let refused = h
        .call(
            "ecsext_cancel_execution",
            json!({"region_id": "cn-hangzhou", "execution_id": execution_id}),
        )
        .await;
    expect_error(
        &refused,
        "validation_error",
        "cancelling a finished execution",
    );
    assert_eq!(h.emu.requests_for("StartExecution").await.len(), 1);
    h.finish().await;
}

/// Every OOS execution in the emulator's state that targets `instance`.
fn executions_on(state: &Value, instance: &str) -> Vec<Value> {
    fn walk(value: &Value, instance: &str, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if key == "oos_executions" {
                        out.extend(
                            array(item)
                                .into_iter()
                                .filter(|e| e.to_string().contains(instance)),
                        );
                    } else {
                        walk(item, instance, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, instance, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(state, instance, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_a_lost_answer_never_start_a_second_execution() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    h.emu.fault("StartExecution", "throttle", 1).await;
    h.emu
        .fault("StartExecution", "server_error_after_commit", 1)
        .await;
    let (_, execution_id) = start_install(&h, &[WEB_02]).await;
    let sent = h.emu.requests_for("StartExecution").await;
    assert!(sent.len() >= 3, "throttled, lost, then answered: {sent:#?}");
    let on_web02 = executions_on(&h.emu.state().await, WEB_02);
    assert_eq!(
        on_web02.len(),
        1,
        "the plan's ClientToken made every retry the same execution: {on_web02:#?}"
    );
    assert!(on_web02[0].to_string().contains(&execution_id));
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_wait_loses_nothing() {
    let mut h = Harness::start(spec(Transport::Stdio)).await;
    h.emu
        .admin_post(
            "lifecycles",
            json!({"name": EXECUTION_LIFECYCLE, "mode": "manual"}),
        )
        .await;
    let (done, execution_id) = start_install(&h, &[WEB_02]).await;
    let operation_id = done["operation"]["operation_id"].clone();
    // A wait the client gives up on (rmcp sends notifications/cancelled), then a crash mid-wait.
    let abandoned = h
        .call_abandoned(
            "ecsext_wait_execution",
            json!({"region_id": "cn-hangzhou", "execution_id": execution_id}),
            std::time::Duration::from_millis(500),
        )
        .await;
    assert!(
        abandoned.is_none(),
        "the wait was still holding when the client left"
    );
    let listed = h.ok("ecsext_describe_regions", json!({})).await;
    assert!(
        !array(&listed["regions"]).is_empty(),
        "the server serves on after the cancelled wait"
    );
    h.restart().await;
    let advanced = h
        .emu
        .admin_post("lifecycles/advance", json!({"id": execution_id}))
        .await;
    assert_eq!(advanced["status"], "Success", "{advanced:#}");
    let report = wait_report(&h, &execution_id).await;
    assert_eq!(report["operation_status"], "succeeded", "{report:#}");
    assert_eq!(
        report["operation_id"], operation_id,
        "the restarted server found the operation in its store"
    );
    assert_eq!(
        report["report"]["extension"], NODE,
        "what was asked survived too"
    );
    assert_eq!(h.emu.requests_for("StartExecution").await.len(), 1);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_and_cloud_assistant_tools() {
    let h = Harness::start(spec(Transport::Stdio)).await;
    let regions = h.ok("ecsext_describe_regions", json!({})).await;
    let ids: Vec<String> = array(&regions["regions"])
        .iter()
        .map(|r| str_of(&r["region_id"]))
        .collect();
    assert!(
        ids.contains(&"cn-hangzhou".to_string()) && ids.contains(&"cn-shanghai".to_string()),
        "{ids:?}"
    );
    let stopped = h
        .ok(
            "ecsext_describe_instances",
            json!({"region_id": "cn-hangzhou", "status": "Stopped"}),
        )
        .await;
    let stopped: Vec<String> = array(&stopped["instances"])
        .iter()
        .map(|i| str_of(&i["instance_id"]))
        .collect();
    assert_eq!(stopped, [BATCH_01]);
    let assistant = h
        .ok(
            "ecsext_cloud_assistant_status",
            json!({"region_id": "cn-hangzhou", "instance_ids": [APP_01, OPS_01]}),
        )
        .await;
    let health = |id: &str| {
        array(&assistant["instances"])
            .into_iter()
            .find(|i| i["instance_id"] == id)
            .map(|i| str_of(&i["healthy"]))
    };
    assert_eq!(
        (health(APP_01).as_deref(), health(OPS_01).as_deref()),
        (Some("true"), Some("false"))
    );

    let plan = h
        .plan(
            "ecsext_verify_version",
            json!({"region_id": "cn-hangzhou", "instance_ids": [APP_01], "package_name": NODE, "expected_version": "20"}),
        )
        .await;
    assert_eq!(plan["confirm_phrase"], format!("CONFIRM-VERIFY {NODE}"));
    assert!(
        plan.to_string().contains("node -v"),
        "the plan shows the fixed command: {plan:#}"
    );
    let refused = h
        .call(
            "ecsext_verify_version",
            json!({"region_id": "cn-hangzhou", "instance_ids": [APP_01], "package_name": NODE, "command_content": "rm -rf /"}),
        )
        .await;
    expect_error(&refused, "validation_error", "an agent-written command");
    let done = h.execute(&plan).await;
    let rows = array(&done["result"]["results"]);
    assert_eq!(done["result"]["finished"], true, "{done:#}");
    assert_eq!(rows[0]["actual"], "20.18.1", "{done:#}");
    assert_eq!(rows[0]["matches"], true, "{done:#}");
    let invoke_id = str_of(&done["result"]["invoke_id"]);
    let invocations = h
        .ok(
            "ecsext_describe_invocations",
            json!({"region_id": "cn-hangzhou", "invoke_id": invoke_id}),
        )
        .await;
    assert_eq!(
        array(&invocations["invocations"]).len(),
        1,
        "{invocations:#}"
    );
    let results = h
        .ok(
            "ecsext_describe_invocation_results",
            json!({"region_id": "cn-hangzhou", "invoke_id": invoke_id}),
        )
        .await;
    assert!(
        str_of(&array(&results["results"])[0]["output"]).contains("v20.18.1"),
        "decoded: {results:#}"
    );
    h.finish().await;
}
