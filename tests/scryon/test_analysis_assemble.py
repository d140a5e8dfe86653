"""From backend content to the served analysis (scryon/analysis/assemble.py)."""

from __future__ import annotations

import msgspec
import pytest
from scaigrid.errors import ScaigridError
from scryon.analysis.assemble import assemble

from tests.scryon.known_calls import known_call

ROLES = {"SPEAKER_00": "USER", "SPEAKER_01": "OTHER"}


def _content(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "summary": "A launch call.",
        "keyPoints": ["Budget is open."],
        "decisions": [],
        "actionItems": [
            {
                "text": "Review the agency contract",
                "owner": "SPEAKER_00",
                "speaker": "SPEAKER_01",
                "kind": "REQUEST",
                "quote": "Can you also review the contract with the agency tomorrow?",
                "dueDate": None,
                "dueText": "tomorrow",
            },
            {
                "text": "Send the budget",
                "owner": "SPEAKER_00",
                "speaker": "SPEAKER_00",
                "kind": "COMMITMENT",
                "quote": "I will send you the revised budget spreadsheet by Friday",
                "dueDate": "2026-05-29",
                "dueText": "by Friday",
            },
        ],
        "topics": [{"label": "launch plan", "score": 0.5}],
        "questions": [{"text": "What about the launch date?", "speaker": "SPEAKER_00"}],
        "sentiment": [{"speaker": "SPEAKER_01", "score": -0.2, "label": "NEGATIVE"}],
    }
    base.update(overrides)
    return base


def test_roles_quotes_dates_and_metrics() -> None:
    analysis = assemble(_content(), known_call(ROLES), backend="scryon.relay", model="fake-model")
    review, send = analysis.action_items
    assert (review.owner, review.speaker) == ("USER", "SPEAKER_01")
    assert review.due_date.isoformat() == "2026-05-28"  # null date re-derived from the stated words
    assert 17.5 <= review.start < 24.0
    assert send.start >= 12.1  # a paraphrased quote is located by word overlap
    assert str(send.due_date) == "2026-05-29"
    assert analysis.questions[0].role == "USER" and analysis.questions[0].start > 24
    assert analysis.sentiment[0].role == "OTHER"
    assert {t.speaker: t.role for t in analysis.talk_time} == ROLES
    assert analysis.duration_seconds == 45.0 and analysis.overlap_seconds == 0.5
    wire = msgspec.to_builtins(analysis)
    assert wire["actionItems"][0]["dueDate"] == "2026-05-28"
    assert wire["backend"] == "scryon.relay"


def test_without_roles_owners_stay_labels_and_role_is_omitted() -> None:
    analysis = assemble(_content(), known_call(), backend="scryon.local", model="m")
    assert analysis.action_items[0].owner == "SPEAKER_00"
    wire = msgspec.to_builtins(analysis)
    assert "role" not in wire["talkTime"][0]


def test_role_null_means_looked_for_but_unknown() -> None:
    analysis = assemble(
        _content(), known_call({"SPEAKER_00": None, "SPEAKER_01": None}), backend="b", model="m"
    )
    wire = msgspec.to_builtins(analysis)
    assert wire["talkTime"][0]["role"] is None
    assert analysis.action_items[0].owner == "SPEAKER_00"


@pytest.mark.parametrize(
    "bad",
    [
        {"summary": 3},
        {"sentiment": [{"speaker": "A", "score": 4.0, "label": "NEUTRAL"}]},
        {"actionItems": [{"text": "x"}]},
        {"extra": True},
    ],
)
def test_data_outside_the_schema_is_a_coded_error(bad: dict[str, object]) -> None:
    with pytest.raises(ScaigridError) as info:
        assemble(_content(**bad), known_call(), backend="b", model="m")
    assert info.value.code == "analysis_invalid_output" and info.value.status_code == 502
