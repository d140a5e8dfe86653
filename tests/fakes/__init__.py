"""Fakes for things that are truly external, as real servers on loopback.

Use the OpenAI-compatible relay fake from any test by importing its fixtures
into your ``conftest.py`` (or the test module)::

    from tests.fakes import openai_fake, openai_fake_server  # noqa: F401

then ask for ``openai_fake`` (one server per test session, state reset per
test) and point the host at it with ``load_settings(**openai_fake.settings_overrides())``
or ``RelayClient(openai_fake.base_url, openai_fake.api_key)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI, RecordedRequest

__all__ = ["FakeOpenAI", "RecordedRequest", "openai_fake", "openai_fake_server"]


@pytest.fixture(scope="session")
def openai_fake_server() -> Iterator[FakeOpenAI]:
    """One fake OpenAI server for the whole session."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def openai_fake(openai_fake_server: FakeOpenAI) -> FakeOpenAI:
    """The session's fake server with its script, failures and request log cleared."""
    openai_fake_server.reset()
    return openai_fake_server
