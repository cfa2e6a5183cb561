"""Tasks (SEP-2663) are private: a task is readable only by the session (or principal) that created
it. tasks/get, tasks/update and tasks/cancel from another session, or from a sessionless request,
get exactly what an unknown task id gets. Raw JSON-RPC over streamable HTTP, so the wire shapes are
visible."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import clean_env

ROOT_QUOTA = "quotateamroot0001"
TASKS = {"io.modelcontextprotocol/tasks": {}}
LEGACY = "2025-11-25"
MODERN = "2026-07-28"


class Server:
    """`skillgate serve --transport http --emulator` on loopback, with `extra` flags."""

    def __init__(self, skillgate_bin, tmp_path, *extra):
        self.audit = tmp_path / "audit.jsonl"
        self.log = tmp_path / "stderr.log"
        self._stderr = open(self.log, "w")
        self.proc = subprocess.Popen(
            [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator",
             "--audit-log", str(self.audit), *extra],
            stdout=subprocess.DEVNULL, stderr=self._stderr, env=clean_env(tmp_path),
        )
        deadline = time.time() + 30
        self.url = None
        while self.url is None:
            match = re.search(r"MCP endpoint (http://\S+/mcp)", self.log.read_text())
            if match:
                self.url = match.group(1)
            elif self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"no endpoint:\n{self.log.read_text()}")
            else:
                time.sleep(0.02)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._stderr.close()


def post(url, message, session=None):
    """One JSON-RPC message; returns (reply or None, response headers)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if session:
        headers["Mcp-Session-Id"] = session
        headers["Mcp-Protocol-Version"] = LEGACY
    request = urllib.request.Request(url, data=json.dumps(message).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode()
            head = response.headers
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        head = error.headers
    if not body.strip():
        return None, head
    if body.lstrip().startswith("{"):
        return json.loads(body), head
    replies = [json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:") and line[5:].strip()]
    replies = [r for r in replies if r.get("id") == message.get("id")]
    return (replies[-1] if replies else None), head


class Session:
    """A legacy streamable-HTTP session that declared the Tasks extension at initialize."""

    def __init__(self, url):
        self.url = url
        self.next_id = 0
        reply, head = post(url, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": LEGACY, "capabilities": {"extensions": TASKS},
            "clientInfo": {"name": "task-isolation", "version": "0"}}})
        assert "result" in reply, reply
        self.session = head["mcp-session-id"]
        assert self.session
        post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, self.session)

    def request(self, method, params):
        self.next_id += 1
        reply, _ = post(self.url, {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params},
                        self.session)
        assert reply is not None, f"{method}: no reply"
        return reply


def sessionless(url, method, params):
    """A 2026-07-28 request: no session, the capabilities in `_meta`."""
    params = dict(params)
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": TASKS},
        "io.modelcontextprotocol/clientInfo": {"name": "task-isolation", "version": "0"},
    }
    reply, _ = post(url, {"jsonrpc": "2.0", "id": 99, "method": method, "params": params})
    assert reply is not None, f"{method}: no reply"
    return reply


def confirm_as_task(owner):
    plan = owner.request("tools/call", {"name": "pai_quota_update", "arguments": {
        "quota_id": ROOT_QUOTA, "description": "a private task"}})["result"]["structuredContent"]
    assert plan["status"] == "confirmation_required", plan
    created = owner.request("tools/call", {"name": "confirm", "arguments": {
        "plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]}})["result"]
    assert created.get("resultType") == "task" or "taskId" in created or "task" in created, created
    return created.get("taskId") or created["task"]["taskId"]


def wait_done(owner, task_id):
    deadline = time.time() + 30
    while True:
        got = owner.request("tasks/get", {"taskId": task_id})
        assert "result" in got, got
        if got["result"]["status"] not in ("working", "input_required"):
            return got["result"]
        assert time.time() < deadline, got
        time.sleep(0.2)


def unknown(reply, task_id):
    """The reply an unknown task id gets, with the id swapped back in."""
    assert "error" in reply, f"another caller could use the task: {reply}"
    return json.dumps(reply["error"]).replace(task_id, "<id>")


def test_a_task_is_visible_only_to_the_session_that_created_it(skillgate_bin, tmp_path):
    server = Server(skillgate_bin, tmp_path)
    try:
        alice, mallory = Session(server.url), Session(server.url)
        task_id = confirm_as_task(alice)
        never = "00000000-0000-4000-8000-000000000000"
        for method, params in [("tasks/get", {}), ("tasks/update", {"inputResponses": {}}), ("tasks/cancel", {})]:
            expected = unknown(mallory.request(method, {"taskId": never, **params}), never)
            # Another session, and a sessionless request of the same principal, learn nothing.
            assert unknown(mallory.request(method, {"taskId": task_id, **params}), task_id) == expected, method
            assert unknown(sessionless(server.url, method, {"taskId": task_id, **params}), task_id) \
                == unknown(sessionless(server.url, method, {"taskId": never, **params}), never), method
        for method in ("tasks/list", "tasks/result"):
            reply = mallory.request(method, {"taskId": task_id})
            assert task_id not in json.dumps(reply), reply
        # The owner still sees it, and it ran (the cancel from elsewhere was not applied).
        done = wait_done(alice, task_id)
        assert done["status"] == "completed", done
        assert '"executed"' in json.dumps(done)
        assert unknown(mallory.request("tasks/get", {"taskId": task_id}), task_id) \
            == unknown(mallory.request("tasks/get", {"taskId": never}), never)
    finally:
        server.stop()
