"""The host's one place to turn uploads into PCM and PCM into files.

Decode any input (wav, mp3, flac, ogg/opus, m4a/aac, webm, ...) to float32 PCM at a
requested rate and channel count, probe it from its headers, stream-decode live
container bytes, resample, and encode to wav, flac, mp3, Ogg/Opus, AAC or raw s16le.
All functions here are sync and CPU-bound: call them through ``platform.run_cpu``.
Every failure is a coded :class:`~scaigrid.errors.ScaigridError`.
"""

from __future__ import annotations

from scaigrid.audio.decode import decode, decode_bytes, decode_with_rate
from scaigrid.audio.encode import FORMATS, MEDIA_TYPES, AudioFormatName, encode, encoded_rate
from scaigrid.audio.errors import AudioDecodeError, AudioEncodeError, DecodeFailure
from scaigrid.audio.info import AudioInfo, probe
from scaigrid.audio.pcm import float32_to_pcm_s16le, pcm_s16le_to_float32
from scaigrid.audio.resample import Pcm, resample
from scaigrid.audio.source import AudioSource
from scaigrid.audio.stream import StreamDecoder

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "AudioDecodeError",
    "AudioEncodeError",
    "AudioFormatName",
    "AudioInfo",
    "AudioSource",
    "DecodeFailure",
    "Pcm",
    "StreamDecoder",
    "decode",
    "decode_bytes",
    "decode_with_rate",
    "encode",
    "encoded_rate",
    "float32_to_pcm_s16le",
    "pcm_s16le_to_float32",
    "probe",
    "resample",
]
