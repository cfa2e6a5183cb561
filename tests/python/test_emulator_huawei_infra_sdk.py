"""The emulator's resource side of ModelArts answers the OFFICIAL huaweicloudsdkmodelarts 3.1.219:
pools with nodes, workloads and pool jobs, OS networks, node pools, inference services v2 with
their cluster flavors, and Lite Server dev servers with their flavors and images.

Same launch as test_emulator_huawei_sdk.py (the ModelArts endpoint through
HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4, the project found through IAM). Bodies are the
SDK's own request models where they are small, plain dicts (which the SDK serialises the same
way) where the models are deep; every answer is read back through the SDK's response models.
"""

from __future__ import annotations

import os
import uuid

import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    BatchDeleteInferServicesRequest,
    BatchRebootPoolNodesRequest,
    CreateDevServerRequest,
    CreateInferServiceRequest,
    CreateNetworkRequest,
    CreateNodePoolRequest,
    CreatePoolRequest,
    DeletePoolRequest,
    ListDevServerFlavorsRequest,
    ListDevServerImagesRequest,
    ListDevServersRequest,
    ListInferServicesRequest,
    ListJobsRequest,
    ListNetworksRequest,
    ListNodePoolsRequest,
    ListPoolNodesRequest,
    ListPoolsRequest,
    ListResourceFlavorsRequest,
    ListWorkloadsRequest,
    ModelArtsClient,
    PatchNodePoolRequest,
    ShowDevServerRequest,
    ShowInferServiceClusterRequest,
    ShowInferServiceRequest,
    ShowNodePoolRequest,
    ShowPoolRequest,
    StopInferServiceRequest,
)
from huaweicloudsdkmodelarts.v1.model import BatchRebootPoolNodesRequestBody, DeleteServicesRequest


def demo_pool(client):
    pools = client.list_pools(ListPoolsRequest()).items
    return next(p for p in pools if p.metadata.labels.os_modelarts_name == f"demo-{REGION}-pool")


def test_the_demo_pool_has_nodes_a_workload_and_a_reboot_job(client):
    pool = demo_pool(client)
    assert pool.status.phase == "Running" and pool.spec.type == "Dedicate"
    assert pool.spec.resources[0].count == 2
    shown = client.show_pool(ShowPoolRequest(pool_name=pool.metadata.name))
    assert shown.status.resources.available.count == 2
    nodes = client.list_pool_nodes(ListPoolNodesRequest(pool_name=pool.metadata.name, limit=1))
    assert len(nodes.items) == 1 and nodes.metadata.remaining_item_count == 1
    assert nodes.items[0].status.phase == "Available" and nodes.items[0].spec.flavor
    workloads = client.list_workloads(ListWorkloadsRequest(pool_name=pool.metadata.name))
    assert [w.type for w in workloads.items] == ["infer"]
    jobs = client.list_jobs(ListJobsRequest(resource="pools", name=pool.metadata.name))
    assert jobs.count == 1 and jobs.items[0].phase == "Success" and jobs.items[0].type == "reboot-node"
    with pytest.raises(ClientRequestException) as busy:
        client.delete_pool(DeletePoolRequest(pool_name=pool.metadata.name))
    assert busy.value.status_code == 409


def test_a_batch_reboot_leaves_a_running_pool_job(client):
    pool = demo_pool(client)
    node = client.list_pool_nodes(ListPoolNodesRequest(pool_name=pool.metadata.name)).items[0]
    body = BatchRebootPoolNodesRequestBody(node_names=[node.metadata.name])
    answer = client.batch_reboot_pool_nodes(BatchRebootPoolNodesRequest(pool_name=pool.metadata.name, body=body))
    assert answer.node_names == [node.metadata.name]
    jobs = client.list_jobs(ListJobsRequest(resource="pools", name=pool.metadata.name, type="reboot-node"))
    assert jobs.items[0].phase == "Running"
    again = client.list_pool_nodes(ListPoolNodesRequest(pool_name=pool.metadata.name)).items
    assert next(n for n in again if n.metadata.name == node.metadata.name).status.phase == "Checking"


