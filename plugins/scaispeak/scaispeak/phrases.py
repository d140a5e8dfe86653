"""Cut text into phrases a TTS engine can start on at once: sentence ends, then commas, then length.

The streaming paths (WebSocket, the OpenAI-compatible route) synthesize phrase by phrase, so the
first audio never waits for the whole text.
"""

from __future__ import annotations

import re

__all__ = ["MAX_PHRASE", "complete_phrases", "split_phrases"]

MAX_PHRASE = 200
"""Characters; a longer sentence is cut at its last comma or space before this."""

_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _cut(sentence: str) -> list[str]:
    out: list[str] = []
    rest = sentence.strip()
    while len(rest) > MAX_PHRASE:
        window = rest[:MAX_PHRASE]
        at = max(window.rfind(", "), window.rfind(" "))
        at = at + 1 if at > MAX_PHRASE // 4 else MAX_PHRASE
        out.append(rest[:at].strip())
        rest = rest[at:].strip()
    if rest:
        out.append(rest)
    return out


def split_phrases(text: str) -> list[str]:
    """Every phrase of a whole text, in order; blank input gives none."""
    return [p for sentence in _END.split(text) for p in _cut(sentence) if p]


def complete_phrases(buffer: str) -> tuple[list[str], str]:
    """The phrases of ``buffer`` that are complete (ended by punctuation and a space, or a newline),
    and the unfinished rest to keep buffering."""
    last_end = None
    for match in _END.finditer(buffer):
        last_end = match
    if last_end is None:
        if len(buffer) > MAX_PHRASE:  # no punctuation coming: speak what is there in pieces
            pieces = _cut(buffer)
            return pieces[:-1], pieces[-1]
        return [], buffer
    done, rest = buffer[: last_end.start()], buffer[last_end.end() :]
    return split_phrases(done), rest
