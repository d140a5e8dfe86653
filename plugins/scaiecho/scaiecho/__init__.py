"""ScaiEcho: speech-to-text, diarization and speaker enrollment, as a ScaiGrid module."""

__version__ = "0.1.0"
