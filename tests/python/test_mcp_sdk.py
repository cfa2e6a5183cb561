"""skillgate driven by the official Python `mcp` SDK as the client, over stdio and streamable HTTP.

The SDK validates `structuredContent` against each tool's `outputSchema`, so these runs also prove the
schemas are honest.
"""

import json

import pytest
from mcp import Client, StdioServerParameters

from conftest import clean_env

pytestmark = pytest.mark.anyio

SPECS = {"NodeSpecs": [{"NodeSpec": "ecs.gn7i-c8g1.2xlarge", "Count": 1}]}


def stdio(skillgate_bin, tmp_path, *extra):
    return StdioServerParameters(
        command=skillgate_bin,
        args=["serve", "--emulator", "--audit-log", str(tmp_path / "audit.jsonl"), *extra],
        env=clean_env(tmp_path),
    )


async def call(client, name, args):
    result = await client.call_tool(name, args)
    return result.is_error, result.structured_content, result.content[0].text if result.content else ""


async def test_plan_confirm_and_refusals_over_stdio(skillgate_bin, tmp_path):
    async with Client(stdio(skillgate_bin, tmp_path), mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"pai_quota_create_child", "confirm", "cancel", "list_plans"} <= names
        # Not listed by default, but reachable: a direct call by name works (search_tools finds it).
        assert "pai_quota_create_root" not in names

        error, plan, _ = await call(client, "pai_quota_create_root", {
            "quota_name": "py-team", "resource_group_ids": ["train-a10", "train-a10-extra"], "min": SPECS})
        assert not error
        assert plan["status"] == "confirmation_required"
        assert plan["confirm_phrase"] == "CONFIRM-CREATE py-team"
        body = plan["dry_run"][0]["body"]
        assert body["Min"] == {"NodeSpecs": [{"Type": "ecs.gn7i-c8g1.2xlarge", "Count": 1}]}
        assert body["ResourceType"] == "ECS"

        # Nothing exists before the confirmation.
        _, listing, _ = await call(client, "pai_quota_list", {"quota_name": "py-team"})
        assert all(q["quota_name"] != "py-team" for q in listing["quotas"])

        error, refused, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "yes"})
        assert error and refused["error"]["type"] == "confirmation_mismatch", text

        error, plan, _ = await call(client, "pai_quota_create_root", {
            "quota_name": "py-team", "resource_group_ids": ["train-a10", "train-a10-extra"], "min": SPECS})
        error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "CONFIRM-CREATE py-team"})
        assert not error, text
        assert done["status"] == "executed" and done["emulator"] is True
        quota_id = done["result"]["quota_id"]

        error, replay, _ = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "CONFIRM-CREATE py-team"})
        assert error and replay["error"]["type"] == "plan_not_pending"

        _, quota, _ = await call(client, "pai_quota_get", {"quota_id": quota_id})
        assert quota["quota_name"] == "py-team"

        error, bad, _ = await call(client, "pai_quota_update", {"quota_id": quota_id, "queue_strategy": "fifo"})
        assert error and bad["error"]["type"] == "invalid_enum"
        assert "PaiStrategyStrictFIFO" in bad["error"]["message"]

    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    decisions = [line["decision"] for line in lines]
    assert decisions.count("planned") == 2 and "executed" in decisions and "refused" in decisions


async def test_read_only_server_hides_and_refuses_writes(skillgate_bin, tmp_path):
    async with Client(stdio(skillgate_bin, tmp_path, "--read-only"), mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "pai_quota_list" in names
        assert not any(n in names for n in ("pai_quota_create_root", "pai_quota_delete", "confirm"))
        error, refused, _ = await call(client, "pai_quota_delete", {"quota_id": "quotateama0000001"})
        assert error and refused["error"]["type"] == "read_only"


async def test_scale_below_usage_needs_force_over_http(http_server):
    url, audit = http_server
    async with Client(url, mode="legacy") as client:
        error, plan, text = await call(client, "pai_quota_scale", {"quota_id": "quotateama0000001", "min": SPECS})
        assert not error, text
        assert plan["confirm_phrase"] == "CONFIRM-FORCE quotateama0000001"
        error, refused, _ = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "CONFIRM quotateama0000001"})
        assert error and "CONFIRM-FORCE" in refused["error"]["message"]

        _, plan, _ = await call(client, "pai_quota_scale", {"quota_id": "quotateama0000001", "min": SPECS})
        error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "CONFIRM-FORCE quotateama0000001"})
        assert not error, text
        _, quota, _ = await call(client, "pai_quota_get", {"quota_id": "quotateama0000001"})
        assert quota["min"]["NodeSpecs"][0]["Count"] == 1
    assert "executed" in audit.read_text()


async def test_modern_protocol_client_gets_the_same_gate(skillgate_bin, tmp_path):
    """2026-07-28 requests carry no session: plans are bound to the principal instead."""
    async with Client(stdio(skillgate_bin, tmp_path), mode="auto") as client:
        error, plan, text = await call(client, "pai_quota_update", {"quota_id": "quotateamroot0001", "description": "from 2026"})
        assert not error, text
        error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": "CONFIRM quotateamroot0001"})
        assert not error and done["status"] == "executed", text


async def test_stateless_http_keys_plans_by_principal(skillgate_bin, tmp_path):
    """`--stateless`: no sessions for any generation; a plan made in one request is confirmed in
    the next because both come from the same principal."""
    import re
    import subprocess
    import time

    proc = subprocess.Popen(
        [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator", "--stateless",
         "--audit-log", "off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(tmp_path),
    )
    try:
        url = None
        deadline = time.time() + 30
        while time.time() < deadline and url is None:
            match = re.search(r"MCP endpoint (http://\S+/mcp)", proc.stderr.readline() or "")
            url = match.group(1) if match else None
        for mode in ("legacy", "2026-07-28"):
            async with Client(url, mode=mode) as client:
                error, plan, text = await call(client, "pai_quota_update",
                                               {"quota_id": "quotateamroot0001", "description": f"stateless {mode}"})
                assert not error, text
                error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
                assert not error and done["status"] == "executed", text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
