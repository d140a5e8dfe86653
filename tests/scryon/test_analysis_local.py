"""Backend A end to end on a known call (scryon/analysis/local.py)."""

from __future__ import annotations

import jsonschema
from scaigrid.backends import Analyzer
from scryon.analysis.embedder import MiniLmEmbedder
from scryon.analysis.local import LocalAnalyzer
from scryon.analysis.schema import ANALYSIS_SCHEMA, build_request

from tests.scryon.known_calls import known_call


def test_fills_the_schema_deterministically(embedder: MiniLmEmbedder) -> None:
    backend = LocalAnalyzer(embedder)
    assert isinstance(backend, Analyzer) and backend.capability == "analysis"
    request = build_request(known_call())
    first = backend.analyze(request)
    jsonschema.validate(first.data, ANALYSIS_SCHEMA)
    assert backend.analyze(request).data == first.data
    assert first.model == "all-MiniLM-L6-v2"
    data = first.data
    assert data["summary"]
    assert len(data["actionItems"]) == 4
    assert data["decisions"] == ["We agreed to go with the smaller agency for the social media campaign."]
    assert {q["speaker"] for q in data["questions"]} == {"SPEAKER_00", "SPEAKER_01"}
    assert {s["speaker"] for s in data["sentiment"]} == {"SPEAKER_00", "SPEAKER_01"}


def test_empty_call_gives_empty_content(embedder: MiniLmEmbedder) -> None:
    call = known_call()
    call.utterances = []
    data = LocalAnalyzer(embedder).analyze(build_request(call)).data
    jsonschema.validate(data, ANALYSIS_SCHEMA)
    assert data["summary"] == "" and data["actionItems"] == []
