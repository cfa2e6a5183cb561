//! The admin API and injected faults over real HTTP: request log, reset, clock, faults
//! (throttle, server error, timeout, lost response after commit), RAM denial, workloads.

use crate::support::{Emu, path};
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;
use skillgate::emulator::{self, EmulatorOptions};

fn new_root(label: &str) -> Value {
    json!({
        "QuotaName": "lost-response", "ResourceGroupIds": [RG_TRAIN_A10_EXTRA], "ResourceType": "ECS",
        "Min": {"NodeSpecs": [{"Type": C16G1, "Count": 1}]},
        "Labels": [{"Key": "skillgate.plan", "Value": label}],
    })
}

#[tokio::test]
async fn start_refuses_non_loopback_and_prints_one_json_line() {
    let refused = emulator::start(([0, 0, 0, 0], 0).into(), EmulatorOptions::default()).await;
    assert!(refused.is_err());
    let emu = Emu::start().await;
    let line = emu.handle.startup_line();
    assert!(!line.contains('\n'));
    let parsed: Value = serde_json::from_str(&line).unwrap_or_default();
    assert_eq!(parsed["endpoint"], emu.handle.endpoint.as_str());
    let ak = parsed["alibaba"]["access_key_id"]
        .as_str()
        .unwrap_or_default();
    assert!(ak.starts_with("LTAI5t") && ak.len() == 24, "{ak}");
    assert_eq!(
        parsed["alibaba"]["access_key_secret"]
            .as_str()
            .map(str::len),
        Some(30)
    );
    assert!(
        !format!("{:?}", emu.handle.alibaba)
            .contains(emu.handle.alibaba.access_key_secret.expose())
    );
    let Emu { handle, .. } = emu;
    handle.shutdown().await;
}

#[tokio::test]
async fn the_request_log_shows_what_was_sent_and_whether_it_mutates() {
    let emu = Emu::start().await;
    emu.ok(emu.pai("ListQuotas", "GET", "/api/v1/quotas/"))
        .await;
    emu.fails(
        emu.pai(
            "ScaleQuota",
            "PUT",
            &path("/api/v1/quotas/{}/action/scale", &[QUOTA_TEAM_A]),
        )
        .json(json!({})),
        400,
        "MissingParameter.Min",
    )
    .await;
    emu.fails(
        emu.pai("ListQuotas", "GET", "/api/v1/quotas/")
            .secret("wrong"),
        400,
        "SignatureDoesNotMatch",
    )
    .await;
    let (_, log) = emu.admin("GET", "/_emulator/requests", None).await;
    let entries = log["requests"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        (
            entries[0]["action"].as_str(),
            entries[0]["status"].as_u64(),
            entries[0]["mutating"].as_bool()
        ),
        (Some("ListQuotas"), Some(200), Some(false))
    );
    assert_eq!(
        (
            entries[1]["code"].as_str(),
            entries[1]["mutating"].as_bool()
        ),
        (Some("MissingParameter.Min"), Some(true))
    );
    assert_eq!(entries[2]["code"], "SignatureDoesNotMatch");
    for field in ["time", "method", "path", "request_id", "region"] {
        assert!(entries[0][field].is_string(), "{field}");
    }
    let (_, mutating) = emu
        .admin("GET", "/_emulator/requests?mutating=true", None)
        .await;
    assert_eq!(mutating["requests"].as_array().map(Vec::len), Some(1));
    emu.admin("DELETE", "/_emulator/requests", None).await;
    assert!(emu.logged_actions().await.is_empty());
}

