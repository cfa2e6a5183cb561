"""ModelArts part 2, core side, answers the OFFICIAL huaweicloudsdkmodelarts: a workspace created,
shown and deleted, a notebook's lease renewed and read back, switchable flavors and every user's
notebooks, a training job's description changed, and an authorization removed. Same launch as
test_emulator_huawei_infra_sdk.py; bodies are plain dicts, answers read through the SDK's models.
"""

from __future__ import annotations


import pytest
from huawei_emulator import REGION, client, emulator  # noqa: F401 (fixtures)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    ChangeTrainingJobDescriptionRequest,
    CreateWorkspaceRequest,
    DeleteAuthorizationsRequest,
    DeleteWorkspaceRequest,
    ListAllNotebooksRequest,
    ModelArtsClient,
    RenewLeaseRequest,
    ShowLeaseRequest,
    ShowSwitchableFlavorsRequest,
    ShowTrainingJobDetailsRequest,
    ShowWorkspaceRequest,
)

RUNNING_NOTEBOOK = "5eed0001-0000-4000-8000-000000000000"
STOPPED_NOTEBOOK = "5eed0002-0000-4000-8000-000000000000"
COMPLETED_JOB = "5eed0011-0000-4000-8000-000000000000"


def test_a_workspace_is_created_shown_and_deleted_but_not_the_default(client):
    made = client.create_workspace(CreateWorkspaceRequest(body={"name": "sdk-team", "auth_type": "PRIVATE"}))
    shown = client.show_workspace(ShowWorkspaceRequest(workspace_id=made.id))
    assert shown.name == "sdk-team" and shown.auth_type == "PRIVATE"
    client.delete_workspace(DeleteWorkspaceRequest(workspace_id=made.id))
    with pytest.raises(ClientRequestException):
        client.show_workspace(ShowWorkspaceRequest(workspace_id=made.id))
    with pytest.raises(ClientRequestException):
        client.delete_workspace(DeleteWorkspaceRequest(workspace_id="0"))


def test_a_running_notebook_lease_is_renewed_and_read_back(client):
    client.renew_lease(RenewLeaseRequest(id=RUNNING_NOTEBOOK, body={"duration": 7_200_000, "type": "TIMING"}))
    lease = client.show_lease(ShowLeaseRequest(id=RUNNING_NOTEBOOK))
    assert lease.duration == 7_200_000 and lease.enable is True
    with pytest.raises(ClientRequestException):
        client.renew_lease(RenewLeaseRequest(id=STOPPED_NOTEBOOK, body={"duration": 7_200_000}))


def test_switchable_flavors_and_every_users_notebooks(client):
    flavors = client.show_switchable_flavors(ShowSwitchableFlavorsRequest(id=STOPPED_NOTEBOOK))
    assert flavors.flavors is not None
    every = client.list_all_notebooks(ListAllNotebooksRequest())
    assert {n.id for n in every.data} >= {RUNNING_NOTEBOOK, STOPPED_NOTEBOOK}


def test_a_training_job_description_changes_and_an_authorization_is_removed(client):
    client.change_training_job_description(
        ChangeTrainingJobDescriptionRequest(training_job_id=COMPLETED_JOB, body={"description": "from the sdk"})
    )
    job = client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=COMPLETED_JOB))
    assert job.metadata.description == "from the sdk"
    client.delete_authorizations(DeleteAuthorizationsRequest(user_id="all"))
    with pytest.raises(ClientRequestException):
        client.delete_authorizations(DeleteAuthorizationsRequest(user_id="all"))
