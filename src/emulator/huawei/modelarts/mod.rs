//! ModelArts v1/v2 on their real paths (`/v1|v2/{project_id}/...`): notebooks with their OBS
//! storage mounts and flavors, training jobs with flavors, engines and logs, and images.
//!
//! - [`models`]: the backend and the lifecycles; [`catalog`]: the constant flavors, engines
//!   and images; [`handlers`]: one file per resource; [`seed`]: the demo data.
//! - The resource side (pools, node pools, networks, inference services v2/v1, Lite Server)
//!   has its own files: [`infra`] (state, lifecycles), [`infra_catalog`], [`infra_routes`]
//!   (a second route table of this service) and [`infra_seed`].

pub mod catalog;
pub mod core_more_routes;
pub mod extras_state;
pub mod handlers;
pub mod infra;
pub mod infra_catalog;
pub mod infra_routes;
pub mod infra_seed;
pub mod lite_routes;
pub mod lite_state;
pub mod mgmt_routes;
pub mod models;
pub mod nb_np_routes;
pub mod pools_more_routes;
pub mod seed;
pub mod services_more_routes;
pub mod svc_extra_routes;

use handlers::{images, management, notebooks, storage, training};
use models::ModelArtsBackend;

use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The version of the `/v2/{project_id}/...` API.
pub const VERSION: &str = "v2";

/// The version of the `/v1/{project_id}/...` API.
pub const VERSION_V1: &str = "v1";

/// ModelArts v2 (training jobs, and part B's pools and services): the catalog's `modelarts`.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: VERSION,
    routes: V2_ROUTES,
};

/// ModelArts v1 (notebooks, images, workspaces) on the same host and the same state: the
/// catalog's `modelarts-v1`. Two services because the catalog names one version per service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: VERSION_V1,
    routes: V1_ROUTES,
};

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        UpdateNotebook,
        PUT,
        "/v1/{project_id}/notebooks/{id}",
        true,
        notebooks::update_notebook
    ),
    route!(
        CreateImage,
        POST,
        "/v1/{project_id}/notebooks/{id}/create-image",
        true,
        notebooks::create_image
    ),
    route!(
        ListWorkspace,
        GET,
        "/v1/{project_id}/workspaces",
        false,
        management::list_workspaces
    ),
    route!(
        CreateNotebook,
        POST,
        "/v1/{project_id}/notebooks",
        true,
        notebooks::create_notebook
    ),
    route!(
        ListNotebooks,
        GET,
        "/v1/{project_id}/notebooks",
        false,
        notebooks::list_notebooks
    ),
    route!(
        ListFlavors,
        GET,
        "/v1/{project_id}/notebooks/flavors",
        false,
        notebooks::list_flavors
    ),
    route!(
        ShowNotebook,
        GET,
        "/v1/{project_id}/notebooks/{id}",
        false,
        notebooks::show_notebook
    ),
    route!(
        StartNotebook,
        POST,
        "/v1/{project_id}/notebooks/{id}/start",
        true,
        notebooks::start_notebook
    ),
    route!(
        StopNotebook,
        POST,
        "/v1/{project_id}/notebooks/{id}/stop",
        true,
        notebooks::stop_notebook
    ),
    route!(
        DeleteNotebook,
        DELETE,
        "/v1/{project_id}/notebooks/{id}",
        true,
        notebooks::delete_notebook
    ),
    route!(
        AttachDynamicStorage,
        POST,
        "/v1/{project_id}/notebooks/{instance_id}/storage",
        true,
        storage::attach_storage
    ),
    route!(
        ListDynamicStorages,
        GET,
        "/v1/{project_id}/notebooks/{instance_id}/storage",
        false,
        storage::list_storage
    ),
    route!(
        DetachDynamicStorage,
        DELETE,
        "/v1/{project_id}/notebooks/{instance_id}/storage/{storage_id}",
        true,
        storage::detach_storage
    ),
    route!(
        ListImage,
        GET,
        "/v1/{project_id}/images",
        false,
        images::list_images
    ),
    route!(
        ShowImage,
        GET,
        "/v1/{project_id}/images/{id}",
        false,
        images::show_image
    ),
];

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ShowTrainingQuotas,
        GET,
        "/v2/{project_id}/training-quotas",
        false,
        management::training_quotas
    ),
    route!(
        GetAuthorizations,
        GET,
        "/v2/{project_id}/authorizations",
        false,
        management::list_authorizations
    ),
    route!(
        CreateAuthorization,
        POST,
        "/v2/{project_id}/authorizations",
        true,
        management::create_authorization
    ),
    route!(
        CreateTrainingJob,
        POST,
        "/v2/{project_id}/training-jobs",
        true,
        training::create_training_job
    ),
    route!(
        ListTrainingJobs,
        POST,
        "/v2/{project_id}/training-job-searches",
        false,
        training::list_training_jobs
    ),
    route!(
        ShowTrainingJobDetails,
        GET,
        "/v2/{project_id}/training-jobs/{training_job_id}",
        false,
        training::show_training_job
    ),
    route!(
        StopTrainingJob,
        POST,
        "/v2/{project_id}/training-jobs/{training_job_id}/actions",
        true,
        training::stop_training_job
    ),
    route!(
        DeleteTrainingJob,
        DELETE,
        "/v2/{project_id}/training-jobs/{training_job_id}",
        true,
        training::delete_training_job
    ),
    route!(
        ShowTrainingJobFlavors,
        GET,
        "/v2/{project_id}/training-job-flavors",
        false,
        training::list_training_flavors
    ),
    route!(
        ShowTrainingJobEngines,
        GET,
        "/v2/{project_id}/training-job-engines",
        false,
        training::list_training_engines
    ),
    route!(
        ShowTrainingJobLogsPreview,
        GET,
        "/v2/{project_id}/training-jobs/{training_job_id}/tasks/{task_id}/logs/preview",
        false,
        training::preview_logs
    ),
];
