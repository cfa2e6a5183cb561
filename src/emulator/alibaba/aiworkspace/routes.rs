//! Every AIWorkSpace route, with the SDK's exact method and path:
//! `(action, method, path, mutating, handler)`.

use super::handlers::{attach, create_workspace, resources, workspaces};
use super::images;
use super::models::WorkspaceBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<WorkspaceBackend>] = &[
    route!(ListWorkspaces, GET, "/api/v1/workspaces", false, workspaces::list_workspaces),
    route!(GetWorkspace, GET, "/api/v1/workspaces/{WorkspaceId}", false, workspaces::get_workspace),
    route!(ListResources, GET, "/api/v1/resources", false, resources::list_resources),
    route!(CreateWorkspaceResource, POST, "/api/v1/workspaces/{WorkspaceId}/resources", true, attach::create_workspace_resource),
    route!(DeleteWorkspaceResource, DELETE, "/api/v1/workspaces/{WorkspaceId}/resources", true, resources::delete_workspace_resource),
    route!(UpdateWorkspaceResource, PUT, "/api/v1/workspaces/{WorkspaceId}/resources", true, resources::update_workspace_resource),
    route!(CreateWorkspace, POST, "/api/v1/workspaces", true, create_workspace::create_workspace),
    route!(ListImages, GET, "/api/v1/images", false, images::list_images),
];
