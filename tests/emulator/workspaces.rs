//! AIWorkSpace routes over real HTTP: workspaces and quota bindings (attach, list,
//! update, detach) with their error codes.

use crate::support::{Emu, path};
use serde_json::{Value, json};
use skillgate::emulator::alibaba::seed::*;

fn attach_body(workspace: &str, quota: &str, resource_type: &str) -> Value {
    json!({
        "Option": "Attach",
        "Resources": [{
            "EnvType": "prod", "Name": "bind", "ProductType": "PAI", "ResourceType": resource_type,
            "WorkspaceId": workspace, "Quotas": [{"Id": quota}],
        }],
    })
}

#[tokio::test]
async fn workspaces_list_and_get() {
    let emu = Emu::start().await;
    let all = emu
        .ok(emu
            .ws("ListWorkspaces", "GET", "/api/v1/workspaces")
            .query("PageNumber", "1")
            .query("PageSize", "20"))
        .await;
    assert_eq!(all["TotalCount"], 2);
    let names: Vec<&str> = all["Workspaces"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w["WorkspaceName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, vec!["llm-research", "vision-team"]);
    assert!(
        all["Workspaces"][0]["resourceGroupId"].is_string(),
        "lower-camel field as in the SDK model"
    );
    let named = emu
        .ok(emu
            .ws("ListWorkspaces", "GET", "/api/v1/workspaces")
            .query("WorkspaceName", "vision"))
        .await;
    assert_eq!(named["Workspaces"][0]["WorkspaceId"], WS_VISION_TEAM);
    let one = emu
        .ok(emu.ws(
            "GetWorkspace",
            "GET",
            &path("/api/v1/workspaces/{}", &[WS_LLM_RESEARCH]),
        ))
        .await;
    assert_eq!(
        (one["WorkspaceName"].as_str(), one["Status"].as_str()),
        (Some("llm-research"), Some("ENABLED"))
    );
    assert!(one["Owner"]["UserName"].is_string());
    emu.fails(
        emu.ws(
            "GetWorkspace",
            "GET",
            &path("/api/v1/workspaces/{}", &["999999"]),
        ),
        404,
        "WorkspaceNotFound",
    )
    .await;
}

#[tokio::test]
async fn list_resources_shows_bindings_with_their_quotas() {
    let emu = Emu::start().await;
    let list = emu
        .ok(emu
            .ws("ListResources", "GET", "/api/v1/resources")
            .query("WorkspaceId", WS_LLM_RESEARCH)
            .query("ResourceTypes", "ECS"))
        .await;
    assert_eq!(list["TotalCount"], 1);
    let binding = &list["Resources"][0];
    assert_eq!(
        (binding["Id"].as_str(), binding["ProductType"].as_str()),
        (Some(BINDING_TEAM_A), Some("PAI"))
    );
    assert_eq!(binding["Quotas"][0]["Id"], QUOTA_TEAM_A);
    assert_eq!(binding["Quotas"][0]["Name"], "team-a");
    let by_quota = emu
        .ok(emu
            .ws("ListResources", "GET", "/api/v1/resources")
            .query("WorkspaceId", WS_LLM_RESEARCH)
            .query("QuotaIds", QUOTA_TEAM_ROOT))
        .await;
    assert_eq!(by_quota["TotalCount"], 0);
    emu.fails(
        emu.ws("ListResources", "GET", "/api/v1/resources"),
        400,
        "MissingParameter.WorkspaceId",
    )
    .await;
    emu.fails(
        emu.ws("ListResources", "GET", "/api/v1/resources")
            .query("WorkspaceId", "999999"),
        404,
        "WorkspaceNotFound",
    )
    .await;
}

#[tokio::test]
async fn attach_needs_option_attach_env_type_and_a_matching_type() {
    let emu = Emu::start().await;
    let create = |body: Value| {
        emu.ws(
            "CreateWorkspaceResource",
            "POST",
            &path("/api/v1/workspaces/{}/resources", &[WS_VISION_TEAM]),
        )
        .json(body)
    };
    let mut default_option = attach_body(WS_VISION_TEAM, QUOTA_TEAM_ROOT, "ECS");
    default_option.as_object_mut().map(|b| b.remove("Option"));
    let resp = emu
        .fails(create(default_option), 400, "InvalidParameter.Option")
        .await;
    assert!(resp.message().contains("Attach"));
    let mut no_env = attach_body(WS_VISION_TEAM, QUOTA_TEAM_ROOT, "ECS");
    no_env["Resources"][0]
        .as_object_mut()
        .map(|r| r.remove("EnvType"));
    emu.fails(create(no_env), 400, "MissingParameter.EnvType")
        .await;
    emu.fails(
        create(attach_body(WS_VISION_TEAM, QUOTA_TEAM_ROOT, "Lingjun")),
        400,
        "InvalidParameter.ResourceType",
    )
    .await;
    emu.fails(
        create(attach_body(WS_VISION_TEAM, "quotamissing0001", "ECS")),
        404,
        "QuotaNotFound",
    )
    .await;
    emu.fails(
        emu.ws(
            "CreateWorkspaceResource",
            "POST",
            &path("/api/v1/workspaces/{}/resources", &["999999"]),
        )
        .json(attach_body("999999", QUOTA_TEAM_ROOT, "ECS")),
        404,
        "WorkspaceNotFound",
    )
    .await;
    emu.fails(
        emu.ws(
            "CreateWorkspaceResource",
            "POST",
            &path("/api/v1/workspaces/{}/resources", &[WS_LLM_RESEARCH]),
        )
        .json(attach_body(WS_LLM_RESEARCH, QUOTA_TEAM_A, "ECS")),
        400,
        "ResourceAlreadyExists",
    )
    .await;
}

#[tokio::test]
async fn attach_update_and_detach_a_quota() {
    let emu = Emu::start().await;
    let resources = path("/api/v1/workspaces/{}/resources", &[WS_VISION_TEAM]);
    let created = emu
        .ok(emu
            .ws("CreateWorkspaceResource", "POST", &resources)
            .json(attach_body(WS_VISION_TEAM, QUOTA_LINGJUN, "Lingjun")))
        .await;
    assert_eq!(created["TotalCount"], 1);
    let id = created["Resources"][0]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
        ))
        .await;
    assert_eq!(q["Workspaces"][0]["WorkspaceId"], WS_VISION_TEAM);
    let bound = emu
        .ok(emu
            .pai("ListQuotas", "GET", "/api/v1/quotas/")
            .query("WorkspaceIds", WS_VISION_TEAM))
        .await;
    assert_eq!(bound["Quotas"][0]["QuotaId"], QUOTA_LINGJUN);
    let updated = emu
        .ok(emu.ws("UpdateWorkspaceResource", "PUT", &resources).json(json!({"ResourceIds": [id], "Labels": [{"Key": "owner", "Value": "vision"}], "IsDefault": true})))
        .await;
    assert_eq!(updated["ResourceIds"], json!([id]));
    let listed = emu
        .ok(emu
            .ws("ListResources", "GET", "/api/v1/resources")
            .query("WorkspaceId", WS_VISION_TEAM))
        .await;
    assert_eq!(
        (
            listed["Resources"][0]["IsDefault"].as_bool(),
            listed["Resources"][0]["Labels"][0]["Value"].as_str()
        ),
        (Some(true), Some("vision"))
    );
    emu.fails(
        emu.ws("UpdateWorkspaceResource", "PUT", &resources)
            .json(json!({"ResourceIds": ["1"]})),
        404,
        "ResourceNotFound",
    )
    .await;
    let detach = || emu.ws("DeleteWorkspaceResource", "DELETE", &resources);
    emu.fails(
        detach().query("ResourceIds", &id).query("Option", "Remove"),
        400,
        "InvalidParameter.Option",
    )
    .await;
    emu.fails(detach(), 400, "MissingParameter.ResourceIds")
        .await;
    let gone = emu
        .ok(detach()
            .query("ResourceIds", &id)
            .query("ResourceType", "Lingjun"))
        .await;
    assert_eq!(gone["ResourceIds"], json!([id]));
    emu.fails(detach().query("ResourceIds", &id), 404, "ResourceNotFound")
        .await;
    let (_, state) = emu.admin("GET", "/_emulator/state", None).await;
    let ak = emu.handle.alibaba.access_key_id.clone();
    let history = &state["accounts"][&ak][REGION]["detach_history"];
    assert_eq!(
        history[0]["option"], "DetachAndDelete",
        "the API default is recorded: {history}"
    );
    let q = emu
        .ok(emu.pai(
            "GetQuota",
            "GET",
            &path("/api/v1/quotas/{}", &[QUOTA_LINGJUN]),
        ))
        .await;
    assert_eq!(q["Workspaces"], json!([]), "DetachAndDelete only detaches");
}

#[tokio::test]
async fn a_binding_with_running_workloads_cannot_be_detached() {
    let emu = Emu::start().await;
    let resources = path("/api/v1/workspaces/{}/resources", &[WS_LLM_RESEARCH]);
    let busy = emu
        .fails(
            emu.ws("DeleteWorkspaceResource", "DELETE", &resources)
                .query("ResourceIds", BINDING_TEAM_A)
                .query("Option", "Detach"),
            400,
            "ResourceInUse",
        )
        .await;
    assert!(
        busy.message().contains("llama-sft-7b"),
        "{}",
        busy.message()
    );
    let delete = emu
        .fails(
            emu.pai(
                "DeleteQuota",
                "DELETE",
                &path("/api/v1/quotas/{}", &[QUOTA_TEAM_A]),
            ),
            400,
            "QuotaInUse",
        )
        .await;
    assert!(delete.message().contains("attached to workspaces"));
}
