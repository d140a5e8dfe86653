"""scaiecho/diarization/clustering.py: clustering window embeddings and naming clusters."""

from __future__ import annotations

import numpy as np
from scaiecho.diarization.clustering import cluster_windows, match_profiles


def _voices(n_per: int, *, k: int, seed: int = 0, spread: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vecs, truth = [], []
    for c in range(k):
        pts = centres[c] + spread * rng.normal(size=(n_per, 32))
        vecs.append(pts / np.linalg.norm(pts, axis=1, keepdims=True))
        truth += [c] * n_per
    return np.concatenate(vecs).astype(np.float32), np.array(truth)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True)}
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_threshold_finds_the_number_of_voices() -> None:
    vecs, truth = _voices(10, k=3)
    labels = cluster_windows(vecs, distance_threshold=0.45)
    assert _same_partition(labels, truth)


def test_num_speakers_forces_the_cluster_count() -> None:
    vecs, _ = _voices(8, k=3)
    assert len(set(cluster_windows(vecs, num_speakers=2).tolist())) == 2


def test_max_speakers_caps_the_count() -> None:
    vecs, _ = _voices(5, k=5, spread=0.01)
    assert len(set(cluster_windows(vecs, max_speakers=3).tolist())) == 3


def test_a_stray_window_is_folded_into_a_real_speaker() -> None:
    vecs, _ = _voices(10, k=2)
    stray = np.random.default_rng(7).normal(size=(1, 32)).astype(np.float32)
    stray /= np.linalg.norm(stray)
    labels = cluster_windows(np.concatenate([vecs, stray]), distance_threshold=0.45)
    assert len(set(labels.tolist())) == 2


def test_degenerate_inputs() -> None:
    assert cluster_windows(np.zeros((0, 4), np.float32)).tolist() == []
    assert cluster_windows(np.ones((1, 4), np.float32)).tolist() == [0]


def test_match_profiles_is_one_to_one_and_thresholded() -> None:
    a = np.array([1.0, 0.0, 0.0], np.float32)
    b = np.array([0.0, 1.0, 0.0], np.float32)
    centroids = {"SPEAKER_00": a, "SPEAKER_01": np.array([0.1, 1.0, 0.0], np.float32)}
    profiles = [("Alice", a.tolist()), ("Bob", b.tolist()), ("Alice twin", (a * 0.99).tolist())]
    names = match_profiles(centroids, profiles, threshold=0.9)
    assert names["SPEAKER_01"] == "Bob"
    assert names["SPEAKER_00"] in {"Alice", "Alice twin"}
    assert match_profiles(centroids, [("Carol", [0.0, 0.0, 1.0])], threshold=0.5) == {}
