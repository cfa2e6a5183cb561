//! Every PAI Studio route, with the SDK's exact method and path:
//! `(action, method, path, mutating, handler)`.

use super::handlers::{node_types, quotas, resource_groups, workloads};
use super::models::PaiBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<PaiBackend>] = &[
    route!(ListQuotas, GET, "/api/v1/quotas/", false, quotas::list_quotas),
    route!(GetQuota, GET, "/api/v1/quotas/{QuotaId}", false, quotas::get_quota),
    route!(CreateQuota, POST, "/api/v1/quotas", true, quotas::create_quota),
    route!(UpdateQuota, PUT, "/api/v1/quotas/{QuotaId}", true, quotas::update_quota),
    route!(ScaleQuota, PUT, "/api/v1/quotas/{QuotaId}/action/scale", true, quotas::scale_quota),
    route!(DeleteQuota, DELETE, "/api/v1/quotas/{QuotaId}", true, quotas::delete_quota),
    route!(ListQuotaWorkloads, GET, "/api/v1/quotas/{QuotaId}/workloads", false, workloads::list_quota_workloads),
    route!(ListQuotaActiveUserUsages, GET, "/api/v1/quotas/{QuotaId}/activeuserusages", false, workloads::list_active_user_usages),
    route!(ListResourceGroups, GET, "/api/v1/resources", false, resource_groups::list_resource_groups),
    route!(GetResourceGroup, GET, "/api/v1/resources/{ResourceGroupId}", false, resource_groups::get_resource_group),
    route!(ListNodeTypes, GET, "/api/v1/nodetypes", false, node_types::list_node_types),
];
