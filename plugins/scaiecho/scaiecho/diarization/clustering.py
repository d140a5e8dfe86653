"""Agglomerative clustering of speaker-window embeddings, and matching clusters to enrolled speakers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["cluster_windows", "match_profiles"]


def cluster_windows(
    vectors: npt.NDArray[np.float32],
    *,
    num_speakers: int | None = None,
    max_speakers: int = 8,
    distance_threshold: float = 0.45,
    min_cluster_size: int = 2,
) -> npt.NDArray[np.int64]:
    """A cluster id per window (cosine distance, average linkage).

    With ``num_speakers`` the tree is cut into exactly that many clusters;
    otherwise at ``distance_threshold``, capped at ``max_speakers``. Clusters of
    fewer than ``min_cluster_size`` windows are folded into the nearest larger one
    (a stray window is noise, not a speaker) unless that would go below
    ``num_speakers``.
    """
    from sklearn.cluster import AgglomerativeClustering

    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    if num_speakers is not None:
        model = AgglomerativeClustering(n_clusters=min(num_speakers, n), metric="cosine", linkage="average")
        return np.asarray(model.fit_predict(vectors), dtype=np.int64)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
    )
    labels = np.asarray(model.fit_predict(vectors), dtype=np.int64)
    if len(set(labels.tolist())) > max_speakers:
        model = AgglomerativeClustering(n_clusters=max_speakers, metric="cosine", linkage="average")
        labels = np.asarray(model.fit_predict(vectors), dtype=np.int64)
    return _fold_small(vectors, labels, min_cluster_size)


def _centroid(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    mean: npt.NDArray[np.float64] = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def _fold_small(
    vectors: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], min_size: int
) -> npt.NDArray[np.int64]:
    ids, counts = np.unique(labels, return_counts=True)
    big = [int(i) for i, c in zip(ids, counts, strict=True) if c >= min_size]
    if not big or len(big) == len(ids):
        return labels
    centroids = {i: _centroid(vectors[labels == i]) for i in big}
    out = labels.copy()
    for idx in np.where(~np.isin(labels, big))[0]:
        v = np.asarray(vectors[idx], dtype=np.float64)
        out[idx] = max(big, key=lambda c: float(v @ centroids[c]))
    return out


def match_profiles(
    centroids: dict[str, npt.NDArray[np.float32]],
    profiles: Sequence[tuple[str, Sequence[float]]],
    *,
    threshold: float,
) -> dict[str, str]:
    """Map cluster labels to enrolled display names, one-to-one, best similarity first.

    Only pairs with cosine similarity ``>= threshold`` are matched; the result
    holds matched labels only.
    """
    pairs: list[tuple[float, str, int]] = []
    for label, centroid in centroids.items():
        c = np.asarray(centroid, dtype=np.float64)
        for j, (_name, vec) in enumerate(profiles):
            p = np.asarray(vec, dtype=np.float64)
            denom = float(np.linalg.norm(c) * np.linalg.norm(p))
            sim = float(c @ p / denom) if denom > 0 else 0.0
            if sim >= threshold:
                pairs.append((sim, label, j))
    matched: dict[str, str] = {}
    used: set[int] = set()
    for _sim, label, j in sorted(pairs, reverse=True):
        if label in matched or j in used:
            continue
        matched[label] = profiles[j][0]
        used.add(j)
    return matched
