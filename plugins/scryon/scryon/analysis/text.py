"""Split a transcript into attributed sentences and words: the units every analysis step scores."""

from __future__ import annotations

import re

import msgspec

from scryon.analysis.records import Utterance

__all__ = ["STOPWORDS", "Sentence", "sentences_of", "words"]


class Sentence(msgspec.Struct, frozen=True):
    """One sentence with its speaker; ``start``/``end`` are interpolated inside the utterance."""

    text: str
    speaker: str
    start: float
    end: float
    index: int


_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept: ``i'll``)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def sentences_of(utterances: list[Utterance]) -> list[Sentence]:
    """Split each utterance at sentence punctuation; times are spread by character share."""
    out: list[Sentence] = []
    for utt in utterances:
        text = " ".join(utt.text.split())
        if not text:
            continue
        parts = [p.strip() for p in _SPLIT.split(text) if p.strip()]
        total = sum(len(p) for p in parts) or 1
        span = max(0.0, utt.end - utt.start)
        cursor = utt.start
        for part in parts:
            length = span * len(part) / total
            out.append(
                Sentence(
                    text=part,
                    speaker=utt.speaker,
                    start=round(cursor, 3),
                    end=round(cursor + length, 3),
                    index=len(out),
                )
            )
            cursor += length
    return out


# Function words plus conversational verbs and fillers that never make a topic.
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each few for from further had hadn't has hasn't have haven't having he he'd he'll
he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't
it it's its itself let's me more most mustn't my myself no nor not of off on once only or other
ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
such than that that's the their theirs them themselves then there there's these they they'd they'll
they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
were weren't what what's when when's where where's which while who who's whom why why's will with
won't would wouldn't you you'd you'll you're you've your yours yourself yourselves yes yeah yep okay
ok oh um uh hmm hi hello bye thanks thank please sure right well just really actually maybe also
like kind sort lot lots get got getting go going gone goes make made making take took know knew
think thought want wanted need needs needed say said tell told see saw look looking let lets come
came give gave put try trying sounds sound hear heard listen mind good great fine nice cool perfect
absolutely definitely probably thing things stuff something anything everything nothing one two
three four five first second next last new old many much way ways time times today tomorrow
yesterday week weeks month months day days monday tuesday wednesday thursday friday saturday sunday
morning afternoon evening end send sending call calls talk talking talked still even back again
already now soon later able done doing send sent will shall must may might i'll we'll let's can't
won't don't
""".split()  # noqa: SIM905 - a word list reads best as text
)
