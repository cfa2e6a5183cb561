//! The emulator over real HTTP with real ACS3 signatures: authentication, routing and
//! every PAI Studio route's happy path and error codes.

#[path = "emulator_support.rs"]
mod support;

use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;
use support::{Emu, path};

fn quotas(body: &Value) -> Vec<String> {
    body["Quotas"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .filter_map(|q| q["QuotaName"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match_in_the_pop_error_shape() {
    let emu = Emu::start().await;
    let call = emu
        .pai("ListQuotas", "GET", "/api/v1/quotas/")
        .secret("not-the-secret");
    let resp = emu.fails(call, 400, "SignatureDoesNotMatch").await;
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(
            resp.body[field].is_string(),
            "{field} missing: {}",
            resp.body
        );
    }
    assert_eq!(
        resp.request_id_header.as_deref(),
        resp.body["RequestId"].as_str()
    );
    assert!(resp.message().contains("server string to sign is:"));
}

#[tokio::test]
async fn unknown_keys_stale_dates_and_replayed_nonces_are_refused() {
    let emu = Emu::start().await;
    let list = || emu.pai("ListQuotas", "GET", "/api/v1/quotas/");
    emu.fails(
        list().access_key_id("LTAI5tNobodyHasThisKey00"),
        404,
        "InvalidAccessKeyId.NotFound",
    )
    .await;
    emu.fails(
        list().date("2020-01-01T00:00:00Z"),
        400,
        "InvalidTimeStamp.Expired",
    )
    .await;
    let prepared = emu.prepare(list().nonce("fixed-nonce-1"));
    assert_eq!(emu.execute(&prepared).await.status, 200);
    let replay = emu.execute(&prepared).await;
    assert_eq!((replay.status, replay.code()), (400, "SignatureNonceUsed"));
    let mut unsigned = emu.prepare(list());
    unsigned.headers.retain(|(n, _)| n != "authorization");
    let resp = emu.execute(&unsigned).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
}

#[tokio::test]
async fn dispatch_uses_the_signed_action_and_checks_the_route() {
    let emu = Emu::start().await;
    emu.fails(
        emu.pai("DescribeNothing", "GET", "/api/v1/quotas/"),
        404,
        "InvalidAction.NotFound",
    )
    .await;
    emu.fails(
        emu.pai(
            "GetQuota",
            "POST",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
        ),
        404,
        "InvalidAction.NotFound",
    )
    .await;
    emu.fails(
        emu.pai("ListQuotas", "GET", "/api/v1/nodetypes"),
        404,
        "InvalidAction.NotFound",
    )
    .await;
    emu.fails(
        emu.ws("ListQuotas", "GET", "/api/v1/quotas/")
            .host("pai.cn-hangzhou.aliyuncs.com"),
        404,
        "InvalidAction.NotFound",
    )
    .await;
    let mut wrong_version = emu.pai("ListQuotas", "GET", "/api/v1/quotas/");
    wrong_version.version = "2014-05-26".into();
    emu.fails(wrong_version, 400, "InvalidVersion").await;
    // The same path answers per product, by the signed headers.
    let groups = emu
        .ok(emu.pai("ListResourceGroups", "GET", "/api/v1/resources"))
        .await;
    assert!(groups["ResourceGroups"].is_array());
    let resources = emu
        .ok(emu
            .ws("ListResources", "GET", "/api/v1/resources")
            .query("WorkspaceId", WS_LLM_RESEARCH))
        .await;
    assert!(resources["Resources"].is_array());
}

#[tokio::test]
async fn list_quotas_filters_paginates_and_accepts_both_path_forms() {
    let emu = Emu::start().await;
    let all = emu
        .ok(emu.pai("ListQuotas", "GET", "/api/v1/quotas/"))
        .await;
    assert_eq!(all["TotalCount"], 3);
    assert!(all["RequestId"].as_str().is_some_and(|r| r.len() == 36));
    assert!(
        all["Quotas"][0].get("QuotaDetails").is_none(),
        "details only with Verbose"
    );
    let no_slash = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas")
            .query("Verbose", "True"))
        .await;
    assert_eq!(no_slash["TotalCount"], 3);
    assert!(no_slash["Quotas"][0]["QuotaDetails"]["UsedQuota"].is_object());
    let roots = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("ParentQuotaId", ""))
        .await;
    assert_eq!(quotas(&roots), vec!["team-root", "lingjun-pretrain"]);
    let children = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("ParentQuotaId", QUOTA_TEAM_ROOT))
        .await;
    assert_eq!(quotas(&children), vec!["team-a"]);
    let page = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("PageNumber", "2")
            .query("PageSize", "2"))
        .await;
    assert_eq!(
        (page["TotalCount"].clone(), quotas(&page)),
        (json!(3), vec!["lingjun-pretrain".to_string()])
    );
    let by_ids = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("QuotaIds", &format!("{QUOTA_TEAM_A},{QUOTA_LINGJUN}")))
        .await;
    assert_eq!(by_ids["TotalCount"], 2);
    let fuzzy = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("QuotaName", "TEAM"))
        .await;
    assert_eq!(fuzzy["TotalCount"], 2);
    let labelled = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Labels", "team=llm"))
        .await;
    assert_eq!(quotas(&labelled), vec!["team-a"]);
    let by_ws = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("WorkspaceIds", WS_LLM_RESEARCH))
        .await;
    assert_eq!(quotas(&by_ws), vec!["team-a"]);
    let lingjun = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("ResourceType", "Lingjun"))
        .await;
    assert_eq!(quotas(&lingjun), vec!["lingjun-pretrain"]);
    emu.fails(
        emu.pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("ResourceType", "lingjun"),
        400,
        "InvalidParameter.ResourceType",
    )
    .await;
    emu.fails(
        emu.pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("Verbose", "maybe"),
        400,
        "InvalidParameter.Verbose",
    )
    .await;
    emu.fails(
        emu.pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("PageSize", "500"),
        400,
        "InvalidParameter.PageSize",
    )
    .await;
}

