"""Optional diarization with a ``pyannote.audio`` pipeline, only when an operator supplies local weights.

``pyannote.audio`` is not a dependency (its pipelines need gated hub weights and
pull a CUDA torchaudio): it is imported when this backend loads, and its absence
is a coded error naming what to install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scaigrid.backends import Diarizer, SpeakerTurn

from scaiecho.errors import backend_unavailable

__all__ = ["PyannoteDiarizer"]


class PyannoteDiarizer(Diarizer):
    """A ``pyannote.audio`` ``Pipeline`` loaded from ``<pipeline_dir>/config.yaml`` (never from the hub)."""

    def __init__(self, pipeline_dir: str | Path, *, device: str = "cpu") -> None:
        config = Path(pipeline_dir).expanduser() / "config.yaml"
        if not config.is_file():
            raise backend_unavailable(
                f"SCAIECHO_PYANNOTE_PIPELINE_DIR={pipeline_dir} has no config.yaml; "
                "point it at a downloaded pyannote pipeline directory"
            )
        try:
            import torch
            from pyannote.audio import Pipeline
        except ImportError as exc:
            raise backend_unavailable(
                "the pyannote diarization backend needs pyannote.audio: "
                "pip install 'scaigrid-scaiecho[pyannote]' (or unset SCAIECHO_PYANNOTE_PIPELINE_DIR "
                f"to use the built-in diarizer); import failed: {exc}"
            ) from exc
        self._torch = torch
        try:
            self._pipeline: Any = Pipeline.from_pretrained(str(config))
        except Exception as exc:  # the library raises many kinds; all mean "not usable"
            raise backend_unavailable(f"cannot load the pyannote pipeline at {config}: {exc}") from exc
        if self._pipeline is None:
            raise backend_unavailable(f"pyannote could not build a pipeline from {config}")
        self._pipeline.to(torch.device(device))

    def diarize(
        self,
        pcm16k: npt.NDArray[np.float32],
        *,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> list[SpeakerTurn]:
        waveform = self._torch.from_numpy(np.ascontiguousarray(pcm16k, dtype=np.float32))[None, :]
        kwargs = {
            k: v
            for k, v in (
                ("num_speakers", num_speakers),
                ("min_speakers", min_speakers),
                ("max_speakers", max_speakers),
            )
            if v is not None
        }
        output = self._pipeline({"waveform": waveform, "sample_rate": 16000}, **kwargs)
        annotation = getattr(output, "speaker_diarization", output)  # pyannote.audio 4 wraps it
        return [
            SpeakerTurn(start=round(float(seg.start), 3), end=round(float(seg.end), 3), speaker=str(label))
            for seg, _track, label in annotation.itertracks(yield_label=True)
        ]
