"""Live synthesis: text in, audio out, phrase by phrase, over a WebSocket."""
