"""Confirmation by the human through the client: elicitation (2025-06-18..2025-11-25) and
input-required results (2026-07-28), driven by the official Python `mcp` SDK."""

import pytest
from mcp import Client, StdioServerParameters, types

from conftest import clean_env

pytestmark = pytest.mark.anyio

ROOT_QUOTA = "quotateamroot0001"


def server(skillgate_bin, tmp_path, *extra):
    return StdioServerParameters(
        command=skillgate_bin,
        args=["serve", "--emulator", "--audit-log", str(tmp_path / "audit.jsonl"), *extra],
        env=clean_env(tmp_path),
    )


class Human:
    """Answers confirmation forms like a person would, and remembers what was shown."""

    def __init__(self, answer):
        self.answer = answer
        self.shown = []

    async def __call__(self, context, params: types.ElicitRequestParams):
        self.shown.append(params.message)
        return self.answer(params)


def types_phrase(params):
    phrase = params.message.rsplit("type exactly: ", 1)[1].strip()
    return types.ElicitResult(action="accept", content={"phrase": phrase})


def declines(_params):
    return types.ElicitResult(action="decline")


def types_yes(_params):
    return types.ElicitResult(action="accept", content={"phrase": "yes"})


async def description(client):
    result = await client.call_tool("pai_quota_get", {"quota_id": ROOT_QUOTA})
    return result.structured_content.get("description")


@pytest.mark.parametrize("mode", ["legacy", "auto", "2026-07-28"])
async def test_the_human_types_the_phrase_and_the_change_happens(skillgate_bin, tmp_path, mode):
    human = Human(types_phrase)
    async with Client(server(skillgate_bin, tmp_path), mode=mode, elicitation_callback=human) as client:
        result = await client.call_tool("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": f"via {mode}"})
        assert not result.is_error, result.content[0].text
        assert result.structured_content["status"] == "executed"
        assert await description(client) == f"via {mode}"
        # The human saw the request itself, not a paraphrase.
        assert "PUT https://pai.cn-hangzhou.aliyuncs.com/api/v1/quotas/quotateamroot0001" in human.shown[0]
        assert f"CONFIRM {ROOT_QUOTA}" in human.shown[0]
        # The model never holds a pending plan it could confirm itself.
        plans = (await client.call_tool("list_plans", {})).structured_content["plans"]
        assert plans == []


@pytest.mark.parametrize("mode", ["legacy", "auto", "2026-07-28"])
@pytest.mark.parametrize("answer", [declines, types_yes], ids=["decline", "wrong-phrase"])
async def test_decline_or_a_wrong_phrase_changes_nothing(skillgate_bin, tmp_path, mode, answer):
    async with Client(server(skillgate_bin, tmp_path), mode=mode, elicitation_callback=Human(answer)) as client:
        before = await description(client)
        result = await client.call_tool("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "should not happen"})
        assert result.is_error
        assert result.structured_content["error"]["type"] in ("confirmation_declined", "confirmation_mismatch")
        assert await description(client) == before
    audit = (tmp_path / "audit.jsonl").read_text()
    assert '"decision":"executed"' not in audit


async def test_input_required_state_is_sealed_single_use_and_bound(skillgate_bin, tmp_path):
    async with Client(server(skillgate_bin, tmp_path), mode="2026-07-28",
                      elicitation_callback=Human(types_phrase)) as client:
        args = {"quota_id": ROOT_QUOTA, "description": "sealed"}
        first = await client.session.call_tool("pai_quota_update", args, allow_input_required=True)
        assert isinstance(first, types.InputRequiredResult), first
        state = first.request_state
        form = first.input_requests["confirm"]
        phrase = form.params.message.rsplit("type exactly: ", 1)[1].strip()
        answer = {"confirm": {"action": "accept", "content": {"phrase": phrase}}}

        tampered = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
        bad = await client.session.call_tool("pai_quota_update", args, input_responses=answer,
                                             request_state=tampered, allow_input_required=True)
        assert bad.is_error and bad.structured_content["error"]["type"] == "confirmation_state_invalid"

        other_args = {"quota_id": ROOT_QUOTA, "description": "something else"}
        bad = await client.session.call_tool("pai_quota_update", other_args, input_responses=answer,
                                             request_state=state, allow_input_required=True)
        assert bad.is_error and bad.structured_content["error"]["type"] == "confirmation_state_invalid"
        assert await description(client) != "something else"

        done = await client.session.call_tool("pai_quota_update", args, input_responses=answer,
                                              request_state=state, allow_input_required=True)
        assert not done.is_error and done.structured_content["status"] == "executed"

        replay = await client.session.call_tool("pai_quota_update", args, input_responses=answer,
                                                request_state=state, allow_input_required=True)
        assert replay.is_error and replay.structured_content["error"]["type"] == "confirmation_state_invalid"
        assert "already used" in replay.structured_content["error"]["message"]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_clients_without_elicitation_get_the_token_flow(skillgate_bin, tmp_path, mode):
    async with Client(server(skillgate_bin, tmp_path), mode=mode) as client:
        plan = (await client.call_tool("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "token"})).structured_content
        assert plan["status"] == "confirmation_required"
        done = await client.call_tool("confirm", {"plan_id": plan["plan_id"], "phrase": plan["confirm_phrase"]})
        assert not done.is_error


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_confirm_elicit_fails_closed_without_elicitation(skillgate_bin, tmp_path, mode):
    async with Client(server(skillgate_bin, tmp_path, "--confirm", "elicit"), mode=mode) as client:
        result = await client.call_tool("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "nope"})
        assert result.is_error and result.structured_content["error"]["type"] == "confirmation_unavailable"
        assert (await client.call_tool("list_plans", {})).structured_content["plans"] == []


async def test_token_mode_ignores_elicitation(skillgate_bin, tmp_path):
    human = Human(types_phrase)
    async with Client(server(skillgate_bin, tmp_path, "--confirm", "token"), mode="legacy",
                      elicitation_callback=human) as client:
        plan = (await client.call_tool("pai_quota_update", {"quota_id": ROOT_QUOTA, "description": "t"})).structured_content
        assert plan["status"] == "confirmation_required" and human.shown == []
