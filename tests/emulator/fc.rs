//! FC 3.0 (2023-03-30) over real HTTP with real ACS3 signatures, signed with
//! `x-acs-action: anonymous` as the skill's generic client sends it (so routed by method and
//! path): functions with their limits, sync and async invokes with synthesised output, async
//! configs and tasks on the emulated clock, and the error codes the skill handles.

use serde_json::json;
use skillgate::emulator::alibaba::seed::*;

use crate::support::Emu;

const ZIP: &str = "UEsDBBQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAaW5kZXgucHldUNFqwzAMfM9XCD/FkLljlDI28hNjb2WUxFaXjMT2bHm0lP775DilUD/J0ulOd+PsXSDou4i7bQM/0dkGYup9cBpj5Pocq6oyeIShs2bCUOMfWmpAO0t4IvlWAT8hxEeyEWhAiDqMnpbSd+fJdQZ0F8KIEep15sKKOvS77TvQ2fPagNOUJ/5Mg7NSMefCHfAX2uU0lcliuSAje3G5CrmAVuI2o9U3Ui1KR8gFuPhTLGZQO4P1AyqfIRp2IaVaEYVWz4Y595yCwhPqRF0/IQOfNMPL7heMx7tqtsKabQui+BCAU0TYi00/2k0cxMP2IuNZ5J66CsnWrMwhd55SwINL5BO1nyGxeI79Vo4z8qwdLd0trU2WeHl9llKuITKRLSmaNPtYXwSeRjpks+INvCqI/OULI5lMkfulLD0M4dbj8iqrf1BLAQIUAxQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABpAQAAAAA=";

fn create_body(name: &str, memory: i64, cpu: f64) -> serde_json::Value {
    json!({
        "functionName": name, "runtime": "python3.10", "handler": "index.handler",
        "code": {"zipFile": ZIP}, "memorySize": memory, "cpu": cpu, "timeout": 300,
        "diskSize": 512, "tags": []
    })
}

#[tokio::test]
async fn functions_are_created_listed_and_deleted_by_method_and_path() {
    let emu = Emu::start().await;
    let created = emu
        .ok(emu.fc("POST", "/2023-03-30/functions").json(create_body(
            "acf-task-1-abc123",
            512,
            0.35,
        )))
        .await;
    assert_eq!(created["functionName"], "acf-task-1-abc123");
    assert_eq!(created["memorySize"], 512);
    assert!(
        created["functionArn"]
            .as_str()
            .unwrap_or_default()
            .contains(ACCOUNT_ID)
    );
    emu.fails(
        emu.fc("POST", "/2023-03-30/functions")
            .json(create_body("acf-task-1-abc123", 512, 0.35)),
        409,
        "FunctionAlreadyExists",
    )
    .await;
    let ratio = emu
        .fails(
            emu.fc("POST", "/2023-03-30/functions")
                .json(create_body("acf-bad", 4096, 0.5)),
            400,
            "InvalidArgument",
        )
        .await;
    assert!(
        ratio.message().contains("between 1 and 4"),
        "{}",
        ratio.message()
    );
    let listed = emu
        .ok(emu
            .fc("GET", "/2023-03-30/functions")
            .query("prefix", "acf-"))
        .await;
    let names: Vec<&str> = listed["functions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["functionName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, vec![FC_DEMO_EXECUTOR, "acf-task-1-abc123"]);
    let page = emu
        .ok(emu.fc("GET", "/2023-03-30/functions").query("limit", "2"))
        .await;
    assert_eq!(page["functions"].as_array().map(Vec::len), Some(2));
    assert!(page["nextToken"].is_string());
    emu.ok(emu.fc("DELETE", "/2023-03-30/functions/acf-task-1-abc123"))
        .await;
    emu.fails(
        emu.fc("GET", "/2023-03-30/functions/acf-task-1-abc123"),
        404,
        "FunctionNotFound",
    )
    .await;
    let regions = emu.ok(emu.fc("GET", "/2023-03-30/regions")).await;
    assert!(
        regions["Regions"]["Region"]
            .as_array()
            .is_some_and(|r| r.len() >= 3)
    );
}

#[tokio::test]
async fn the_real_action_name_routes_too() {
    let emu = Emu::start().await;
    let mut call = emu.fc("GET", &format!("/2023-03-30/functions/{FC_DEMO_FUNCTION}"));
    call.action = "GetFunction".into();
    let got = emu.ok(call).await;
    assert_eq!(got["runtime"], "python3.10");
}

#[tokio::test]
async fn sync_invokes_synthesise_output_without_running_anything() {
    let emu = Emu::start().await;
    let path = format!("/2023-03-30/functions/{FC_DEMO_EXECUTOR}/invocations");
    // "echo hello\nexit 0" as base64.
    let out = emu
        .ok(emu
            .fc("POST", &path)
            .header("x-fc-invocation-type", "Sync")
            .json(json!({"script_b64": "ZWNobyBoZWxsbwpleGl0IDA=", "type": "shell"})))
        .await;
    assert_eq!(out["stdout"], "hello");
    assert_eq!(out["exit_code"], 0);
    let failed = emu
        .ok(emu
            .fc("POST", &path)
            .json(json!({"script": "print('x')\nimport sys\nsys.exit(3)", "type": "python"})))
        .await;
    assert_eq!(failed["exit_code"], 3);
    assert_eq!(failed["stdout"], "x");
    emu.fails(
        emu.fc("POST", "/2023-03-30/functions/nope/invocations")
            .json(json!({})),
        404,
        "FunctionNotFound",
    )
    .await;
}

