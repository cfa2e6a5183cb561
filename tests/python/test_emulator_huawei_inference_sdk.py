"""The emulator's inference part 2 answers the OFFICIAL huaweicloudsdkmodelarts 3.1.219: a v2
service's events (list_infer_service_events) as the SDK's ServiceEventResponse, filtered by type,
and a stopped service's events after a stop through the SDK. The v1 service API is in no SDK
version (huawei-autodl-wire.md A8), so its group is covered by the e2e scenarios instead.

Same launch as test_emulator_huawei_infra_sdk.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkmodelarts.v1 import (
    ListInferServiceEventsRequest,
    ListInferServicesRequest,
    ModelArtsClient,
    StopInferServiceRequest,
)

REPO = Path(__file__).resolve().parents[2]
REGION = "cn-north-4"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    binary = os.environ.get("SKILLGATE_BIN", str(REPO / "target" / "debug" / "skillgate"))
    if not Path(binary).exists():
        pytest.fail(f"skillgate binary not found at {binary}; run `cargo build` or set SKILLGATE_BIN")
    os.environ["HOME"] = str(tmp_path_factory.mktemp("home"))
    proc = subprocess.Popen(
        [binary, "emulator", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the emulator printed no startup line")
        info = json.loads(line)
        os.environ["HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4"] = info["endpoint"]
        os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = info["endpoint"]
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def client(emulator) -> ModelArtsClient:
    hw = emulator["huawei"]
    return (
        ModelArtsClient.new_builder()
        .with_credentials(BasicCredentials(hw["access_key"], hw["secret_key"]))
        .with_region(Region(REGION, emulator["endpoint"]))
        .build()
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
