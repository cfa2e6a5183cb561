//! Every PAI-DLC route, with the SDK's exact method and path:
//! `(action, method, path, mutating, handler)`.

use super::handlers::{jobs, pods};
use super::models::DlcBackend;
use super::specs;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<DlcBackend>] = &[
    route!(ListEcsSpecs, GET, "/api/v1/ecsspecs", false, specs::list_ecs_specs),
    route!(CreateJob, POST, "/api/v1/jobs", true, jobs::create_job),
    route!(ListJobs, GET, "/api/v1/jobs", false, jobs::list_jobs),
    route!(GetJob, GET, "/api/v1/jobs/{JobId}", false, jobs::get_job),
    route!(StopJob, POST, "/api/v1/jobs/{JobId}/stop", true, jobs::stop_job),
    route!(DeleteJob, DELETE, "/api/v1/jobs/{JobId}", true, jobs::delete_job),
    route!(GetPodLogs, GET, "/api/v1/jobs/{JobId}/pods/{PodId}/logs", false, pods::get_pod_logs),
    route!(GetPodEvents, GET, "/api/v1/jobs/{JobId}/pods/{PodId}/events", false, pods::get_pod_events),
];
