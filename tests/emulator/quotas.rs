//! PAI Studio quota routes over real HTTP: create, update, scale, delete, workloads and
//! active user usages, with the real business rules and error codes.

use crate::support::{Emu, path, quotas};
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

#[tokio::test]
async fn create_quota_speaks_only_the_sdk_node_spec_shape() {
    let emu = Emu::start().await;
    let create = |body: Value| emu.pai("CreateQuota", "POST", "/api/v1/quotas").json(body);
    let skill_shape = json!({
        "QuotaName": "skill-shape", "ResourceGroupIds": [RG_TRAIN_A10_EXTRA], "ResourceType": "ECS",
        "Min": {"NodeSpecs": [{"NodeSpec": C8G1, "Count": 1}]},
    });
    let resp = emu
        .fails(create(skill_shape), 400, "InvalidParameter")
        .await;
    assert!(resp.message().contains("\"Type\""), "{}", resp.message());
    emu.fails(create(json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}, "ResourceGroupIds": [RG_TRAIN_A10_EXTRA]})), 400, "MissingParameter.QuotaName").await;
    emu.fails(
        create(json!({"QuotaName": "x", "ResourceGroupIds": [RG_TRAIN_A10_EXTRA]})),
        400,
        "MissingParameter.Min",
    )
    .await;
    emu.fails(
        emu.pai("CreateQuota", "POST", "/api/v1/quotas")
            .raw_body("{not json"),
        400,
        "InvalidParameter",
    )
    .await;
    assert!(!emu.logged_actions().await.is_empty());
}

#[tokio::test]
async fn a_root_quota_is_created_within_capacity_and_becomes_enabled() {
    let emu = Emu::start().await;
    let body = json!({
        "QuotaName": "team-b", "ResourceGroupIds": [RG_TRAIN_A10, RG_TRAIN_A10_EXTRA], "ResourceType": "ECS",
        "AllocateStrategy": "ByNodeSpecs", "QueueStrategy": "PaiStrategyStrictFIFO",
        "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 2}, {"Type": C16G1, "Count": 1}]},
        "Labels": [{"Key": "skillgate.plan", "Value": "plan-123"}],
    });
    let created = emu
        .ok(emu.pai("CreateQuota", "POST", "/api/v1/quotas").json(body))
        .await;
    let id = created["QuotaId"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("quota") && id.len() == 17, "{id}");
    let q = emu
        .ok(emu.pai("GetQuota", "GET", &path("/api/v1/quotas/{}", &[&id])))
        .await;
    assert_eq!(
        (q["Status"].as_str(), q["QueueStrategy"].as_str()),
        (Some("Creating"), Some("PaiStrategyStrictFIFO"))
    );
    emu.admin(
        "POST",
        "/_emulator/clock/advance",
        Some(json!({"seconds": 31})),
    )
    .await;
    let q = emu
        .ok(emu.pai("GetQuota", "GET", &path("/api/v1/quotas/{}", &[&id])))
        .await;
    assert_eq!(q["Status"], "Enabled");
    let found = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Labels", "skillgate.plan=plan-123"))
        .await;
    assert_eq!(quotas(&found), vec!["team-b"]);
    let stats = emu
        .ok(emu.pai("ListNodeTypes", "GET", "/api/v1/nodetypes").query(
            "ResourceGroupIds",
            &format!("{RG_TRAIN_A10},{RG_TRAIN_A10_EXTRA}"),
        ))
        .await;
    let c8 = stats["Statistics"]
        .as_array()
        .and_then(|s| s.iter().find(|r| r["NodeType"] == C8G1))
        .cloned();
    assert_eq!(
        c8,
        Some(json!({"NodeType": C8G1, "TotalCount": 6, "CanBeBoundCount": 0}))
    );
}

