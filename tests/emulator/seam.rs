//! The provider seam over real HTTP: the route table, the startup line, dispatch by host,
//! the POP error naming the product called, faults keyed by provider, and lifecycle modes
//! set and advanced through the admin API.

use std::collections::BTreeSet;

use crate::support::{Emu, path};
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;
use skillgate::emulator::{self, RouteInfo};

fn new_root() -> Value {
    json!({
        "QuotaName": "lifecycle", "ResourceGroupIds": [RG_TRAIN_A10_EXTRA], "ResourceType": "ECS",
        "Min": {"NodeSpecs": [{"Type": C16G1, "Count": 1}]},
    })
}

#[tokio::test]
async fn the_route_table_lists_every_route_once_and_the_admin_api_serves_it() {
    let routes = emulator::route_table();
    let keys: BTreeSet<(&str, &str, &str)> = routes
        .iter()
        .map(|r| (r.service, r.version, r.action))
        .collect();
    assert_eq!(keys.len(), routes.len(), "no duplicate route");
    let alibaba = routes.iter().filter(|r| r.provider == "alibaba").count();
    // 52 of part 1, plus PAI-DLC (8), AIWorkSpace CreateWorkspace and ListImages (2), FC 3.0 (13),
    // CS (10).
    assert_eq!(alibaba, 85, "the Alibaba routes");
    assert_eq!(routes.iter().filter(|r| r.provider == "autodl").count(), 16);
    // The documentation search cp_doc_search reaches when enabled.
    assert_eq!(routes.iter().filter(|r| r.provider == "docs").count(), 1);
    assert!(routes.contains(&RouteInfo {
        provider: "alibaba",
        service: "paistudio",
        version: "2022-01-12",
        action: "ScaleQuota",
        method: "PUT",
        path: "/api/v1/quotas/{QuotaId}/action/scale",
        mutating: true,
    }));
    assert!(routes.contains(&RouteInfo {
        provider: "alibaba",
        service: "aiworkspace",
        version: "2021-02-04",
        action: "ListResources",
        method: "GET",
        path: "/api/v1/resources",
        mutating: false,
    }));
    let emu = Emu::start().await;
    let (status, served) = emu.admin("GET", "/_emulator/routes", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        served["routes"].as_array().map(Vec::len),
        Some(routes.len())
    );
}

#[tokio::test]
async fn the_startup_line_has_one_entry_per_provider() {
    let emu = Emu::start().await;
    let line: Value = serde_json::from_str(&emu.handle.startup_line()).unwrap_or_default();
    assert_eq!(
        line["alibaba"]["access_key_id"],
        emu.handle.alibaba.access_key_id.as_str()
    );
    assert_eq!(
        line["alibaba"]["access_key_secret"],
        emu.handle.alibaba.access_key_secret.expose()
    );
    let (_, accounts) = emu.admin("GET", "/_emulator/accounts", None).await;
    assert_eq!(accounts["alibaba"], line["alibaba"]);
}

#[tokio::test]
async fn errors_name_the_product_that_was_called() {
    let emu = Emu::start().await;
    let pai = emu
        .fails(
            emu.pai("GetQuota", "GET", "/api/v1/quotas/quotanothere0000"),
            404,
            "QuotaNotFound",
        )
        .await;
    assert!(
        pai.body["Recommend"]
            .as_str()
            .is_some_and(|r| r.contains("product=PaiStudio")),
        "{}",
        pai.body
    );
    let ws = emu
        .fails(
            emu.ws("GetWorkspace", "GET", "/api/v1/workspaces/999999"),
            404,
            "WorkspaceNotFound",
        )
        .await;
    assert!(
        ws.body["Recommend"]
            .as_str()
            .is_some_and(|r| r.contains("product=AIWorkSpace")),
        "{}",
        ws.body
    );
}