def test_a_network_and_a_pool_are_created_and_the_flavors_listed(client):
    flavors = client.list_resource_flavors(ListResourceFlavorsRequest())
    assert "modelarts.vm.gpu.t4u8" in [f.metadata.name for f in flavors.items]
    name = f"sdk-net-{uuid.uuid4().hex[:6]}"
    body = {"apiVersion": "v1", "kind": "Network", "metadata": {"labels": {"os.modelarts/name": name}}, "spec": {"cidr": "172.16.0.0/16"}}
    network = client.create_network(CreateNetworkRequest(body=body))
    assert network.status.phase == "Creating" and network.spec.cidr == "172.16.0.0/16"
    assert name in [n.metadata.labels.os_modelarts_name for n in client.list_networks(ListNetworksRequest()).items]
    pool_body = {
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": f"sdk-pool-{uuid.uuid4().hex[:6]}"}, "annotations": {"os.modelarts/billing.mode": "0"}},
        "spec": {"type": "Logical", "scope": ["Train"], "resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 1}]},
    }
    pool = client.create_pool(CreatePoolRequest(body=pool_body))
    assert pool.status.phase == "Creating" and pool.metadata.name.startswith("pool-")
    with pytest.raises(ClientRequestException) as bad:
        client.create_pool(CreatePoolRequest(body={**pool_body, "spec": {**pool_body["spec"], "type": "Dedicate"}}))
    assert bad.value.status_code == 400 and bad.value.error_code == "ModelArts.50004000"


def test_node_pools_are_listed_created_and_scaled(client):
    pool_id = demo_pool(client).metadata.name
    listed = client.list_node_pools(ListNodePoolsRequest(pool_name=pool_id))
    assert [np.metadata.name for np in listed.items][:1] == ["nodepool-1"]
    body = {"apiVersion": "v2", "kind": "NodePool", "metadata": {"name": "sdk-np"}, "spec": {"resources": {"flavor": "modelarts.vm.cpu.8ud", "count": 1, "maxCount": 1}}}
    created = client.create_node_pool(CreateNodePoolRequest(pool_name=pool_id, body=body))
    assert created.spec.resources.count == 1
    current = client.show_node_pool(ShowNodePoolRequest(pool_name=pool_id, nodepool_name="sdk-np"))
    resources = current.spec.resources.to_dict()
    resources.update({"count": 2, "maxCount": 2})
    patched = client.patch_node_pool(
        PatchNodePoolRequest(pool_name=pool_id, nodepool_name="sdk-np", body={"spec": {"resources": {"flavor": resources["flavor"], "count": 2, "maxCount": 2}}})
    )
    assert patched.spec.resources.count == 2


def test_a_service_is_created_listed_stopped_and_deleted_and_the_cluster_flavors_read(client):
    pool_id = demo_pool(client).metadata.name
    cluster = client.show_infer_service_cluster(ShowInferServiceClusterRequest(id=pool_id))
    assert cluster.pool_id == pool_id and cluster.flavors[0].id == "modelarts.vm.gpu.t4u8"
    body = {
        "name": f"sdk-svc-{uuid.uuid4().hex[:6]}",
        "type": "REAL_TIME",
        "deploy_type": "SINGLE",
        "custom_metrics_path": "/metrics",
        "group_configs": [{"name": "g1", "weight": 100, "count": 1, "pool_id": pool_id, "unit_configs": [{"image": {"source": "SWR", "swr_path": "swr.cn-north-4.myhuaweicloud.com/demo/infer:1.0"}, "flavor": "modelarts.vm.gpu.t4u8"}]}],
        "runtime_config": {"service_invoke": {"port": 8080, "protocol": "HTTP", "auth_type": "TOKEN"}, "service_limit": {"rate_limit": {"num": 100, "unit": "SECONDS"}, "request_size_limit": 20, "request_timeout": 30}},
    }
    created = client.create_infer_service(CreateInferServiceRequest(body=body))
    assert created.status == "DEPLOYING" and created.name == body["name"]
    listed = client.list_infer_services(ListInferServicesRequest(limit=50))
    assert created.id in [s.id for s in listed.data] and listed.total >= 2
    running = next(s for s in listed.data if s.status == "RUNNING")
    assert client.show_infer_service(ShowInferServiceRequest(service_id=running.id)).predict_url[0].urls
    stopped = client.stop_infer_service(StopInferServiceRequest(service_id=created.id))
    assert stopped.status == "STOPPING"
    with pytest.raises(ClientRequestException) as busy:
        client.batch_delete_infer_services(BatchDeleteInferServicesRequest(body=DeleteServicesRequest(service_ids=[created.id])))
    assert busy.value.error_code == "ModelArts.3519"


def test_lite_servers_flavors_images_and_a_create(client):
    flavors = client.list_dev_server_flavors(ListDevServerFlavorsRequest()).data
    assert any(f.is_sold_out for f in flavors) and any(not f.is_sold_out for f in flavors)
    ecs = next(f for f in flavors if f.server_type == "ECS" and not f.is_sold_out)
    images = client.list_dev_server_images(ListDevServerImagesRequest(flavor_name=ecs.flavor)).data
    assert images and all(i.server_type == "ECS" for i in images)
    body = {
        "name": f"sdk-lite-{uuid.uuid4().hex[:6]}",
        "flavor": ecs.flavor,
        "image_id": images[0].image_id,
        "key_pair_name": "kp-1",
        "network": {"vpc_id": "vpc-1", "subnet_id": "subnet-1", "security_group_id": "sg-1"},
        "root_volume": {"type": "SSD", "size": 100},
    }
    created = client.create_dev_server(CreateDevServerRequest(body=body))
    assert created.status == "CREATING" and created.flavor == ecs.flavor
    shown = client.show_dev_server(ShowDevServerRequest(id=created.id))
    assert shown.image.image_id == images[0].image_id
    listed = client.list_dev_servers(ListDevServersRequest(limit=10))
    assert created.id in [s.id for s in listed.data]
    sold_out = next(f for f in flavors if f.is_sold_out)
    with pytest.raises(ClientRequestException) as refused:
        client.create_dev_server(CreateDevServerRequest(body={**body, "name": "sold-out", "flavor": sold_out.flavor}))
    assert refused.value.status_code == 400
