//! The routes of ModelArts part 2, notebook and node-pool side (`tools/modelarts/nb_np.toml`):
//! another pair of route tables over the same backend, so each part keeps its own lines.

use super::handlers::{image_registry, nb_np, pool_plugins};
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` routes of this part, in the `modelarts` service.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` routes of this part, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ListPoolPlugins,
        GET,
        "/v2/{project_id}/pools/{pool_name}/plugins",
        false,
        pool_plugins::list_plugins
    ),
    route!(
        CreatePoolPlugin,
        POST,
        "/v2/{project_id}/pools/{pool_name}/plugins",
        true,
        pool_plugins::create_plugin
    ),
];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ListAuthoringClusters,
        GET,
        "/v1/{project_id}/authoring/clusters",
        false,
        nb_np::list_clusters
    ),
    route!(
        ShowCluster,
        GET,
        "/v1/{project_id}/authoring/clusters/{cluster_id}",
        false,
        nb_np::show_cluster
    ),
    route!(
        ShowDynamicStorage,
        GET,
        "/v1/{project_id}/notebooks/{instance_id}/storage/{storage_id}",
        false,
        nb_np::show_storage
    ),
    route!(
        ShowNotebookTags,
        GET,
        "/v1/{project_id}/notebooks/tags",
        false,
        nb_np::show_tags
    ),
    route!(
        CreateNotebookTags,
        POST,
        "/v1/{project_id}/notebooks/{resource_id}/tags/create",
        true,
        nb_np::create_tags
    ),
    route!(
        DeleteNotebookTags,
        DELETE,
        "/v1/{project_id}/notebooks/{resource_id}/tags/delete",
        true,
        nb_np::delete_tags
    ),
    route!(
        ListFeatures,
        GET,
        "/v1/{project_id}/authoring/features/{feature}",
        false,
        nb_np::list_features
    ),
    route!(
        ListPractices,
        GET,
        "/v1/{project_id}/authoring/practices",
        false,
        nb_np::list_practices
    ),
    route!(
        ListImageGroup,
        GET,
        "/v1/{project_id}/images/group",
        false,
        image_registry::list_image_groups
    ),
    route!(
        RegisterImage,
        POST,
        "/v1/{project_id}/images",
        true,
        image_registry::register_image
    ),
    route!(
        SyncImage,
        POST,
        "/v1/{project_id}/images/{image_id}/sync",
        true,
        image_registry::sync_image
    ),
    route!(
        DeleteImage,
        DELETE,
        "/v1/{project_id}/images/{id}",
        true,
        image_registry::delete_image
    ),
    route!(
        ShowNodeConfigTemplate,
        GET,
        "/v1/{project_id}/nodeconfigtemplates/{nodeconfigtemplate_name}",
        false,
        pool_plugins::show_node_config_template
    ),
];
