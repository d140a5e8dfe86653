"""The built-in diarizer: silero VAD → resemblyzer window embeddings → agglomerative clustering.

Each 10 ms frame of speech takes the cluster of the window whose centre is
nearest; runs of one label become turns, and turns shorter than a minimum are
absorbed by their neighbours. The result is a ``pyannote.core.Annotation`` (for
DER and interop) plus the per-speaker centroid embeddings used to match
enrolled speakers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from scaigrid.backends import Diarizer, SpeakerTurn, VoiceActivity
from scaigrid.backends.builtin.resemblyzer import ResemblyzerEncoder
from scaigrid.backends.vectors import normalise

from scaiecho.diarization.clustering import cluster_windows, match_profiles
from scaiecho.vad import speech_regions

__all__ = ["ClusteringDiarizer", "DiarizationResult", "label_turns", "to_annotation"]

_FRAME = 0.01


class DiarizationResult(msgspec.Struct, kw_only=True):
    """Turns labelled ``SPEAKER_NN`` in order of first appearance, with each speaker's centroid."""

    turns: list[SpeakerTurn]
    centroids: dict[str, list[float]]


def to_annotation(turns: Sequence[Any], uri: str = "audio") -> Any:
    """Turns (anything with start/end/speaker) as a ``pyannote.core.Annotation``."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    for i, turn in enumerate(turns):
        annotation[Segment(float(turn.start), float(turn.end)), i] = turn.speaker
    return annotation


def label_turns(result: DiarizationResult, names: dict[str, str]) -> list[SpeakerTurn]:
    """Rename matched speakers to their display names; renumber the rest ``SPEAKER_00``… in order."""
    mapping: dict[str, str] = {}
    n = 0
    for turn in result.turns:
        if turn.speaker in mapping:
            continue
        if turn.speaker in names:
            mapping[turn.speaker] = names[turn.speaker]
        else:
            mapping[turn.speaker] = f"SPEAKER_{n:02d}"
            n += 1
    return [SpeakerTurn(start=t.start, end=t.end, speaker=mapping[t.speaker]) for t in result.turns]


class ClusteringDiarizer(Diarizer):
    """The ``diarization`` backend built from VAD, an embedding encoder and clustering (blocking)."""

    def __init__(
        self,
        encoder: ResemblyzerEncoder,
        vad: VoiceActivity,
        *,
        window: float = 1.5,
        hop: float = 0.75,
        distance_threshold: float = 0.45,
        min_turn: float = 0.3,
    ) -> None:
        self.encoder = encoder
        self.vad = vad
        self.window = window
        self.hop = hop
        self.distance_threshold = distance_threshold
        self.min_turn = min_turn

    def diarize(
        self,
        pcm16k: npt.NDArray[np.float32],
        *,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> list[SpeakerTurn]:
        return self.run(pcm16k, num_speakers=num_speakers, max_speakers=max_speakers or 8).turns

    def run(
        self, pcm16k: npt.NDArray[np.float32], *, num_speakers: int | None = None, max_speakers: int = 8
    ) -> DiarizationResult:
        pcm = np.ascontiguousarray(pcm16k, dtype=np.float32)
        regions = speech_regions(self.vad, pcm)
        windows = self.encoder.windows(pcm, regions, window=self.window, hop=self.hop)
        if len(windows) == 0:
            return DiarizationResult(turns=[], centroids={})
        labels = cluster_windows(
            windows.vectors,
            num_speakers=num_speakers,
            max_speakers=max_speakers,
            distance_threshold=self.distance_threshold,
        )
        centres = np.array([(s + e) / 2 for s, e in windows.spans])
        raw: list[tuple[float, float, int]] = []
        for start, end in regions:
            frames = np.arange(start, end, _FRAME) + _FRAME / 2
            if len(frames) == 0:
                continue
            nearest = np.abs(frames[:, None] - centres[None, :]).argmin(axis=1)
            frame_labels = labels[nearest]
            cut = np.flatnonzero(np.diff(frame_labels)) + 1
            bounds = [0, *cut.tolist(), len(frames)]
            for a, b in itertools.pairwise(bounds):
                raw.append((start + a * _FRAME, min(end, start + b * _FRAME), int(frame_labels[a])))
        merged = _absorb_short(raw, self.min_turn)
        order: dict[int, str] = {}
        for _s, _e, cluster in merged:
            order.setdefault(cluster, f"SPEAKER_{len(order):02d}")
        turns = [SpeakerTurn(start=round(s, 3), end=round(e, 3), speaker=order[c]) for s, e, c in merged]
        centroids = {
            order[c]: normalise(windows.vectors[labels == c].mean(axis=0)).tolist()
            for c in order
            if np.any(labels == c)
        }
        return DiarizationResult(turns=turns, centroids=centroids)

    def run_matched(
        self,
        pcm16k: npt.NDArray[np.float32],
        profiles: Sequence[tuple[str, Sequence[float]]],
        *,
        match_threshold: float,
        num_speakers: int | None = None,
        max_speakers: int = 8,
    ) -> list[SpeakerTurn]:
        """Diarize, then name speakers that match an enrolled profile ``(display_name, embedding)``."""
        result = self.run(pcm16k, num_speakers=num_speakers, max_speakers=max_speakers)
        names = match_profiles(
            {k: np.asarray(v, dtype=np.float32) for k, v in result.centroids.items()},
            profiles,
            threshold=match_threshold,
        )
        return label_turns(result, names)


def _absorb_short(raw: list[tuple[float, float, int]], min_turn: float) -> list[tuple[float, float, int]]:
    """Give turns shorter than ``min_turn`` to the longer adjacent turn, then join same-label neighbours."""
    turns = [list(t) for t in raw]
    changed = True
    while changed and len(turns) > 1:
        changed = False
        for i, (s, e, _c) in enumerate(turns):
            if e - s >= min_turn:
                continue
            prev = turns[i - 1] if i > 0 and abs(turns[i - 1][1] - s) < 1e-6 else None
            nxt = turns[i + 1] if i + 1 < len(turns) and abs(turns[i + 1][0] - e) < 1e-6 else None
            donor = max((t for t in (prev, nxt) if t is not None), key=lambda t: t[1] - t[0], default=None)
            if donor is not None and donor[2] != turns[i][2]:
                turns[i][2] = donor[2]
                changed = True
        joined: list[list[Any]] = []
        for t in turns:
            if joined and joined[-1][2] == t[2] and t[0] - joined[-1][1] < 0.5:
                joined[-1][1] = t[1]
            else:
                joined.append(t)
        turns = joined
    return [(float(s), float(e), int(c)) for s, e, c in turns]
