"""The emulator's pools part 2, inference extras and management part 2 answer the OFFICIAL
huaweicloudsdkmodelarts 3.1.219: batch lock / unlock / resize of pool nodes and what they leave
in the node list, pool and workload statistics, the monitor and runtime metrics, the OS network
patch, OS config, pool events and plugin templates (6.2); a v2 service's events as the event
analysis reads them (6.6) and, through the SDK client's own signed do_http_request, the v1 paths
no SDK model covers (6.5); workspace quotas and the authorization check, the auth mode, the
agency, OS quotas, pool tags and a scheduled event accepted (6.7).

Same launch as test_emulator_huawei_infra_sdk.py (the shared fixtures of huawei_emulator.py).
"""

from __future__ import annotations

import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    AcceptScheduledEventRequest,
    BatchDeletePoolNodesRequest,
    BatchLockPoolNodesRequest,
    BatchResizePoolNodesRequest,
    BatchUnlockPoolNodesRequest,
    CreateModelArtsAgencyRequest,
    ListEventsRequest,
    ListInferServiceEventsRequest,
    ListInferServicesRequest,
    ListPluginTemplatesRequest,
    ListPoolNodesRequest,
    ListPoolTagsRequest,
    ListScheduledEventsRequest,
    ListWorkloadsRequest,
    PatchNetworkRequest,
    ShowAuthmodeDetailRequest,
    ShowNetworkRequest,
    ShowOsConfigRequest,
    ShowOsQuotaRequest,
    ShowPluginTemplateRequest,
    ShowPoolMonitorRequest,
    ShowPoolRuntimeMetricsRequest,
    ShowPoolStatisticsRequest,
    ShowPoolTagsRequest,
    ShowWorkloadStatisticsRequest,
    ShowWorkspaceQuotasRequest,
    UpdateAuthModeRequest,
    UpdateWorkspaceQuotasRequest,
    ValidateAuthorizationRequest,
)
from huaweicloudsdkmodelarts.v1.model import (
    AuthRequests,
    BatchLockPoolNodesRequestBody,
    BatchResizeRequestBody,
    EventUpdate,
    ModelArtsAgencyRequest,
    NetworkMetadataAnnotations,
    NetworkMetadataUpdate,
    NetworkUpdateRequest,
    NodeResizeParams,
    NodesDeletionRequest,
    ResizeNodeInfo,
    UpdateAuthModeRequestBody,
    UpdateWorkspaceQuotasReq,
    UpdateWorkspaceQuotasReqQuotas,
    ValidateAuthorizationRequestBody,
)

SHORT = REGION.replace("-", "")
DEMO_POOL = f"pool-demo{SHORT}"
IDLE_POOL = f"pool-idle{SHORT}"
TEAM_WS = "6f0c9d0b2b3e4c5f8a1d2e3f4a5b6c7d"


def raw(client, path, **path_params):
    """A GET the SDK signs and sends for a path it has no model for; the answer is read through
    an SDK response model whose `body` is the whole JSON object."""
    answer = client.do_http_request(
        method="GET", resource_path=path, path_params=path_params, response_type="CreateModelArtsAgencyResponse"
    )
    assert answer.status_code == 200
    return answer.body


def node(client, pool, name):
    return next(n for n in client.list_pool_nodes(ListPoolNodesRequest(pool_name=pool)).items if n.metadata.name == name)


def test_statistics_count_the_pools_nodes_and_workloads(client):
    stats = client.show_pool_statistics(ShowPoolStatisticsRequest())
    assert stats.statistics.status.created == 2 and stats.operation_time.endswith("Z")
    workloads = client.list_workloads(ListWorkloadsRequest(pool_name=DEMO_POOL)).items
    counted = client.show_workload_statistics(ShowWorkloadStatisticsRequest(pool_name=DEMO_POOL))
    assert counted.statistics.total == len(workloads)
    infer = next(i for i in counted.statistics.items if i.type == "infer")
    assert infer.total == len([w for w in workloads if w.type == "infer"]) and infer.status.running == infer.total
    metrics = client.show_pool_runtime_metrics(ShowPoolRuntimeMetricsRequest())
    demo = next(i for i in metrics.items if i.metadata.name == DEMO_POOL)
    nodes = client.list_pool_nodes(ListPoolNodesRequest(pool_name=DEMO_POOL)).items
    assert int(demo.table.capacity.value.cpu) == sum(int(n.status.resources.cpu) for n in nodes)
    assert demo.table.workload.allocated.sum == len(workloads)
    monitor = client.show_pool_monitor(ShowPoolMonitorRequest(pool_name=DEMO_POOL, period="300"))
    assert {m.metric.metric_name for m in monitor.metrics} == {"cpu_allocated_rate", "mem_allocated_rate", "gpu_allocated_rate"}
    assert len(monitor.metrics[0].data_points) == 12
    with pytest.raises(ClientRequestException) as bad:
        client.show_pool_monitor(ShowPoolMonitorRequest(pool_name=DEMO_POOL, period="7"))
    assert bad.value.status_code == 400


