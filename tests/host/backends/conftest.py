"""Backend tests use the OpenAI-compatible relay fake (a real server on loopback)."""

from tests.fakes import openai_fake, openai_fake_server  # noqa: F401
