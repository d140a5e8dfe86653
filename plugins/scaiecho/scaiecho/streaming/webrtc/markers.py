"""Restart markers: a small record per WebRTC session in the blob store.

A peer connection cannot survive a restart, so live state stays in memory; the
marker only remembers that a session existed, for whom, and until when. A later
request for a session that has a marker but no live state answers 410
``SCAIECHO_WEBRTC_SESSION_STATE_LOST`` instead of a misleading 404. The blob store
(not a file in the data dir) holds the markers so every replica of a scaled
deployment sees them; keys are per tenant, so another tenant's id reads as absent.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from scaigrid.blobs import BlobStore
from scaigrid.errors import NotFound

__all__ = ["SessionMarker", "SessionMarkers"]

PREFIX = "scaiecho/webrtc-sessions"


class SessionMarker(msgspec.Struct, kw_only=True, frozen=True):
    session_id: str
    tenant_id: str
    user_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    node_id: str


class SessionMarkers:
    """put/get/delete of markers, keyed ``scaiecho/webrtc-sessions/<tenant>/<session>.json``."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    @staticmethod
    def key(tenant_id: str, session_id: str) -> str:
        return f"{PREFIX}/{tenant_id}/{session_id}.json"

    async def put(self, marker: SessionMarker) -> None:
        await self._blobs.put(
            self.key(marker.tenant_id, marker.session_id),
            msgspec.json.encode(marker),
            content_type="application/json",
        )

    async def get(self, tenant_id: str, session_id: str) -> SessionMarker | None:
        try:
            raw = await self._blobs.read(self.key(tenant_id, session_id))
        except NotFound:
            return None
        try:
            return msgspec.json.decode(raw, type=SessionMarker)
        except msgspec.DecodeError:
            return None  # an unreadable marker proves nothing about the session

    async def delete(self, tenant_id: str, session_id: str) -> None:
        await self._blobs.delete(self.key(tenant_id, session_id))
