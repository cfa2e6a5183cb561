//! The routes of the rest of inference (v1 events, specifications, tags and models; v2
//! events, health, versions, interrupt, exec, pools and region detection), as route tables of
//! their own for the `modelarts` (v2) and `modelarts-v1` services over the same backend.

use super::handlers::services_more as more;
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` inference extras, in the `modelarts` service.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` inference extras, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ListInferServiceEvents,
        GET,
        "/v2/{project_id}/services/{service_id}/events",
        false,
        more::v2_events
    ),
    route!(
        ShowInferServiceHealth,
        GET,
        "/v2/{project_id}/services/{service_id}/health",
        false,
        more::v2_health
    ),
    route!(
        ListInferServiceVersions,
        GET,
        "/v2/{project_id}/services/{service_id}/versions",
        false,
        more::v2_versions
    ),
    route!(
        SwitchInferServiceVersion,
        POST,
        "/v2/{project_id}/services/{service_id}/switch-version",
        true,
        more::v2_switch_version
    ),
    route!(
        InterruptInferService,
        POST,
        "/v2/{project_id}/services/{service_id}/interrupt",
        true,
        more::v2_interrupt
    ),
    route!(
        ShowInferServiceExec,
        GET,
        "/v2/{project_id}/services/{service_id}/exec",
        false,
        more::v2_exec
    ),
    route!(
        ListInferServiceClusters,
        GET,
        "/v2/{project_id}/services/clusters",
        false,
        more::v2_list_pools
    ),
    route!(
        DetectRegion,
        GET,
        "/v2/{project_id}/region/detect",
        false,
        more::region_detect
    ),
];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ListClusters,
        GET,
        "/v1/{project_id}/clusters",
        false,
        more::v1_clusters
    ),
    route!(
        ListServiceEvents,
        GET,
        "/v1/{project_id}/services/{service_id}/events",
        false,
        more::v1_events
    ),
    route!(
        ShowServiceSpecifications,
        GET,
        "/v1/{project_id}/services/specifications",
        false,
        more::v1_specifications
    ),
    route!(
        ListServiceTags,
        GET,
        "/v1/{project_id}/services/{service_id}/tags",
        false,
        more::v1_get_tags
    ),
    route!(
        BatchCreateServiceTags,
        POST,
        "/v1/{project_id}/services/{service_id}/tags/create",
        true,
        more::v1_create_tags
    ),
    route!(
        BatchDeleteServiceTags,
        DELETE,
        "/v1/{project_id}/services/{service_id}/tags/delete",
        true,
        more::v1_delete_tags
    ),
    route!(
        ListModels,
        GET,
        "/v1/{project_id}/models",
        false,
        more::v1_list_models
    ),
];
