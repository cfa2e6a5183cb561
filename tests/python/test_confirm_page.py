"""The URL confirmation page (`--confirm-url`): the human reviews the exact request on a page this
server serves and types the phrase there; the link is one-time."""

import re
import subprocess
import time

import urllib.error
import urllib.parse
import urllib.request

import pytest
from mcp import Client, types

from conftest import clean_env

pytestmark = pytest.mark.anyio

QUOTA = "quotateamroot0001"


@pytest.fixture
def page_server(skillgate_bin, tmp_path):
    proc = subprocess.Popen(
        [skillgate_bin, "serve", "--transport", "http", "--listen", "127.0.0.1:0", "--emulator",
         "--confirm-url", "--audit-log", str(tmp_path / "audit.jsonl")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(tmp_path),
    )
    url = None
    deadline = time.time() + 30
    while time.time() < deadline and url is None:
        match = re.search(r"MCP endpoint (http://\S+/mcp)", proc.stderr.readline() or "")
        url = match.group(1) if match else None
    assert url
    yield url
    proc.terminate()
    proc.wait(timeout=10)


class Browser:
    """A person's browser, in the standard library: GET a page, POST its form."""

    @staticmethod
    def get(url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode()

    @staticmethod
    def post(url, data, origin=None):
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")
        request.add_header("Origin", origin or url.split("/confirm/")[0])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def phrase_on(page_html):
    return re.search(r'class="phrase"><code>([^<]+)</code>', page_html).group(1)


async def description(client):
    return (await client.call_tool("pai_quota_get", {"quota_id": QUOTA})).structured_content.get("description")


async def test_link_for_clients_without_url_elicitation(page_server):
    async with Client(page_server, mode="legacy") as client:
        result = await client.call_tool("pai_quota_update", {"quota_id": QUOTA, "description": "from the page"})
        assert not result.is_error
        pending = result.structured_content
        assert pending["status"] == "awaiting_human" and "phrase" not in str(pending).lower().replace("the phrase", "")
        link = pending["confirm_url"]
        page = Browser.get(link)
        assert '<span class="method">PUT</span>' in page
        assert "https://pai.cn-hangzhou.aliyuncs.com/api/v1/quotas/" + QUOTA in page
        assert await description(client) != "from the page"
        status, text = Browser.post(link, {"phrase": phrase_on(page), "action": "confirm"})
        assert status == 200 and "executed" in text
        assert await description(client) == "from the page"
        status, _ = Browser.post(link, {"phrase": phrase_on(page), "action": "confirm"})
        assert status == 404


async def test_wrong_phrase_or_foreign_origin_changes_nothing(page_server):
    async with Client(page_server, mode="legacy") as client:
        before = await description(client)
        link = (await client.call_tool("pai_quota_update", {"quota_id": QUOTA, "description": "x"})).structured_content["confirm_url"]
        status, _ = Browser.post(link, {"phrase": f"CONFIRM {QUOTA}", "action": "confirm"}, origin="https://evil.example")
        assert status == 403
        status, text = Browser.post(link, {"phrase": "yes", "action": "confirm"})
        assert "confirmation_mismatch" in text
        assert await description(client) == before


async def test_url_mode_elicitation_sends_the_link_to_the_human_not_the_model(page_server):
    seen = []

    async def human(context, params):
        seen.append(params)
        page = Browser.get(params.url)
        Browser.post(params.url, {"phrase": phrase_on(page), "action": "confirm"})
        return types.ElicitResult(action="accept")

    async with Client(page_server, mode="legacy", elicitation_callback=human) as client:
        result = await client.call_tool("pai_quota_update", {"quota_id": QUOTA, "description": "url mode"})
        assert not result.is_error, result.content[0].text
        assert result.structured_content["status"] == "executed"
        assert "confirm_url" not in result.structured_content and "/confirm/" not in str(result.structured_content)
        assert seen and seen[0].mode == "url"
        assert await description(client) == "url mode"
