"""The emulator answers the OFFICIAL Alibaba Cloud FC 3.0 (2023-03-30) SDK, `alibabacloud-fc20230330`.

FC calls are ROA with `x-acs-action: anonymous`, so the emulator routes them by method and path. The
walk: CreateFunction (the SDK always sends `"tags": []`), GetFunction, ListFunctions by prefix, a sync
InvokeFunction whose payload is the raw body (`application/octet-stream`, hashed and signed like any
body), an async invoke followed through GetAsyncTask (its first read misses the task, as on the real
service), DeleteFunction, and a missing function as the SDK's ClientException `FunctionNotFound`.
Nothing the payload carries is run: the script executor's output is synthesised.

Run: scripts/install-test-deps && pytest tests/python/test_emulator_official_fc_sdk.py
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

REGION = "cn-hangzhou"
# The script-executor package of src/toolsets/compute/fc.rs (index.py runs the payload's script).
EXECUTOR_ZIP = (
    "UEsDBBQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAaW5kZXgucHldUNFqwzAMfM9XCD/FkLljlDI28hNjb2WUxFaXjMT2bHm0lP775DilUD/J0ulOd+PsXSDou4i7bQM/0dkGYup9cBpj5Pocq6oyeIShs2bCUOMfWmpAO0t4IvlWAT8hxEeyEWhAiDqMnpbSd+fJdQZ0F8KIEep15sKKOvS77TvQ2fPagNOUJ/5Mg7NSMefCHfAX2uU0lcliuSAje3G5CrmAVuI2o9U3Ui1KR8gFuPhTLGZQO4P1AyqfIRp2IaVaEYVWz4Y595yCwhPqRF0/IQOfNMPL7heMx7tqtsKabQui+BCAU0TYi00/2k0cxMP2IuNZ5J66CsnWrMwhd55SwINL5BO1nyGxeI79Vo4z8qwdLd0trU2WeHl9llKuITKRLSmaNPtYXwSeRjpks+INvCqI/OULI5lMkfulLD0M4dbj8iqrf1BLAQIUAxQAAAAIAAAAIVhdcFXdQwEAAEACAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABpAQAAAAA="
)

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
def fc(emulator) -> FcClient:
    return FcClient(_config(emulator))


def _payload(script: str) -> bytes:
    return json.dumps({"script": script, "type": "shell"}).encode()


def test_a_function_is_created_found_invoked_and_deleted(emulator, fc):
    created = fc.create_function(
        fc_models.CreateFunctionRequest(
            body=fc_models.CreateFunctionInput(
                function_name="sdk-fc-walk",
                runtime="python3.10",
                handler="index.handler",
                memory_size=512,
                cpu=0.35,
                timeout=300,
                disk_size=512,
                code=fc_models.InputCodeLocation(zip_file=EXECUTOR_ZIP),
            )
        )
    ).body
    assert created.function_name == "sdk-fc-walk"
    assert created.memory_size == 512
    assert created.function_arn.endswith(":functions/sdk-fc-walk")

    got = fc.get_function("sdk-fc-walk", fc_models.GetFunctionRequest()).body
    assert got.runtime == "python3.10"
    assert got.timeout == 300

    listed = fc.list_functions(fc_models.ListFunctionsRequest(prefix="sdk-fc-")).body
    assert [f.function_name for f in listed.functions] == ["sdk-fc-walk"]

    answer = fc.invoke_function(
        "sdk-fc-walk",
        fc_models.InvokeFunctionRequest(body=_payload("echo from sdk\nexit 0")),
    )
    assert answer.status_code == 200
    output = json.loads(answer.body.read())
    assert output["exit_code"] == 0
    assert output["stdout"] == "from sdk"

    fc.delete_function("sdk-fc-walk")
    with pytest.raises(ClientException) as missing:
        fc.get_function("sdk-fc-walk", fc_models.GetFunctionRequest())
    assert missing.value.code == "FunctionNotFound"


def test_an_async_invoke_is_followed_through_get_async_task(emulator, fc):
    fc.create_function(
        fc_models.CreateFunctionRequest(
            body=fc_models.CreateFunctionInput(
                function_name="sdk-fc-async",
                runtime="python3.10",
                handler="index.handler",
                memory_size=512,
                cpu=0.35,
                timeout=600,
                code=fc_models.InputCodeLocation(zip_file=EXECUTOR_ZIP),
            )
        )
    )
    config = fc.put_async_invoke_config(
        "sdk-fc-async",
        fc_models.PutAsyncInvokeConfigRequest(
            body=fc_models.PutAsyncInvokeConfigInput(async_task=True, max_async_retry_attempts=0)
        ),
    ).body
    assert config.async_task is True
    sent = fc.invoke_function_with_options(
        "sdk-fc-async",
        fc_models.InvokeFunctionRequest(body=_payload("echo later")),
        fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Async", x_fc_async_task_id="sdk-task-1"),
        RuntimeOptions(),
    )
    assert sent.status_code in (200, 202)

    # The first read right after the invoke misses the task (the skill tolerates it).
    with pytest.raises(ClientException) as early:
        fc.get_async_task("sdk-fc-async", "sdk-task-1", fc_models.GetAsyncTaskRequest())
    assert early.value.code == "AsyncTaskNotFound"
    _advance(emulator, 10)
    task = fc.get_async_task("sdk-fc-async", "sdk-task-1", fc_models.GetAsyncTaskRequest()).body
    assert task.status == "Succeeded"
    assert "later" in task.return_payload

    fc.delete_async_invoke_config("sdk-fc-async", fc_models.DeleteAsyncInvokeConfigRequest())
    fc.delete_function("sdk-fc-async")
