"""The vector helpers every module uses on embeddings: one cosine, one normalisation, one match rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["cosine", "normalise", "same_voice"]


def cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros)."""
    x, y = np.asarray(a, dtype=np.float64).reshape(-1), np.asarray(b, dtype=np.float64).reshape(-1)
    denom = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y / denom) if denom > 0 else 0.0


def normalise(v: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """``v`` scaled to unit length (unchanged when it is all zeros), as float32."""
    arr: npt.NDArray[Any] = np.asarray(v, dtype=np.float32)
    norm = float(np.linalg.norm(arr))
    return (arr / norm).astype(np.float32) if norm > 0 else arr.astype(np.float32)


def same_voice(a: npt.ArrayLike, b: npt.ArrayLike, threshold: float) -> bool:
    """The one match rule: cosine similarity at or above ``threshold``."""
    return cosine(a, b) >= threshold
