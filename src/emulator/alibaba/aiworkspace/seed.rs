//! The demo account's AIWorkSpace data in `cn-hangzhou`: two workspaces, one bound to the
//! `team-a` quota.

use serde_json::Map;
use time::{Duration, OffsetDateTime};

use crate::emulator::alibaba::aiworkspace::models::{
    Workspace, WorkspaceBackend, WorkspaceResource,
};
use crate::emulator::alibaba::pai::seed::QUOTA_TEAM_A;
use crate::emulator::alibaba::seed::USER_ALICE;

/// Workspace `llm-research`.
pub const WS_LLM_RESEARCH: &str = "114207";
/// Workspace `vision-team`.
pub const WS_VISION_TEAM: &str = "114208";
/// The workspace resource binding `team-a` to `llm-research`.
pub const BINDING_TEAM_A: &str = "30871";

fn workspace(
    id: &str,
    name: &str,
    display: &str,
    description: &str,
    created: OffsetDateTime,
) -> Workspace {
    Workspace {
        id: id.into(),
        name: name.into(),
        display_name: display.into(),
        description: description.into(),
        status: "ENABLED".into(),
        creator: USER_ALICE.0.into(),
        env_types: vec!["prod".into()],
        admin_names: vec![USER_ALICE.1.into()],
        is_default: false,
        gmt_create: created,
        gmt_modified: created,
        owner_name: USER_ALICE.1.into(),
        rm_resource_group_id: "rg-acfmykd63gtrhxa".into(),
    }
}

/// The demo account's `cn-hangzhou` AIWorkSpace state, dated relative to `now`.
pub fn demo_workspaces(now: OffsetDateTime) -> WorkspaceBackend {
    let days = |n: i64| now - Duration::days(n);
    WorkspaceBackend {
        workspaces: vec![
            workspace(
                WS_LLM_RESEARCH,
                "llm-research",
                "LLM Research",
                "Large language model fine-tuning and evaluation",
                days(200),
            ),
            workspace(
                WS_VISION_TEAM,
                "vision-team",
                "Vision Team",
                "Image and video model training",
                days(150),
            ),
        ],
        workspace_resources: vec![WorkspaceResource {
            id: BINDING_TEAM_A.into(),
            workspace_id: WS_LLM_RESEARCH.into(),
            name: "team-a".into(),
            group_name: QUOTA_TEAM_A.into(),
            env_type: "prod".into(),
            resource_type: "ECS".into(),
            product_type: "PAI".into(),
            quota_ids: vec![QUOTA_TEAM_A.into()],
            is_default: false,
            labels: Vec::new(),
            spec: Map::new(),
            gmt_create: days(28),
        }],
        detach_history: Vec::new(),
        next_resource_id: 30_872,
    }
}
