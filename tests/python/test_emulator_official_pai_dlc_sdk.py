"""The emulator answers the OFFICIAL Alibaba Cloud PAI-DLC 2020-12-03 SDK (ROA, the real action
name in `x-acs-action`) and the AIWorkSpace 2021-02-04 SDK's ListImages and CreateWorkspace.

Walks a training job: the CPU specs, a DLC image by label, CreateJob with the plan tag in
`Settings.Tags`, the job on the emulated clock to Succeeded, its pods' logs and events, a lookup by
tag, stop and delete rules; a missing job comes back as the SDK's ClientException.

Run: scripts/install-test-deps && pytest tests/python/test_emulator_official_pai_dlc_sdk.py
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from alibabacloud_aiworkspace20210204 import models as ws_models
from alibabacloud_aiworkspace20210204.client import Client as WorkspaceClient
from alibabacloud_pai_dlc20201203 import models as dlc_models
from alibabacloud_pai_dlc20201203.client import Client as DlcClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config

REGION = "cn-hangzhou"
WORKSPACE = "114207"
RUNNING_JOB = "dlc2c3v4b5n6m7q8w"

# `emulator` (a standalone `skillgate emulator`, one per module) comes from conftest.py.


def _config(info: dict) -> Config:
    return Config(
        access_key_id=info["alibaba"]["access_key_id"],
        access_key_secret=info["alibaba"]["access_key_secret"],
        endpoint=info["endpoint"].removeprefix("http://"),
        protocol="http",
        region_id=REGION,
    )


def _advance(info: dict, seconds: int) -> None:
    request = urllib.request.Request(
        info["endpoint"] + "/_emulator/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def dlc(emulator) -> DlcClient:
    return DlcClient(_config(emulator))


@pytest.fixture(scope="module")
def ws(emulator) -> WorkspaceClient:
    return WorkspaceClient(_config(emulator))


def test_a_training_job_runs_to_succeeded(emulator, dlc, ws):
    specs = dlc.list_ecs_specs(dlc_models.ListEcsSpecsRequest(accelerator_type="CPU", page_size=100)).body
    types = [s.instance_type for s in specs.ecs_specs]
    assert "ecs.g7.xlarge" in types
    assert all(s.gpu == 0 for s in specs.ecs_specs)

    images = ws.list_images(ws_models.ListImagesRequest(labels="system.supported.dlc=true,system.chipType=CPU", name="pytorch")).body
    assert images.total_count >= 1
    image = images.images[0].image_uri

    request = dlc_models.CreateJobRequest(
        display_name="sdk-train",
        job_type="PyTorchJob",
        user_command="python train.py",
        workspace_id=WORKSPACE,
        job_specs=[dlc_models.JobSpec(type="Worker", image=image, pod_count=1, ecs_spec="ecs.g7.xlarge")],
        settings=dlc_models.JobSettings(tags={"skillgate.plan": "plan-sdk"}),
    )
    job_id = dlc.create_job(request).body.job_id
    assert job_id.startswith("dlc")
    assert dlc.get_job(job_id, dlc_models.GetJobRequest()).body.status == "Creating"

    found = dlc.list_jobs(dlc_models.ListJobsRequest(tags={"skillgate.plan": "plan-sdk"})).body
    assert [j.job_id for j in found.jobs] == [job_id]

    _advance(emulator, 300)
    job = dlc.get_job(job_id, dlc_models.GetJobRequest()).body
    assert job.status == "Succeeded"
    pod = job.pods[0].pod_id
    logs = dlc.get_pod_logs(job_id, pod, dlc_models.GetPodLogsRequest(max_lines=10)).body
    assert any("exit code 0" in line for line in logs.logs)
    events = dlc.get_pod_events(job_id, pod, dlc_models.GetPodEventsRequest()).body
    assert any("Started" in e for e in events.events)

    dlc.delete_job(job_id)
    with pytest.raises(ClientException) as err:
        dlc.get_job(job_id, dlc_models.GetJobRequest())
    assert err.value.code == "EntityNotExist.Job"


def test_stop_and_workspace_creation(dlc, ws):
    dlc.stop_job(RUNNING_JOB)
    assert dlc.get_job(RUNNING_JOB, dlc_models.GetJobRequest()).body.status == "Stopped"
    created = ws.create_workspace(ws_models.CreateWorkspaceRequest(
        workspace_name="alibabacloud_compute_default", description="compute", env_types=["prod"])).body
    assert created.workspace_id
    with pytest.raises(ClientException) as err:
        ws.create_workspace(ws_models.CreateWorkspaceRequest(
            workspace_name="alibabacloud_compute_default", description="compute", env_types=["prod"]))
    assert err.value.code == "WorkspaceNameAlreadyExists"
