"""The canonical component ids of the Audio Engine API (the reference's catalog)."""

from __future__ import annotations

__all__ = ["ALL_COMPONENT_IDS"]

ALL_COMPONENT_IDS: tuple[str, ...] = (
    "noise_reduce",
    "beg_silence_trimmer",
    "end_silence_trimmer",
    "slice_audio",
    "split_audio_channel",
    "fix_manual_segments",
    "speech_fluency_check",
    "check_segments",
    "audio_duration_check",
    "speech_duration_measurement",
    "speech_similarity",
)
"""Ids the API accepts. One without a registered handler answers 501, not 400."""
