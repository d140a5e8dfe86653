"""OpenAI-compatible ``POST /v1/audio/transcriptions`` under scaiecho's prefix.

``request`` parses OpenAI's form fields, ``formatting`` turns scaiecho's transcript
into OpenAI's response formats, ``routes`` serves it through the same
transcription service as ``POST /transcribe``.
"""
