"""Uploads made ready for the pipeline: every input becomes a soundfile-readable file.

WAV, FLAC, OGG and the other formats libsndfile reads are used as uploaded; anything else
(mp3 in old libsndfile, m4a/aac, webm, opus in webm) is decoded once by the host's
``scaigrid.audio`` to a WAV at its own rate and channel count. Undecodable input is a
coded 400/415 before any Task exists.
"""

from __future__ import annotations

from pathlib import Path

import soundfile as sf
from scaigrid.audio import AudioDecodeError, decode_with_rate
from scaigrid.errors import ScaigridError

from audio_engine import audiofile
from audio_engine.errors import Code, error

__all__ = ["normalise_input"]

_RECODE = {
    "empty": (400, Code.EMPTY_AUDIO),
    "unsupported": (415, Code.UNSUPPORTED_AUDIO),
    "undecodable": (400, Code.UNDECODABLE_AUDIO),
}


def _recode(exc: AudioDecodeError, index: int, filename: str) -> ScaigridError:
    status, code = _RECODE[exc.reason]
    return error(
        status,
        code,
        f"files[{index}] ({filename}): {exc.message}",
        details={"index": index, "filename": filename},
    )


def normalise_input(path: Path, index: int, filename: str, work_dir: Path) -> Path:
    """``path`` itself when soundfile reads it, else a decoded WAV in ``work_dir`` (blocking)."""
    if path.stat().st_size == 0:
        raise _recode(AudioDecodeError.empty(), index, filename)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError):
        info = None
    if info is not None and info.frames > 0:
        return path
    try:
        pcm, rate = decode_with_rate(path, sample_rate=None, channels=None)
    except AudioDecodeError as exc:
        raise _recode(exc, index, filename) from exc
    return audiofile.write(work_dir / f"input{index:02d}.wav", pcm, rate)
