"""The emulator answers the OFFICIAL Alibaba Cloud Python SDKs.

Starts `skillgate emulator --listen 127.0.0.1:0` (binary from $SKILLGATE_BIN, default
target/debug/skillgate), reads its one JSON startup line, points the official PAI Studio
and AIWorkSpace clients at it and calls the quota skill's operations. This proves the
emulator verifies the SDK's own ACS3 signatures (which sign user-agent and accept too),
parses its request shapes (NodeSpec as {"Type", "Count"}) and answers in shapes its
response models read.

Run: scripts/install-test-deps && pytest tests/python
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from alibabacloud_aiworkspace20210204 import models as ws_models
from alibabacloud_aiworkspace20210204.client import Client as WorkspaceClient
from alibabacloud_paistudio20220112 import models as pai_models
from alibabacloud_paistudio20220112.client import Client as PaiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config

REPO = Path(__file__).resolve().parents[2]

QUOTA_TEAM_ROOT = "quotateamroot0001"
QUOTA_TEAM_A = "quotateama0000001"
RG_TRAIN_A10 = "rgtraina10main0001"
RG_TRAIN_A10_EXTRA = "rgtraina10extra001"
C8G1 = "ecs.gn7i-c8g1.2xlarge"
C16G1 = "ecs.gn7i-c16g1.4xlarge"


# `emulator` (a standalone `skillgate emulator`, one per module) comes from conftest.py.


def _config(info: dict, secret: str | None = None) -> Config:
    endpoint = info["endpoint"].removeprefix("http://")
    return Config(
        access_key_id=info["alibaba"]["access_key_id"],
        access_key_secret=secret or info["alibaba"]["access_key_secret"],
        endpoint=endpoint,
        protocol="http",
        region_id="cn-hangzhou",
    )


@pytest.fixture(scope="module")
def pai(emulator) -> PaiClient:
    return PaiClient(_config(emulator))


@pytest.fixture(scope="module")
def workspaces(emulator) -> WorkspaceClient:
    return WorkspaceClient(_config(emulator))


def test_list_quotas(pai):
    body = pai.list_quotas(pai_models.ListQuotasRequest(page_number=1, page_size=20, verbose=True)).body
    assert body.total_count == 3
    names = [q.quota_name for q in body.quotas]
    assert "team-root" in names and "team-a" in names
    team_a = next(q for q in body.quotas if q.quota_id == QUOTA_TEAM_A)
    assert team_a.parent_quota_id == QUOTA_TEAM_ROOT
    assert team_a.min.node_specs[0].type == C8G1
    assert team_a.quota_details.used_quota.gpu == "2"
    roots = pai.list_quotas(pai_models.ListQuotasRequest(parent_quota_id="")).body
    assert {q.quota_name for q in roots.quotas} == {"team-root", "lingjun-pretrain"}


def test_get_quota(pai):
    body = pai.get_quota(QUOTA_TEAM_A, pai_models.GetQuotaRequest(verbose=True)).body
    assert body.quota_name == "team-a"
    assert body.resource_type == "ECS"
    assert body.status == "Enabled"
    assert body.min.node_specs[0].count == 3
    assert body.quota_config.user_vpc.vpc_id.startswith("vpc-")
    assert body.workspaces[0].workspace_name == "llm-research"
    assert body.request_id


def test_get_missing_quota_is_not_found(pai):
    with pytest.raises(ClientException) as err:
        pai.get_quota("quotamissing0001", pai_models.GetQuotaRequest())
    assert err.value.code == "QuotaNotFound"
    assert err.value.status_code == 404


def test_list_resource_groups(pai):
    body = pai.list_resource_groups(pai_models.ListResourceGroupsRequest(name="train-a10")).body
    assert body.total_count == 2
    assert {g.resource_group_id for g in body.resource_groups} == {RG_TRAIN_A10, RG_TRAIN_A10_EXTRA}
    assert all(g.user_vpc.vpc_id == body.resource_groups[0].user_vpc.vpc_id for g in body.resource_groups)


def test_list_node_types(pai):
    request = pai_models.ListNodeTypesRequest(resource_group_ids=f"{RG_TRAIN_A10},{RG_TRAIN_A10_EXTRA}")
    body = pai.list_node_types(request).body
    stats = {s.node_type: (s.total_count, s.can_be_bound_count) for s in body.statistics}
    assert stats[C8G1] == (6, 2)
    assert stats[C16G1] == (4, 2)
    a10 = next(t for t in body.node_types if t.node_type == C8G1)
    assert (a10.gputype, a10.cpu) == ("A10", "8")


def test_create_quota_with_the_sdk_node_spec_model(pai):
    label = f"sdk-{uuid.uuid4().hex[:8]}"
    request = pai_models.CreateQuotaRequest(
        quota_name="sdk-root",
        resource_type="ECS",
        allocate_strategy="ByNodeSpecs",
        resource_group_ids=[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA],
        min=pai_models.ResourceSpec(node_specs=[pai_models.NodeSpec(type=C16G1, count=1)]),
        labels=[pai_models.Label(key="skillgate.plan", value=label)],
    )
    created = pai.create_quota(request).body
    assert created.quota_id.startswith("quota")
    found = pai.list_quotas(pai_models.ListQuotasRequest(labels=f"skillgate.plan={label}")).body
    assert [q.quota_id for q in found.quotas] == [created.quota_id]
    quota = pai.get_quota(created.quota_id, pai_models.GetQuotaRequest()).body
    assert quota.status in ("Creating", "Initializing", "Enabled")


def test_create_quota_beyond_capacity_is_refused(pai):
    request = pai_models.CreateQuotaRequest(
        quota_name="too-big",
        resource_group_ids=[RG_TRAIN_A10, RG_TRAIN_A10_EXTRA],
        min=pai_models.ResourceSpec(node_specs=[pai_models.NodeSpec(type=C8G1, count=50)]),
    )
    with pytest.raises(ClientException) as err:
        pai.create_quota(request)
    assert err.value.code == "QuotaCapacityExceeded"


def test_list_workspaces(workspaces):
    body = workspaces.list_workspaces(ws_models.ListWorkspacesRequest(page_number=1, page_size=20)).body
    assert body.total_count == 2
    assert {w.workspace_name for w in body.workspaces} == {"llm-research", "vision-team"}


def test_list_workspace_resources(workspaces):
    body = workspaces.list_resources(ws_models.ListResourcesRequest(workspace_id="114207")).body
    assert body.resources[0].quotas[0].id == QUOTA_TEAM_A


def test_a_wrong_secret_is_signature_does_not_match(emulator):
    client = PaiClient(_config(emulator, secret="definitely-not-the-secret"))
    with pytest.raises(ClientException) as err:
        client.list_quotas(pai_models.ListQuotasRequest())
    assert err.value.code == "SignatureDoesNotMatch"