#[tokio::test]
async fn async_tasks_need_the_config_and_move_on_the_clock() {
    let emu = Emu::start().await;
    let f = FC_DEMO_EXECUTOR;
    let invoke = |task: &str| {
        emu.fc("POST", &format!("/2023-03-30/functions/{f}/invocations"))
            .header("x-fc-invocation-type", "Async")
            .header("x-fc-async-task-id", task)
            .json(json!({"script": "echo done\nexit 1", "type": "shell"}))
    };
    emu.fails(
        emu.fc(
            "GET",
            &format!("/2023-03-30/functions/{f}/async-invoke-config"),
        ),
        404,
        "AsyncConfigNotExists",
    )
    .await;
    let sent = emu.ok(invoke("untracked-1")).await;
    assert_eq!(sent["asyncTaskId"], "untracked-1");
    emu.fails(
        emu.fc(
            "GET",
            &format!("/2023-03-30/functions/{f}/async-tasks/untracked-1"),
        ),
        404,
        "AsyncTaskNotFound",
    )
    .await;
    let config = emu
        .ok(emu
            .fc(
                "PUT",
                &format!("/2023-03-30/functions/{f}/async-invoke-config"),
            )
            .json(json!({"asyncTask": true, "maxAsyncRetryAttempts": 0})))
        .await;
    assert_eq!(config["asyncTask"], true);
    emu.ok(invoke("plan-1-task")).await;
    emu.ok(invoke("plan-1-task")).await;
    let task_path = format!("/2023-03-30/functions/{f}/async-tasks/plan-1-task");
    // Real FC records the task a moment after the invoke: the first read misses it.
    emu.fails(emu.fc("GET", &task_path), 404, "AsyncTaskNotFound")
        .await;
    let task = emu.ok(emu.fc("GET", &task_path)).await;
    assert_eq!(task["status"], "Enqueued");
    emu.advance_clock(2).await;
    assert_eq!(emu.ok(emu.fc("GET", &task_path)).await["status"], "Running");
    emu.advance_clock(5).await;
    let done = emu.ok(emu.fc("GET", &task_path)).await;
    assert_eq!(done["status"], "Failed");
    assert!(
        done["returnPayload"]
            .as_str()
            .unwrap_or_default()
            .contains("done")
    );
    let listed = emu
        .ok(emu.fc("GET", &format!("/2023-03-30/functions/{f}/async-tasks")))
        .await;
    assert_eq!(
        listed["tasks"].as_array().map(Vec::len),
        Some(1),
        "one task despite the repeat"
    );
    emu.ok(invoke("plan-2-task")).await;
    emu.ok(emu.fc(
        "PUT",
        &format!("/2023-03-30/functions/{f}/async-tasks/plan-2-task/stop"),
    ))
    .await;
    let task_2 = format!("/2023-03-30/functions/{f}/async-tasks/plan-2-task");
    emu.fails(emu.fc("GET", &task_2), 404, "AsyncTaskNotFound")
        .await;
    let stopped = emu.ok(emu.fc("GET", &task_2)).await;
    assert_eq!(stopped["status"], "Stopped");
    emu.fails(
        emu.fc(
            "PUT",
            &format!("/2023-03-30/functions/{f}/async-tasks/plan-2-task/stop"),
        ),
        400,
        "AsyncTaskFinished",
    )
    .await;
    emu.ok(emu.fc(
        "DELETE",
        &format!("/2023-03-30/functions/{f}/async-invoke-config"),
    ))
    .await;
    emu.fails(
        emu.fc(
            "DELETE",
            &format!("/2023-03-30/functions/{f}/async-invoke-config"),
        ),
        404,
        "AsyncConfigNotExists",
    )
    .await;
}

#[tokio::test]
async fn the_demo_account_has_past_async_tasks() {
    let emu = Emu::start().await;
    let base = format!("/2023-03-30/functions/{FC_DEMO_ASYNC_FUNCTION}/async-tasks");
    let ok = emu
        .ok(emu.fc("GET", &format!("{base}/{FC_DEMO_TASK_OK}")))
        .await;
    assert_eq!(ok["status"], "Succeeded");
    let failed = emu.ok(emu.fc("GET", &base).query("status", "Failed")).await;
    assert_eq!(failed["tasks"][0]["taskId"], FC_DEMO_TASK_FAILED);
}

#[tokio::test]
async fn the_account_endpoint_names_the_region() {
    let emu = Emu::start().await;
    let call = emu
        .fc("GET", "/2023-03-30/functions")
        .host(&format!("{ACCOUNT_ID}.cn-shanghai.fc.aliyuncs.com"));
    let listed = emu.ok(call).await;
    assert_eq!(
        listed["functions"].as_array().map(Vec::len),
        Some(0),
        "no demo functions in Shanghai"
    );
}
