//! OOS 2019-06-01 over real HTTP with real ACS3 signatures (RPC: `POST /`, parameters in
//! the query): the public package catalog and its paging, template parameters, the
//! installer's validation, ClientToken idempotency, executions to Success, Failed and
//! Cancelled on the emulated clock, package states, regions, RAM denial and throttling.

use std::collections::BTreeSet;

use crate::support::{Call, Emu};
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

const INSTALLER: &str = "ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL";
const NODE: &str = "ACS-Extension-node-1853370294850618";
const DOCKER: &str = "ACS-Extension-DockerCE-1853370294850618";
const LIFECYCLE: &str = "oos.execution.run";

/// The installer's Parameters in the skill's shape.
fn install(region: &str, ids: &[&str], package: &str, parameters: Value) -> Value {
    json!({
        "regionId": region,
        "OOSAssumeRole": "",
        "targets": {"ResourceIds": ids, "RegionId": region, "Type": "ResourceIds"},
        "rateControl": {"Mode": "Concurrency", "Concurrency": 1, "MaxErrors": 0},
        "action": "install",
        "packageName": package,
        "parameters": parameters,
    })
}

fn start(emu: &Emu, parameters: &Value) -> Call {
    emu.oos("StartExecution")
        .query("RegionId", "cn-hangzhou")
        .query("TemplateName", INSTALLER)
        .query("Mode", "Automatic")
        .query("Tags", "{}")
        .query("Parameters", &parameters.to_string())
}

async fn execution(emu: &Emu, id: &str) -> Value {
    let body = emu
        .ok(emu
            .oos("ListExecutions")
            .query("RegionId", "cn-hangzhou")
            .query("ExecutionId", id))
        .await;
    assert_eq!(body["TotalCount"], 1, "{body}");
    body["Executions"][0].clone()
}

