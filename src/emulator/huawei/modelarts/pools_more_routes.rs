//! The routes of the rest of the pool API (batch node operations beyond delete and reboot,
//! statistics, monitor, runtime metrics, network patch, OS config and events, plugin
//! templates), as route tables of their own for the `modelarts` (v2) and `modelarts-v1`
//! services over the same backend.

use super::handlers::pools_more as more;
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` pool extras, in the `modelarts` service.
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` pool extras, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        BatchLockPoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-lock",
        true,
        more::batch_lock_nodes
    ),
    route!(
        BatchUnlockPoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-unlock",
        true,
        more::batch_unlock_nodes
    ),
    route!(
        BatchResetPoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-reset",
        true,
        more::batch_reset_nodes
    ),
    route!(
        BatchUpdatePoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-update",
        true,
        more::batch_update_nodes
    ),
    route!(
        BatchMigratePoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-migrate",
        true,
        more::batch_migrate_nodes
    ),
    route!(
        BatchBindPoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-bind",
        true,
        more::batch_bind_nodes
    ),
    route!(
        BatchResizePoolNodes,
        POST,
        "/v2/{project_id}/pools/{pool_name}/nodes/batch-resize",
        true,
        more::batch_resize_nodes
    ),
    route!(
        ShowWorkloadStatistics,
        GET,
        "/v2/{project_id}/statistics/pools/{pool_name}/workloads",
        false,
        more::workload_statistics
    ),
    route!(
        ShowPoolStatistics,
        GET,
        "/v2/{project_id}/statistics/pools",
        false,
        more::pool_statistics
    ),
    route!(
        ShowPoolMonitor,
        GET,
        "/v2/{project_id}/pools/{pool_name}/monitor",
        false,
        more::pool_monitor
    ),
    route!(
        ShowPoolRuntimeMetrics,
        GET,
        "/v2/{project_id}/metrics/runtime/pools",
        false,
        more::runtime_metrics
    ),
    route!(
        ListPluginTemplates,
        GET,
        "/v2/{project_id}/plugintemplates",
        false,
        more::list_plugin_templates
    ),
];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        PatchNetwork,
        PATCH,
        "/v1/{project_id}/networks/{network_name}",
        true,
        more::patch_network
    ),
    route!(
        ShowOsConfig,
        GET,
        "/v1/{project_id}/os-user-config",
        false,
        more::os_config
    ),
    route!(
        ListEvents,
        GET,
        "/v1/{project_id}/events",
        false,
        more::os_events
    ),
    route!(
        ShowPluginTemplate,
        GET,
        "/v1/{project_id}/plugintemplates/{plugintemplate_name}",
        false,
        more::show_plugin_template
    ),
];
