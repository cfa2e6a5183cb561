//! FC 3.0 end to end over stdio and HTTP: the lookups, an async run tracked through the async
//! config and GetAsyncTask on the emulated clock (the output synthesised, nothing executed), a
//! sync invoke, and the deletes behind `CONFIRM <FUNCTION_NAME>`.

use serde_json::{Value, json};

use crate::both_transports;
use crate::common::{Harness, ServerSpec, Transport, array, str_of};

const EXECUTOR: &str = "acf-script-executor";

fn spec(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport).args(&["--toolsets", "compute"])
}

async fn created(h: &Harness) -> Vec<Value> {
    array(&h.emu.admin_get("alibaba/resources?created=true").await["resources"])
}

async fn async_run_then_delete(transport: Transport) {
    let h = spec(transport).start().await;
    let listed = h
        .ok(
            "cp_fc_list_functions",
            json!({"region_id": "cn-hangzhou", "prefix": "demo-"}),
        )
        .await;
    let names: Vec<String> = array(&listed["functions"])
        .iter()
        .map(|f| str_of(&f["function_name"]))
        .collect();
    assert_eq!(
        names,
        ["demo-daily-report", "demo-image-resize"],
        "{listed:#}"
    );
    let regions = h
        .ok("cp_fc_list_regions", json!({"region_id": "cn-hangzhou"}))
        .await;
    assert!(array(&regions["regions"]).len() >= 3, "{regions:#}");

    let config = h
        .plan(
            "cp_fc_put_async_invoke_config",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR}),
        )
        .await;
    assert_eq!(
        str_of(&config["confirm_phrase"]),
        format!("CONFIRM {EXECUTOR}")
    );
    let done = h.execute(&config).await;
    assert_eq!(done["result"]["async_task"], true, "{done:#}");

    let invoke = h
        .plan(
            "cp_fc_invoke_function",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "invocation_type": "Async",
                   "async_task_id": "e2e-task-1", "script": "echo from fc\nexit 0"}),
        )
        .await;
    let sent = h.execute(&invoke).await;
    assert_eq!(sent["result"]["async_task_id"], "e2e-task-1", "{sent:#}");
    let task_args =
        json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "task_id": "e2e-task-1"});
    // FC records the task a moment after the invoke: the first read answers AsyncTaskNotFound.
    let missing = h
        .refused("cp_fc_get_async_task", task_args.clone(), "not_found")
        .await;
    assert!(
        missing.to_string().contains("AsyncTaskNotFound"),
        "{missing:#}"
    );
    let early = h.ok("cp_fc_get_async_task", task_args.clone()).await;
    assert!(
        ["Enqueued", "Running"].contains(&str_of(&early["status"]).as_str()),
        "{early:#}"
    );
    h.emu
        .admin_post("clock/advance", json!({"seconds": 10}))
        .await;
    let finished = h.ok("cp_fc_get_async_task", task_args).await;
    assert_eq!(finished["status"], "Succeeded", "{finished:#}");
    assert!(
        str_of(&finished["return_payload"]).contains("from fc"),
        "{finished:#}"
    );

    let sync = h
        .plan(
            "cp_fc_invoke_function",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "echo hi\nexit 4"}),
        )
        .await;
    let out = h.execute(&sync).await;
    assert_eq!(out["result"]["exit_code"], 4, "{out:#}");
    assert_eq!(out["result"]["stdout"], "hi", "{out:#}");

    let wrong = h
        .plan(
            "cp_fc_delete_function",
            json!({"region_id": "cn-hangzhou", "function_name": "demo-image-resize"}),
        )
        .await;
    let refused = h.confirm(&str_of(&wrong["plan_id"]), "CONFIRM yes").await;
    assert_eq!(
        refused.is_error,
        Some(true),
        "a wrong phrase deletes nothing"
    );
    let still = h
        .ok(
            "cp_fc_get_function",
            json!({"region_id": "cn-hangzhou", "function_name": "demo-image-resize"}),
        )
        .await;
    assert_eq!(still["function_name"], "demo-image-resize");
    let delete = h
        .plan(
            "cp_fc_delete_function",
            json!({"region_id": "cn-hangzhou", "function_name": "demo-image-resize"}),
        )
        .await;
    h.execute(&delete).await;
    let gone = h
        .call(
            "cp_fc_get_function",
            json!({"region_id": "cn-hangzhou", "function_name": "demo-image-resize"}),
        )
        .await;
    assert_eq!(gone.is_error, Some(true), "deleted");
    assert!(created(&h).await.is_empty(), "nothing was created");
}