#[tokio::test]
async fn a_host_no_provider_serves_is_refused_and_aliyun_hosts_pick_the_region() {
    let emu = Emu::start().await;
    let other = emu
        .send(
            emu.pai("ListQuotas", "GET", "/api/v1/quotas/")
                .host("example.com"),
        )
        .await;
    assert_eq!((other.status, other.code()), (421, "UnknownHost"));
    let shanghai = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .host("pai.cn-shanghai.aliyuncs.com"))
        .await;
    assert_eq!(shanghai["TotalCount"], 0, "another region starts empty");
}

#[tokio::test]
async fn faults_for_another_provider_leave_alibaba_alone() {
    let emu = Emu::start().await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/faults",
            Some(json!({"provider": "huawei", "action": "ListQuotas", "kind": "throttle"})),
        )
        .await;
    assert_eq!(status, 200);
    emu.ok(emu.pai("ListQuotas", "GET", "/api/v1/quotas/"))
        .await;
    let (_, armed) = emu.admin("GET", "/_emulator/faults", None).await;
    assert_eq!(armed["faults"][0]["provider"], "huawei");
}

#[tokio::test]
async fn a_manual_lifecycle_moves_only_when_advanced_and_reset_restores_timed() {
    let emu = Emu::start().await;
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/lifecycles",
            Some(json!({"name": "nothing.like.this", "mode": "manual"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, modes) = emu
        .admin(
            "POST",
            "/_emulator/lifecycles",
            Some(json!({"name": "paistudio.quota.create", "mode": "manual"})),
        )
        .await;
    assert_eq!(
        (status, &modes["modes"]["paistudio.quota.create"]),
        (200, &json!("manual"))
    );
    let created = emu
        .ok(emu
            .pai("CreateQuota", "POST", "/api/v1/quotas")
            .json(new_root()))
        .await;
    let id = created["QuotaId"].as_str().unwrap_or_default().to_owned();
    let status_of = || async {
        emu.ok(emu.pai("GetQuota", "GET", &path("/api/v1/quotas/{}", &[&id])))
            .await["Status"]
            .clone()
    };
    emu.admin(
        "POST",
        "/_emulator/clock/advance",
        Some(json!({"seconds": 3600})),
    )
    .await;
    assert_eq!(status_of().await, "Creating", "time alone does not move it");
    let advance = || {
        emu.admin(
            "POST",
            "/_emulator/lifecycles/advance",
            Some(json!({"id": id})),
        )
    };
    assert_eq!(advance().await.1["status"], "Initializing");
    assert_eq!(status_of().await, "Initializing");
    assert_eq!(advance().await.1["status"], "Enabled");
    assert_eq!(status_of().await, "Enabled");
    let (status, _) = emu
        .admin(
            "POST",
            "/_emulator/lifecycles/advance",
            Some(json!({"id": QUOTA_TEAM_ROOT})),
        )
        .await;
    assert_eq!(status, 404, "a settled quota has no manual step");
    emu.admin(
        "POST",
        "/_emulator/lifecycles",
        Some(json!({"name": "paistudio.quota.scale", "mode": "immediate"})),
    )
    .await;
    emu.ok(emu
        .pai(
            "ScaleQuota",
            "PUT",
            &path("/api/v1/quotas/{}/action/scale", &[&id]),
        )
        .json(json!({"Min": {"NodeSpecs": [{"Type": C16G1, "Count": 2}]}})))
        .await;
    assert_eq!(
        status_of().await,
        "Enabled",
        "an immediate scale settles at once"
    );
    emu.admin("POST", "/_emulator/reset", None).await;
    let (_, lifecycles) = emu.admin("GET", "/_emulator/lifecycles", None).await;
    assert_eq!(lifecycles["modes"], json!({}));
    let alibaba = lifecycles["lifecycles"].as_array().map(|all| {
        all.iter()
            .filter(|l| {
                let name = l["name"].as_str().or(l.as_str()).unwrap_or_default();
                ["paistudio.", "oos.", "ecs.", "vpc."]
                    .iter()
                    .any(|p| name.starts_with(p))
            })
            .count()
    });
    assert_eq!(alibaba, Some(7), "the Alibaba lifecycles: {lifecycles}");
}
