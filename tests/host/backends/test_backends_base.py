"""The backend contract: capability flags, one abstract method per capability, STT request checks."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from scaigrid.backends import (
    CAPABILITIES,
    Backend,
    SpeakerEmbedding,
    SpeechToText,
    SttRequest,
    SttResult,
)
from scaigrid.backends.base import BASE_CLASSES, METHODS
from scaigrid.errors import BadRequest


def test_every_known_capability_has_one_base_class_with_its_method() -> None:
    assert set(BASE_CLASSES) == set(CAPABILITIES) == set(METHODS)
    for capability, cls in BASE_CLASSES.items():
        assert cls.capability == capability
        assert cls.__abstractmethods__ == frozenset({METHODS[capability]})
        with pytest.raises(TypeError):
            cls()  # type: ignore[abstract]


def test_a_backend_without_its_method_cannot_be_built() -> None:
    class Incomplete(SpeakerEmbedding):
        dimension = 256

    with pytest.raises(TypeError, match="embed"):
        Incomplete()  # type: ignore[abstract]


class Multilingual(SpeechToText):
    supports_language_hint = True
    languages: ClassVar[tuple[str, ...] | None] = ("en", "de")

    def transcribe(self, request: SttRequest) -> SttResult:
        return SttResult(text="", language=request.language, duration_seconds=0.0)


def test_capability_flags_and_language_support() -> None:
    backend = Multilingual()
    assert backend.supports_language("de-AT") and backend.supports_language(None)
    assert not backend.supports_language("fr")
    assert backend.flags() == {
        "capability": "stt",
        "can_stream": False,
        "supports_language_hint": True,
        "languages": ["en", "de"],
    }
    plain: Any = Backend()
    assert plain.supports_language("xx") and plain.flags()["languages"] is None
    plain.close()  # optional hook: a no-op by default


def test_stt_request_needs_exactly_one_audio_source() -> None:
    with pytest.raises(BadRequest) as err:
        SttRequest()
    assert err.value.code == "BAD_STT_REQUEST"
    with pytest.raises(BadRequest):
        SttRequest(audio_path="/tmp/a.wav", pcm=np.zeros(4, dtype=np.float32))
    request = SttRequest(audio_path="/tmp/a.wav", language="en", word_timestamps=True)
    assert request.sample_rate == 16000 and request.temperature == 0.0 and request.options == {}
