"""Action items and decisions from rules + embeddings (scryon/analysis/actions.py)."""

from __future__ import annotations

import datetime as dt

from scryon.analysis.actions import extract_action_items, extract_decisions
from scryon.analysis.embedder import MiniLmEmbedder
from scryon.analysis.records import Utterance
from scryon.analysis.text import sentences_of

from tests.scryon.known_calls import CALL_DATE, known_utterances


def _items(embedder: MiniLmEmbedder, utterances: list[Utterance], ref: dt.date = CALL_DATE):
    return extract_action_items(sentences_of(utterances), embedder, ref)


def test_known_call_items_owners_and_dates(embedder: MiniLmEmbedder) -> None:
    items = _items(embedder, known_utterances())
    by_text = {i.text: i for i in items}
    assert list(by_text) == [
        "Send you the revised budget spreadsheet by Friday",
        "Review the contract with the agency tomorrow",
        "Schedule a follow-up meeting next Tuesday",
        "Finalize the press release on March 3rd",
    ]
    send = by_text["Send you the revised budget spreadsheet by Friday"]
    assert (send.kind, send.owner, send.speaker, send.due_date) == (
        "COMMITMENT",
        "SPEAKER_00",
        "SPEAKER_00",
        "2026-05-29",
    )
    review = by_text["Review the contract with the agency tomorrow"]
    # A request is owned by the person asked, not the one asking.
    assert (review.kind, review.owner, review.speaker, review.due_date) == (
        "REQUEST",
        "SPEAKER_00",
        "SPEAKER_01",
        "2026-05-28",
    )
    follow = by_text["Schedule a follow-up meeting next Tuesday"]
    assert (follow.kind, follow.due_date, follow.due_text) == ("PROPOSAL", "2026-06-02", "next Tuesday")
    assert by_text["Finalize the press release on March 3rd"].due_date == "2027-03-03"
    said = " ".join(u.text for u in known_utterances())
    assert all(i.quote in said for i in items)


def test_conversational_formulas_are_not_action_items(embedder: MiniLmEmbedder) -> None:
    utts = [
        Utterance(speaker="A", start=0, end=2, text="Can you hear me?"),
        Utterance(speaker="B", start=2, end=4, text="Let me think about it. I'll be honest with you."),
        Utterance(speaker="A", start=4, end=6, text="Let's go over the agenda. I'll do that."),
        Utterance(speaker="B", start=6, end=8, text="We should be fine. I can't complain."),
    ]
    assert _items(embedder, utts) == []


def test_dated_statement_without_a_modal_is_still_a_task(embedder: MiniLmEmbedder) -> None:
    utts = [
        Utterance(speaker="A", start=0, end=3, text="The signed contract goes back to the client by Monday."),
        Utterance(speaker="B", start=3, end=5, text="The weather was lovely on Monday."),
    ]
    items = _items(embedder, utts)
    assert [(i.speaker, i.due_date) for i in items] == [("A", "2026-06-01")]


def test_restated_item_is_kept_once(embedder: MiniLmEmbedder) -> None:
    utts = [
        Utterance(speaker="A", start=0, end=3, text="I'll send you the invoice by Friday."),
        Utterance(speaker="A", start=3, end=6, text="I will send you the invoice by Friday."),
    ]
    assert len(_items(embedder, utts)) == 1


def test_request_owner_is_the_next_other_speaker(embedder: MiniLmEmbedder) -> None:
    utts = [
        Utterance(speaker="A", start=0, end=3, text="Could you please prepare the quarterly slides?"),
        Utterance(speaker="A", start=3, end=4, text="They matter."),
        Utterance(speaker="C", start=4, end=6, text="Sure, no problem."),
        Utterance(speaker="B", start=6, end=8, text="Sounds good."),
    ]
    items = _items(embedder, utts)
    assert [(i.owner, i.kind, i.text) for i in items] == [("C", "REQUEST", "Prepare the quarterly slides")]


def test_decisions() -> None:
    sentences = sentences_of(known_utterances())
    assert extract_decisions(sentences) == [
        "We agreed to go with the smaller agency for the social media campaign."
    ]
    more = sentences_of(
        [
            Utterance(
                speaker="A",
                start=0,
                end=5,
                text="The budget has been approved. Did we agree on the venue? "
                "Let's go with the blue design.",
            )
        ]
    )
    assert extract_decisions(more) == ["The budget has been approved.", "Let's go with the blue design."]
