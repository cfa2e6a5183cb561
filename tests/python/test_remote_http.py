"""Remote clients with the official Python `mcp` SDK: the legacy HTTP+SSE transport (`/sse` +
`/message`), bearer auth on it and on streamable HTTP (`/mcp`), and per-session isolation of plans
across sessions and transports."""

import json
import re
import subprocess
import time
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp import Client, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from conftest import clean_env

pytestmark = pytest.mark.anyio

ROOT_QUOTA = "quotateamroot0001"
TOKEN = "py-remote-token-5b7e1d0c93"


class Server:
    """`skillgate serve --transport http --emulator` on an ephemeral loopback port."""

    def __init__(self, skillgate_bin, tmp_path, *extra):
        self.audit = tmp_path / "audit.jsonl"
        self.log = tmp_path / "stderr.log"
        env = clean_env(tmp_path)
        env["SKILLGATE_LOG"] = "debug"  # the token must stay out of even the noisiest logs
        self._stderr = open(self.log, "w")
        self.proc = subprocess.Popen(
            [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator",
             "--audit-log", str(self.audit), *extra],
            stdout=subprocess.DEVNULL, stderr=self._stderr, env=env,
        )
        deadline = time.time() + 30
        self.base = None
        while self.base is None:
            match = re.search(r"MCP endpoint (http://\S+)/mcp", self.log.read_text())
            if match:
                self.base = match.group(1)
            elif self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"the server did not report its endpoint:\n{self.log.read_text()}")
            else:
                time.sleep(0.02)

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._stderr.close()
        return self.log.read_text()

    def audit_lines(self):
        return [json.loads(line) for line in self.audit.read_text().splitlines()]


@pytest.fixture
def start_server(skillgate_bin, tmp_path):
    servers = []

    def start(*extra):
        server = Server(skillgate_bin, tmp_path, *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.stop()


@asynccontextmanager
async def connect(server, transport, token=None, on_session_created=None, seen=None, **client_options):
    """A `Client` over `transport` ("sse" or "http"), sending `token` as a bearer token. Over
    streamable HTTP the status of every response is appended to `seen`: the SDK reports a refused
    request as a JSON-RPC error without its status."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    if transport == "sse":
        streams = sse_client(f"{server.base}/sse", headers=headers, on_session_created=on_session_created)
        async with Client(streams, mode="legacy", **client_options) as client:
            yield client
    else:
        async def record(response):
            if seen is not None:
                seen.append(response.status_code)

        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300),
                                      event_hooks={"response": [record]}) as http:
            async with Client(streamable_http_client(f"{server.base}/mcp", http_client=http),
                              mode="legacy", **client_options) as client:
                yield client


async def call(client, name, args):
    result = await client.call_tool(name, args)
    return result.is_error, result.structured_content, result.content[0].text if result.content else ""


async def plan_update(client, description):
    error, plan, text = await call(client, "pai_quota_update", {"quota_id": ROOT_QUOTA, "description": description})
    assert not error, text
    assert plan["status"] == "confirmation_required"
    assert plan["confirm_phrase"] == f"CONFIRM {ROOT_QUOTA}"
    return plan


def statuses(exc: BaseException):
    """HTTP status codes of every `HTTPStatusError` in `exc`, its exception groups and causes."""
    found, stack = [], [exc]
    while stack:
        e = stack.pop()
        if isinstance(e, httpx2.HTTPStatusError):
            found.append(e.response.status_code)
        stack.extend(getattr(e, "exceptions", ()))
        stack.extend(x for x in (e.__cause__, e.__context__) if x is not None)
    return found


async def test_legacy_sse_client_lists_tools_and_runs_plan_and_confirm(start_server):
    server = start_server()
    sessions = []
    async with connect(server, "sse", on_session_created=sessions.append) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"pai_quota_scale", "search_tools", "confirm", "cancel", "list_plans"} <= names

        plan = await plan_update(client, "via sse")
        error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
        assert not error, text
        assert done["status"] == "executed"
        _, quota, _ = await call(client, "pai_quota_get", {"quota_id": ROOT_QUOTA})
        assert quota["description"] == "via sse"

    # The plan was bound to the SSE session: its id is the one the audit records.
    assert len(sessions) == 1 and re.fullmatch(r"[0-9a-f]{32}", sessions[0])
    executed = [line for line in server.audit_lines() if line["decision"] == "executed"]
    assert [line["session"] for line in executed] == sessions
    assert executed[0]["principal"] == "local"


@pytest.mark.parametrize("transport", ["sse", "http"])
async def test_a_human_confirms_through_elicitation(start_server, transport):
    """Server-to-client requests (elicitation) travel on an SSE stream (legacy: the session's; streamable
    HTTP: the stream of the tool call that asked), answers come back by POST."""
    server = start_server()
    shown = []

    async def human(context, params: types.ElicitRequestParams):
        shown.append(params.message)
        phrase = params.message.rsplit("type exactly: ", 1)[1].strip()
        return types.ElicitResult(action="accept", content={"phrase": phrase})

    async with connect(server, transport, elicitation_callback=human) as client:
        error, done, text = await call(client, "pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "elicited"})
        assert not error, text
        assert done["status"] == "executed"
    assert shown and f"CONFIRM {ROOT_QUOTA}" in shown[0]


@pytest.mark.parametrize("owner,other", [("sse", "sse"), ("http", "http"), ("sse", "http"), ("http", "sse")])
async def test_a_plan_is_confirmed_only_from_its_own_session(start_server, owner, other):
    server = start_server()
    async with connect(server, owner) as alice, connect(server, other) as mallory:
        plan = await plan_update(alice, f"from {owner}")

        # Another session neither sees the plan nor can confirm or cancel it, even with the phrase.
        _, listed, _ = await call(mallory, "list_plans", {})
        assert all(p["plan_id"] != plan["plan_id"] for p in listed["plans"])
        for tool, args in [("confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}),
                           ("cancel", {"plan_id": plan["plan_id"]})]:
            error, refused, text = await call(mallory, tool, args)
            assert error, text
            assert refused["error"]["type"] == "plan_not_found", text

        # Its owner still can.
        _, listed, _ = await call(alice, "list_plans", {})
        assert any(p["plan_id"] == plan["plan_id"] for p in listed["plans"])
        error, done, text = await call(alice, "confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
        assert not error, text
        assert done["status"] == "executed"
    decisions = [line["decision"] for line in server.audit_lines()]
    assert decisions.count("executed") == 1


@pytest.mark.parametrize("transport", ["sse", "http"])
async def test_bearer_auth_with_the_python_client(start_server, transport):
    server = start_server("--auth-token", TOKEN)
    async with connect(server, transport, token=TOKEN) as client:
        plan = await plan_update(client, f"authenticated {transport}")
        error, done, text = await call(client, "confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
        assert not error, text
        assert done["status"] == "executed"

    for token in (None, "wrong-token"):
        seen = []
        with pytest.raises(BaseException) as refused:
            async with connect(server, transport, token=token, seen=seen) as client:
                await client.list_tools()
        assert 401 in statuses(refused.value) + seen, repr(refused.value)
        assert 200 not in seen and 202 not in seen

    principals = {line["principal"] for line in server.audit_lines()}
    assert principals and all(p.startswith("token:") for p in principals)
    stderr = server.stop()
    assert TOKEN not in stderr
    assert TOKEN not in server.audit.read_text()
