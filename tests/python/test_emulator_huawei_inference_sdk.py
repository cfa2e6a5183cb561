"""The emulator's inference part 2 answers the OFFICIAL huaweicloudsdkmodelarts 3.1.219: a v2
service's events (list_infer_service_events) as the SDK's ServiceEventResponse, filtered by type,
and a stopped service's events after a stop through the SDK. The v1 service API is in no SDK
version (huawei-autodl-wire.md A8), so its group is covered by the e2e scenarios instead.

Same launch as test_emulator_huawei_infra_sdk.py.
"""

from __future__ import annotations


import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    ListInferServiceEventsRequest,
    ListInferServicesRequest,
    ModelArtsClient,
    StopInferServiceRequest,
)


def running_service(client):
    services = client.list_infer_services(ListInferServicesRequest(status="RUNNING")).data
    return next(s for s in services if s.name == f"demo-{REGION}-service")


def test_a_running_service_has_only_normal_events(client):
    svc = running_service(client)
    events = client.list_infer_service_events(ListInferServiceEventsRequest(service_id=svc.id))
    assert events.total == 2 and len(events.data) == 2
    assert all(e.service_id == svc.id and e.event_type == "normal" for e in events.data)
    assert "RUNNING" in events.data[0].event_info and events.data[0].create_at >= events.data[1].create_at
    abnormal = client.list_infer_service_events(ListInferServiceEventsRequest(service_id=svc.id, event_type="abnormal"))
    assert abnormal.total == 0 and abnormal.data == []


def test_a_stop_shows_in_the_events_and_an_unknown_service_is_404(client):
    svc = running_service(client)
    client.stop_infer_service(StopInferServiceRequest(service_id=svc.id))
    events = client.list_infer_service_events(ListInferServiceEventsRequest(service_id=svc.id, limit=1))
    assert events.total == 2 and len(events.data) == 1 and "STOPPING" in events.data[0].event_info
    with pytest.raises(ClientRequestException) as missing:
        client.list_infer_service_events(ListInferServiceEventsRequest(service_id="no-such-service"))
    assert missing.value.status_code == 404
