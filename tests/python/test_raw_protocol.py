"""Protocol generations and the Tasks extension, spoken as raw JSON-RPC over stdio so that the exact
wire shapes are visible: 2024-11-05 and 2025-03-26 handshakes (older than any SDK default), and a
2026-07-28 client that declares the Tasks extension (SEP-2663)."""

import json
import subprocess
import time

import pytest

from conftest import clean_env

MODERN = "2026-07-28"


class RawClient:
    def __init__(self, skillgate_bin, tmp_path):
        self.proc = subprocess.Popen(
            [skillgate_bin, "serve", "--emulator", "--audit-log", str(tmp_path / "audit.jsonl")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env=clean_env(tmp_path),
        )
        self.next_id = 0

    def request(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            assert line, "the server closed stdout"
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                return reply

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def modern_meta(extensions=None):
    capabilities = {"extensions": extensions} if extensions else {}
    return {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "raw-test", "version": "0"},
    }


@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
def test_handshake_generations_are_served(skillgate_bin, tmp_path, version):
    client = RawClient(skillgate_bin, tmp_path)
    try:
        init = client.request("initialize", {
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}})
        assert init["result"]["protocolVersion"] == version
        client.notify("notifications/initialized")
        tools = client.request("tools/list")["result"]["tools"]
        assert any(t["name"] == "pai_quota_scale" for t in tools)
        plan = client.request("tools/call", {"name": "pai_quota_update",
                                             "arguments": {"quota_id": "quotateamroot0001", "description": version}})
        content = plan["result"]
        assert content.get("isError") is not True
        # structuredContent exists from 2025-06-18; the text copy is always there.
        payload = json.loads(content["content"][0]["text"])
        assert payload["status"] == "confirmation_required"
        done = client.request("tools/call", {"name": "confirm", "arguments": {
            "plan_id": payload["plan_id"], "phrase": payload["confirm_phrase"]}})
        assert json.loads(done["result"]["content"][0]["text"])["status"] == "executed"
    finally:
        client.close()


def test_modern_client_with_tasks_gets_a_task_for_the_execution(skillgate_bin, tmp_path):
    client = RawClient(skillgate_bin, tmp_path)
    try:
        tasks = {"io.modelcontextprotocol/tasks": {}}
        plan = client.request("tools/call", {"name": "pai_quota_update", "_meta": modern_meta(tasks),
                                             "arguments": {"quota_id": "quotateamroot0001", "description": "as a task"}})
        payload = plan["result"]["structuredContent"]
        assert payload["status"] == "confirmation_required"
        created = client.request("tools/call", {"name": "confirm", "_meta": modern_meta(tasks), "arguments": {
            "plan_id": payload["plan_id"], "phrase": payload["confirm_phrase"]}})["result"]
        assert created["resultType"] == "task", created
        task_id = created["taskId"]
        assert created["ttlMs"] >= 2 * 60 * 60 * 1000
        deadline = time.time() + 20
        while True:
            got = client.request("tasks/get", {"taskId": task_id, "_meta": modern_meta(tasks)})["result"]
            if got["status"] not in ("working", "input_required"):
                break
            assert time.time() < deadline, got
            time.sleep(0.2)
        assert got["status"] == "completed", got
        result = json.dumps(got)
        assert '"executed"' in result
    finally:
        client.close()
