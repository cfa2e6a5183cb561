//! Every ESD endpoint (huawei-autodl-wire.md B2), one line each. Where the sources disagree
//! (B5) both forms are served: container stop by PUT and POST, the blacklist listing by GET
//! and by `POST .../blacklist/list`, the GPU stock as an object (`GET .../gpu_stock`) and as
//! a list (`POST .../region/gpu_stock`).

use super::handlers::{blacklist, containers, deployments, images, stock};
use super::models::EsdBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
pub static ROUTES: &[Route<EsdBackend>] = &[
    route!(
        ListPrivateImages,
        POST,
        "/api/v1/dev/image/private/list",
        false,
        images::list_private
    ),
    route!(
        ListSystemImages,
        POST,
        "/api/v2/image/list",
        false,
        images::list_system
    ),
    route!(
        CreateDeployment,
        POST,
        "/api/v1/dev/deployment",
        true,
        deployments::create
    ),
    route!(
        ListDeployments,
        POST,
        "/api/v1/dev/deployment/list",
        false,
        deployments::list
    ),
    route!(
        SetReplicaNum,
        PUT,
        "/api/v1/dev/deployment/replica_num",
        true,
        deployments::set_replicas
    ),
    route!(
        OperateDeployment,
        PUT,
        "/api/v1/dev/deployment/operate",
        true,
        deployments::operate
    ),
    route!(
        DeleteDeployment,
        DELETE,
        "/api/v1/dev/deployment",
        true,
        deployments::delete
    ),
    route!(
        ListContainers,
        POST,
        "/api/v1/dev/deployment/container/list",
        false,
        containers::list
    ),
    route!(
        ListContainerEvents,
        POST,
        "/api/v1/dev/deployment/container/event/list",
        false,
        containers::events
    ),
    route!(
        StopContainer,
        PUT,
        "/api/v1/dev/deployment/container/stop",
        true,
        containers::stop
    ),
    route!(
        StopContainerByPost,
        POST,
        "/api/v1/dev/deployment/container/stop",
        true,
        containers::stop
    ),
    route!(
        AddBlacklist,
        POST,
        "/api/v1/dev/deployment/blacklist",
        true,
        blacklist::add
    ),
    route!(
        ListBlacklist,
        GET,
        "/api/v1/dev/deployment/blacklist",
        false,
        blacklist::list
    ),
    route!(
        ListBlacklistByPost,
        POST,
        "/api/v1/dev/deployment/blacklist/list",
        false,
        blacklist::list
    ),
    route!(
        GetGpuStock,
        GET,
        "/api/v1/dev/machine/gpu_stock",
        false,
        stock::gpu_stock
    ),
    route!(
        GetRegionGpuStock,
        POST,
        "/api/v1/dev/machine/region/gpu_stock",
        false,
        stock::region_gpu_stock
    ),
];