#[tokio::test]
async fn create_quota_enforces_capacity_homogeneity_and_child_rules() {
    let emu = Emu::start().await;
    let create = |body: Value| emu.pai("CreateQuota", "POST", "/api/v1/quotas").json(body);
    let over = emu
        .fails(create(json!({"QuotaName": "big", "ResourceGroupIds": [RG_TRAIN_A10, RG_TRAIN_A10_EXTRA], "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 3}]}})), 400, "QuotaCapacityExceeded")
        .await;
    assert!(
        over.message().contains("requested 3, available 2"),
        "{}",
        over.message()
    );
    let hetero = emu
        .fails(create(json!({"QuotaName": "mix", "ResourceGroupIds": [RG_TRAIN_A10_EXTRA, RG_ISOLATED_VPC], "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}})), 400, "InvalidParameter.ResourceGroups")
        .await;
    assert!(hetero.message().contains("VpcId"), "{}", hetero.message());
    emu.fails(create(json!({"QuotaName": "nx", "ResourceGroupIds": ["rgnosuchgroup00001"], "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}})), 404, "ResourceGroupNotFound").await;
    emu.fails(create(json!({"QuotaName": "q", "ResourceGroupIds": [RG_LINGJUN], "QueueStrategy": "FIFO", "Min": {"NodeSpecs": [{"Type": GU108, "Count": 1}]}})), 400, "InvalidParameter.QueueStrategy").await;
    let child = emu.ok(create(json!({"QuotaName": "team-a-sub", "ParentQuotaId": QUOTA_TEAM_A, "ResourceType": "ECS", "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 2}]}}))).await;
    assert!(child["QuotaId"].is_string());
    emu.fails(create(json!({"QuotaName": "too-much", "ParentQuotaId": QUOTA_TEAM_A, "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 2}]}})), 400, "QuotaCapacityExceeded").await;
    emu.fails(create(json!({"QuotaName": "wrong-type", "ParentQuotaId": QUOTA_TEAM_A, "ResourceType": "Lingjun", "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}})), 400, "InvalidParameter.ResourceType").await;
    emu.fails(create(json!({"QuotaName": "orphan", "ParentQuotaId": "quotamissing0001", "Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}})), 404, "QuotaNotFound").await;
}

#[tokio::test]
async fn update_quota_checks_enums_and_vpc_rules() {
    let emu = Emu::start().await;
    let update = |body: Value| {
        emu.pai(
            "UpdateQuota",
            "PUT",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        )
        .json(body)
    };
    let bad = emu
        .fails(
            update(json!({"QueueStrategy": "fifo"})),
            400,
            "InvalidParameter.QueueStrategy",
        )
        .await;
    for valid in [
        "PaiStrategyIntelligent",
        "PaiStrategyStrictFIFO",
        "PaiStrategyBalance",
        "PaiStrategyRoundRobin",
    ] {
        assert!(bad.message().contains(valid));
    }
    emu.fails(
        update(json!({"QuotaConfig": {"UserVpc": {"SwitchId": "vsw-other"}}})),
        400,
        "InvalidParameter.UserVpc",
    )
    .await;
    let ok = emu.ok(update(json!({"QuotaName": "team-a-renamed", "QueueStrategy": "PaiStrategyBalance", "Labels": [{"Key": "k", "Value": "v"}]}))).await;
    assert_eq!(ok["QuotaId"], QUOTA_TEAM_A);
    assert!(emu.ok(update(json!({}))).await["QuotaId"].is_string());
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        ))
        .await;
    assert_eq!(
        (q["QuotaName"].as_str(), q["QueueStrategy"].as_str()),
        (Some("team-a-renamed"), Some("PaiStrategyBalance"))
    );
    assert_eq!(q["Labels"], json!([{"Key": "k", "Value": "v"}]));
    let lingjun = |body: Value| {
        emu.pai(
            "UpdateQuota",
            "PUT",
            &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
        )
        .json(body)
    };
    emu.ok(lingjun(json!({"QuotaConfig": {"UserVpc": {"SwitchId": "vsw-bp1lingjun2b4d6f8h,vsw-bp1lingjunextra01"}}}))).await;
    emu.fails(
        lingjun(json!({"QuotaConfig": {"UserVpc": {"SecurityGroupId": "sg-other"}}})),
        400,
        "InvalidParameter.UserVpc",
    )
    .await;
    emu.fails(
        emu.pai(
            "UpdateQuota",
            "PUT",
            &path("/api/v1/quotas/{}", &["quotamissing0001"]),
        )
        .json(json!({})),
        404,
        "QuotaNotFound",
    )
    .await;
}

#[tokio::test]
async fn scale_quota_is_absolute_and_preempts_beyond_new_capacity() {
    let emu = Emu::start().await;
    let scale = |id: &str, body: Value| {
        emu.pai(
            "ScaleQuota",
            "PUT",
            &path("/api/v1/quotas/{}/action/scale", &[id]),
        )
        .json(body)
    };
    emu.fails(
        scale(
            QUOTA_TEAM_A,
            json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 5}]}}),
        ),
        400,
        "QuotaCapacityExceeded",
    )
    .await;
    emu.fails(scale(QUOTA_TEAM_ROOT, json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 7}, {"Type": C16G1, "Count": 2}]}})), 400, "QuotaCapacityExceeded").await;
    emu.fails(
        scale(
            QUOTA_TEAM_A,
            json!({"Min": {"NodeSpecs": [{"NodeSpec": C8G1, "Count": 1}]}}),
        ),
        400,
        "InvalidParameter",
    )
    .await;
    emu.ok(scale(QUOTA_TEAM_ROOT, json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 6}, {"Type": C16G1, "Count": 2}]}, "ResourceGroupIds": [RG_TRAIN_A10, RG_TRAIN_A10_EXTRA]}))).await;
    emu.ok(scale(
        QUOTA_TEAM_A,
        json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}}),
    ))
    .await;
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        ))
        .await;
    assert_eq!(q["Status"], "Updating");
    assert_eq!(q["Min"]["NodeSpecs"][0]["Count"], 1);
    assert_eq!(q["QuotaDetails"]["UsedQuota"]["GPU"], "1");
    let queued = emu
        .ok(emu
            .pai(
                "ListQuotaWorkloads",
                "GET",
                &path("/api/v1/quotas/{}/workloads", &[QUOTA_TEAM_A]),
            )
            .query("WorkloadStatuses", "Queuing"))
        .await;
    let ids: Vec<&str> = queued["Workloads"]
        .as_array()
        .map(|w| w.iter().filter_map(|w| w["WorkloadId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec!["dlc1q2w3e4r5t6y7", "dlc9z8y7x6w5v4u3"]);
    emu.fails(
        scale(
            "quotamissing0001",
            json!({"Min": {"NodeSpecs": [{"Type": C8G1, "Count": 1}]}}),
        ),
        404,
        "QuotaNotFound",
    )
    .await;
}

#[tokio::test]
async fn delete_quota_is_refused_while_in_use_and_then_succeeds() {
    let emu = Emu::start().await;
    let delete = |id: &str| emu.pai("DeleteQuota", "DELETE", &path("/api/v1/quotas/{}", &[id]));
    let busy = emu.fails(delete(QUOTA_TEAM_A), 400, "QuotaInUse").await;
    assert!(
        busy.message().contains("llm-research") && busy.message().contains("running workloads"),
        "{}",
        busy.message()
    );
    let parent = emu.fails(delete(QUOTA_TEAM_ROOT), 400, "QuotaInUse").await;
    assert!(
        parent.message().contains("child quotas"),
        "{}",
        parent.message()
    );
    assert_eq!(
        emu.ok(delete(QUOTA_LINGJUN)).await["QuotaId"],
        QUOTA_LINGJUN
    );
    emu.fails(
        emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
        ),
        404,
        "QuotaNotFound",
    )
    .await;
    emu.fails(delete(QUOTA_LINGJUN), 404, "QuotaNotFound").await;
}

#[tokio::test]
async fn workloads_and_active_user_usages() {
    let emu = Emu::start().await;
    let list = || {
        emu.pai(
            "ListQuotaWorkloads",
            "GET",
            &path("/api/v1/quotas/{}/workloads", &[QUOTA_TEAM_A]),
        )
    };
    let all = emu.ok(list()).await;
    assert_eq!(all["TotalCount"], 4);
    let first = &all["Workloads"][0];
    for field in [
        "WorkloadId",
        "WorkloadType",
        "Status",
        "UserId",
        "UserName",
        "WorkspaceId",
        "QuotaId",
    ] {
        assert!(first[field].is_string(), "{field}: {first}");
    }
    assert!(first["Resource"]["GPU"].is_string());
    let running = emu.ok(list().query("WorkloadStatuses", "Running")).await;
    assert_eq!(running["TotalCount"], 3);
    let from_root = emu
        .ok(emu.pai(
            "ListQuotaWorkloads",
            "GET",
            &path("/api/v1/quotas/{}/workloads", &[QUOTA_TEAM_ROOT]),
        ))
        .await;
    assert_eq!(from_root["TotalCount"], 4);
    let own = emu
        .ok(emu
            .pai(
                "ListQuotaWorkloads",
                "GET",
                &path("/api/v1/quotas/{}/workloads", &[QUOTA_TEAM_ROOT]),
            )
            .query("ShowOwn", "true"))
        .await;
    assert_eq!(own["TotalCount"], 0);
    let usages = emu
        .ok(emu.pai(
            "ListQuotaActiveUserUsages",
            "GET",
            &path("/api/v1/quotas/{}/activeuserusages", &[QUOTA_TEAM_A]),
        ))
        .await;
    assert_eq!(usages["TotalCount"], 2);
    assert_eq!(usages["QuotaUserUsages"], usages["QuotaUserUsage"]);
    let alice = &usages["QuotaUserUsages"][0];
    assert_eq!(
        (alice["Username"].as_str(), alice["WorkloadCount"].as_u64()),
        (Some("alice.chen"), Some(2))
    );
    assert_eq!(alice["Resources"]["Used"]["GPU"], "2");
    let bob = &usages["QuotaUserUsages"][1];
    assert_eq!(
        (
            bob["Resources"]["Used"]["GPU"].as_str(),
            bob["Resources"]["Submitted"]["GPU"].as_str()
        ),
        (Some("0"), Some("2"))
    );
    emu.fails(
        emu.pai(
            "ListQuotaWorkloads",
            "GET",
            &path("/api/v1/quotas/{}/workloads", &["quotamissing0001"]),
        ),
        404,
        "QuotaNotFound",
    )
    .await;
}
