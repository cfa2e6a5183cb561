//! The routes of ModelArts part 2, core side (`tools/modelarts/core_more.toml`): a third pair
//! of route tables over the same backend, so the notebook and resource halves keep theirs.

use super::handlers::core_more;
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` routes of part 2's core side, in the `modelarts` service.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` routes of part 2's core side, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ChangeTrainingJobDescription,
        PUT,
        "/v2/{project_id}/training-jobs/{training_job_id}",
        true,
        core_more::change_job_description
    ),
    route!(
        DeleteAuthorizations,
        DELETE,
        "/v2/{project_id}/authorizations",
        true,
        core_more::delete_authorizations
    ),
];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ListAllNotebooks,
        GET,
        "/v1/{project_id}/notebooks/all",
        false,
        core_more::list_all_notebooks
    ),
    route!(
        ShowLease,
        GET,
        "/v1/{project_id}/notebooks/{id}/lease",
        false,
        core_more::show_lease
    ),
    route!(
        RenewLease,
        PATCH,
        "/v1/{project_id}/notebooks/{id}/lease",
        true,
        core_more::renew_lease
    ),
    route!(
        ShowSwitchableFlavors,
        GET,
        "/v1/{project_id}/notebooks/{id}/flavors",
        false,
        core_more::show_switchable_flavors
    ),
    route!(
        ShowWorkspace,
        GET,
        "/v1/{project_id}/workspaces/{workspace_id}",
        false,
        core_more::show_workspace
    ),
    route!(
        CreateWorkspace,
        POST,
        "/v1/{project_id}/workspaces",
        true,
        core_more::create_workspace
    ),
    route!(
        UpdateWorkspace,
        PUT,
        "/v1/{project_id}/workspaces/{workspace_id}",
        true,
        core_more::update_workspace
    ),
    route!(
        DeleteWorkspace,
        DELETE,
        "/v1/{project_id}/workspaces/{workspace_id}",
        true,
        core_more::delete_workspace
    ),
];