both_transports!(fc_async_run_sync_invoke_and_delete, async_run_then_delete);

async fn create_behind_the_quote(transport: Transport) {
    let h = spec(transport).start().await;
    let bad = h
        .refused(
            "cp_fc_create_function",
            json!({"region_id": "cn-hangzhou", "function_name": "acf-bad", "memory_mb": 4096, "cpu": "0.5"}),
            "validation_error",
        )
        .await;
    assert!(bad.to_string().contains("1 to 4"), "{bad:#}");
    let args = json!({"region_id": "cn-hangzhou", "function_name": "acf-task-e2e", "memory_mb": 1024,
                      "cpu": "0.5", "timeout_s": 120, "runtime_s": 60});
    let plan = h.plan("cp_fc_create_function", args.clone()).await;
    // Nothing has asked STS yet: the preview names the account endpoint and says how it is filled.
    let preview = plan["dry_run"].to_string();
    assert!(
        preview.contains("{account_id}.cn-hangzhou.fc.aliyuncs.com")
            && preview.contains("GetCallerIdentity")
            && !preview.contains("invalid"),
        "{preview}"
    );
    let quote = plan["diff"]["cost"].clone();
    let phrase = str_of(&plan["confirm_phrase"]);
    assert_eq!(
        phrase,
        format!("CONFIRM-COST {}", str_of(&quote["quote_id"])),
        "{plan:#}"
    );
    assert_eq!(
        quote["script_timeout_s"], 100,
        "the script gets timeout - 20 s: {quote:#}"
    );
    assert!(
        str_of(&quote["formula"]).contains("0.5 vCPU x 60 s x 0.00003167"),
        "{quote:#}"
    );
    // 0.5 x 60 x 0.00003167 + 1 x 60 x 0.00000397 + 1 x 0.0133 / 10000
    assert_eq!(quote["estimated_total"], json!(0.00119), "{quote:#}");
    let stale = h
        .refused(
            "cp_fc_create_function",
            json!({"region_id": "cn-hangzhou", "function_name": "acf-task-e2e", "memory_mb": 1024,
                   "cpu": "0.5", "timeout_s": 120, "runtime_s": 60, "quote_id": "q-000000000000"}),
            "stale_plan",
        )
        .await;
    assert!(
        stale.to_string().contains(&str_of(&quote["quote_id"])),
        "{stale:#}"
    );
    let done = h.execute(&plan).await;
    assert_eq!(done["result"]["function_name"], "acf-task-e2e", "{done:#}");
    let made = created(&h).await;
    assert_eq!(made.len(), 1, "{made:#?}");
    assert_eq!(made[0]["type"], "fc_function");
    assert!(
        made[0]["tags"]
            .to_string()
            .contains(&str_of(&plan["plan_id"])),
        "the function carries the plan that made it: {made:#?}"
    );
    let got = h
        .ok(
            "cp_fc_get_function",
            json!({"region_id": "cn-hangzhou", "function_name": "acf-task-e2e"}),
        )
        .await;
    assert_eq!(got["cpu"], json!(0.5), "{got:#}");
}

both_transports!(
    fc_create_is_quoted_with_its_formula,
    create_behind_the_quote
);

