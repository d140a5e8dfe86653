"""Backend B against a fake OpenAI-compatible server on loopback (scryon/analysis/relay.py)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from scaigrid.backends.relay import RelayClient
from scaigrid.errors import ScaigridError
from scryon.analysis.assemble import assemble
from scryon.analysis.relay import PROVIDER_FAILED, RelayAnalyzer
from scryon.analysis.schema import ANALYSIS_SCHEMA, SCHEMA_NAME, build_request

from tests.fakes import FakeOpenAI
from tests.scryon.known_calls import known_call

CONTENT: dict[str, Any] = {
    "summary": "They planned the phone launch.",
    "keyPoints": ["The budget is open."],
    "decisions": ["Go with the smaller agency."],
    "actionItems": [
        {
            "text": "Send the revised budget",
            "owner": "SPEAKER_00",
            "speaker": "SPEAKER_00",
            "kind": "COMMITMENT",
            "quote": "I'll send you the revised budget spreadsheet by Friday.",
            "dueDate": "2026-05-29",
            "dueText": "by Friday",
        }
    ],
    "topics": [{"label": "phone launch", "score": 0.9}],
    "questions": [{"text": "What about the launch date?", "speaker": "SPEAKER_00"}],
    "sentiment": [{"speaker": "SPEAKER_00", "score": 0.4, "label": "POSITIVE"}],
}


def _backend(fake: FakeOpenAI) -> RelayAnalyzer:
    return RelayAnalyzer(RelayClient(fake.base_url, fake.api_key, error_code=PROVIDER_FAILED), "fake-gpt")


def test_sends_the_schema_and_returns_the_structured_output(openai_fake: FakeOpenAI) -> None:
    openai_fake.chat_response = CONTENT
    call = known_call({"SPEAKER_00": "USER", "SPEAKER_01": "OTHER"})
    result = _backend(openai_fake).analyze(build_request(call))
    assert result.data == CONTENT and result.model == "fake-gpt"

    sent = openai_fake.requests[-1].json
    assert sent is not None
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == SCHEMA_NAME and fmt["json_schema"]["schema"] == ANALYSIS_SCHEMA
    assert sent["temperature"] == 0.0
    system, user = sent["messages"]
    assert "2026-05-27" in system["content"] and "Wednesday" in system["content"]
    assert "[00:12] SPEAKER_00: Yes, I can hear you." in user["content"]
    jsonschema.validate(result.data, ANALYSIS_SCHEMA)

    analysis = assemble(result.data, call, backend="scryon.relay", model=result.model)
    assert analysis.action_items[0].owner == "USER"
    assert analysis.talk_time[0].role == "USER"


@pytest.mark.parametrize("status", [500, 429, 401])
def test_provider_failure_is_coded(openai_fake: FakeOpenAI, status: int) -> None:
    openai_fake.fail_next(status)
    with pytest.raises(ScaigridError) as info:
        _backend(openai_fake).analyze(build_request(known_call()))
    assert info.value.code == PROVIDER_FAILED
    assert info.value.details["upstream_status"] == status


def test_wrong_key_is_a_provider_failure(openai_fake: FakeOpenAI) -> None:
    backend = RelayAnalyzer(RelayClient(openai_fake.base_url, "sk-wrong", error_code=PROVIDER_FAILED), "m")
    with pytest.raises(ScaigridError) as info:
        backend.analyze(build_request(known_call()))
    assert info.value.code == PROVIDER_FAILED and info.value.details["upstream_status"] == 401


def test_output_outside_the_schema_is_rejected_by_assembly(openai_fake: FakeOpenAI) -> None:
    openai_fake.chat_response = {"summary": "only this"}
    result = _backend(openai_fake).analyze(build_request(known_call()))
    with pytest.raises(ScaigridError) as info:
        assemble(result.data, known_call(), backend="scryon.relay", model="m")
    assert info.value.code == "analysis_invalid_output"
