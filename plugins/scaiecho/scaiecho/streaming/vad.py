"""Streaming voice activity detection with silero VAD's sequence ONNX graph.

One :class:`SileroVad` (the ONNX session, ~2 MB) is shared by every stream of
the process; each stream keeps its own :class:`VadState` (LSTM state and the
64-sample context). A call scores every whole 512-sample window it is given in a
single ONNX run, so a backlog costs one call, not one per 32 ms window.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scaigrid.errors import ScaigridError

__all__ = ["CONTEXT", "SAMPLE_RATE", "WINDOW", "SileroVad", "VadState"]

SAMPLE_RATE = 16000
WINDOW = 512
"""Samples per VAD window at 16 kHz (32 ms)."""
CONTEXT = 64
"""Trailing samples of the previous window the model sees in front of each window."""
_MODEL_FILE = "silero_vad_16k_sequence.onnx"


def _model_path() -> Path:
    # find_spec locates the package without importing it (its __init__ imports torch).
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise ScaigridError(
            502, "SCAIECHO_BACKEND_UNAVAILABLE", "silero-vad is not installed (pip install silero-vad)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / _MODEL_FILE
    if not path.is_file():
        raise ScaigridError(502, "SCAIECHO_BACKEND_UNAVAILABLE", f"silero-vad model missing at {path}")
    return path


@dataclass
class VadState:
    """One stream's recurrent state; windows must be scored in order."""

    h: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 128), dtype=np.float32))
    c: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 128), dtype=np.float32))
    context: np.ndarray = field(default_factory=lambda: np.zeros(CONTEXT, dtype=np.float32))


class SileroVad:
    """The shared silero VAD model; :meth:`score` is blocking and thread-safe."""

    def __init__(self, path: str | Path | None = None, *, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(path or _model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def score(self, state: VadState, audio: np.ndarray) -> np.ndarray:
        """Speech probability of each whole window in ``audio`` (length a multiple of 512).

        Advances ``state``; the caller keeps any remainder for the next call.
        """
        count = len(audio) // WINDOW
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        frames = np.asarray(audio[: count * WINDOW], dtype=np.float32).reshape(count, WINDOW)
        contexts = np.empty((count, CONTEXT), dtype=np.float32)
        contexts[0] = state.context
        if count > 1:
            contexts[1:] = frames[:-1, -CONTEXT:]
        block = np.concatenate((contexts, frames), axis=1)
        probs, state.h, state.c = self._session.run(
            ["speech_probs", "hn", "cn"], {"input": block, "h": state.h, "c": state.c}
        )
        state.context = frames[-1, -CONTEXT:].copy()
        return np.asarray(probs, dtype=np.float32).reshape(-1)


_shared: SileroVad | None = None
_shared_lock = threading.Lock()


def shared_vad() -> SileroVad:
    """The process-wide model, loaded on first use (call it off the event loop)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SileroVad()
        return _shared