async fn tasks(emu: &Emu, id: &str) -> Vec<Value> {
    let body = emu
        .ok(emu.oos("ListTaskExecutions").query("ExecutionId", id))
        .await;
    body["TaskExecutions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn packages_on(emu: &Emu, instance: &str) -> Vec<String> {
    let body = emu
        .ok(emu
            .oos("ListInstancePackageStates")
            .query("RegionId", "cn-hangzhou")
            .query("InstanceId", instance))
        .await;
    body["PackageStates"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|p| p["TemplateName"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn list_templates_pages_with_next_token_and_descriptions_are_json() {
    let emu = Emu::start().await;
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut call = emu
            .oos("ListTemplates")
            .query("RegionId", "cn-hangzhou")
            .query("TemplateType", "Package")
            .query("ShareType", "Public")
            .query("MaxResults", "3");
        if let Some(t) = &token {
            call = call.query("NextToken", t);
        }
        let body = emu.ok(call).await;
        pages += 1;
        assert_eq!(body["MaxResults"], 3);
        for t in body["Templates"].as_array().cloned().unwrap_or_default() {
            assert_eq!(t["TemplateType"], "Package");
            assert_eq!(t["ShareType"], "Public");
            assert!(
                t["TemplateVersion"]
                    .as_str()
                    .is_some_and(|v| v.starts_with('v'))
            );
            let description: Value = serde_json::from_str(t["Description"].as_str().unwrap_or(""))
                .unwrap_or(Value::Null);
            assert!(
                description["name-en"].is_string() && description["zh-cn"].is_string(),
                "{t}"
            );
            assert!(description["categories"].is_array());
            names.push(t["TemplateName"].as_str().unwrap_or_default().to_owned());
        }
        match body["NextToken"].as_str() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break,
        }
    }
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "every template once: {names:?}");
    assert!(names.len() >= 10 && pages == names.len().div_ceil(3));
    for short in [
        "node",
        "python",
        "java",
        "golang",
        "DockerCE",
        "nginx",
        "Git",
        "BaoTaPanelFree-One-Click",
        "redis",
        "mysql",
    ] {
        assert!(
            names.contains(&format!("ACS-Extension-{short}-1853370294850618")),
            "{short}"
        );
    }
    assert!(
        !names.contains(&INSTALLER.to_owned()),
        "the installer is an Automation template"
    );
    let all = emu
        .ok(emu
            .oos("ListTemplates")
            .query("TemplateName", "bulkyconfigure"))
        .await;
    assert_eq!(all["Templates"][0]["TemplateName"], INSTALLER);
    emu.fails(
        emu.oos("ListTemplates").query("MaxResults", "101"),
        400,
        "InvalidParameter.MaxResults",
    )
    .await;
    emu.fails(
        emu.oos("ListTemplates").query("NextToken", "made-up"),
        400,
        "InvalidParameter.NextToken",
    )
    .await;
}

#[tokio::test]
async fn get_template_returns_the_installation_parameters_of_the_asked_version() {
    let emu = Emu::start().await;
    let latest = emu
        .ok(emu.oos("GetTemplate").query("TemplateName", NODE))
        .await;
    assert_eq!(latest["Template"]["TemplateVersion"], "v27");
    let content = latest["Content"].as_str().unwrap_or_default();
    assert!(content.len() > 3000, "Content is realistically large");
    let content: Value = serde_json::from_str(content).unwrap_or(Value::Null);
    assert_eq!(
        content["Parameters"]["version"],
        json!({"Type": "String", "Description": content["Parameters"]["version"]["Description"], "Default": "22", "AllowedValues": ["18", "20", "22"]})
    );
    let java = emu
        .ok(emu
            .oos("GetTemplate")
            .query("TemplateName", "ACS-Extension-java-1853370294850618"))
        .await;
    let java: Value =
        serde_json::from_str(java["Content"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(
        java["Parameters"]["vendor"]["AllowedValues"],
        json!(["OpenJDK", "Dragonwell"])
    );
    let v25 = emu
        .ok(emu
            .oos("GetTemplate")
            .query("TemplateName", NODE)
            .query("TemplateVersion", "v25"))
        .await;
    let v25: Value =
        serde_json::from_str(v25["Content"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(
        v25["Parameters"]["version"]["AllowedValues"],
        json!(["16", "18", "20"])
    );
    emu.fails(emu.oos("GetTemplate"), 400, "MissingTemplateName")
        .await;
    emu.fails(
        emu.oos("GetTemplate")
            .query("TemplateName", "ACS-Extension-cobol-1853370294850618"),
        404,
        "TemplateNotFound",
    )
    .await;
    let version = emu
        .fails(
            emu.oos("GetTemplate")
                .query("TemplateName", NODE)
                .query("TemplateVersion", "v99"),
            404,
            "TemplateNotFound",
        )
        .await;
    assert!(
        version.message().contains("v25, v26, v27"),
        "{}",
        version.body
    );
}

#[tokio::test]
async fn a_client_token_makes_start_execution_idempotent() {
    let emu = Emu::start().await;
    let before = emu.ok(emu.oos("ListExecutions")).await["TotalCount"].clone();
    let params = install("cn-hangzhou", &[I_WEB_02], NODE, json!({"version": "20"}));
    let first = emu
        .ok(start(&emu, &params).query("ClientToken", "cn-hangzhou-node-202612011200"))
        .await;
    let again = emu
        .ok(start(&emu, &params).query("ClientToken", "cn-hangzhou-node-202612011200"))
        .await;
    let id = first["Execution"]["ExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with("exec-"), "{first}");
    assert_eq!(again["Execution"]["ExecutionId"], id.as_str());
    assert_eq!(first["Execution"]["Status"], "Running");
    assert!(
        first["Execution"]["Parameters"].is_string(),
        "StartExecution's Parameters is a JSON string"
    );
    let after = emu.ok(emu.oos("ListExecutions")).await;
    assert_eq!(
        after["TotalCount"].as_u64(),
        before.as_u64().map(|n| n + 1),
        "one execution created"
    );
    let other = install("cn-hangzhou", &[I_WEB_02], NODE, json!({"version": "18"}));
    emu.fails(
        start(&emu, &other).query("ClientToken", "cn-hangzhou-node-202612011200"),
        400,
        "IdempotentParameterMismatch",
    )
    .await;
    let fresh = emu
        .ok(start(&emu, &params).query("ClientToken", "another-token"))
        .await;
    assert_ne!(fresh["Execution"]["ExecutionId"], id.as_str());
}

#[tokio::test]
async fn invalid_starts_are_refused_with_what_is_allowed() {
    let emu = Emu::start().await;
    let good = install("cn-hangzhou", &[I_WEB_02], NODE, json!({"version": "20"}));
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut p = good.clone();
        edit(&mut p);
        p
    };
    emu.fails(
        emu.oos("StartExecution")
            .query("Parameters", &good.to_string()),
        400,
        "MissingTemplateName",
    )
    .await;
    let package = emu
        .fails(
            emu.oos("StartExecution")
                .query("TemplateName", NODE)
                .query("Parameters", &good.to_string()),
            400,
            "InvalidParameter",
        )
        .await;
    assert!(
        package.message().contains("packageName"),
        "{}",
        package.body
    );
    emu.fails(
        emu.oos("StartExecution")
            .query("TemplateName", "ACS-ECS-Nothing")
            .query("Parameters", "{}"),
        404,
        "TemplateNotFound",
    )
    .await;
    emu.fails(
        start(&emu, &good).query("Parameters", "{\"regionId\":"),
        400,
        "InvalidParameter",
    )
    .await;
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|p| p["parameters"]["version"] = json!("23")),
            "allowed values: 18, 20, 22",
        ),
        (
            with(&|p| p["parameters"]["version"] = json!(20)),
            "must be a String",
        ),
        (
            with(&|p| p["parameters"]["prefix"] = json!("/opt")),
            "parameters.prefix is not a parameter",
        ),
        (
            with(&|p| p["packageVersion"] = json!("v99")),
            "its versions are v25, v26, v27",
        ),
        (
            with(&|p| {
                p["packageVersion"] = json!("v25");
                p["parameters"]["version"] = json!("22");
            }),
            "allowed values: 16, 18, 20",
        ),
        (
            with(&|p| p["regionId"] = json!("cn-shanghai")),
            "regionId \"cn-shanghai\"",
        ),
        (
            with(&|p| p["targets"]["Type"] = json!("Tags")),
            "targets.Type",
        ),
        (
            with(&|p| p["targets"]["ResourceIds"] = json!([])),
            "at least one instance",
        ),
        (
            with(&|p| p["action"] = json!("upgrade")),
            "install, uninstall",
        ),
        (
            with(&|p| p["rateControl"]["Mode"] = json!("Fast")),
            "rateControl.Mode",
        ),
        (
            with(&|p| p["safety"] = json!(true)),
            "safety is not a parameter",
        ),
        (
            install(
                "cn-hangzhou",
                &[I_WEB_02],
                "ACS-Extension-ossfs-1853370294850618",
                json!({}),
            ),
            "parameters.bucket is required",
        ),
        (
            install(
                "cn-hangzhou",
                &[I_WEB_02],
                "ACS-Extension-nginx-1853370294850618",
                json!({"port": 0}),
            ),
            "between 1 and 65535",
        ),
    ];
    for (params, needle) in cases {
        let resp = emu
            .fails(start(&emu, &params), 400, "InvalidParameter")
            .await;
        assert!(resp.message().contains(needle), "{needle}: {}", resp.body);
    }
    let unknown = with(&|p| p["packageName"] = json!("ACS-Extension-cobol-1853370294850618"));
    emu.fails(start(&emu, &unknown), 404, "TemplateNotFound")
        .await;
    let elsewhere = install("cn-hangzhou", &[I_WEB_02, I_SH_APP_01], NODE, json!({}));
    let missing = emu
        .fails(start(&emu, &elsewhere), 404, "EntityNotExists.Instance")
        .await;
    assert!(missing.message().contains(I_SH_APP_01) && !missing.message().contains(I_WEB_02));
    let listed = emu
        .ok(emu.oos("ListExecutions").query("Status", "Running"))
        .await;
    assert_eq!(
        listed["TotalCount"], 1,
        "no refused start left an execution (the seed's running one is all there is)"
    );
}

#[tokio::test]
async fn an_execution_runs_on_the_emulated_clock_to_success_and_installs_the_package() {
    let emu = Emu::start().await;
    let params = install(
        "cn-hangzhou",
        &[I_WEB_02, I_APP_02],
        NODE,
        json!({"version": "22"}),
    );
    let started = emu.ok(start(&emu, &params)).await;
    let id = started["Execution"]["ExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let running = execution(&emu, &id).await;
    assert_eq!(running["Status"], "Running");
    assert!(running.get("EndDate").is_none() && running["Outputs"] == "{}");
    assert_eq!(running["CurrentTasks"].as_array().map(Vec::len), Some(2));
    assert!(
        packages_on(&emu, I_WEB_02).await.is_empty(),
        "not before the end"
    );
    let running_list = emu
        .ok(emu
            .oos("ListExecutions")
            .query("TemplateName", INSTALLER)
            .query("Status", "Running"))
        .await;
    assert_eq!(
        running_list["TotalCount"], 2,
        "this one and the seed's running one"
    );

    emu.advance_clock(61).await;
    let done = execution(&emu, &id).await;
    assert_eq!(done["Status"], "Success", "{done}");
    assert!(done["EndDate"].is_string());
    assert!(
        done["Parameters"].is_object(),
        "ListExecutions' Parameters is an object"
    );
    assert_eq!(done["Counters"]["Success"], 2);
    let outputs: Value =
        serde_json::from_str(done["Outputs"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(outputs["commandOutputs"].as_array().map(Vec::len), Some(2));
    for task in tasks(&emu, &id).await {
        assert_eq!(task["Status"], "Success");
        assert!(task["EndDate"].is_string() && task["StatusMessage"] == "");
        assert!([I_WEB_02, I_APP_02].contains(&task["LoopItem"].as_str().unwrap_or_default()));
    }
    assert_eq!(packages_on(&emu, I_WEB_02).await, vec![NODE.to_owned()]);
    let states = emu
        .ok(emu
            .oos("ListInstancePackageStates")
            .query("InstanceId", I_WEB_02)
            .query("TemplateNames", &format!("[\"{NODE}\"]")))
        .await;
    let state = &states["PackageStates"][0];
    assert_eq!(state["TemplateVersion"], "v27");
    let installed: Value =
        serde_json::from_str(state["Parameters"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(installed, json!({"version": "22"}));
    emu.fails(
        emu.oos("ListInstancePackageStates")
            .query("InstanceId", "i-bp1doesnotexist0000"),
        404,
        "EntityNotExists.Instance",
    )
    .await;
    emu.fails(
        emu.oos("ListInstancePackageStates"),
        400,
        "MissingParameter.InstanceId",
    )
    .await;
}

#[tokio::test]
async fn installs_fail_for_real_reasons_and_the_execution_says_why() {
    let emu = Emu::start().await;
    emu.lifecycle_mode(LIFECYCLE, "immediate").await;
    let params = install(
        "cn-hangzhou",
        &[I_APP_02, I_DB_01, I_WIN_01, I_BATCH_01, I_OPS_01],
        DOCKER,
        json!({}),
    );
    let started = emu.ok(start(&emu, &params)).await;
    let id = started["Execution"]["ExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let done = execution(&emu, &id).await;
    assert_eq!(done["Status"], "Failed");
    assert!(
        done["StatusReason"]
            .as_str()
            .is_some_and(|r| r.contains("4 of 5")),
        "{done}"
    );
    let by_instance: Vec<(String, String, String)> = tasks(&emu, &id)
        .await
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
            (s("LoopItem"), s("Status"), s("StatusMessage"))
        })
        .collect();
    let find = |id: &str| {
        by_instance
            .iter()
            .find(|(i, _, _)| i == id)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(find(I_APP_02).1, "Success");
    assert!(
        find(I_DB_01).2.contains("No space left on device"),
        "{by_instance:?}"
    );
    assert!(
        find(I_WIN_01).2.contains("supports linux only"),
        "{by_instance:?}"
    );
    assert!(
        find(I_BATCH_01).2.starts_with("InvalidInstance.NotRunning"),
        "{by_instance:?}"
    );
    assert!(
        find(I_OPS_01).2.starts_with("ClientNotRunning"),
        "{by_instance:?}"
    );
    assert_eq!(packages_on(&emu, I_APP_02).await, vec![DOCKER.to_owned()]);
    assert!(packages_on(&emu, I_DB_01).await.is_empty());
    let failed = emu
        .ok(emu
            .oos("ListExecutions")
            .query("Status", "Failed")
            .query("ResourceId", I_DB_01))
        .await;
    assert_eq!(
        failed["TotalCount"], 2,
        "the seeded MySQL failure and this one"
    );
}

#[tokio::test]
async fn a_running_execution_is_cancelled_once_and_installs_nothing() {
    let emu = Emu::start().await;
    emu.lifecycle_mode(LIFECYCLE, "manual").await;
    let started = emu
        .ok(start(
            &emu,
            &install("cn-hangzhou", &[I_APP_02], NODE, json!({})),
        ))
        .await;
    let id = started["Execution"]["ExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    emu.advance_clock(3600).await;
    assert_eq!(
        execution(&emu, &id).await["Status"],
        "Running",
        "manual waits for an advance"
    );
    emu.ok(emu.oos("CancelExecution").query("ExecutionId", &id))
        .await;
    let cancelled = execution(&emu, &id).await;
    assert_eq!(cancelled["Status"], "Cancelled");
    assert!(cancelled["EndDate"].is_string());
    assert_eq!(tasks(&emu, &id).await[0]["Status"], "Cancelled");
    let again = emu
        .fails(
            emu.oos("CancelExecution").query("ExecutionId", &id),
            400,
            "IncorrectExecutionStatus",
        )
        .await;
    assert!(again.message().contains("Cancelled"));
    emu.fails(
        emu.oos("CancelExecution")
            .query("ExecutionId", EXEC_NGINX_WEB_01),
        400,
        "IncorrectExecutionStatus",
    )
    .await;
    emu.fails(
        emu.oos("CancelExecution")
            .query("ExecutionId", "exec-00000000000000000000"),
        404,
        "ExecutionNotFound",
    )
    .await;
    emu.fails(
        emu.oos("ListTaskExecutions")
            .query("ExecutionId", "exec-00000000000000000000"),
        404,
        "ExecutionNotFound",
    )
    .await;
    assert!(packages_on(&emu, I_APP_02).await.is_empty());

    let manual = emu
        .ok(start(
            &emu,
            &install("cn-hangzhou", &[I_APP_02], NODE, json!({})),
        ))
        .await;
    let manual_id = manual["Execution"]["ExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, advanced) = emu
        .admin(
            "POST",
            "/_emulator/lifecycles/advance",
            Some(json!({"id": manual_id})),
        )
        .await;
    assert_eq!(
        (status, advanced["status"].as_str()),
        (200, Some("Success"))
    );
    assert_eq!(packages_on(&emu, I_APP_02).await, vec![NODE.to_owned()]);
}

#[tokio::test]
async fn the_seed_has_history_and_the_region_comes_from_the_host_or_region_id() {
    let emu = Emu::start().await;
    let hz = emu.ok(emu.oos("ListExecutions")).await;
    let ids: Vec<&str> = hz["Executions"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["ExecutionId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        vec![
            EXEC_REDIS_RUNNING,
            EXEC_MYSQL_DB_01,
            EXEC_NGINX_WEB_01,
            EXEC_NODE_APP_01
        ],
        "newest first"
    );
    assert_eq!(packages_on(&emu, I_APP_01).await, vec![NODE.to_owned()]);
    let by_host = emu
        .ok(emu
            .oos("ListExecutions")
            .host("oos.cn-shanghai.aliyuncs.com"))
        .await;
    assert_eq!(
        by_host["Executions"][0]["ExecutionId"],
        EXEC_DOCKER_SH_WEB_01
    );
    let by_param = emu
        .ok(emu.oos("ListExecutions").query("RegionId", "cn-shanghai"))
        .await;
    assert_eq!(by_param["TotalCount"], 1);
    let form = emu
        .ok(emu
            .oos("ListExecutions")
            .form(&[("RegionId", "cn-shanghai"), ("Status", "Success")]))
        .await;
    assert_eq!(
        form["Executions"][0]["ExecutionId"], EXEC_DOCKER_SH_WEB_01,
        "form bodies carry parameters too"
    );
    let get = emu
        .ok(Call {
            method: "GET".into(),
            ..emu.oos("GetTemplate").query("TemplateName", NODE)
        })
        .await;
    assert_eq!(get["Template"]["TemplateName"], NODE, "RPC accepts GET");
    emu.fails(
        emu.oos("ListExecutions").query("RegionId", "cn-nowhere"),
        404,
        "InvalidRegionId.NotFound",
    )
    .await;
}

#[tokio::test]
async fn ram_denials_and_throttling_apply_to_oos_and_change_nothing() {
    let emu = Emu::start().await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/forbid",
            Some(json!({"action": "StartExecution"})),
        )
        .await;
    assert_eq!(status, 200);
    let params = install("cn-hangzhou", &[I_WEB_02], NODE, json!({}));
    let denied = emu.fails(start(&emu, &params), 403, "Forbidden.RAM").await;
    assert_eq!(
        denied.body["AccessDeniedDetail"]["AuthAction"],
        "oos:StartExecution"
    );
    assert!(
        denied.body["Recommend"]
            .as_str()
            .is_some_and(|r| r.contains("product=Oos"))
    );
    emu.admin(
        "POST",
        "/_emulator/alibaba/forbid",
        Some(json!({"action": "StartExecution", "forbidden": false})),
    )
    .await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/faults",
            Some(json!({"action": "StartExecution", "kind": "throttle", "times": 2})),
        )
        .await;
    assert_eq!(status, 200);
    emu.fails(
        start(&emu, &params).query("ClientToken", "retry-me"),
        400,
        "Throttling.User",
    )
    .await;
    emu.fails(
        start(&emu, &params).query("ClientToken", "retry-me"),
        400,
        "Throttling.User",
    )
    .await;
    let ok = emu
        .ok(start(&emu, &params).query("ClientToken", "retry-me"))
        .await;
    let again = emu
        .ok(start(&emu, &params).query("ClientToken", "retry-me"))
        .await;
    assert_eq!(
        ok["Execution"]["ExecutionId"],
        again["Execution"]["ExecutionId"]
    );
    let running = emu
        .ok(emu.oos("ListExecutions").query("Status", "Running"))
        .await;
    assert_eq!(
        running["TotalCount"], 2,
        "throttled calls created nothing (this one and the seed's running one)"
    );
}
