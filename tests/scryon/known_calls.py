"""A known call transcript the analysis tests check against (no audio needed)."""

from __future__ import annotations

import datetime as dt

from scryon.analysis.records import CallInput, Utterance

# Wednesday: "Friday" is two days later, "next Tuesday" the Tuesday of the following week.
CALL_DATE = dt.date(2026, 5, 27)

KNOWN_CALL = [
    (
        "SPEAKER_00",
        0.0,
        6.0,
        "Hi Sarah, thanks for joining. Let's go over the marketing launch plan for the new phone.",
    ),
    (
        "SPEAKER_01",
        6.2,
        12.0,
        "Sure. The campaign budget is still the main open issue. Can you hear me okay?",
    ),
    (
        "SPEAKER_00",
        12.1,
        18.0,
        "Yes, I can hear you. I'll send you the revised budget spreadsheet by Friday.",
    ),
    (
        "SPEAKER_01",
        17.5,
        24.0,
        "Great. Can you also review the contract with the agency tomorrow? I think the pricing is too high.",
    ),
    (
        "SPEAKER_00",
        24.2,
        30.0,
        "Okay. We agreed to go with the smaller agency for the social media campaign. "
        "What about the launch date?",
    ),
    (
        "SPEAKER_01",
        30.2,
        38.0,
        "Let's schedule a follow-up meeting next Tuesday. I'll be honest, I am worried about the timeline. "
        "Let me think about it.",
    ),
    (
        "SPEAKER_00",
        38.2,
        44.0,
        "We need to finalize the press release on March 3rd. "
        "This has been a really productive call, thank you!",
    ),
]


def known_utterances(roles: dict[str, str | None] | None = None) -> list[Utterance]:
    out = []
    for speaker, start, end, text in KNOWN_CALL:
        extra = {"role": roles[speaker]} if roles is not None else {}
        out.append(Utterance(speaker=speaker, start=start, end=end, text=text, confidence=0.9, **extra))
    return out


def known_call(roles: dict[str, str | None] | None = None) -> CallInput:
    return CallInput(utterances=known_utterances(roles), duration_seconds=45.0, call_date=CALL_DATE)
