"""The registry of live WebRTC sessions of one module context, with expiry and restart markers.

Lookups are scoped by tenant and user: another caller's session id answers 404,
exactly like an unknown one. A session id with a restart marker but no live state
answers 410 (``SCAIECHO_WEBRTC_SESSION_STATE_LOST``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Protocol

from scaigrid.errors import ScaigridError

from scaiecho.streaming.errors import webrtc_session_not_found, webrtc_state_lost, webrtc_unavailable
from scaiecho.streaming.webrtc.markers import SessionMarker, SessionMarkers
from scaiecho.streaming.webrtc.records import CreateSessionBody
from scaiecho.streaming.webrtc.session import WebRtcSession

if TYPE_CHECKING:
    from scaigrid.auth import Principal
    from scaigrid.blobs import BlobStore

    from scaiecho.contracts import BackendChoice
    from scaiecho.streaming.engine import StreamingSession
    from scaiecho.streaming.settings import StreamingSettings

__all__ = ["EngineSessions", "WebRtcManager", "require_webrtc"]


class EngineSessions(Protocol):
    """What the manager needs of the streaming runtime: engine sessions on the tenant's backend."""

    async def resolve(self, principal: Principal, backend_preference: str) -> BackendChoice: ...

    async def new_session(
        self,
        principal: Principal,
        choice: BackendChoice,
        *,
        language: str | None,
        diarize: bool,
        interim_results: bool,
        max_utterance_seconds: float | None = None,
    ) -> StreamingSession: ...

    def forget(self, session: StreamingSession) -> None: ...


log = logging.getLogger("scaiecho.streaming.webrtc")

_MAX_UTTERANCE = 30.0
"""Whisper reads at most 30 s; a longer ``chunk_seconds`` is cut here."""


def require_webrtc() -> None:
    """Raise 501 ``SCAIECHO_WEBRTC_UNAVAILABLE`` unless aiortc and av import."""
    for name in ("aiortc", "av"):
        try:
            __import__(name)
        except ImportError:
            raise webrtc_unavailable(name) from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebRtcManager:
    """Live WebRTC sessions of this process; markers in the blob store survive a restart."""

    def __init__(
        self, settings: StreamingSettings, engines: EngineSessions, *, blobs: BlobStore, node_id: str
    ) -> None:
        self.settings = settings
        self.engines = engines
        self.markers = SessionMarkers(blobs)
        self.node_id = node_id
        self.sessions: dict[str, WebRtcSession] = {}
        self._reaper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    # -- create / find ------------------------------------------------------------

    async def create(self, principal: Principal, body: CreateSessionBody) -> WebRtcSession:
        require_webrtc()
        settings = self.settings
        live = [s for s in self.sessions.values() if s.tenant_id == principal.tenant_id and s.live]
        limit = settings.max_sessions_per_tenant
        if len(live) >= limit:
            raise ScaigridError(
                429,
                "SCAIECHO_WEBRTC_TOO_MANY_SESSIONS",
                f"the tenant already holds {len(live)} live WebRTC sessions (limit {limit})",
            )
        choice = await self.engines.resolve(principal, body.backend_preference)
        engine = await self.engines.new_session(
            principal,
            choice,
            language=body.language_hint,
            diarize=False,
            interim_results=body.interim_results,
            max_utterance_seconds=min(body.chunk_seconds, _MAX_UTTERANCE),
        )
        now = _now()
        session = WebRtcSession(
            session_id=f"wrtc_{uuid.uuid4().hex}",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            body=body,
            choice=choice,
            engine=engine,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.session_ttl_seconds),
            outbox_capacity=settings.undelivered_deltas,
        )
        try:
            await self.markers.put(
                SessionMarker(
                    session_id=session.id,
                    tenant_id=session.tenant_id,
                    user_id=session.user_id,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                    node_id=self.node_id,
                )
            )
        except BaseException:
            await session.abort()
            self.engines.forget(engine)
            raise
        self.sessions[session.id] = session
        self._start_reaper()
        return session

    async def get(self, principal: Principal, session_id: str) -> WebRtcSession:
        """The caller's live session, or 404 / 410."""
        session = self.sessions.get(session_id)
        if session is not None and self._visible(session, principal):
            if session.expired(_now()):
                await self._expire(session)
                raise webrtc_session_not_found()
            return session
        if session is not None:
            raise webrtc_session_not_found()  # another tenant's or user's id
        marker = await self.markers.get(principal.tenant_id, session_id)
        if marker is None or marker.user_id != principal.user_id:
            raise webrtc_session_not_found()
        if marker.expires_at <= _now():
            await self.markers.delete(principal.tenant_id, session_id)
            raise webrtc_session_not_found()
        raise webrtc_state_lost()

    @staticmethod
    def _visible(session: WebRtcSession, principal: Principal) -> bool:
        return session.tenant_id == principal.tenant_id and session.user_id == principal.user_id

    # -- end ----------------------------------------------------------------------

    async def delete(self, principal: Principal, session_id: str) -> None:
        """DELETE: close the peer, drain in the background (the control socket still gets the
        last finals), forget the session. A lost session's marker is removed too."""
        try:
            session = await self.get(principal, session_id)
        except ScaigridError as err:
            if err.code != "SCAIECHO_WEBRTC_SESSION_STATE_LOST":
                raise
            await self.markers.delete(principal.tenant_id, session_id)
            return
        self.end(session)

    def end(self, session: WebRtcSession) -> asyncio.Task[None]:
        """Tear ``session`` down (idempotent); the task finishes once every delta is in its outbox."""
        self.sessions.pop(session.id, None)
        task = asyncio.create_task(self._end(session), name=f"scaiecho-webrtc-end-{session.id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _end(self, session: WebRtcSession) -> None:
        try:
            await session.teardown()
        finally:
            self.engines.forget(session.engine)
            with contextlib.suppress(Exception):
                await self.markers.delete(session.tenant_id, session.id)

    async def _expire(self, session: WebRtcSession) -> None:
        log.info("WebRTC session %s expired", session.id)
        await self.end(session)

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap(), name="scaiecho-webrtc-reaper")

    async def _reap(self) -> None:
        interval = max(1.0, min(30.0, self.settings.session_ttl_seconds / 4))
        while self.sessions:
            await asyncio.sleep(interval)
            now = _now()
            for session in [s for s in self.sessions.values() if s.expired(now)]:
                log.info("WebRTC session %s expired", session.id)
                self.end(session)

    async def close_all(self) -> None:
        """Shutdown: abort every session (peers cannot outlive the process; markers stay)."""
        if self._reaper is not None:
            self._reaper.cancel()
        sessions, self.sessions = list(self.sessions.values()), {}
        await asyncio.gather(*(s.abort() for s in sessions), return_exceptions=True)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
