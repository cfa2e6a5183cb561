//! Every CS route, with the SDK's exact method and path:
//! `(action, method, path, mutating, handler)`.

use super::handlers::{clusters, nodepools};
use super::models::CsBackend;
use crate::emulator::core::service::Route;
use crate::emulator_route as route;

/// The route table.
#[rustfmt::skip]
pub static ROUTES: &[Route<CsBackend>] = &[
    route!(DescribeRegions, GET, "/regions", false, clusters::describe_regions),
    route!(DescribeClustersV1, GET, "/api/v1/clusters", false, clusters::describe_clusters),
    route!(DescribeClusterDetail, GET, "/clusters/{ClusterId}", false, clusters::describe_cluster_detail),
    route!(CreateCluster, POST, "/clusters", true, clusters::create_cluster),
    route!(DeleteCluster, DELETE, "/clusters/{ClusterId}", true, clusters::delete_cluster),
    route!(DescribeClusterUserKubeconfig, GET, "/k8s/{ClusterId}/user_config", false, clusters::describe_kubeconfig),
    route!(DescribeClusterNodes, GET, "/clusters/{ClusterId}/nodes", false, clusters::describe_cluster_nodes),
    route!(CreateClusterNodePool, POST, "/clusters/{ClusterId}/nodepools", true, nodepools::create_nodepool),
    route!(DescribeClusterNodePools, GET, "/clusters/{ClusterId}/nodepools", false, nodepools::describe_nodepools),
    route!(DescribeClusterNodePoolDetail, GET, "/clusters/{ClusterId}/nodepools/{NodepoolId}", false, nodepools::describe_nodepool_detail),
];