def test_a_lock_shows_on_the_node_and_a_resize_changes_the_flavor(client):
    name = "os-node-created-idle1"
    body = BatchLockPoolNodesRequestBody(node_names=[name], actions=["delete"])
    locked = client.batch_lock_pool_nodes(BatchLockPoolNodesRequest(pool_name=IDLE_POOL, body=body))
    assert [n.name for n in locked.nodes] == [name]
    # The lock label is not in the SDK's NodeLabels model; a delete of the node is refused.
    delete = BatchDeletePoolNodesRequest(pool_name=IDLE_POOL, body=NodesDeletionRequest(delete_node_names=[name]))
    with pytest.raises(ClientRequestException) as refused:
        client.batch_delete_pool_nodes(delete)
    assert refused.value.status_code == 409 and "locked" in refused.value.error_msg
    client.batch_unlock_pool_nodes(BatchUnlockPoolNodesRequest(pool_name=IDLE_POOL, body=body))
    with pytest.raises(ClientRequestException) as twice:
        client.batch_unlock_pool_nodes(BatchUnlockPoolNodesRequest(pool_name=IDLE_POOL, body=body))
    assert twice.value.status_code == 409

    before = node(client, IDLE_POOL, name)
    resize = BatchResizeRequestBody(
        nodes=[ResizeNodeInfo(delete_node_names=[name])],
        source=NodeResizeParams(node_pool="nodepool-1", flavor=before.spec.flavor),
        target=NodeResizeParams(node_pool="nodepool-1", flavor="modelarts.vm.cpu.8ud"),
    )
    client.batch_resize_pool_nodes(BatchResizePoolNodesRequest(pool_name=IDLE_POOL, body=resize))
    during = node(client, IDLE_POOL, name)
    assert during.status.phase == "Resizing" and during.spec.flavor == before.spec.flavor


def test_network_patch_config_events_and_plugin_templates(client):
    network = f"network-demo-{SHORT}"
    update = NetworkUpdateRequest(metadata=NetworkMetadataUpdate(annotations=NetworkMetadataAnnotations(os_modelarts_description="team net")))
    patched = client.patch_network(PatchNetworkRequest(network_name=network, body=update))
    assert patched.metadata.annotations.os_modelarts_description == "team net"
    shown = client.show_network(ShowNetworkRequest(network_name=network))
    assert shown.metadata.annotations.os_modelarts_description == "team net"
    config = client.show_os_config(ShowOsConfigRequest())
    assert "192.168.0.0/16" in config.network_cidrs and config.pool_quota > 0
    events = client.list_events(ListEventsRequest(resource="pools", name=DEMO_POOL))
    assert "PoolCreated" in [e.reason for e in events.items]
    templates = client.list_plugin_templates(ListPluginTemplatesRequest())
    names = [t.metadata.name for t in templates.items]
    assert "gpu-driver" in names
    one = client.show_plugin_template(ShowPluginTemplateRequest(plugintemplate_name="gpu-driver"))
    assert one.metadata.name == "gpu-driver" and one.spec.versions
    with pytest.raises(ClientRequestException) as missing:
        client.show_plugin_template(ShowPluginTemplateRequest(plugintemplate_name="no-such"))
    assert missing.value.status_code == 404


