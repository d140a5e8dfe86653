"""Real-time transcription: ``WS /stream/transcribe`` and WebRTC sessions, on one engine.

Import :mod:`scaiecho.streaming.routes` for the route handlers; the engine
(:mod:`scaiecho.streaming.engine`) is transport-agnostic and usable on its own.
"""
