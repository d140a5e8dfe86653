"""ScaiSpeak's self-hosted TTS engines (backend A), each behind the host's ``TextToSpeech`` contract."""
