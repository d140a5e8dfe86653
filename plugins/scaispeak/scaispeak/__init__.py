"""ScaiSpeak: text-to-speech as a ScaiGrid module (voice library, synthesis in every format)."""

__version__ = "0.2.0"
