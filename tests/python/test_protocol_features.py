"""Protocol features beyond tools, through the official Python `mcp` SDK: progress and log
notifications, the skills served as resources, and every protocol generation on one binary."""

import json
import subprocess

import pytest
from mcp import Client, StdioServerParameters

from conftest import clean_env

pytestmark = pytest.mark.anyio


def server(skillgate_bin, tmp_path, *extra):
    return StdioServerParameters(
        command=skillgate_bin,
        args=["serve", "--emulator", "--audit-log", "off", *extra],
        env=clean_env(tmp_path),
    )


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_progress_notifications_follow_the_steps(skillgate_bin, tmp_path, mode):
    steps = []

    async def on_progress(progress, total, message):
        steps.append((progress, message))

    async with Client(server(skillgate_bin, tmp_path), mode=mode) as client:
        plan = await client.call_tool("pai_quota_scale", {
            "quota_id": "quotateamroot0001",
            "min": {"NodeSpecs": [{"NodeSpec": "ecs.gn7i-c8g1.2xlarge", "Count": 5},
                                  {"NodeSpec": "ecs.gn7i-c16g1.4xlarge", "Count": 2}]},
        }, progress_callback=on_progress)
        assert not plan.is_error, plan.content[0].text
        assert [m for _, m in steps][:2] == ["checking pai.load_quota", "checking pai.scale_resource_groups"]
        assert [p for p, _ in steps] == sorted(p for p, _ in steps)
        steps.clear()
        done = await client.call_tool("confirm", {"plan_id": plan.structured_content["plan_id"],
                                                  "phrase": plan.structured_content["confirm_phrase"]},
                                      progress_callback=on_progress)
        assert not done.is_error, done.content[0].text
        assert "sending ScaleQuota" in [m for _, m in steps]


async def test_log_messages_only_after_set_level(skillgate_bin, tmp_path):
    logs = []

    async def on_log(params):
        logs.append(params)

    async with Client(server(skillgate_bin, tmp_path), mode="legacy", logging_callback=on_log) as client:
        await client.call_tool("pai_quota_get", {"quota_id": "quotateamroot0001"})
        assert logs == []
        await client.set_logging_level("info")
        await client.call_tool("pai_quota_get", {"quota_id": "quotateamroot0001"})
        assert any(entry.logger == "skillgate" for entry in logs)
        logs.clear()
        await client.set_logging_level("error")
        await client.call_tool("pai_quota_get", {"quota_id": "quotateamroot0001"})
        assert logs == []


async def test_skill_texts_are_served_as_resources(skillgate_bin, tmp_path):
    async with Client(server(skillgate_bin, tmp_path, "--toolsets", "pai-quota"), mode="legacy") as client:
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        assert uris == ["skill://pai-quota/SKILL.md"], "only the reached toolsets' skills"
    async with Client(server(skillgate_bin, tmp_path), mode="legacy") as client:
        resources = (await client.list_resources()).resources
        uris = [str(r.uri) for r in resources]
        # Every reachable toolset's skill: with no --toolsets, every toolset is reachable.
        listing = subprocess.run([skillgate_bin, "tools", "--json"], capture_output=True, text=True, check=True)
        toolsets = sorted({tool["toolset"] for tool in json.loads(listing.stdout)} - {"builtin"})
        assert sorted(uris) == sorted(f"skill://{name}/SKILL.md" for name in toolsets)
        assert {"pai-quota", "pai-quota-extra", "ecs-extension"} <= set(toolsets)
        text = (await client.read_resource("skill://pai-quota/SKILL.md")).contents[0].text
        assert text.startswith("---\nname: pai-quota\n")
        assert "CONFIRM-FORCE" in text


@pytest.mark.parametrize("mode", ["legacy", "auto", "2026-07-28"])
async def test_every_protocol_generation_lists_and_calls_tools(skillgate_bin, tmp_path, mode):
    async with Client(server(skillgate_bin, tmp_path), mode=mode) as client:
        tools = (await client.list_tools()).tools
        # The default list: discovery, gate, and the default toolsets' core (tests/python/test_tool_economy.py
        # holds its size to the budget).
        names = {tool.name for tool in tools}
        assert {"search_tools", "call_tool", "confirm", "cancel", "list_plans", "pai_quota_list"} <= names
        result = await client.call_tool("pai_quota_list", {})
        assert result.structured_content["total_count"] >= 2
