"""Shared fixtures of the scryon tests: the MiniLM embedder, loaded once per session."""

from __future__ import annotations

import pytest
from scryon.analysis.embedder import MiniLmEmbedder

from tests.fakes import openai_fake, openai_fake_server  # noqa: F401 - fixtures


@pytest.fixture(scope="session")
def embedder() -> MiniLmEmbedder:
    model = MiniLmEmbedder()
    model.encode(["warm up"])
    return model
