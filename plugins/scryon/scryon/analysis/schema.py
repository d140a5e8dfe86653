"""The JSON schema both analysis backends fill, the instructions, and the host request built from a call.

The schema follows the strict structured-output rules of OpenAI-compatible
chat APIs (every property required, no additional properties, ``null`` spelled
out), so a relayed model and the local rules return the very same shape:
:class:`~scryon.analysis.records.AnalysisContent`. Timing-derived fields
(talk time, interruptions, duration) are not in it: scryon computes those from
the transcript itself, whichever backend ran.
"""

from __future__ import annotations

from typing import Any

import msgspec
from scaigrid.backends import AnalysisRequest

from scryon.analysis.records import CallInput

__all__ = ["ANALYSIS_SCHEMA", "SCHEMA_NAME", "build_request", "call_from_request", "render_transcript"]

SCHEMA_NAME = "scryon_call_analysis"


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_STR: dict[str, Any] = {"type": "string"}
_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}

ANALYSIS_SCHEMA: dict[str, Any] = _obj(
    {
        "summary": {
            **_STR,
            "description": "Three sentences at most: what the call was about and its outcome.",
        },
        "keyPoints": {"type": "array", "items": _STR, "description": "The main points, one sentence each."},
        "decisions": {"type": "array", "items": _STR, "description": "Decisions the participants made."},
        "actionItems": {
            "type": "array",
            "items": _obj(
                {
                    "text": {**_STR, "description": "The task as a short imperative phrase."},
                    "owner": {**_STR, "description": "Speaker label of who must do it."},
                    "speaker": {**_STR, "description": "Speaker label of who said it."},
                    "kind": {"type": "string", "enum": ["COMMITMENT", "REQUEST", "PROPOSAL"]},
                    "quote": {
                        **_STR,
                        "description": "The sentence of the transcript that states it, verbatim.",
                    },
                    "dueDate": {
                        **_NULLABLE_STR,
                        "description": "YYYY-MM-DD resolved against the call date; null if none was stated.",
                    },
                    "dueText": {
                        **_NULLABLE_STR,
                        "description": "The words that stated the due date, or null.",
                    },
                }
            ),
        },
        "topics": {
            "type": "array",
            "items": _obj({"label": _STR, "score": {"type": "number", "minimum": 0, "maximum": 1}}),
        },
        "questions": {"type": "array", "items": _obj({"text": _STR, "speaker": _STR})},
        "sentiment": {
            "type": "array",
            "items": _obj(
                {
                    "speaker": _STR,
                    "score": {"type": "number", "minimum": -1, "maximum": 1},
                    "label": {"type": "string", "enum": ["POSITIVE", "NEUTRAL", "NEGATIVE"]},
                }
            ),
        },
    }
)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def render_transcript(call: CallInput) -> str:
    """``[mm:ss] SPEAKER_00: text`` lines: the text a relayed model reads."""
    return "\n".join(f"[{_clock(u.start)}] {u.speaker}: {u.text.strip()}" for u in call.utterances)


def instructions(call: CallInput) -> str:
    weekday = call.call_date.strftime("%A")
    speakers = sorted({u.speaker for u in call.utterances})
    return (
        "You analyse the transcript of a recorded call and fill the JSON schema exactly.\n"
        f"The call took place on {weekday} {call.call_date.isoformat()}; resolve stated due dates "
        "('by Friday', 'tomorrow', 'next Tuesday', 'on March 3rd') against that date.\n"
        f"Speaker labels are: {', '.join(speakers)}. Use them verbatim for owner and speaker.\n"
        "Action items: COMMITMENT when the speaker takes the task on (owner = speaker), REQUEST when "
        "the speaker asks someone else (owner = the addressee), PROPOSAL for shared work ('let's', "
        "'we need to'; owner = speaker). Quote the transcript sentence verbatim.\n"
        "Use only what is said in the transcript; leave lists empty when nothing applies."
    )


def build_request(call: CallInput) -> AnalysisRequest:
    """The host's analysis request for ``call``; the structured call rides along in ``options``."""
    return AnalysisRequest(
        text=render_transcript(call),
        instructions=instructions(call),
        json_schema=ANALYSIS_SCHEMA,
        schema_name=SCHEMA_NAME,
        options={"call": msgspec.to_builtins(call)},
    )


def call_from_request(request: AnalysisRequest) -> CallInput:
    return msgspec.convert(request.options["call"], CallInput)