#[tokio::test]
async fn get_quota_shows_the_sdk_shape_and_usage() {
    let emu = Emu::start().await;
    let q = emu
        .ok(emu
            .pai(
                "GetQuota",
                "GET",
                &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
            )
            .query("Verbose", "true"))
        .await;
    assert_eq!(q["QuotaName"], "team-a");
    assert_eq!(q["ParentQuotaId"], QUOTA_TEAM_ROOT);
    assert_eq!(q["ResourceType"], "ECS");
    assert_eq!(q["Status"], "Enabled");
    assert_eq!(q["Min"], json!({"NodeSpecs": [{"Type": C8G1, "Count": 3}]}));
    assert_eq!(q["QuotaDetails"]["UsedQuota"]["GPU"], "2");
    assert_eq!(q["QuotaDetails"]["DesiredMinQuota"]["CPU"], "24");
    assert_eq!(
        q["QuotaConfig"]["UserVpc"]["VpcId"],
        "vpc-bp1a10train7k2m9x4q"
    );
    assert_eq!(
        q["Workspaces"],
        json!([{"WorkspaceId": WS_LLM_RESEARCH, "WorkspaceName": "llm-research"}])
    );
    let root = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_TEAM_ROOT]),
        ))
        .await;
    assert_eq!(root["ParentQuotaId"], "");
    assert_eq!(
        root["SubQuotas"],
        json!([{"QuotaId": QUOTA_TEAM_A, "QuotaName": "team-a"}])
    );
    let missing = emu
        .fails(
            emu.pai(
                "GetQuota",
                "GET",
                &path("/api/v1/quotas/{}", &["quotamissing0001"]),
            ),
            404,
            "QuotaNotFound",
        )
        .await;
    assert!(missing.message().contains("quotamissing0001"));
}

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

