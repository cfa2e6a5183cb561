"""The emulator answers the OFFICIAL Alibaba Cloud OOS 2019-06-01 and ECS 2014-05-26 SDKs.

Starts `skillgate emulator --listen 127.0.0.1:0` (binary from $SKILLGATE_BIN, default
target/debug/skillgate), points the official OOS and ECS clients at it and walks the ECS
extension workflow: browse the public packages, read a package's installation parameters,
start an install with a ClientToken, follow it to its end, and check the instances, the
regions and Cloud Assistant. RPC calls travel as `POST /` with every parameter in the
query, signed with ACS3 by the SDK itself.

Run: scripts/install-test-deps && pytest tests/python
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_oos20190601 import models as oos_models
from alibabacloud_oos20190601.client import Client as OosClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config

REPO = Path(__file__).resolve().parents[2]

INSTALLER = "ACS-ECS-BulkyConfigureOOSPackageWithTemporaryURL"
NODE = "ACS-Extension-node-1853370294850618"
I_WEB_02 = "i-bp1c215ekaig04d4edao"
I_APP_01 = "i-bp1cwcyf7kspptwdmktk"
I_OPS_01 = "i-bp1kulm1ve9atr03cua0"
I_SH_APP_01 = "i-uf6y1rm05nhn6j84tnm4"


# `emulator` (a standalone `skillgate emulator`, one per module) comes from conftest.py.


def _config(info: dict, region: str = "cn-hangzhou") -> Config:
    return Config(
        access_key_id=info["alibaba"]["access_key_id"],
        access_key_secret=info["alibaba"]["access_key_secret"],
        endpoint=info["endpoint"].removeprefix("http://"),
        protocol="http",
        region_id=region,
    )


def _admin(info: dict, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        info["endpoint"] + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def oos(emulator) -> OosClient:
    return OosClient(_config(emulator))


@pytest.fixture(scope="module")
def ecs(emulator) -> EcsClient:
    return EcsClient(_config(emulator))


def test_list_templates_pages_through_the_public_packages(oos):
    names, token, pages = [], None, 0
    while True:
        request = oos_models.ListTemplatesRequest(
            region_id="cn-hangzhou", template_type="Package", share_type="Public", max_results=4, next_token=token
        )
        body = oos.list_templates(request).body
        pages += 1
        names += [t.template_name for t in body.templates]
        token = body.next_token
        if not token:
            break
    assert pages >= 3
    assert len(names) == len(set(names)) >= 10
    assert NODE in names and INSTALLER not in names
    node = oos.list_templates(oos_models.ListTemplatesRequest(template_name="-node-", template_type="Package")).body
    template = node.templates[0]
    assert (template.template_type, template.share_type, template.template_version) == ("Package", "Public", "v27")
    description = json.loads(template.description)
    assert description["name-en"] == "Node.js"
    assert description["categories"] and description["image"].startswith("https://")


def test_get_template_content_declares_the_installation_parameters(oos):
    body = oos.get_template(oos_models.GetTemplateRequest(region_id="cn-hangzhou", template_name=NODE)).body
    assert body.template.template_version == "v27"
    content = json.loads(body.content)
    version = content["Parameters"]["version"]
    assert version["Type"] == "String"
    assert version["AllowedValues"] == ["18", "20", "22"]
    assert version["Default"] in version["AllowedValues"]
    assert content["Tasks"], "Content carries its (data-only) tasks"
    older = oos.get_template(oos_models.GetTemplateRequest(template_name=NODE, template_version="v25")).body
    assert json.loads(older.content)["Parameters"]["version"]["AllowedValues"] == ["16", "18", "20"]
    with pytest.raises(ClientException) as err:
        oos.get_template(oos_models.GetTemplateRequest(template_name="ACS-Extension-nothing-1853370294850618"))
    assert (err.value.code, err.value.status_code) == ("TemplateNotFound", 404)


def _install_parameters(instance_ids: list[str], version: str = "20") -> str:
    return json.dumps(
        {
            "regionId": "cn-hangzhou",
            "OOSAssumeRole": "",
            "targets": {"ResourceIds": instance_ids, "RegionId": "cn-hangzhou", "Type": "ResourceIds"},
            "rateControl": {"Mode": "Concurrency", "Concurrency": 1, "MaxErrors": 0},
            "action": "install",
            "packageName": NODE,
            "parameters": {"version": version},
        }
    )


def test_start_execution_is_idempotent_and_runs_to_its_end(emulator, oos):
    _admin(emulator, "/_emulator/lifecycles", {"name": "oos.execution.run", "mode": "manual"})
    token = f"sdk-{uuid.uuid4().hex[:12]}"
    request = oos_models.StartExecutionRequest(
        region_id="cn-hangzhou",
        template_name=INSTALLER,
        mode="Automatic",
        tags={},
        parameters=_install_parameters([I_WEB_02, I_OPS_01]),
        client_token=token,
    )
    first = oos.start_execution(request).body.execution
    again = oos.start_execution(request).body.execution
    assert first.execution_id == again.execution_id and first.execution_id.startswith("exec-")
    assert first.status == "Running"
    assert json.loads(first.parameters)["packageName"] == NODE

    listed = oos.list_executions(oos_models.ListExecutionsRequest(template_name=INSTALLER, status="Running")).body
    assert [e.execution_id for e in listed.executions].count(first.execution_id) == 1

    _admin(emulator, "/_emulator/lifecycles/advance", {"id": first.execution_id})
    done = oos.list_executions(oos_models.ListExecutionsRequest(execution_id=first.execution_id)).body.executions[0]
    assert done.status == "Failed", "ops-01's Cloud Assistant is offline"
    assert done.end_date and "ClientNotRunning" in done.status_reason
    assert len(json.loads(done.outputs)["commandOutputs"]) == 2
    tasks = oos.list_task_executions(oos_models.ListTaskExecutionsRequest(execution_id=first.execution_id)).body
    by_instance = {t.loop_item: t for t in tasks.task_executions}
    assert by_instance[I_WEB_02].status == "Success"
    assert by_instance[I_OPS_01].status == "Failed" and by_instance[I_OPS_01].status_message
    states = oos.list_instance_package_states(
        oos_models.ListInstancePackageStatesRequest(region_id="cn-hangzhou", instance_id=I_WEB_02)
    ).body
    assert NODE in [s.template_name for s in states.package_states]
    _admin(emulator, "/_emulator/lifecycles", {"name": "oos.execution.run", "mode": "timed"})


def test_a_running_execution_can_be_cancelled_once(oos):
    started = oos.start_execution(
        oos_models.StartExecutionRequest(template_name=INSTALLER, parameters=_install_parameters([I_APP_01], "22"))
    ).body.execution
    oos.cancel_execution(oos_models.CancelExecutionRequest(execution_id=started.execution_id))
    cancelled = oos.list_executions(oos_models.ListExecutionsRequest(execution_id=started.execution_id)).body
    assert cancelled.executions[0].status == "Cancelled"
    with pytest.raises(ClientException) as err:
        oos.cancel_execution(oos_models.CancelExecutionRequest(execution_id=started.execution_id))
    assert err.value.code == "IncorrectExecutionStatus"


def test_invalid_install_parameters_are_refused(oos):
    with pytest.raises(ClientException) as err:
        oos.start_execution(
            oos_models.StartExecutionRequest(template_name=INSTALLER, parameters=_install_parameters([I_WEB_02], "23"))
        )
    assert err.value.code == "InvalidParameter"
    assert "18, 20, 22" in err.value.message


def test_describe_regions_and_instances(ecs):
    regions = ecs.describe_regions(ecs_models.DescribeRegionsRequest(accept_language="en-US")).body.regions.region
    by_id = {r.region_id: r for r in regions}
    assert by_id["cn-hangzhou"].local_name == "China (Hangzhou)"
    assert by_id["cn-hangzhou"].region_endpoint == "ecs-cn-hangzhou.aliyuncs.com"
    body = ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou", instance_ids=json.dumps([I_WEB_02, I_APP_01]))
    ).body
    assert body.total_count == 2
    assert {i.instance_id for i in body.instances.instance} == {I_WEB_02, I_APP_01}
    web = next(i for i in body.instances.instance if i.instance_id == I_WEB_02)
    assert (web.status, web.ostype, web.region_id) == ("Running", "linux", "cn-hangzhou")
    assert web.vpc_attributes.private_ip_address.ip_address
    stopped = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou", status="Stopped")).body
    assert [i.status for i in stopped.instances.instance] == ["Stopped"]
    shanghai = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id="cn-shanghai", max_results=2)).body
    assert shanghai.total_count == 4 and len(shanghai.instances.instance) == 2 and shanghai.next_token


def test_cloud_assistant_status_and_a_synthesised_version_check(ecs):
    request = ecs_models.DescribeCloudAssistantStatusRequest(region_id="cn-hangzhou", instance_id=[I_APP_01, I_OPS_01])
    statuses = ecs.describe_cloud_assistant_status(request).body.instance_cloud_assistant_status_set
    by_id = {s.instance_id: s.cloud_assistant_status for s in statuses.instance_cloud_assistant_status}
    assert by_id == {I_APP_01: "true", I_OPS_01: "false"}
    run = ecs.run_command(
        ecs_models.RunCommandRequest(
            region_id="cn-hangzhou", type="RunShellScript", command_content="node -v", instance_id=[I_APP_01]
        )
    ).body
    assert run.invoke_id.startswith("t-hz")
    results = ecs.describe_invocation_results(
        ecs_models.DescribeInvocationResultsRequest(region_id="cn-hangzhou", invoke_id=run.invoke_id)
    ).body.invocation.invocation_results.invocation_result
    assert results[0].instance_id == I_APP_01
    invocations = ecs.describe_invocations(
        ecs_models.DescribeInvocationsRequest(region_id="cn-hangzhou", invoke_id=run.invoke_id)
    ).body.invocations.invocation
    assert invocations[0].command_type == "RunShellScript"


def test_a_shanghai_instance_is_unknown_in_hangzhou(oos, emulator):
    with pytest.raises(ClientException) as err:
        oos.start_execution(
            oos_models.StartExecutionRequest(
                region_id="cn-hangzhou", template_name=INSTALLER, parameters=_install_parameters([I_SH_APP_01])
            )
        )
    assert (err.value.code, err.value.status_code) == ("EntityNotExists.Instance", 404)
    shanghai = OosClient(_config(emulator, "cn-shanghai"))
    params = json.loads(_install_parameters([I_SH_APP_01]))
    params["regionId"] = params["targets"]["RegionId"] = "cn-shanghai"
    started = shanghai.start_execution(
        oos_models.StartExecutionRequest(region_id="cn-shanghai", template_name=INSTALLER, parameters=json.dumps(params))
    ).body.execution
    assert started.status == "Running"
