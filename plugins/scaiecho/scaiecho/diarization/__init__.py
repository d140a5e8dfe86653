"""Speaker embeddings (resemblyzer), clustering diarization, and the optional pyannote.audio pipeline."""
