"""Every streaming route of scaiecho, for the module's ``scaigrid_routes`` to include.

Live streams and WebRTC peers belong to ``module.state.streaming``; ``scaigrid_shutdown``
closes them.
"""

from __future__ import annotations

from typing import Any

from scaiecho.streaming.webrtc.routes import webrtc_routes
from scaiecho.streaming.ws import stream_transcribe

__all__ = ["streaming_routes"]

streaming_routes: list[Any] = [stream_transcribe, *webrtc_routes]