#[tokio::test]
async fn reset_reseeds_with_the_same_credentials() {
    let emu = Emu::start().await;
    emu.ok(emu.pai(
        "DeleteQuota",
        "DELETE",
        &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
    ))
    .await;
    let (status, _) = emu.admin("POST", "/_emulator/reset", None).await;
    assert_eq!(status, 200);
    let back = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
        ))
        .await;
    assert_eq!(back["QuotaName"], "lingjun-pretrain");
    let (_, state) = emu.admin("GET", "/_emulator/state", None).await;
    let ak = emu.handle.alibaba.access_key_id.clone();
    assert_eq!(
        state["accounts"][&ak][REGION]["quotas"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let (status, _) = emu.admin("GET", "/_emulator/nothing-here", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn throttle_and_server_error_faults_apply_once_and_change_nothing() {
    let emu = Emu::start().await;
    let (status, armed) = emu
        .admin(
            "POST",
            "/_emulator/faults",
            Some(json!({"action": "CreateQuota", "kind": "throttle", "times": 1})),
        )
        .await;
    assert_eq!(
        (status, armed["faults"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    emu.admin(
        "POST",
        "/_emulator/faults",
        Some(json!({"action": "CreateQuota", "kind": "server_error"})),
    )
    .await;
    let create = || {
        emu.pai("CreateQuota", "POST", "/api/v1/quotas")
            .json(new_root("p1"))
    };
    emu.fails(create(), 400, "Throttling.User").await;
    emu.fails(create(), 500, "InternalError").await;
    let found = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Labels", "skillgate.plan=p1"))
        .await;
    assert_eq!(found["TotalCount"], 0, "faulted calls commit nothing");
    emu.ok(create()).await;
    let found = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Labels", "skillgate.plan=p1"))
        .await;
    assert_eq!(found["TotalCount"], 1);
}

#[tokio::test]
async fn a_lost_response_after_commit_leaves_the_quota_created() {
    let emu = Emu::start().await;
    emu.admin(
        "POST",
        "/_emulator/faults",
        Some(json!({"action": "CreateQuota", "kind": "server_error_after_commit"})),
    )
    .await;
    emu.fails(
        emu.pai("CreateQuota", "POST", "/api/v1/quotas")
            .json(new_root("plan-lost")),
        500,
        "InternalError",
    )
    .await;
    let found = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Labels", "skillgate.plan=plan-lost"))
        .await;
    assert_eq!(
        found["TotalCount"], 1,
        "the change was applied although the answer was 500"
    );
}

#[tokio::test]
async fn a_timeout_fault_holds_then_answers_504() {
    let emu = Emu::start().await;
    emu.admin(
        "POST",
        "/_emulator/faults",
        Some(json!({"action": "ScaleQuota", "kind": "timeout", "delay_ms": 50})),
    )
    .await;
    let started = std::time::Instant::now();
    emu.fails(
        emu.pai(
            "ScaleQuota",
            "PUT",
            &path("/api/v1/quotas/{}/action/scale", &[QUOTA_TEAM_A]),
        )
        .json(json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}})),
        504,
        "GatewayTimeout",
    )
    .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        ))
        .await;
    assert_eq!(
        q["Min"]["NodeSpecs"][0]["Count"], 3,
        "a timed-out call changes nothing"
    );
}

#[tokio::test]
async fn a_forbidden_action_answers_ram_denied_with_detail() {
    let emu = Emu::start().await;
    emu.admin(
        "POST",
        "/_emulator/alibaba/forbid",
        Some(json!({"action": "DeleteQuota"})),
    )
    .await;
    let denied = emu
        .fails(
            emu.pai(
                "DeleteQuota",
                "DELETE",
                &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
            ),
            403,
            "Forbidden.RAM",
        )
        .await;
    assert_eq!(
        denied.body["AccessDeniedDetail"]["AuthAction"],
        "pai:DeleteQuota"
    );
    assert!(
        denied
            .message()
            .starts_with("User not authorized to operate on the specified resource")
    );
    emu.ok(emu.pai(
        "GetQuota",
        "GET",
        &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
    ))
    .await;
    emu.admin(
        "POST",
        "/_emulator/alibaba/forbid",
        Some(json!({"action": "DeleteQuota", "forbidden": false})),
    )
    .await;
    emu.ok(emu.pai(
        "DeleteQuota",
        "DELETE",
        &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
    ))
    .await;
}

#[tokio::test]
async fn added_workloads_raise_usage_and_the_clock_can_jump() {
    let emu = Emu::start_with(EmulatorOptions {
        time_scale: 60.0,
        seed_demo: true,
    })
    .await;
    let (status, workload) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/workloads",
            Some(json!({"quota_id": QUOTA_TEAM_A, "user_id": "2999", "user_name": "carol", "gpu": 1, "cpu": 2, "memory": "8Gi"})),
        )
        .await;
    assert_eq!(status, 200, "{workload}");
    assert_eq!(
        (
            workload["WorkspaceId"].as_str(),
            workload["Status"].as_str()
        ),
        (Some(WS_LLM_RESEARCH), Some("Running"))
    );
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        ))
        .await;
    assert_eq!(q["QuotaDetails"]["UsedQuota"]["GPU"], "3");
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/alibaba/workloads",
            Some(json!({"quota_id": "quotamissing0001"})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, before) = emu.admin("GET", "/_emulator/clock", None).await;
    assert_eq!(before["time_scale"], 60.0);
    let (_, after) = emu
        .admin(
            "POST",
            "/_emulator/clock/advance",
            Some(json!({"seconds": 86400})),
        )
        .await;
    assert!(after["now"].as_str() > before["now"].as_str());
}
