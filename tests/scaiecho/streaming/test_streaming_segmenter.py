"""The utterance state machine on hand-made probability sequences (no model)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scaiecho.streaming.segmenter import Cut, Segmenter, SegmenterConfig
from scaiecho.streaming.vad import WINDOW

W_SEC = WINDOW / 16000  # 32 ms


def run(config: SegmenterConfig, probs: list[float], *, step: int = 1) -> tuple[Segmenter, list[Cut]]:
    """Push ``probs`` ``step`` windows at a time; audio sample values encode the window index."""
    seg = Segmenter(config)
    cuts: list[Cut] = []
    for i in range(0, len(probs), step):
        block = probs[i : i + step]
        audio = np.concatenate([np.full(WINDOW, i + k, dtype=np.float32) for k in range(len(block))])
        cuts += seg.push(audio, np.asarray(block, dtype=np.float32))
    return seg, cuts


def windows(seconds: float) -> int:
    return round(seconds / W_SEC)


def speech(seconds: float) -> list[float]:
    return [0.9] * windows(seconds)


def quiet(seconds: float) -> list[float]:
    return [0.05] * windows(seconds)


def test_final_after_end_silence_with_padding() -> None:
    cfg = SegmenterConfig(end_silence_ms=320, speech_pad_ms=64, interim_results=False, speculative_final_ms=0)
    _, cuts = run(cfg, quiet(0.64) + speech(1.28) + quiet(1.0))
    finals = [c for c in cuts if c.kind == "final"]
    assert len(finals) == 1
    final = finals[0]
    # speech starts at window 20 (0.64 s) and ends at window 60; pad is 2 windows each side
    assert final.start == (20 - 2) * WINDOW
    assert final.end == (60 + 2) * WINDOW
    assert final.audio is not None and len(final.audio) == final.end - final.start
    assert final.audio[0] == 18 and final.audio[-1] == 61  # the right windows, in order
    assert all(c.kind == "final" for c in cuts)


def test_partials_every_interval_while_speaking() -> None:
    cfg = SegmenterConfig(partial_interval_seconds=0.5, speculative_final_ms=0, min_speech_ms=100)
    _, cuts = run(cfg, speech(2.2) + quiet(1.0))
    partials = [c for c in cuts if c.kind == "partial"]
    assert len(partials) == 4  # at ~0.5, 1.0, 1.5, 2.0 s of speech
    ends = [p.end for p in partials]
    assert ends == sorted(ends)
    gaps = np.diff(ends) / 16000
    assert all(0.45 <= g <= 0.6 for g in gaps)
    assert cuts[-1].kind == "final"
    assert all(p.start == cuts[-1].start for p in partials)


def test_partials_coalesce_when_windows_arrive_in_bulk() -> None:
    cfg = SegmenterConfig(partial_interval_seconds=0.5, speculative_final_ms=0, min_speech_ms=100)
    _, cuts = run(cfg, speech(2.2) + quiet(1.0), step=40)  # 1.28 s per push
    partials = [c for c in cuts if c.kind == "partial"]
    # at most one partial per push, never one per elapsed interval
    assert 1 <= len(partials) <= 2


def test_interim_results_off_means_no_partials() -> None:
    cfg = SegmenterConfig(interim_results=False, speculative_final_ms=0)
    _, cuts = run(cfg, speech(3.0) + quiet(1.0))
    assert [c.kind for c in cuts] == ["final"]


def test_speculative_cut_matches_the_final() -> None:
    cfg = SegmenterConfig(
        end_silence_ms=480, speculative_final_ms=160, speech_pad_ms=96, interim_results=False
    )
    _, cuts = run(cfg, speech(1.5) + quiet(1.0))
    kinds = [c.kind for c in cuts]
    assert kinds == ["speculative", "final"]
    assert cuts[0].key == cuts[1].key
    assert np.array_equal(cuts[0].audio, cuts[1].audio)


def test_speech_resuming_after_speculation_extends_the_utterance() -> None:
    cfg = SegmenterConfig(
        end_silence_ms=480, speculative_final_ms=160, speech_pad_ms=96, interim_results=False
    )
    _, cuts = run(cfg, speech(1.0) + quiet(0.3) + speech(1.0) + quiet(1.0))
    speculative = [c for c in cuts if c.kind == "speculative"]
    finals = [c for c in cuts if c.kind == "final"]
    assert len(finals) == 1 and len(speculative) == 2
    assert speculative[0].key != finals[0].key  # the first guess is superseded
    assert speculative[1].key == finals[0].key
    assert finals[0].end - finals[0].start > 2.0 * 16000


def test_hysteresis_keeps_an_utterance_through_middling_windows() -> None:
    cfg = SegmenterConfig(threshold=0.5, neg_threshold=0.35, end_silence_ms=320, interim_results=False)
    middling = [0.4] * windows(1.0)  # between the thresholds: speech continues
    _, cuts = run(cfg, speech(0.5) + middling + speech(0.5) + quiet(1.0))
    finals = [c for c in cuts if c.kind == "final"]
    assert len(finals) == 1
    assert finals[0].end - finals[0].start >= 2.0 * 16000


def test_short_blips_are_discarded() -> None:
    cfg = SegmenterConfig(min_speech_ms=250, interim_results=False)
    _, cuts = run(cfg, [*quiet(0.5), 0.9, 0.9, 0.9, *quiet(1.0)])
    assert [c.kind for c in cuts] == ["discard"]
    assert cuts[0].audio is None


def test_long_speech_is_cut_at_the_maximum() -> None:
    cfg = SegmenterConfig(max_utterance_seconds=2.0, interim_results=False, speculative_final_ms=0)
    _, cuts = run(cfg, speech(5.0) + quiet(1.0))
    finals = [c for c in cuts if c.kind == "final"]
    assert len(finals) == 3
    for a, b in itertools.pairwise(finals):
        assert b.start == a.end  # contiguous: no audio lost between pieces
    assert all(c.end - c.start <= 2.0 * 16000 + WINDOW for c in finals)


def test_finish_finalises_an_open_utterance_with_the_tail() -> None:
    cfg = SegmenterConfig(interim_results=False)
    seg, cuts = run(cfg, quiet(0.3) + speech(1.0))
    assert cuts == []
    tail = np.full(100, 7.0, dtype=np.float32)
    (final,) = seg.finish(tail)
    assert final.kind == "final"
    assert final.end == seg.position + 100
    assert final.audio is not None and final.audio[-1] == 7.0


def test_finish_in_silence_cuts_nothing() -> None:
    seg, _ = run(SegmenterConfig(), quiet(1.0))
    assert seg.finish(np.zeros(10, dtype=np.float32)) == []


def test_buffer_is_trimmed_during_silence() -> None:
    cfg = SegmenterConfig(speech_pad_ms=120)
    seg, _ = run(cfg, quiet(20.0))
    held = sum(len(c) for c in seg._chunks)
    assert held <= cfg.samples(120) + WINDOW  # only the pre-roll pad (in whole pushes) survives


def test_push_rejects_partial_windows() -> None:
    seg = Segmenter(SegmenterConfig())
    with pytest.raises(ValueError):
        seg.push(np.zeros(WINDOW + 1, dtype=np.float32), np.zeros(1, dtype=np.float32))
