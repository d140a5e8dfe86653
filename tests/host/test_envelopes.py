"""scaigrid/envelopes.py: a module brings its own error envelope; the host keeps only its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import get
from scaigrid import EnvelopeSpec, ModuleInfo, hookimpl
from scaigrid.envelopes import OPENAI_ENVELOPE, EnvelopeRegistry
from scaigrid.errors import BadRequest, ScaigridError, StartupError

from tests.harness import Host


def render_plain(err: ScaigridError) -> dict[str, Any]:
    return {"problem": err.code, "text": err.message}


@get("/boom")
async def boom() -> None:
    raise BadRequest("no such thing", code="PLAIN_BOOM")


@get("/typed")
async def typed(n: int) -> dict[str, int]:
    return {"n": n}


@get("/openai", opt={"scaigrid_envelope": "openai"})
async def openai_style() -> None:
    raise BadRequest("bad model", code="PLAIN_MODEL", details={"field": "model"})


class Plain:
    __name__ = "plain"

    def __init__(self, envelope: str = "plain") -> None:
        self.envelope = envelope

    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        return ModuleInfo(id="plain", version="1", prefix="/v1/modules/plain", envelope=self.envelope)

    @hookimpl
    def scaigrid_envelopes(self, register: Any) -> None:
        register(EnvelopeSpec(name="plain", render=render_plain, validation_status=422))
        register(OPENAI_ENVELOPE)

    @hookimpl
    def scaigrid_routes(self) -> list[Any]:
        return [boom, typed, openai_style]


def test_errors_render_in_the_modules_own_envelope(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[Plain()]) as host:
        resp = host.client.get("/v1/modules/plain/boom")
        assert resp.status_code == 400 and resp.json() == {"problem": "PLAIN_BOOM", "text": "no such thing"}
        # the host's own validation error: the module's envelope and its validation status
        bad = host.client.get("/v1/modules/plain/typed", params={"n": "x"})
        assert bad.status_code == 422 and bad.json()["problem"] == "VALIDATION_ERROR"
        missing = host.client.get("/v1/modules/plain/nope")  # no route matched: the prefix decides
        assert missing.status_code == 404 and missing.json()["problem"] == "NOT_FOUND"
        oa = host.client.get("/v1/modules/plain/openai").json()
        assert oa == {
            "error": {
                "message": "bad model",
                "type": "invalid_request_error",
                "param": "model",
                "code": "PLAIN_MODEL",
            }
        }
        # outside every module: the host's envelope
        assert host.client.get("/v1/nothing-here").json()["error"]["code"] == "NOT_FOUND"


def test_an_unknown_envelope_name_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(
        StartupError, match=r"names envelope 'fancy', which it does not register.*known: scaigrid"
    ):
        Host(tmp_path, plugins=[Plain(envelope="fancy")])


def test_registry_rules() -> None:
    registry = EnvelopeRegistry()
    spec = EnvelopeSpec(name="plain", render=render_plain)
    registry.register(spec, "a")
    registry.register(spec, "b")  # names are per module: two modules may share one
    assert registry.get("a", "plain") is spec and registry.get(None, "plain").name == "scaigrid"
    with pytest.raises(StartupError, match="twice"):
        registry.register(spec, "a")
    with pytest.raises(StartupError, match="the host's own"):
        registry.register(EnvelopeSpec(name="scaigrid", render=render_plain), "a")
    with pytest.raises(StartupError, match="4xx"):
        registry.register(EnvelopeSpec(name="odd", render=render_plain, validation_status=200), "a")
