"""ServiceRegistry: one provider per service name, coded 503 for a service nobody provides."""

from __future__ import annotations

from typing import Protocol

import pytest
from scaigrid.errors import ScaigridError, StartupError
from scaigrid.records import ServiceSpec
from scaigrid.services import ServiceRegistry


class Transcription:
    def transcribe(self, text: str) -> str:
        return text.upper()


def test_register_and_get_the_provider_object() -> None:
    registry = ServiceRegistry()
    provider = Transcription()
    registry.register(ServiceSpec(name="scaiecho.transcription", provider=provider), "scaiecho")
    registry.register(ServiceSpec(name="audio_engine.pipeline", provider=object()), "audio_engine")
    assert registry.get("scaiecho.transcription") is provider
    assert registry.get("scaiecho.transcription").transcribe("hi") == "HI"
    assert registry.names() == ["audio_engine.pipeline", "scaiecho.transcription"]
    assert registry.provider_module("scaiecho.transcription") == "scaiecho"
    assert registry.spec("audio_engine.pipeline").name == "audio_engine.pipeline"
    assert "scaiecho.transcription" in registry and "nope.x" not in registry


def test_duplicate_names_fail_startup_naming_both_modules() -> None:
    registry = ServiceRegistry()
    registry.register(ServiceSpec(name="scaiecho.transcription", provider=1), "scaiecho")
    with pytest.raises(StartupError) as err:
        registry.register(ServiceSpec(name="scaiecho.transcription", provider=2), "impostor")
    assert "'scaiecho'" in str(err.value) and "'impostor'" in str(err.value)
    assert registry.get("scaiecho.transcription") == 1  # the first provider stays


def test_unknown_service_is_a_coded_503_listing_registered_names() -> None:
    registry = ServiceRegistry()
    with pytest.raises(ScaigridError) as err:
        registry.get("scaiecho.transcription")
    assert (err.value.status_code, err.value.code) == (503, "SERVICE_UNAVAILABLE")
    assert "none" in err.value.message
    registry.register(ServiceSpec(name="scryon.analysis", provider=object()), "scryon")
    with pytest.raises(ScaigridError) as err:
        registry.spec("scaiecho.transcription")
    assert err.value.details == {"service": "scaiecho.transcription", "registered": ["scryon.analysis"]}
    assert "scryon.analysis" in err.value.message


@pytest.mark.parametrize("name", ["transcription", "Scaiecho.X", "scaiecho.", "scaiecho transcription"])
def test_names_are_module_qualified(name: str) -> None:
    with pytest.raises(StartupError, match=r"<module>\.<service>"):
        ServiceRegistry().register(ServiceSpec(name=name, provider=None), "m")


class Greeter(Protocol):
    async def greet(self, name: str) -> str: ...

    def language(self) -> str: ...


class GoodGreeter:
    async def greet(self, name: str) -> str:
        return f"hello {name}"

    def language(self) -> str:
        return "en"


class SyncGreeter:
    def greet(self, name: str) -> str:
        return name

    def language(self) -> str:
        return "en"


def test_a_provider_is_checked_against_its_protocol_at_registration() -> None:
    registry = ServiceRegistry()
    good = GoodGreeter()
    registry.register(ServiceSpec(name="hello.greeter", provider=good, protocol=Greeter), "hello")
    typed: Greeter = registry.get("hello.greeter", Greeter)
    assert typed is good
    with pytest.raises(StartupError, match=r"does not satisfy its protocol Greeter: greet must be async"):
        registry.register(ServiceSpec(name="hello.sync", provider=SyncGreeter(), protocol=Greeter), "hello")
    with pytest.raises(StartupError, match=r"missing greet; missing language"):
        registry.register(ServiceSpec(name="hello.none", provider=object(), protocol=Greeter), "hello")
    with pytest.raises(StartupError, match=r"is not a typing\.Protocol"):
        registry.register(ServiceSpec(name="hello.cls", provider=good, protocol=GoodGreeter), "hello")


def test_a_caller_protocol_the_provider_does_not_satisfy_is_a_coded_503() -> None:
    registry = ServiceRegistry()
    registry.register(ServiceSpec(name="hello.greeter", provider=SyncGreeter()), "hello")
    with pytest.raises(ScaigridError) as err:
        registry.get("hello.greeter", Greeter)
    assert err.value.status_code == 503 and err.value.code == "SERVICE_INCOMPATIBLE"
    assert "greet must be async" in err.value.message