def test_inference_events_and_the_v1_extras(client):
    svc = next(s for s in client.list_infer_services(ListInferServicesRequest(status="RUNNING")).data if s.name == f"demo-{REGION}-service")
    events = client.list_infer_service_events(ListInferServiceEventsRequest(service_id=svc.id, limit=500))
    assert events.total == len(events.data) and all(e.event_type == "normal" for e in events.data)
    # The v1 API has no SDK model: the SDK client's own signed request on the v1 paths.
    services = raw(client, "/v1/{project_id}/services")
    running = next(s for s in services["services"] if s["status"] == "running")
    channel = raw(client, "/v1/{project_id}/services/{service_id}/internal-channel", service_id=running["service_id"])
    assert channel["enabled"] is True and running["service_id"] in channel["internal_address"]
    subs = raw(client, "/v1/{project_id}/subscriptions")
    first = subs["subscriptions"][0]
    versions = raw(client, "/v1/{project_id}/subscriptions/{subscription_id}/versions", subscription_id=first["subscription_id"])
    assert len(versions["versions"]) == first["version_count"] == versions["total_count"]


def test_management_quotas_auth_mode_agency_tags_and_events(client):
    quotas = client.show_workspace_quotas(ShowWorkspaceQuotasRequest(workspace_id=TEAM_WS)).quotas
    assert next(q for q in quotas if q.resource == "train.gpu").quota == -1
    body = UpdateWorkspaceQuotasReq(quotas=[UpdateWorkspaceQuotasReqQuotas(resource="train.gpu", quota=8)])
    client.update_workspace_quotas(UpdateWorkspaceQuotasRequest(workspace_id=TEAM_WS, body=body))
    quotas = client.show_workspace_quotas(ShowWorkspaceQuotasRequest(workspace_id=TEAM_WS)).quotas
    assert next(q for q in quotas if q.resource == "train.gpu").quota == 8
    with pytest.raises(ClientRequestException) as bad:
        over = UpdateWorkspaceQuotasReq(quotas=[UpdateWorkspaceQuotasReqQuotas(resource="train.gpu", quota=5000)])
        client.update_workspace_quotas(UpdateWorkspaceQuotasRequest(workspace_id=TEAM_WS, body=over))
    assert bad.value.status_code == 400

    requests = [AuthRequests(action_id="a1", action="modelarts:notebook:create"), AuthRequests(action_id="a2", action="obs:bucket:delete")]
    verdicts = client.validate_authorization(ValidateAuthorizationRequest(workspace_id=TEAM_WS, body=ValidateAuthorizationRequestBody(requests=requests)))
    assert [r.verdict for r in verdicts.results] == ["allow", "deny"]

    assert client.show_authmode_detail(ShowAuthmodeDetailRequest()).mode == "strict"
    client.update_auth_mode(UpdateAuthModeRequest(body=UpdateAuthModeRequestBody(mode="loose")))
    assert client.show_authmode_detail(ShowAuthmodeDetailRequest()).mode == "loose"

    client.create_model_arts_agency(CreateModelArtsAgencyRequest(body=ModelArtsAgencyRequest(agency_name_suffix="sdk")))
    with pytest.raises(ClientRequestException) as again:
        client.create_model_arts_agency(CreateModelArtsAgencyRequest(body=ModelArtsAgencyRequest(agency_name_suffix="sdk")))
    assert again.value.status_code == 409

    quota = client.show_os_quota(ShowOsQuotaRequest())
    assert next(r for r in quota.quotas.resources if r.type == "pool").used == "2"
    tags = client.list_pool_tags(ListPoolTagsRequest())
    assert any(t.key == "team" and sorted(t.values) == ["nlp", "vision"] for t in tags.tags)
    mine = client.show_pool_tags(ShowPoolTagsRequest(pool_name=DEMO_POOL))
    assert any(t.key == "team" and t.values == ["vision"] for t in mine.tags)

    events = client.list_scheduled_events(ListScheduledEventsRequest(state=["inquiring"]))
    assert events.count == 1
    event = events.events[0]
    with pytest.raises(ClientRequestException) as past:
        client.accept_scheduled_event(AcceptScheduledEventRequest(event_id=event.id, body=EventUpdate(not_before="2020-01-01T00:00:00Z")))
    assert past.value.status_code == 400
    accepted = client.accept_scheduled_event(AcceptScheduledEventRequest(event_id=event.id, body=EventUpdate(not_before="2099-01-01T00:00:00Z")))
    assert accepted.state == "scheduled" and accepted.not_before == "2099-01-01T00:00:00Z"