async fn one_shot_cleans_up(transport: Transport) {
    let h = spec(transport).start().await;
    let args = json!({"region_id": "cn-hangzhou", "script_content": "echo computed 42\nexit 0",
                      "runtime_s": 10});
    let plan = h.plan("cp_fc_create_and_invoke", args).await;
    let steps: Vec<String> = array(&plan["dry_run"])
        .iter()
        .map(|s| str_of(&s["step"]))
        .collect();
    assert_eq!(steps, ["create", "invoke", "cleanup"], "{plan:#}");
    assert!(
        str_of(&plan["confirm_phrase"]).starts_with("CONFIRM-COST q-"),
        "{plan:#}"
    );
    assert_eq!(plan["diff"]["cost"]["script_timeout_s"], 280, "{plan:#}");
    let done = h.execute(&plan).await;
    let result = &done["result"];
    assert!(
        str_of(&result["function_name"]).starts_with("acf-task-"),
        "{done:#}"
    );
    assert_eq!(result["exit_code"], 0, "{done:#}");
    assert_eq!(result["stdout"], "computed 42", "{done:#}");
    assert!(
        created(&h).await.is_empty(),
        "the one-shot left nothing behind"
    );
    let path = h
        .refused(
            "cp_fc_create_and_invoke",
            json!({"region_id": "cn-hangzhou", "script_path": "/tmp/x.sh"}),
            "validation_error",
        )
        .await;
    assert!(path.to_string().contains("script_content"), "{path:#}");
}

both_transports!(fc_one_shot_runs_and_cleans_up, one_shot_cleans_up);

// -------------------------------------------------------------- cp_fc_invoke_function_and_wait

fn fast(transport: Transport) -> ServerSpec {
    ServerSpec::new(transport)
        .args(&[
            "--toolsets",
            "compute",
            "--operation-time-scale",
            "0.01",
            "--wait-timeout",
            "10s",
        ])
        .emulator_args(&["--emulator-time-scale", "30"])
}

async fn invoke_and_wait(transport: Transport) {
    let h = fast(transport).start().await;
    // Up to 60 s: one sync invoke, its output in the answer.
    let sync = h
        .plan(
            "cp_fc_invoke_function_and_wait",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "echo quick", "timeout_s": 30}),
        )
        .await;
    assert_eq!(
        str_of(&sync["confirm_phrase"]),
        format!("CONFIRM {EXECUTOR}"),
        "invoking runs user code: gated like cp_fc_invoke_function"
    );
    let steps = array(&sync["dry_run"]);
    assert_eq!(steps.len(), 1, "{sync:#}");
    assert!(steps[0].to_string().contains("Sync"), "{sync:#}");
    let done = h.execute(&sync).await;
    assert_eq!(done["result"]["mode"], "sync", "{done:#}");
    assert_eq!(done["result"]["stdout"], "quick", "{done:#}");
    assert_eq!(done["result"]["exit_code"], 0, "{done:#}");

    // Above 60 s: the async config, an async invoke with a planned task id, then the task.
    let plan = h
        .plan(
            "cp_fc_invoke_function_and_wait",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "echo later\nexit 0", "timeout_s": 120}),
        )
        .await;
    let steps = array(&plan["dry_run"]);
    assert_eq!(steps.len(), 2, "{plan:#}");
    assert!(
        steps[0].to_string().contains("async-invoke-config"),
        "{plan:#}"
    );
    let invoke = steps[1].to_string();
    assert!(
        invoke.contains("Async") && invoke.contains("x-fc-async-task-id"),
        "{plan:#}"
    );
    let done = h.execute(&plan).await;
    let task_id = str_of(&done["result"]["async_task_id"]);
    assert!(task_id.starts_with("sg-"), "{done:#}");
    assert!(
        done["operation"]["operation_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("op-")),
        "followed as a long operation: {done:#}"
    );
    let waited = h
        .ok(
            "cp_fc_wait_async_task",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "task_id": task_id}),
        )
        .await;
    assert_eq!(waited["operation_status"], "succeeded", "{waited:#}");
    let task = &waited["report"]["task"];
    assert_eq!(task["status"], "Succeeded", "{waited:#}");
    assert!(task["output"].to_string().contains("later"), "{waited:#}");
    assert!(
        task["not_found_looks"].as_u64().unwrap_or(0) >= 1,
        "AsyncTaskNotFound right after the invoke was tolerated: {waited:#}"
    );
    let reads = h.emu.requests_for("GetAsyncTask").await;
    assert!(reads.len() >= 2, "{reads:#?}");
    // FC's account endpoint: the account id asked of STS once, then cached.
    let identity = h.emu.requests_for("GetCallerIdentity").await;
    assert_eq!(identity.len(), 1, "{identity:#?}");
    assert!(
        plan["dry_run"]
            .to_string()
            .contains(".cn-hangzhou.fc.aliyuncs.com"),
        "{plan:#}"
    );

    // Refusals: no script; both forms; a timeout above the function's own; a wrong phrase.
    for (args, needle) in [
        (
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR}),
            "give the script",
        ),
        (
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "true", "script_b64": "dHJ1ZQ=="}),
            "not both",
        ),
        (
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "true", "timeout_s": 700}),
            "own timeout of 600 s",
        ),
    ] {
        let refused = h
            .refused("cp_fc_invoke_function_and_wait", args, "validation_error")
            .await;
        assert!(refused.to_string().contains(needle), "{refused:#}");
    }
    h.refused(
        "cp_fc_invoke_function_and_wait",
        json!({"region_id": "cn-hangzhou", "function_name": "no-such-fn", "script": "true"}),
        "not_found",
    )
    .await;
    let plan = h
        .plan(
            "cp_fc_invoke_function_and_wait",
            json!({"region_id": "cn-hangzhou", "function_name": EXECUTOR, "script": "echo never", "timeout_s": 90}),
        )
        .await;
    let wrong = h.confirm(&str_of(&plan["plan_id"]), "CONFIRM yes").await;
    assert_eq!(wrong.is_error, Some(true));
    let invokes = h.emu.requests_for("InvokeFunction").await;
    assert_eq!(
        invokes.len(),
        2,
        "the refused plan sent nothing: {invokes:#?}"
    );
    assert!(created(&h).await.is_empty(), "nothing was created");
}

