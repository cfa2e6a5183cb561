"""The emulator's rest of Lite Server answers the OFFICIAL huaweicloudsdkmodelarts 3.1.219: dev
server reboot, OS change, rename and the tenant-wide list; volumes and EIPs; one image; RoCE
networks; batch actions; HPS hyper clusters and hyperinstances (scale evaluations, scale-down,
tags, capacity); jobs, templates and a job's service; physical topologies.

Same launch as test_emulator_huawei_infra_sdk.py; every answer is read back through the SDK's
response models.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    AttachDevServerVolumeRequest,
    BatchDevServersActionRequest,
    BindDevServerPublicIPRequest,
    ChangeDevServerOSRequest,
    CreateDevServerJobRequest,
    CreateHyperClusterRequest,
    CreateHyperinstanceTagsRequest,
    CreateRoceNetworkRequest,
    DeleteDevServerJobsRequest,
    DeleteHyperClusterRequest,
    DetachDevServerVolumeRequest,
    GetDevServerImageRequest,
    GetDevServerJobRequest,
    GetDevServerJobServiceRequest,
    GetHyperClusterRequest,
    GetHyperinstanceRequest,
    GetScaleEvaluationsDevServerRequest,
    GetTopologiesRequest,
    ListAllDevServersRequest,
    ListDevServerJobTemplatesRequest,
    ListDevServerJobsRequest,
    ListDevServerPublicIPRequest,
    ListHyperClusterRequest,
    ListHyperinstanceClustersCapacityRequest,
    ListHyperinstancesRequest,
    ModelArtsClient,
    QueryHyperinstanceTagsRequest,
    RebootDevServerRequest,
    ScaleDownHyperinstanceRequest,
    ShowDevServerRequest,
    UpdateDevServerRequest,
)
from huaweicloudsdkmodelarts.v1.model import (
    AttachServerVolumeRequest,
    BatchActionDevServerIds,
    DevServerBatchRequest,
    DevServerJobCreateRequest,
    HyperClusterCreateRequest,
    HyperinstanceClustersCapacityRequest,
    ServerBindPublicIPRequest,
    ServerJobDeleteRequest,
    ServerOsRequest,
    ServerRoceNetworkRequest,
    ServerScaleDownRequest,
    TagRequest,
    TmsTag,
    UpdateServerRequest,
)

RUNNING = "2874fae8-0692-40ce-8ab3-7726619d434d"
STOPPED = "b31d3848-e5e3-4962-8561-6dcad406939c"
HYPER = "ae1889a2-9044-4980-8007-1ac86e0b0e8a"
VOLUME_FREE = "f0c939e2-331c-4bb3-8fd0-f2f55f2bdaa0"
EIP_FREE = "c5132fb8-c283-4b78-85df-45e81beb33c6"
SERVICE_JOB = "ab662d8e-545d-41c4-8cbe-4118abc2a0e1"
ECS_IMAGE = "a41f6c28-3e7d-4b0a-9c15-8f2e6d9b0a37"


def advance(emulator, seconds: int = 600) -> None:
    """Lets the actions of earlier tests (reboot, OS change) finish on the emulator clock."""
    request = urllib.request.Request(
        emulator["endpoint"] + "/_emulator/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def test_dev_server_actions_volumes_and_eips(client):
    renamed = client.update_dev_server(UpdateDevServerRequest(id=STOPPED, body=UpdateServerRequest(name="sdk-renamed")))
    assert renamed.name == "sdk-renamed"
    attached = client.attach_dev_server_volume(
        AttachDevServerVolumeRequest(id=RUNNING, body=AttachServerVolumeRequest(volume_id=VOLUME_FREE))
    )
    assert attached.operation_type == "ATTACH_VOLUME" and attached.operation_id
    with pytest.raises(ClientRequestException) as taken:
        client.attach_dev_server_volume(
            AttachDevServerVolumeRequest(id=STOPPED, body=AttachServerVolumeRequest(volume_id=VOLUME_FREE))
        )
    assert taken.value.status_code == 409
    detached = client.detach_dev_server_volume(DetachDevServerVolumeRequest(id=RUNNING, volume_id=VOLUME_FREE))
    assert detached.operation_type == "DETACH_VOLUME"
    bound = client.bind_dev_server_public_ip(
        BindDevServerPublicIPRequest(id=STOPPED, body=ServerBindPublicIPRequest(public_ip_id=EIP_FREE))
    )
    assert [ip.id for ip in bound.public_ips] == [EIP_FREE]
    assert client.list_dev_server_public_ip(ListDevServerPublicIPRequest(id=STOPPED)).public_ips[0].address
    changed = client.change_dev_server_os(
        ChangeDevServerOSRequest(id=STOPPED, body=ServerOsRequest(image_id=ECS_IMAGE, key_pair_name="kp"))
    )
    assert changed.status == "CHANGINGOS"
    rebooted = client.reboot_dev_server(RebootDevServerRequest(id=RUNNING))
    assert rebooted.status == "REBOOTING"
    with pytest.raises(ClientRequestException) as busy:
        client.reboot_dev_server(RebootDevServerRequest(id=RUNNING))
    assert busy.value.status_code == 409
    image = client.get_dev_server_image(GetDevServerImageRequest(id=ECS_IMAGE))
    assert image.server_type == "ECS" and image.arch == "X86"
    every = client.list_all_dev_servers(ListAllDevServersRequest())
    assert any(s.category == "HPS" for s in every.data) and every.total >= 5
    network = client.create_roce_network(
        CreateRoceNetworkRequest(body=ServerRoceNetworkRequest(network_type="vlan", physical_network="physnet1"))
    )
    assert network.network.status == "ACTIVE"
    topology = client.get_topologies(GetTopologiesRequest(id=HYPER))
    assert len(topology.servers) == 2 and topology.servers[0].network_nodes


def test_hyper_clusters_and_hyperinstances(client):
    created = client.create_hyper_cluster(
        CreateHyperClusterRequest(
            body=HyperClusterCreateRequest(name="sdk-hps", hyper_cluster_subnet_id="5f0e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", type="HPS")
        )
    )
    assert created.network_info[0].is_default
    assert client.get_hyper_cluster(GetHyperClusterRequest(id=created.id)).name == "sdk-hps"
    clusters = client.list_hyper_cluster(ListHyperClusterRequest()).hyper_clusters
    assert len(clusters) == 3
    with pytest.raises(ClientRequestException) as bad:
        client.create_hyper_cluster(
            CreateHyperClusterRequest(body=HyperClusterCreateRequest(name="bad name!", hyper_cluster_subnet_id="x", type="HPS"))
        )
    assert bad.value.status_code == 400
    capacity = client.list_hyperinstance_clusters_capacity(
        ListHyperinstanceClustersCapacityRequest(
            body=HyperinstanceClustersCapacityRequest(hyperinstance_cluster_ids=[created.id], flavor="modelarts.bm.npu.arm.8snt9b3.d")
        )
    )
    assert capacity.capacities[0].is_sold_out is False
    client.delete_hyper_cluster(DeleteHyperClusterRequest(id=created.id))
    hyper = client.get_hyperinstance(GetHyperinstanceRequest(id=HYPER))
    with pytest.raises(ClientRequestException) as held:
        client.delete_hyper_cluster(DeleteHyperClusterRequest(id=hyper.hps_cluster_id))
    assert held.value.status_code == 409
    assert len(hyper.servers) == 2 and hyper.status == "RUNNING"
    evaluations = client.get_scale_evaluations_dev_server(GetScaleEvaluationsDevServerRequest(id=HYPER)).evaluations
    assert evaluations and all(e.flavor for e in evaluations)
    smaller = client.scale_down_hyperinstance(
        ScaleDownHyperinstanceRequest(id=HYPER, body=ServerScaleDownRequest(server_ids=[hyper.servers[0].id]))
    )
    assert len(smaller.servers) == 1 and smaller.status == "SCALING"
    client.create_hyperinstance_tags(CreateHyperinstanceTagsRequest(id=HYPER, body=TagRequest(tags=[TmsTag(key="sdk", value="yes")])))
    tags = client.query_hyperinstance_tags(QueryHyperinstanceTagsRequest(id=HYPER)).tags
    assert {t.key: t.value for t in tags}["sdk"] == "yes"
    listed = client.list_hyperinstances(ListHyperinstancesRequest(limit=10))
    assert listed.total == 2


def test_jobs_templates_and_a_job_service(client, emulator):
    advance(emulator)
    templates = client.list_dev_server_job_templates(ListDevServerJobTemplatesRequest()).data
    assert {t.type for t in templates} >= {"HEALTH_CHECK", "AI_SERVICE"}
    job = client.create_dev_server_job(
        CreateDevServerJobRequest(body=DevServerJobCreateRequest(name="sdk-check", type="HEALTH_CHECK", server_ids=[RUNNING]))
    )
    assert job.status == "RUNNING" and job.tasks[0].server_id == RUNNING
    assert client.get_dev_server_job(GetDevServerJobRequest(id=job.id)).name == "sdk-check"
    with pytest.raises(ClientRequestException) as running:
        client.delete_dev_server_jobs(DeleteDevServerJobsRequest(body=ServerJobDeleteRequest(job_ids=[job.id])))
    assert running.value.status_code == 409
    service = client.get_dev_server_job_service(GetDevServerJobServiceRequest(id=SERVICE_JOB))
    assert service.status == "RUNNING" and service.model.name == "qwen2.5-7b"
    deleted = client.delete_dev_server_jobs(DeleteDevServerJobsRequest(body=ServerJobDeleteRequest(job_ids=[SERVICE_JOB])))
    assert deleted.total == 1
    names = [j.name for j in client.list_dev_server_jobs(ListDevServerJobsRequest()).data]
    assert "sdk-check" in names and len(names) == 2


def test_a_batch_action_is_all_or_nothing(client, emulator):
    advance(emulator)
    servers = [BatchActionDevServerIds(id=RUNNING), BatchActionDevServerIds(id=STOPPED)]
    with pytest.raises(ClientRequestException) as wrong:
        client.batch_dev_servers_action(BatchDevServersActionRequest(body=DevServerBatchRequest(type="START", servers=servers)))
    assert wrong.value.status_code == 409
    assert client.show_dev_server(ShowDevServerRequest(id=STOPPED)).status == "RUNNING"
    done = client.batch_dev_servers_action(BatchDevServersActionRequest(body=DevServerBatchRequest(type="STOP", servers=servers)))
    assert done.total == 2 and {s.status for s in done.data} == {"STOPPING"}
