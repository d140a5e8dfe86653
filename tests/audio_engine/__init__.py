"""Tests of the audio_engine module (plugins/audio_engine)."""
