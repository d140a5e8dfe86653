"""Audio Engine: an ordered pipeline of audio-processing components run in one HTTP request."""

from __future__ import annotations

__version__ = "0.1.0"
MODULE_ID = "audio_engine"

__all__ = ["MODULE_ID", "__version__"]
