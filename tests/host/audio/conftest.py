"""Audio made once per session for the host's audio tests (piper loads once per process)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import chirp, piper_speech

SR = 16000


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """About 2.5 s of real speech (bundled piper voice) at 16 kHz."""
    pcm, _ = piper_speech("The quick brown fox jumps over the lazy dog.", sr=SR)
    return pcm * np.float32(0.8)


@pytest.fixture(scope="session")
def sweep() -> np.ndarray:
    """A 2 s, 200 Hz → 3 kHz sweep at 16 kHz: aperiodic, so misalignment cannot correlate."""
    return chirp(200, 3000, 2.0, SR)