#[tokio::test]
async fn resource_groups_and_node_types() {
    let emu = Emu::start().await;
    let by_name = emu
        .ok(emu
            .pai("ListResourceGroups", "GET", "/api/v1/resources")
            .query("Name", "train-a10"))
        .await;
    assert_eq!(
        by_name["TotalCount"], 2,
        "prefix collision gives two candidates"
    );
    let by_id = emu
        .ok(emu
            .pai("ListResourceGroups", "GET", "/api/v1/resources")
            .query("ResourceGroupIDs", RG_LINGJUN))
        .await;
    assert_eq!(by_id["ResourceGroups"][0]["ResourceType"], "Lingjun");
    let all = emu
        .ok(emu
            .pai("ListResourceGroups", "GET", "/api/v1/resources")
            .query("PageSize", "100"))
        .await;
    assert_eq!(all["TotalCount"], 4);
    let rg = emu
        .ok(emu.pai(
            "GetResourceGroup",
            "GET",
            &path("/api/v1/resources/{}", &[RG_ISOLATED_VPC]),
        ))
        .await;
    assert_eq!(
        (rg["ClusterID"].as_str(), rg["UserVpc"]["VpcId"].as_str()),
        (Some("c4e7b2a10shared01"), Some("vpc-bp1isolated8f3g5h2j"))
    );
    emu.fails(
        emu.pai(
            "GetResourceGroup",
            "GET",
            &path("/api/v1/resources/{}", &["rgnosuchgroup00001"]),
        ),
        404,
        "ResourceGroupNotFound",
    )
    .await;
    let types = emu
        .ok(emu
            .pai("ListNodeTypes", "GET", "/api/v1/nodetypes")
            .query("ResourceGroupIds", RG_ISOLATED_VPC))
        .await;
    let names: Vec<&str> = types["NodeTypes"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["NodeType"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["ecs.g7.4xlarge", C8G1]);
    let a10 = types["NodeTypes"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["NodeType"] == C8G1))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            a10["GPUType"].as_str(),
            a10["CPU"].as_str(),
            a10["Memory"].as_str()
        ),
        (Some("A10"), Some("8"), Some("30Gi"))
    );
    let quota_scoped = emu
        .ok(emu
            .pai("ListNodeTypes", "GET", "/api/v1/nodetypes")
            .query("QuotaId", QUOTA_TEAM_ROOT))
        .await;
    let c8 = quota_scoped["Statistics"]
        .as_array()
        .and_then(|s| s.iter().find(|r| r["NodeType"] == C8G1))
        .cloned();
    assert_eq!(
        c8,
        Some(json!({"NodeType": C8G1, "TotalCount": 4, "CanBeBoundCount": 1}))
    );
    emu.fails(
        emu.pai("ListNodeTypes", "GET", "/api/v1/nodetypes"),
        400,
        "MissingParameter.ResourceGroupIds",
    )
    .await;
    emu.fails(
        emu.pai("ListNodeTypes", "GET", "/api/v1/nodetypes")
            .query("ResourceGroupIds", "rgnosuchgroup00001"),
        404,
        "ResourceGroupNotFound",
    )
    .await;
}

#[tokio::test]
async fn the_region_comes_from_the_host_and_other_regions_start_empty() {
    let emu = Emu::start().await;
    let shanghai = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .host("pai.cn-shanghai.aliyuncs.com"))
        .await;
    assert_eq!(shanghai["TotalCount"], 0);
    let hangzhou = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .host("pai.cn-hangzhou.data.aliyun.com"))
        .await;
    assert_eq!(hangzhou["TotalCount"], 3);
    let err = emu
        .fails(
            emu.pai(
                "GetQuota",
                "GET",
                &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
            )
            .host("pai-vpc.cn-beijing.aliyuncs.com"),
            404,
            "QuotaNotFound",
        )
        .await;
    assert_eq!(err.body["HostId"], "pai-vpc.cn-beijing.aliyuncs.com");
}
