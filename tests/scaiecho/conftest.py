"""Fixtures shared by scaiecho's tests: one models directory per session, known speech clips.

The base model is assembled (145 MB) and tiny.en converted to a Hugging Face
checkpoint once per session into the shared models directory, not once per app.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.audio_fixtures import concat, espeak_speech, piper_speech, silence
from tests.fakes import openai_fake, openai_fake_server  # noqa: F401 (fixtures for the relay tests)

SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call me back tomorrow morning about the invoice.",
    "Our meeting is scheduled for Thursday afternoon in the main office.",
)


@pytest.fixture(scope="session", autouse=True)
def scaiecho_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``SCAIECHO_MODELS_DIR`` for every app built in this session (an explicit one wins)."""
    if os.environ.get("SCAIECHO_MODELS_DIR"):
        return Path(os.environ["SCAIECHO_MODELS_DIR"])
    path = tmp_path_factory.mktemp("scaiecho-models")
    os.environ["SCAIECHO_MODELS_DIR"] = str(path)
    return path


def trim(pcm: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut leading/trailing near-silence so clip boundaries are speech boundaries."""
    idx = np.flatnonzero(np.abs(pcm) > threshold)
    return pcm[idx[0] : idx[-1] + 1] if len(idx) else pcm


def piper16k(text: str) -> np.ndarray:
    return trim(piper_speech(text, sr=16000)[0])


def espeak16k(text: str, voice: str = "en-us+f3") -> np.ndarray:
    return trim(espeak_speech(text, voice, sr=16000)[0])


@pytest.fixture(scope="session")
def speech_clip() -> tuple[np.ndarray, str]:
    """About 10 s of piper speech (three sentences with pauses) and its text."""
    parts: list[np.ndarray] = []
    for sentence in SENTENCES:
        parts += [piper16k(sentence), silence(0.8)]
    return concat(silence(0.3), *parts), " ".join(SENTENCES)


CALL_A = (
    "Hello, thanks for calling the support line. How can I help you today?",
    "I see. Could you give me your account number please?",
    "Thank you. I have found your account and the payment is now fixed.",
)
CALL_B = (
    "Hi, I have a problem with my last invoice, it was charged twice.",
    "Sure, it is four five six seven eight nine.",
    "That is great news, thank you very much for your help.",
)


@pytest.fixture(scope="session")
def two_speaker_call() -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """A synthetic call: piper joe and an espeak-ng voice alternating, with short gaps.

    Returns the 16 kHz PCM and the reference turns ``(start, end, speaker)``.
    """
    parts: list[np.ndarray] = []
    turns: list[tuple[float, float, str]] = []
    pos = 0.0
    for a, b in zip(CALL_A, CALL_B, strict=True):
        for speaker, pcm in (("agent", piper16k(a)), ("caller", espeak16k(b))):
            parts.append(pcm)
            turns.append((pos, pos + len(pcm) / 16000, speaker))
            pos += len(pcm) / 16000
            gap = silence(0.4)
            parts.append(gap)
            pos += len(gap) / 16000
    return concat(*parts), turns


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (jiwer) after lower-casing and dropping punctuation."""
    import re

    import jiwer

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())

    return float(jiwer.wer(norm(reference), norm(hypothesis)))


@pytest.fixture(scope="session")
def fw_tiny() -> object:
    """faster-whisper on the bundled tiny.en, loaded once."""
    from scaiecho.stt.bundled import tiny_en_dir
    from scaiecho.stt.faster_whisper import FasterWhisperBackend

    return FasterWhisperBackend(tiny_en_dir(), model="tiny.en", beam_size=5)


@pytest.fixture(scope="session")
def hf_tiny_dir(scaiecho_models_dir: Path) -> Path:
    """The bundled tiny.en converted to a Hugging Face checkpoint (once per session)."""
    from scaiecho.stt.bundled import tiny_en_dir
    from scaiecho.stt.convert import ensure_converted

    return ensure_converted(tiny_en_dir(), scaiecho_models_dir / "hf-whisper-tiny.en")


@pytest.fixture(scope="session")
def hf_tiny(hf_tiny_dir: Path) -> object:
    from scaiecho.stt.hf_whisper import TransformersWhisperBackend

    return TransformersWhisperBackend(hf_tiny_dir, model="hf", vad=silero_vad())


@functools.cache
def silero_vad() -> Any:
    """The host's silero VAD backend class, loaded once (tests without a host)."""
    from scaigrid.backends.builtin.silero import SileroVad

    return SileroVad()


@pytest.fixture(scope="session")
def vad() -> Any:
    return silero_vad()


@pytest.fixture(scope="session")
def encoder() -> object:
    """The host's resemblyzer encoder, loaded once."""
    from scaigrid.backends.builtin.resemblyzer import ResemblyzerEncoder

    return ResemblyzerEncoder()
