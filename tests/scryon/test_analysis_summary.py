"""Extractive summary, key points and topics (scryon/analysis/summary.py)."""

from __future__ import annotations

import numpy as np
from scryon.analysis.embedder import MiniLmEmbedder
from scryon.analysis.records import Utterance
from scryon.analysis.summary import key_points, lexrank, summarize, topics
from scryon.analysis.text import sentences_of

from tests.scryon.known_calls import known_utterances


def test_lexrank_ranks_the_hub_of_the_graph_first() -> None:
    hub = np.array([1.0, 1.0, 1.0]) / np.sqrt(3)
    spokes = np.eye(3)
    vectors = np.vstack([spokes, hub]).astype(np.float32)
    scores = lexrank(vectors)
    assert int(np.argmax(scores)) == 3
    assert abs(scores.sum() - 1.0) < 1e-6


def test_summary_picks_on_topic_sentences_in_call_order(embedder: MiniLmEmbedder) -> None:
    on_topic = [
        "The database migration to the new cluster starts on Monday night.",
        "We will copy the database tables to the new cluster in batches overnight.",
        "After the migration the old database cluster will be switched off for good.",
        "The migration plan for the database cluster was reviewed by the operations team.",
    ]
    off_topic = [
        "My daughter started playing the violin at school this year.",
        "The coffee machine upstairs is broken again today.",
    ]
    text = " ".join([on_topic[0], off_topic[0], on_topic[1], on_topic[2], off_topic[1], on_topic[3]])
    sentences = sentences_of([Utterance(speaker="A", start=0, end=60, text=text)])
    vectors = embedder.encode([s.text for s in sentences])
    summary = summarize(sentences, vectors, max_sentences=2)
    picked = [s.text for s in sentences if s.text in summary]
    assert len(picked) == 2
    assert all(p in on_topic for p in picked)
    assert summary == " ".join(picked)  # call order
    assert summarize(sentences, vectors, max_sentences=2) == summary  # deterministic


def test_key_points_skip_summary_sentences_and_are_diverse(embedder: MiniLmEmbedder) -> None:
    sentences = sentences_of(known_utterances())
    vectors = embedder.encode([s.text for s in sentences])
    summary = summarize(sentences, vectors)
    points = key_points(sentences, vectors, exclude=summary)
    assert points and all(p not in summary for p in points)
    assert len(set(points)) == len(points)
    assert all(len(p.split()) >= 6 and not p.endswith("?") for p in points)


def test_topics_name_what_the_call_is_about(embedder: MiniLmEmbedder) -> None:
    sentences = sentences_of(known_utterances())
    vectors = embedder.encode([s.text for s in sentences])
    found = topics(sentences, embedder, vectors.mean(axis=0))
    labels = [t.label for t in found]
    assert 1 <= len(labels) <= 5
    assert any("launch" in label or "budget" in label or "campaign" in label for label in labels)
    assert not {"hear", "honest", "okay", "friday"} & set(labels)
    assert all(t.score >= 0.25 for t in found)


def test_nothing_to_summarise() -> None:
    empty = np.zeros((0, 384), dtype=np.float32)
    assert summarize([], empty) == ""
    assert key_points([], empty) == []
