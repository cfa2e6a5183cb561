"""Shared fixtures: the skillgate binary, and a server over streamable HTTP on loopback."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def skillgate_bin() -> str:
    path = os.environ.get("SKILLGATE_BIN", str(ROOT / "target" / "debug" / "skillgate"))
    assert Path(path).exists(), f"build skillgate first (cargo build): {path} is missing"
    return path


@pytest.fixture
def anyio_backend():
    return "asyncio"


def clean_env(tmp_path: Path) -> dict:
    """An environment without real cloud credentials, so nothing can reach a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "SKILLGATE_"))}
    env["HOME"] = str(tmp_path)
    return env


@pytest.fixture
def http_server(skillgate_bin, tmp_path):
    """`skillgate serve --transport http --emulator` on an ephemeral loopback port."""
    audit = tmp_path / "audit.jsonl"
    proc = subprocess.Popen(
        [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator",
         "--audit-log", str(audit)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(tmp_path),
    )
    url = None
    deadline = time.time() + 30
    while time.time() < deadline and url is None:
        line = proc.stderr.readline()
        match = re.search(r"MCP endpoint (http://\S+/mcp)", line or "")
        if match:
            url = match.group(1)
    assert url, "the server did not report its endpoint"
    yield url, audit
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def emulator():
    """A standalone `skillgate emulator` on an ephemeral loopback port, one per test module; yields
    its startup line (endpoint and the demo accounts' credentials)."""
    binary = os.environ.get("SKILLGATE_BIN", str(ROOT / "target" / "debug" / "skillgate"))
    if not Path(binary).exists():
        pytest.fail(f"skillgate binary not found at {binary}; run `cargo build` or set SKILLGATE_BIN")
    proc = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the emulator printed no startup line")
        yield json.loads(line)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
