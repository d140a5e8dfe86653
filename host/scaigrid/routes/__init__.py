"""The host's own HTTP routes: health, readiness, administration, module lifecycle."""