both_transports!(
    fc_invoke_and_wait_sync_and_async_with_the_task_followed,
    invoke_and_wait
);

// ------------------------------------------------------------------------------ cp_doc_search

async fn doc_search(transport: Transport) {
    let mut h = spec(transport).start().await;
    // Off by default: a clear answer saying how to turn it on, and nothing sent anywhere.
    let off = h
        .refused(
            "cp_doc_search",
            json!({"keywords": "AsyncTaskNotFound", "product": "fc"}),
            "config_error",
        )
        .await;
    let text = off.to_string();
    assert!(
        text.contains("disabled") && text.contains("--enable-doc-search"),
        "{off:#}"
    );
    assert!(h.emu.requests_for("SearchDocuments").await.is_empty());

    // On, pointed at the emulator's synthesised index.
    let endpoint = format!("docs={}", h.emu.endpoint);
    let on = h
        .other_server(ServerSpec::new(transport).args(&[
            "--toolsets",
            "compute",
            "--enable-doc-search",
            "--endpoint",
            &endpoint,
        ]))
        .await;
    let found = on
        .session
        .ok(
            "cp_doc_search",
            json!({"keywords": "AsyncTaskNotFound", "product": "fc"}),
        )
        .await;
    let results = array(&found["results"]);
    assert!(!results.is_empty(), "{found:#}");
    assert!(
        str_of(&results[0]["title"]).contains("AsyncTaskNotFound")
            && str_of(&results[0]["url"]).starts_with("https://help.aliyun.com/"),
        "{found:#}"
    );
    assert!(results.iter().all(|r| r["product"] == "fc"), "{found:#}");
    let searches = h.emu.requests_for("SearchDocuments").await;
    assert_eq!(searches.len(), 1, "{searches:#?}");
}

both_transports!(
    doc_search_is_off_by_default_and_searches_when_enabled,
    doc_search
);
