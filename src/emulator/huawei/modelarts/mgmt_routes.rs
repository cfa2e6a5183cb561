//! The routes of the rest of management (workspace quotas and auth check, auth mode, agency,
//! OS quotas, pool tags, scheduled events), as route tables of their own for the `modelarts`
//! (v2) and `modelarts-v1` services over the same backend.

use super::handlers::mgmt_more as mgmt;
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` management extras, in the `modelarts` service.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` management extras, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[route!(
    CreateModelArtsAgency,
    POST,
    "/v2/{project_id}/agency",
    true,
    mgmt::create_agency
)];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ShowWorkspaceQuotas,
        GET,
        "/v1/{project_id}/workspaces/{workspace_id}/quotas",
        false,
        mgmt::show_ws_quotas
    ),
    route!(
        UpdateWorkspaceQuotas,
        PUT,
        "/v1/{project_id}/workspaces/{workspace_id}/quotas",
        true,
        mgmt::update_ws_quotas
    ),
    route!(
        ValidateAuthorization,
        POST,
        "/v1/{project_id}/workspaces/{workspace_id}/auth",
        false,
        mgmt::validate_auth
    ),
    route!(
        ShowAuthModeDetail,
        GET,
        "/v1/auth-mode",
        false,
        mgmt::show_auth_mode
    ),
    route!(
        UpdateAuthMode,
        PUT,
        "/v1/auth-mode",
        true,
        mgmt::update_auth_mode
    ),
    route!(
        ShowOsQuota,
        GET,
        "/v1/{project_id}/quotas",
        false,
        mgmt::show_os_quota
    ),
    route!(
        ListPoolTags,
        GET,
        "/v1/{project_id}/pools/tags",
        false,
        mgmt::list_pool_tags
    ),
    route!(
        ShowPoolTags,
        GET,
        "/v1/{project_id}/pools/{pool_name}/tags",
        false,
        mgmt::show_pool_tags
    ),
    route!(
        ListScheduledEvents,
        GET,
        "/v1/{project_id}/scheduled-events",
        false,
        mgmt::list_sched_events
    ),
    route!(
        AcceptScheduledEvent,
        POST,
        "/v1/{project_id}/scheduled-events/{event_id}/accept",
        true,
        mgmt::accept_sched_event
    ),
];
