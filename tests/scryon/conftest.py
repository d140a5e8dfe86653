"""Shared fixtures of the scryon tests: the MiniLM embedder, loaded once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scryon.analysis.embedder import MiniLmEmbedder

from tests.fakes import openai_fake, openai_fake_server  # noqa: F401 - fixtures
from tests.harness import Host


@pytest.fixture(scope="session")
def embedder() -> MiniLmEmbedder:
    model = MiniLmEmbedder()
    model.encode(["warm up"])
    return model


MAX_FILE_SIZE = 300_000
"""SCRYON_MAX_FILE_SIZE of the route tests' host: a 10 s 16 kHz WAV (320 kB) is over it."""


@pytest.fixture(scope="module")
def scryon_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The app with only the scryon module (no speech models: analyses fail at transcription).

    Enough for everything that does not need a finished analysis: uploads, limits,
    listing, polling, deletes, idempotency, users and voice-profile status.
    """
    import scryon.plugin

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCRYON_MAX_FILE_SIZE", str(MAX_FILE_SIZE))
        host = Host(tmp_path_factory.mktemp("scryon"), plugins=[scryon.plugin])
    with host:
        yield host
