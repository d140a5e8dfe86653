"""One live WebRTC transcription session: its settings, engine, peer and outbox.

State machine: ``created`` → (offer) ``connecting`` → ``connected`` → ``closing``
(DELETE, control ``close``, peer gone) → ``closed``; ``failed`` when the engine or
the connection fails. The engine exists from creation, so a control socket may
attach before the offer and receives every delta from the first one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Literal

from scaigrid.errors import Conflict, ScaigridError

from scaiecho.contracts import BackendChoice
from scaiecho.streaming.engine import StreamingSession
from scaiecho.streaming.webrtc.outbox import Outbox
from scaiecho.streaming.webrtc.peer import AudioPlane
from scaiecho.streaming.webrtc.records import CreateSessionBody, IceCandidateBody, SessionView

__all__ = ["SessionStatus", "WebRtcSession"]

log = logging.getLogger("scaiecho.streaming.webrtc")

SessionStatus = Literal["created", "connecting", "connected", "closing", "closed", "failed"]


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


class WebRtcSession:
    def __init__(
        self,
        *,
        session_id: str,
        tenant_id: str,
        user_id: str,
        body: CreateSessionBody,
        choice: BackendChoice,
        engine: StreamingSession,
        created_at: dt.datetime,
        expires_at: dt.datetime,
        outbox_capacity: int,
    ) -> None:
        self.id = session_id
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.body = body
        self.choice = choice
        self.engine = engine
        self.created_at = created_at
        self.expires_at = expires_at
        self.status: SessionStatus = "created"
        self.outbox = Outbox(outbox_capacity)
        self.plane: AudioPlane | None = None
        self.control_attached = False
        self._early_candidates: list[IceCandidateBody] = []
        self._finishing: asyncio.Task[None] | None = None
        self._pump = asyncio.create_task(self._pump_deltas(), name=f"scaiecho-webrtc-pump-{session_id}")

    # -- views ------------------------------------------------------------------------

    def view(self, prefix: str) -> SessionView:
        base = f"{prefix}/stream/transcribe/webrtc/sessions/{self.id}"
        return SessionView(
            session_id=self.id,
            status=self.status,
            created_at=_iso(self.created_at),
            expires_at=_iso(self.expires_at),
            backend_used=self.choice.kind,
            language_hint=self.body.language_hint,
            media_type=self.body.media_type,
            backend_preference=self.body.backend_preference,
            chunk_seconds=self.body.chunk_seconds,
            sample_rate=self.body.sample_rate,
            interim_results=self.body.interim_results,
            ice_servers=list(self.body.ice_servers or []),
            offer_url=f"{base}/offer",
            ice_candidates_url=f"{base}/ice-candidates",
            control_url=f"{base}/control",
        )

    @property
    def live(self) -> bool:
        return self.status not in ("closing", "closed", "failed")

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    # -- signalling -----------------------------------------------------------------

    async def answer(self, offer_sdp: str) -> str:
        if not self.live:
            raise Conflict(f"session is {self.status}", code="SCAIECHO_WEBRTC_SESSION_CLOSED")
        if self.plane is not None:
            raise Conflict(
                "this session already has a peer connection", code="SCAIECHO_WEBRTC_ALREADY_NEGOTIATED"
            )
        self.plane = AudioPlane(
            self.engine,
            ice_servers=list(self.body.ice_servers or []),
            on_state=self._on_connection_state,
            on_ended=self._on_audio_ended,
        )
        self.status = "connecting"
        plane = self.plane
        try:
            for body in self._early_candidates:
                await plane.add_candidate(body)  # held by the plane until the offer is applied
            sdp = await plane.answer(offer_sdp)
        except BaseException:
            # A bad offer leaves the session as it was: the client may send a corrected one.
            self.plane = None
            self.status = "created"
            await plane.close(report=False)
            raise
        self._early_candidates.clear()
        return sdp

    async def add_candidate(self, body: IceCandidateBody) -> None:
        """Trickle one remote candidate; one that arrives before the offer waits for it."""
        if not self.live:
            raise Conflict(f"session is {self.status}", code="SCAIECHO_WEBRTC_SESSION_CLOSED")
        if self.plane is None:
            self._early_candidates.append(body)
            return
        await self.plane.add_candidate(body)

    async def _on_connection_state(self, state: str) -> None:
        if state == "connected" and self.status == "connecting":
            self.status = "connected"

    # -- ending -----------------------------------------------------------------------

    async def _on_audio_ended(self, error: ScaigridError | None) -> None:
        """The track ended (or failed): drain the engine so the last utterance gets its final."""
        self._finish(error)

    def _finish(self, error: ScaigridError | None = None) -> asyncio.Task[None]:
        if self._finishing is None:
            self._finishing = asyncio.create_task(self._drain(error), name=f"scaiecho-webrtc-drain-{self.id}")
        return self._finishing

    async def _drain(self, error: ScaigridError | None) -> None:
        if error is not None:
            self.status = "failed"
            self.outbox.end(error)  # before the engine stops, so the pump cannot end it cleanly
            await self.engine.aclose()
            return
        if self.status != "failed":
            self.status = "closing"
        await self.engine.flush()
        await self._pump
        if self.status != "failed":
            self.status = "closed"

    async def teardown(self) -> None:
        """Close the peer and drain the engine; every final reaches the outbox."""
        if self.live:
            self.status = "closing"
        if self.plane is not None:
            await self.plane.close()
        await self._finish()

    async def abort(self) -> None:
        """Stop at once (shutdown): no drain."""
        self.status = "closed" if self.status != "failed" else "failed"
        if self.plane is not None:
            await self.plane.close()
        await self.engine.aclose()
        self._pump.cancel()
        self.outbox.end()

    async def _pump_deltas(self) -> None:
        error: ScaigridError | None = None
        try:
            async for delta in self.engine:
                self.outbox.put(delta)
        except ScaigridError as err:
            error = err
            self.status = "failed"
        finally:
            self.outbox.end(error)

    @property
    def audio_bytes(self) -> int:
        return self.plane.frames.bytes_received if self.plane is not None else 0
