"""The small default tool list and what reaches past it, with the official Python `mcp` SDK:
dynamic toolsets with `tools/list_changed` (a legacy session, and 2026-07-28 `subscriptions/listen`),
tool search and `call_tool` through the same gate, URL selection, and the default list against its
budget, read from the same figures `scripts/bench` prints (`skillgate tools --budget --json`)."""

import json
import subprocess

import anyio
import pytest
from mcp import Client, StdioServerParameters, types

from conftest import clean_env
from test_remote_http import Server

pytestmark = pytest.mark.anyio

GATE = ["confirm", "cancel", "list_plans"]


def stdio(skillgate_bin, tmp_path, *extra):
    return StdioServerParameters(
        command=skillgate_bin,
        args=["serve", "--emulator", "--audit-log", str(tmp_path / "audit.jsonl"), *extra],
        env=clean_env(tmp_path),
    )


def budget(skillgate_bin):
    """What `scripts/bench` prints about the tool lists."""
    out = subprocess.run([skillgate_bin, "tools", "--budget", "--json"], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def catalog(skillgate_bin):
    out = subprocess.run([skillgate_bin, "tools", "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def compact_bytes(tools):
    """The `tools` array as compact JSON, the way the benchmark and the budget measure it."""
    dumped = [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]
    return len(json.dumps(dumped, separators=(",", ":"), ensure_ascii=False).encode())


async def names_of(client):
    return [tool.name for tool in (await client.list_tools()).tools]


async def test_enabling_a_toolset_notifies_a_legacy_session_and_lists_its_tools(skillgate_bin, tmp_path):
    changed = anyio.Event()

    async def on_message(message):
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    params = stdio(skillgate_bin, tmp_path, "--dynamic-toolsets")
    async with Client(params, mode="legacy", message_handler=on_message) as client:
        before = await names_of(client)
        assert "pai_quota_get_workspace" not in before
        assert {"list_toolsets", "enable_toolset", "disable_toolset", "search_tools"} <= set(before)
        toolsets = (await client.call_tool("list_toolsets", {})).structured_content["toolsets"]
        extra = next(t for t in toolsets if t["name"] == "pai-quota-extra")
        assert extra == {"name": "pai-quota-extra", "title": extra["title"], "description": extra["description"],
                         "tools": 2, "listed": 0, "enabled": False}

        result = await client.call_tool("enable_toolset", {"name": "pai-quota-extra"})
        assert not result.is_error, result.content
        assert result.structured_content["list_changed"] is True
        with anyio.fail_after(10):
            await changed.wait()
        after = await names_of(client)
        assert {"pai_quota_get_workspace", "pai_quota_update_workspace_resource"} <= set(after)
        # A newly listed tool answers.
        workspace = await client.call_tool("pai_quota_get_workspace", {"workspace_id": "114207"})
        assert not workspace.is_error, workspace.content
        assert workspace.structured_content["workspace_id"] == "114207"

        # Disabling takes them out again (and says so); a second disable changes nothing.
        changed = anyio.Event()
        result = await client.call_tool("disable_toolset", {"name": "pai-quota-extra"})
        assert result.structured_content["list_changed"] is True
        with anyio.fail_after(10):
            await changed.wait()
        assert "pai_quota_get_workspace" not in await names_of(client)
        again = await client.call_tool("disable_toolset", {"name": "pai-quota-extra"})
        assert again.structured_content["list_changed"] is False
        unknown = await client.call_tool("enable_toolset", {"name": "nope"})
        assert unknown.is_error and unknown.structured_content["error"]["type"] == "not_found"


async def test_a_stateless_client_hears_the_change_through_listen_and_lists_are_per_principal(
        skillgate_bin, tmp_path):
    server = Server(skillgate_bin, tmp_path, "--dynamic-toolsets", "--auth-token", "py-econ-token")
    url = server.base + "/mcp"
    headers = {"Authorization": "Bearer py-econ-token"}
    try:
        from mcp.client.streamable_http import streamable_http_client
        import httpx2

        async with httpx2.AsyncClient(headers=headers) as http:
            async with Client(streamable_http_client(url, http_client=http), mode="2026-07-28") as client:
                assert "pai_quota_get_workspace" not in await names_of(client)
                async with client.listen(tools_list_changed=True) as subscription:
                    result = await client.call_tool("enable_toolset", {"name": "pai-quota-extra"})
                    assert result.structured_content["list_changed"] is True
                    with anyio.fail_after(10):
                        async for _event in subscription:
                            break
                assert "pai_quota_get_workspace" in await names_of(client)
            # The list belongs to the principal: a later stateless connection with the same token
            # sees it, while a legacy session (its own list) starts from the default.
            async with Client(streamable_http_client(url, http_client=http), mode="2026-07-28") as again:
                assert "pai_quota_get_workspace" in await names_of(again)
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as session:
                assert "pai_quota_get_workspace" not in await names_of(session)
    finally:
        server.stop()


async def test_search_finds_a_destructive_tool_and_call_tool_plans_it_and_refuses_a_wrong_phrase(
        skillgate_bin, tmp_path):
    async with Client(stdio(skillgate_bin, tmp_path), mode="legacy") as client:
        listed = await names_of(client)
        assert "pai_quota_detach_workspace" not in listed
        found = (await client.call_tool("search_tools", {"query": "unbind a quota from a workspace"})
                 ).structured_content["matches"]
        detach = next(m for m in found if m["name"] == "pai_quota_detach_workspace")
        assert detach["annotations"]["destructiveHint"] is True
        assert detach["confirm_phrase"] == "CONFIRM {quota_id}"
        assert detach["listed"] is False
        assert set(detach["inputSchema"]["required"]) == {"workspace_id", "quota_id"}

        # Bind first (through call_tool too), so there is a binding without workloads to detach.
        plan = (await client.call_tool("call_tool", {"name": "pai_quota_attach_workspace", "arguments": {
            "workspace_id": "114208", "quota_id": "quotateamroot0001"}})).structured_content
        done = await client.call_tool("call_tool", {"name": "confirm", "arguments": {
            "plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}})
        assert done.structured_content["status"] == "executed", done.content

        plan = await client.call_tool("call_tool", {"name": "pai_quota_detach_workspace", "arguments": {
            "workspace_id": "114208", "quota_id": "quotateamroot0001"}})
        assert not plan.is_error, plan.content
        plan = plan.structured_content
        assert plan["status"] == "confirmation_required"
        assert plan["confirm_phrase"] == "CONFIRM quotateamroot0001"
        refused = await client.call_tool("call_tool", {"name": "confirm", "arguments": {
            "plan_id": plan["plan_id"], "phrase": "CONFIRM quotateama0000001"}})
        assert refused.is_error
        assert refused.structured_content["error"]["type"] == "confirmation_mismatch"
        # The binding is still there: nothing changed.
        bound = (await client.call_tool("call_tool", {"name": "pai_quota_list_workspace_resources", "arguments": {
            "workspace_id": "114208"}})).structured_content
        assert "quotateamroot0001" in json.dumps(bound)
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    planned = [line["tool"] for line in audit if line["decision"] == "planned"]
    assert planned == ["pai_quota_attach_workspace", "pai_quota_detach_workspace"]
    assert all(line["tool"] != "call_tool" for line in audit)
    assert any(line["tool"] == "confirm" and line["decision"] == "refused" for line in audit)


async def test_url_selection_lists_exactly_the_named_toolset(skillgate_bin, tmp_path):
    tools = catalog(skillgate_bin)
    extra = [t["name"] for t in tools if t["toolset"] == "pai-quota-extra"]
    pai_reads = [t["name"] for t in tools if t["toolset"] == "pai-quota" and t["effect"] == "read"]
    server = Server(skillgate_bin, tmp_path)
    try:
        async with Client(server.base + "/mcp/x/pai-quota-extra", mode="legacy") as client:
            assert await names_of(client) == GATE + extra
            # A toolset the URL does not select is not reached either.
            refused = await client.call_tool("pai_quota_list", {})
            assert refused.is_error and refused.structured_content["error"]["type"] == "not_found"
        async with Client(server.base + "/mcp/x/pai-quota/readonly", mode="2026-07-28") as client:
            assert await names_of(client) == pai_reads
            refused = await client.call_tool("pai_quota_delete", {"quota_id": "quotalingjun00001"})
            assert refused.is_error and refused.structured_content["error"]["type"] == "read_only"
        async with Client(server.base + "/mcp/readonly", mode="legacy") as client:
            names = await names_of(client)
            assert "search_tools" in names and not set(GATE) & set(names)
            found = (await client.call_tool("search_tools", {"query": "delete quota", "limit": 20})
                     ).structured_content["matches"]
            assert found and all(m["effect"] == "read" for m in found)
    finally:
        server.stop()
    audit = server.audit_lines()
    assert any(line["tool"] == "pai_quota_delete" and line["decision"] == "refused" for line in audit)
    assert not any(line["decision"] == "planned" for line in audit)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_the_default_list_is_within_the_budget_the_benchmark_prints(skillgate_bin, tmp_path, mode):
    figures = budget(skillgate_bin)
    assert figures["budget"] == {"tools": 40, "bytes": 15000}
    assert figures["default"]["tools"] <= figures["budget"]["tools"]
    assert figures["default"]["bytes"] <= figures["budget"]["bytes"]
    assert figures["default_dynamic"]["tools"] <= figures["budget"]["tools"]
    assert figures["default_dynamic"]["bytes"] <= figures["budget"]["bytes"]
    assert figures["catalog_tools"] == len([t for t in catalog(skillgate_bin) if t["toolset"] != "builtin"])
    for extra, key in [((), "default"), (("--dynamic-toolsets",), "default_dynamic")]:
        async with Client(stdio(skillgate_bin, tmp_path, *extra), mode=mode) as client:
            tools = (await client.list_tools()).tools
            assert len(tools) == figures[key]["tools"], key
            assert compact_bytes(tools) == figures[key]["bytes"], key
    for toolset in figures["toolsets"]:
        async with Client(stdio(skillgate_bin, tmp_path, "--toolsets", toolset["name"]), mode=mode) as client:
            tools = (await client.list_tools()).tools
            assert len(tools) == toolset["list"]["tools"], toolset["name"]
            assert compact_bytes(tools) == toolset["list"]["bytes"], toolset["name"]
