"""scaispeak/phrases.py: phrases for streaming synthesis."""

from __future__ import annotations

from scaispeak.phrases import MAX_PHRASE, complete_phrases, split_phrases


def test_split_at_sentence_ends_and_newlines() -> None:
    assert split_phrases("Hello there. How are you? Fine!\nNew line; next: part") == [
        "Hello there.",
        "How are you?",
        "Fine!",
        "New line;",
        "next:",
        "part",
    ]
    assert split_phrases("   ") == []


def test_long_sentences_are_cut_at_a_comma_or_space() -> None:
    text = ("word, " * 100).strip()
    pieces = split_phrases(text)
    assert all(len(p) <= MAX_PHRASE for p in pieces) and " ".join(pieces).replace("  ", " ") == text


def test_complete_phrases_keep_the_unfinished_rest() -> None:
    assert complete_phrases("Hello there. How are") == (["Hello there."], "How are")
    assert complete_phrases("no end yet") == ([], "no end yet")
    done, rest = complete_phrases("x" * (MAX_PHRASE + 50))
    assert done and len(rest) <= MAX_PHRASE
