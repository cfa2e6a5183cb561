//! The routes of the last inference v1 extras (internal channel, subscribed models and their
//! versions), as route tables of their own for the `modelarts` (v2) and `modelarts-v1`
//! services over the same backend. The v2 table is empty: the v2 extras (event analysis,
//! region check) read routes that already exist.

use super::handlers::svc_extra as extra;
use super::models::ModelArtsBackend;
use crate::emulator::core::service::{Route, ServiceDef};
use crate::emulator::huawei::PROVIDER;
use crate::emulator_route as route;

/// The `/v2/...` inference extras of this part (none of their own).
pub static SERVICE: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts",
    product: "ModelArts",
    version: super::VERSION,
    routes: V2_ROUTES,
};

/// The `/v1/...` inference extras of this part, in the `modelarts-v1` service.
pub static SERVICE_V1: ServiceDef<ModelArtsBackend> = ServiceDef {
    provider: PROVIDER,
    code: "modelarts-v1",
    product: "ModelArts",
    version: super::VERSION_V1,
    routes: V1_ROUTES,
};

static V2_ROUTES: &[Route<ModelArtsBackend>] = &[];

static V1_ROUTES: &[Route<ModelArtsBackend>] = &[
    route!(
        ShowServiceInternalChannel,
        GET,
        "/v1/{project_id}/services/{service_id}/internal-channel",
        false,
        extra::internal_channel
    ),
    route!(
        ListSubscriptionModels,
        GET,
        "/v1/{project_id}/subscriptions",
        false,
        extra::list_subscriptions
    ),
    route!(
        ListSubscriptionModelVersions,
        GET,
        "/v1/{project_id}/subscriptions/{subscription_id}/versions",
        false,
        extra::list_subscription_versions
    ),
];
