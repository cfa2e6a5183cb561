"""The ecs-extension install through the official Python `mcp` SDK: progress notifications while
`ecsext_wait_execution` follows the OOS execution, and, for a client that declares the Tasks
extension, the confirmed install as a task that stays `working` until the execution ends and whose
result carries the installation report."""

import json
import time

import pytest
from mcp import Client, StdioServerParameters

from conftest import clean_env
from test_task_isolation import Server, Session

pytestmark = pytest.mark.anyio

NODE = "ACS-Extension-node-1853370294850618"
WEB_02 = "i-bp1c215ekaig04d4edao"
# Executions take 60 emulated seconds (2 s here); the skill's 20 s cadence runs as 200 ms.
FAST = ["--emulator-time-scale", "30", "--operation-time-scale", "0.01", "--wait-timeout", "8s"]


def install_args():
    return {"region_id": "cn-hangzhou", "instance_ids": [WEB_02], "package_name": NODE,
            "parameters": {"version": "20"}}


async def test_waiting_reports_progress_until_the_report(skillgate_bin, tmp_path):
    params = StdioServerParameters(command=skillgate_bin,
                                   args=["serve", "--emulator", "--audit-log", "off", *FAST],
                                   env=clean_env(tmp_path))
    steps = []

    async def on_progress(progress, total, message):
        steps.append((progress, message))

    async with Client(params, mode="legacy") as client:
        plan = await client.call_tool("ecsext_install", install_args())
        assert not plan.is_error, plan.content[0].text
        plan = plan.structured_content
        assert plan["confirm_phrase"] == f"CONFIRM-INSTALL {NODE}"
        done = await client.call_tool("confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
        assert not done.is_error, done.content[0].text
        execution_id = done.structured_content["result"]["execution_id"]
        operation_id = done.structured_content["operation"]["operation_id"]
        answer = None
        for _ in range(10):
            result = await client.call_tool("ecsext_wait_execution",
                                            {"region_id": "cn-hangzhou", "execution_id": execution_id},
                                            progress_callback=on_progress)
            assert not result.is_error, result.content[0].text
            answer = result.structured_content
            if answer["operation_status"] != "running":
                break
        assert answer["operation_status"] == "succeeded", answer
        assert answer["report"]["status"] == "Success", answer
        messages = [m for _, m in steps]
        assert any(operation_id in (m or "") for m in messages), messages
        assert [p for p, _ in steps] == sorted(p for p, _ in steps)


def test_a_tasks_client_gets_the_install_as_a_task(skillgate_bin, tmp_path):
    server = Server(skillgate_bin, tmp_path, *FAST)
    try:
        client = Session(server.url)
        plan = client.request("tools/call", {"name": "ecsext_install", "arguments": install_args()})
        plan = plan["result"]["structuredContent"]
        assert plan["status"] == "confirmation_required", plan
        created = client.request("tools/call", {"name": "confirm", "arguments": {
            "plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}})["result"]
        task_id = created.get("taskId") or created["task"]["taskId"]
        seen_working = False
        deadline = time.time() + 60
        while True:
            got = client.request("tasks/get", {"taskId": task_id})["result"]
            if got["status"] == "working":
                seen_working = True
            else:
                break
            assert time.time() < deadline, got
            time.sleep(0.2)
        assert seen_working, "the task stays working while the execution runs"
        assert got["status"] == "completed", got
        text = json.dumps(got)
        assert '"executed"' in text and '"succeeded"' in text, got
        assert '"Success"' in text, "the task's result carries the installation report"
    finally:
        server.stop()
