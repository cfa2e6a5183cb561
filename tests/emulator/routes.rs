//! The emulator over real HTTP with real ACS3 signatures: authentication, routing and
//! the read routes (quotas, resource groups, node types) with their error codes; the
//! mutating quota routes are in `quotas.rs`.

use crate::support::{Emu, path, quotas};
use serde_json::json;
use skillgate::emulator::alibaba::seed::*;

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
    wrong_version.version = "2099-01-01".into();
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
