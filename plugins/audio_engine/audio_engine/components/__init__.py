"""The built-in components, one file each; :func:`builtin_components` lists their records."""

from __future__ import annotations

from audio_engine.registry import Component

__all__ = ["builtin_components"]


def builtin_components() -> list[Component]:
    from audio_engine.components import (
        audio_duration_check,
        beg_silence_trimmer,
        check_segments,
        end_silence_trimmer,
        fix_manual_segments,
        noise_reduce,
        slice_audio,
        speech_duration_measurement,
        speech_fluency_check,
        speech_similarity,
        split_audio_channel,
    )

    return [
        noise_reduce.COMPONENT,
        beg_silence_trimmer.COMPONENT,
        end_silence_trimmer.COMPONENT,
        slice_audio.COMPONENT,
        split_audio_channel.COMPONENT,
        fix_manual_segments.COMPONENT,
        speech_fluency_check.COMPONENT,
        check_segments.COMPONENT,
        audio_duration_check.COMPONENT,
        speech_duration_measurement.COMPONENT,
        speech_similarity.COMPONENT,
    ]
