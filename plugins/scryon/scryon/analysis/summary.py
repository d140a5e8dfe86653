"""Extractive summary, key points and topics from MiniLM sentence embeddings.

- Summary: LexRank — sentences are ranked by eigenvector centrality of their
  cosine-similarity graph; the top ones, in call order, form the summary.
- Key points: maximal marginal relevance over the same ranking, so the points
  cover different parts of the call rather than restating the summary's theme.
- Topics: KeyBERT-style — contiguous content-word phrases (one to three words)
  scored by similarity to the whole call, diversified with MMR.

Everything is deterministic: no sampling, ties broken by position.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scryon.analysis.embedder import Embedder
from scryon.analysis.records import Topic
from scryon.analysis.text import STOPWORDS, Sentence, words

__all__ = ["key_points", "lexrank", "summarize", "topics"]

Vectors = np.ndarray[Any, np.dtype[np.float32]]

#: Sentences shorter than this many words are never summary or key-point material.
MIN_WORDS = 6
#: Topics less similar than this to the whole call are noise ("honest", a first name).
MIN_TOPIC_RELEVANCE = 0.25


def lexrank(vectors: Vectors, *, threshold: float = 0.1, damping: float = 0.85) -> np.ndarray[Any, Any]:
    """Stationary distribution of the thresholded similarity graph (power iteration)."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0)
    sim = vectors @ vectors.T
    adj = (sim > threshold).astype(np.float64) * np.clip(sim, 0.0, None)
    np.fill_diagonal(adj, 0.0)
    rows = adj.sum(axis=1, keepdims=True)
    trans = np.divide(adj, rows, out=np.full_like(adj, 1.0 / n), where=rows > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(100):
        new = (1 - damping) / n + damping * trans.T @ scores
        if np.abs(new - scores).sum() < 1e-9:
            scores = new
            break
        scores = new
    return scores


def _eligible(sentences: list[Sentence]) -> list[int]:
    return [
        i
        for i, s in enumerate(sentences)
        if len(words(s.text)) >= MIN_WORDS and not s.text.rstrip().endswith("?")
    ]


def summarize(sentences: list[Sentence], vectors: Vectors, *, max_sentences: int = 3) -> str:
    """The most central sentences, in the order they were said, joined as one paragraph."""
    eligible = _eligible(sentences)
    if not eligible:
        return " ".join(s.text for s in sentences[:max_sentences])
    scores = lexrank(vectors[eligible])
    count = min(max_sentences, max(1, (len(eligible) + 3) // 4))
    order = sorted(range(len(eligible)), key=lambda k: (-scores[k], k))[:count]
    chosen = sorted(eligible[k] for k in order)
    return " ".join(sentences[i].text for i in chosen)


def _mmr(
    candidates: Vectors, target: Vectors, count: int, *, diversity: float, relevance: Any = None
) -> list[int]:
    if len(candidates) == 0:
        return []
    rel = candidates @ target if relevance is None else np.asarray(relevance, dtype=np.float64)
    chosen: list[int] = []
    remaining = list(range(len(candidates)))
    while remaining and len(chosen) < count:
        if chosen:
            redundancy = (candidates[remaining] @ candidates[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        score = (1 - diversity) * rel[remaining] - diversity * redundancy
        best = remaining[int(np.argmax(score))]
        chosen.append(best)
        remaining.remove(best)
    return chosen


def key_points(
    sentences: list[Sentence], vectors: Vectors, *, exclude: str = "", max_points: int = 5
) -> list[str]:
    """Central yet mutually different sentences, in call order.

    Sentences already in the summary (``exclude``) are left out while at least
    two others remain, so the points add to the summary instead of repeating it.
    """
    eligible = _eligible(sentences)
    fresh = [i for i in eligible if sentences[i].text not in exclude]
    if len(fresh) >= 2:
        eligible = fresh
    if not eligible:
        return []
    sub = vectors[eligible]
    centroid = sub.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    count = min(max_points, max(1, (len(eligible) + 2) // 3))
    picked = _mmr(sub, centroid, count, diversity=0.5, relevance=lexrank(sub) * len(eligible))
    return [sentences[eligible[k]].text for k in sorted(picked)]


def _phrases(sentences: list[Sentence]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in sentences:
        run: list[str] = []
        for token in [*words(s.text), ""]:
            if token and token not in STOPWORDS and len(token) > 2 and not token.endswith(("ed", "ly")):
                run.append(token)
                continue
            for size in (1, 2, 3):
                for i in range(len(run) - size + 1):
                    phrase = " ".join(run[i : i + size])
                    counts[phrase] = counts.get(phrase, 0) + 1
            run = []
    return counts


def topics(
    sentences: list[Sentence], embedder: Embedder, doc_vector: Vectors, *, max_topics: int = 5
) -> list[Topic]:
    """Content phrases most similar to the call as a whole, diversified."""
    counts = _phrases(sentences)
    if not counts:
        return []
    phrases = sorted(counts)
    vectors = embedder.encode(phrases)
    doc = doc_vector / (np.linalg.norm(doc_vector) or 1.0)
    # Repetition is evidence: a phrase said three times outranks one said once.
    relevance = (vectors @ doc) * (1.0 + 0.1 * np.log1p(np.array([counts[p] for p in phrases]) - 1))
    picked = _mmr(vectors, doc, max_topics, diversity=0.6, relevance=relevance)
    return [
        Topic(label=phrases[k], score=round(float(relevance[k]), 4))
        for k in picked
        if relevance[k] >= MIN_TOPIC_RELEVANCE
    ]
