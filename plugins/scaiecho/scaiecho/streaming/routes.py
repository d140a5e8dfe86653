"""Every streaming route of scaiecho, for the module's ``scaigrid_routes`` to include.

``scaigrid_routes`` returns ``[*batch_routes, *streaming_routes]``; ``scaigrid_startup``
/ ``scaigrid_shutdown`` await :func:`streaming_startup` / :func:`streaming_shutdown`
so bad ``SCAIECHO_STREAM_*`` settings stop start-up and live peers close on stop.
"""

from __future__ import annotations

from typing import Any

from scaiecho.streaming.runtime import streaming_shutdown, streaming_startup
from scaiecho.streaming.webrtc.routes import webrtc_routes
from scaiecho.streaming.ws import stream_transcribe

__all__ = ["streaming_routes", "streaming_shutdown", "streaming_startup"]

streaming_routes: list[Any] = [stream_transcribe, *webrtc_routes]
