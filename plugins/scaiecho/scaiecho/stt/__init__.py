"""Speech-to-text backends: faster-whisper and transformers Whisper (A), an OpenAI-compatible relay (B)."""
