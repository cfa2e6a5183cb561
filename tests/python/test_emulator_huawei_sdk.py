"""The emulator answers the OFFICIAL Huawei Cloud Python SDKs (huaweicloudsdkmodelarts,
huaweicloudsdkiam 3.1.219).

Starts `skillgate emulator --listen 127.0.0.1:0`, reads the `huawei` entry of its startup line
and points the official clients at it the way next-wave-wire.md 5.2 says: the ModelArts
endpoint through `HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4`, IAM through
`HUAWEICLOUD_SDK_IAM_ENDPOINT` (so `BasicCredentials` without a project id finds it through
IAM as it does in production). This proves the emulator verifies the SDK's own signatures
(Host with the port, User-Agent signed), parses its request shapes and answers in shapes its
response models read.
"""

from __future__ import annotations

import uuid

import pytest
from huawei_emulator import REGION, emulator  # noqa: F401 (fixture)
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import IamClient, KeystoneListProjectsRequest
from huaweicloudsdkmodelarts.v1 import (
    CreateNotebookRequest,
    CreateTrainingJobRequest,
    DeleteNotebookRequest,
    DeleteTrainingJobRequest,
    JobActionType,
    ListImageRequest,
    ListNotebooksRequest,
    ListTrainingJobsRequest,
    ModelArtsClient,
    NotebookCreateRequest,
    ShowNotebookRequest,
    ShowTrainingJobDetailsRequest,
    ShowTrainingJobEnginesRequest,
    ShowTrainingJobFlavorsRequest,
    StopNotebookRequest,
    StopTrainingJobRequest,
)
from huaweicloudsdkmodelarts.v1.model import (
    Job,
    JobAlgorithm,
    JobEngine,
    JobMetadata,
    JobSearches,
    Spec,
    SpecResource,
    VolumeMountRequest,
)
from huaweicloudsdkcore.region.region import Region


def modelarts(info, secret=None) -> ModelArtsClient:
    hw = info["huawei"]
    credentials = BasicCredentials(hw["access_key"], secret or hw["secret_key"])
    return (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_region(Region(REGION, info["endpoint"]))
        .build()
    )


def test_iam_lists_the_project_of_each_region(emulator):
    hw = emulator["huawei"]
    credentials = GlobalCredentials(hw["access_key"], hw["secret_key"], hw["domain_id"])
    client = IamClient.new_builder().with_credentials(credentials).with_endpoint(emulator["endpoint"]).build()
    for region in ("cn-north-4", "cn-east-3"):
        answer = client.keystone_list_projects(KeystoneListProjectsRequest(name=region))
        assert [p.id for p in answer.projects] == [hw["projects"][region]]


def test_the_project_id_is_found_through_iam_and_lists_work(emulator):
    client = modelarts(emulator)
    listed = client.list_notebooks(ListNotebooksRequest(limit=10))
    assert listed.total >= 2
    assert {n.status for n in listed.data} >= {"RUNNING", "STOPPED"}
    images = client.list_image(ListImageRequest(limit=50))
    assert images.total >= 2 and images.data[0].swr_path
    flavors = client.show_training_job_flavors(ShowTrainingJobFlavorsRequest(flavor_type="GPU"))
    assert flavors.total_count >= 1 and all(f.flavor_type == "GPU" for f in flavors.flavors)
    engines = client.show_training_job_engines(ShowTrainingJobEnginesRequest())
    assert any(e.engine_name == "PyTorch" for e in engines.items)


def test_a_wrong_secret_is_apig_0301(emulator):
    with pytest.raises(ClientRequestException) as refused:
        modelarts(emulator, secret="wrong-secret").list_notebooks(ListNotebooksRequest(limit=10))
    assert refused.value.status_code == 401
    assert refused.value.error_code == "APIG.0301"


def test_a_notebook_is_created_stopped_and_deleted(emulator):
    client = modelarts(emulator)
    name = f"sdk-nb-{uuid.uuid4().hex[:8]}"
    body = NotebookCreateRequest(
        name=name,
        image_id="e1a07296-22a8-4f05-8bc8-e936c8e54202",
        flavor="modelarts.vm.cpu.2u",
        volume=VolumeMountRequest(category="EVS", ownership="MANAGED", capacity=5),
    )
    created = client.create_notebook(CreateNotebookRequest(body=body))
    assert created.status == "CREATING" and created.name == name
    shown = client.show_notebook(ShowNotebookRequest(id=created.id))
    assert shown.image.id == "e1a07296-22a8-4f05-8bc8-e936c8e54202"
    with pytest.raises(ClientRequestException) as busy:
        client.stop_notebook(StopNotebookRequest(id=created.id))
    assert busy.value.status_code == 400
    running = [n for n in client.list_notebooks(ListNotebooksRequest(limit=50)).data if n.status == "RUNNING"]
    stopped = client.stop_notebook(StopNotebookRequest(id=running[0].id))
    assert stopped.status == "STOPPING"


def test_a_training_job_is_created_searched_stopped_and_deleted(emulator):
    client = modelarts(emulator)
    name = f"sdk-job-{uuid.uuid4().hex[:8]}"
    job = Job(
        kind="job",
        metadata=JobMetadata(name=name, workspace_id="0", description="sdk test"),
        algorithm=JobAlgorithm(
            code_dir="obs://bucket/code/",
            boot_file="obs://bucket/code/train.py",
            engine=JobEngine(engine_name="PyTorch", engine_version="pytorch_2.1.0-cuda_12.1-py_3.9-ubuntu_20.04-x86_64"),
        ),
        spec=Spec(resource=SpecResource(flavor_id="modelarts.vm.gpu.t4u8", node_count=1)),
    )
    created = client.create_training_job(CreateTrainingJobRequest(body=job))
    job_id = created.metadata.id
    assert created.status.phase == "Creating"
    found = client.list_training_jobs(ListTrainingJobsRequest(body=JobSearches(limit=10, offset=0)))
    assert job_id in [item.metadata.id for item in found.items]
    detail = client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id))
    assert detail.metadata.name == name
    stopped = client.stop_training_job(
        StopTrainingJobRequest(training_job_id=job_id, body=JobActionType(action_type="terminate"))
    )
    assert stopped.status.phase == "Terminating"
    client.delete_training_job(DeleteTrainingJobRequest(training_job_id=job_id))
    with pytest.raises(ClientRequestException) as gone:
        client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id))
    assert gone.value.error_code == "ModelArts.2775"
