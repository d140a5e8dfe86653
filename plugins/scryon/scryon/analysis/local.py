"""Analysis backend A: offline and local, deterministic (MiniLM embeddings + rules + VADER).

Same input, same output: nothing samples, every ranking breaks ties by position.
"""

from __future__ import annotations

import msgspec
import numpy as np
from scaigrid.backends import AnalysisRequest, AnalysisResult, Analyzer

from scryon.analysis.actions import extract_action_items, extract_decisions
from scryon.analysis.embedder import Embedder, MiniLmEmbedder
from scryon.analysis.questions import questions_asked
from scryon.analysis.records import AnalysisContent, CallInput
from scryon.analysis.schema import call_from_request
from scryon.analysis.sentiment import SentimentScorer
from scryon.analysis.summary import key_points, summarize, topics
from scryon.analysis.text import sentences_of

__all__ = ["LOCAL_BACKEND", "LocalAnalyzer", "analyze_locally"]

LOCAL_BACKEND = "scryon.local"


def analyze_locally(call: CallInput, embedder: Embedder, scorer: SentimentScorer) -> AnalysisContent:
    """Summary, key points, decisions, action items, topics, questions and sentiment of one call."""
    sentences = sentences_of(call.utterances)
    if not sentences:
        return AnalysisContent(
            summary="", key_points=[], decisions=[], action_items=[], topics=[], questions=[], sentiment=[]
        )
    vectors = embedder.encode([s.text for s in sentences])
    summary = summarize(sentences, vectors)
    return AnalysisContent(
        summary=summary,
        key_points=key_points(sentences, vectors, exclude=summary),
        decisions=extract_decisions(sentences),
        action_items=extract_action_items(sentences, embedder, call.call_date),
        topics=topics(sentences, embedder, vectors.mean(axis=0).astype(np.float32)),
        questions=questions_asked(sentences),
        sentiment=scorer.per_speaker(sentences),
    )


class LocalAnalyzer(Analyzer):
    """Capability ``analysis``, kind ``A``: fills scryon's schema from ``request.options["call"]``.

    Blocking, like every host backend method; the registry runs it in a thread.
    """

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder: Embedder = embedder or MiniLmEmbedder()
        self.scorer = SentimentScorer()

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        content = analyze_locally(call_from_request(request), self.embedder, self.scorer)
        return AnalysisResult(data=msgspec.to_builtins(content), model=self.embedder.name)
