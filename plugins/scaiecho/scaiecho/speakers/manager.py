"""Enrollment, erasure (GDPR Art. 17) and warm fan-out of speaker profiles.

An enrollment is accepted only when the reference passes the preflight and the
consent recording says the consent text. Its embedding is then warmed on every
live node (each process keeps the vectors it serves in memory); erasure deletes
the blobs, tombstones the row, writes an audit row and evicts the embedding
from every node.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from scaigrid.auth import Principal
from scaigrid.db import utcnow

from scaiecho import errors
from scaiecho.contracts import TranscribeOptions
from scaiecho.speakers.consent import word_error_rate
from scaiecho.speakers.preflight import run_preflight
from scaiecho.speakers.store import Speaker, to_speaker

if TYPE_CHECKING:
    from scaigrid.platform import Platform

    from scaiecho.pcm import PcmLoader
    from scaiecho.services import SpeakerEmbedder, Transcriber
    from scaiecho.settings import ScaiechoSettings
    from scaiecho.speakers.store import SpeakerStore

__all__ = ["NODE_KIND", "EnrollRequest", "SpeakerManager"]

log = logging.getLogger("scaigrid.modules.scaiecho")

NODE_KIND = "scaiecho.speaker"
NODE_CAPABILITY = "speaker_embedding"
_ERASED = "[erased]"


class EnrollRequest(msgspec.Struct, kw_only=True):
    """The validated text fields of ``POST /speakers``."""

    display_name: str
    language_primary: str
    description: str | None
    scope: str
    consent_user_full_name: str
    consent_stated_purpose: str
    consent_text: str


def _blob_prefix(speaker_id: str) -> str:
    return f"scaiecho/speakers/{speaker_id}/"


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"


class SpeakerManager:
    """The speaker operations behind the routes, plus this node's warm embeddings."""

    def __init__(
        self,
        settings: ScaiechoSettings,
        *,
        speakers: SpeakerStore,
        audio: PcmLoader,
        embedding: SpeakerEmbedder,
        transcription: Transcriber,
        platform: Platform,
    ) -> None:
        self.settings = settings
        self.speakers = speakers
        self.audio = audio
        self.embedding = embedding
        self.transcription = transcription
        self.platform = platform
        self.warm: dict[str, list[float]] = {}

    # -- node warm handler ---------------------------------------------------------------

    async def handle(self, action: str, speaker_id: str) -> str | None:
        """Node handler: ``warm`` loads the embedding into this process, ``evict`` drops it."""
        if action == "evict":
            self.warm.pop(speaker_id, None)
            return None
        row = await self.speakers.get_any(speaker_id)
        if row is None:
            raise errors.speaker_not_found()
        embedding = row["embedding"]
        if embedding is None:
            if not row["reference_blob_key"]:
                raise errors.speaker_no_reference()
            embedding = await self._embed_blob(row["reference_blob_key"])
            await self.speakers.update(speaker_id, {"embedding": embedding, "updated_at": utcnow()})
        self.warm[speaker_id] = [float(x) for x in embedding]
        return f"{NODE_KIND}:{speaker_id}"

    async def _embed_blob(self, key: str) -> list[float]:
        with tempfile.TemporaryDirectory(prefix="scaiecho-ref-") as tmp:
            path = await self.platform.blobs.download(key, Path(tmp) / ("reference" + _suffix(key)))
            return await self.embedding.embed(path)

    async def _fan_out(self, speaker_id: str, action: str, node_ids: list[str] | None = None) -> list[Any]:
        nodes = self.platform.nodes
        outcomes: list[Any] = await nodes.fan_out(
            NODE_KIND, speaker_id, action, node_ids, self.handle, capability=NODE_CAPABILITY
        )
        return outcomes

    # -- enrollment ----------------------------------------------------------------------

    async def enroll(
        self, principal: Principal, req: EnrollRequest, reference: Any, consent: Any
    ) -> dict[str, Any]:
        """Check, store and warm a new speaker; returns the 201 body's ``data``."""
        settings = self.settings
        if req.scope == "global" and not principal.is_superadmin:
            raise errors.speaker_access_denied("only a SuperAdmin can enroll a global speaker")
        if consent is None or consent.size < settings.consent_min_bytes:
            raise errors.consent_invalid(
                f"the consent recording is missing or smaller than {settings.consent_min_bytes} bytes",
                details={"min_bytes": settings.consent_min_bytes, "size": consent.size if consent else 0},
            )
        if reference.size == 0:
            raise errors.empty_audio("the reference audio file is empty")
        pcm = await self.audio.pcm(reference.path)
        spans = (
            await self.platform.backends.call("vad", settings.vad_backend, pcm) if len(pcm) >= 1600 else []
        )
        speech = [(span.start, span.end) for span in spans]
        preflight = await self.platform.run_cpu(run_preflight, pcm, speech, settings)
        preflight_out = msgspec.to_builtins(preflight)
        if not preflight.passed:
            raise errors.preflight_failed(preflight_out)
        heard = await self.transcription.transcribe_file(
            consent.path,
            TranscribeOptions(language=req.language_primary),
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
        )
        wer = word_error_rate(req.consent_text, heard.text)
        if wer > settings.consent_max_word_error_rate:
            raise errors.consent_invalid(
                "the consent recording does not say the consent text",
                details={
                    "consent_transcript": heard.text,
                    "word_error_rate": round(wer, 3),
                    "max_word_error_rate": settings.consent_max_word_error_rate,
                },
            )
        embedding = await self.embedding.embed(pcm)
        speaker_id = str(uuid.uuid4())
        prefix = _blob_prefix(speaker_id)
        ref_key = prefix + "reference" + _suffix(reference.filename)
        consent_key = prefix + "consent" + _suffix(consent.filename)
        await self.platform.blobs.put_file(
            ref_key, reference.path, content_type=reference.content_type or "application/octet-stream"
        )
        await self.platform.blobs.put_file(
            consent_key, consent.path, content_type=consent.content_type or "application/octet-stream"
        )
        now = utcnow()
        values = {
            "id": speaker_id,
            "tenant_id": None if req.scope == "global" else principal.tenant_id,
            "owner_user_id": principal.user_id if req.scope == "user" else None,
            "scope": req.scope,
            "display_name": req.display_name,
            "description": req.description,
            "language_primary": req.language_primary,
            "enrollment_status": "ready",
            "embedding": embedding,
            "reference_blob_key": ref_key,
            "consent_blob_key": consent_key,
            "consent_user_full_name": req.consent_user_full_name,
            "consent_stated_purpose": req.consent_stated_purpose,
            "consent_text": req.consent_text,
            "consent_transcript": heard.text,
            "consent_word_error_rate": round(wer, 4),
            "consent_recorded_at": now,
            "preflight": preflight_out,
            "created_by": principal.user_id,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self.speakers.insert(values)
        except Exception:
            await self.platform.blobs.delete_prefix(prefix)  # no orphaned biometric audio
            raise
        await self.platform.db.audit(
            None,
            actor=principal.actor,
            action="scaiecho.speaker.enroll",
            tenant_id=principal.tenant_id,
            module_id="scaiecho",
            target=speaker_id,
            details={"scope": req.scope, "consent_word_error_rate": round(wer, 4)},
        )
        outcomes = await self._fan_out(speaker_id, "warm")
        data: dict[str, Any] = {
            **msgspec.to_builtins(to_speaker(values)),
            "preflight": preflight_out,
            "enrolled_on": [o.node_id for o in outcomes if o.ok],
        }
        failed = {o.node_id: o.error for o in outcomes if not o.ok}
        if failed:
            data["enroll_errors"] = failed
        if not outcomes:
            data["note"] = "no diarization node is online; the speaker is loaded on first use"
        return data

    # -- changes -------------------------------------------------------------------------

    async def patch(self, principal: Principal, speaker_id: str, changes: dict[str, Any]) -> Speaker:
        await self.speakers.get_for_change(principal, speaker_id)
        if changes:
            await self.speakers.update(speaker_id, {**changes, "updated_at": utcnow()})
        return to_speaker(await self.speakers.get_visible(principal, speaker_id))

    async def erase(self, principal: Principal, speaker_id: str) -> dict[str, Any]:
        """Art. 17: blobs deleted, audit row, tombstone, embedding evicted from every node."""
        row = await self.speakers.get_for_change(principal, speaker_id)
        blobs_deleted = await self.platform.blobs.delete_prefix(_blob_prefix(speaker_id))
        now = utcnow()
        async with self.platform.db.begin() as conn:
            await self.speakers.update(
                speaker_id,
                {
                    "enrollment_status": "evicted",
                    "embedding": None,
                    "reference_blob_key": None,
                    "consent_blob_key": None,
                    "display_name": _ERASED,
                    "description": None,
                    "consent_user_full_name": None,
                    "consent_stated_purpose": None,
                    "consent_text": None,
                    "consent_transcript": None,
                    "preflight": None,
                    "deleted_at": now,
                    "deleted_by": principal.actor,
                    "updated_at": now,
                },
                conn=conn,
            )
            await self.platform.db.audit(
                conn,
                actor=principal.actor,
                action="scaiecho.speaker.erase",
                tenant_id=row["tenant_id"] or principal.tenant_id,
                module_id="scaiecho",
                target=speaker_id,
                details={
                    "scope": row["scope"],
                    "blobs_deleted": blobs_deleted,
                    "legal_basis": "GDPR Art. 17",
                },
            )
        outcomes = await self._fan_out(speaker_id, "evict")
        return {
            "speaker_id": speaker_id,
            "erased": True,
            "erased_at": now,
            "blobs_deleted": blobs_deleted,
            "audit_logged": True,
            "evicted_from": [o.node_id for o in outcomes if o.ok],
            "evict_errors": {o.node_id: o.error for o in outcomes if not o.ok},
        }

    async def warm_status(self, principal: Principal, speaker_id: str) -> dict[str, Any]:
        row = await self.speakers.get_visible(principal, speaker_id)
        nodes = self.platform.nodes
        candidates = [n.node_id for n in await nodes.nodes(NODE_CAPABILITY)]
        warm_on = await nodes.warm_nodes(NODE_KIND, speaker_id)
        return {
            "speaker_id": speaker_id,
            "enrollment_status": row["enrollment_status"],
            "warm_on": warm_on,
            "cold_on": [n for n in candidates if n not in warm_on],
            "candidates": candidates,
        }

    async def warm_nodes(self, principal: Principal, speaker_id: str, node_ids: list[str]) -> dict[str, Any]:
        row = await self.speakers.get_for_change(principal, speaker_id)
        if row["enrollment_status"] != "ready":
            raise errors.speaker_not_ready(row["enrollment_status"])
        if not row["reference_blob_key"]:
            raise errors.speaker_no_reference()
        outcomes = await self._fan_out(speaker_id, "warm", node_ids or None)
        return {
            "speaker_id": speaker_id,
            "outcomes": [msgspec.to_builtins(o) for o in outcomes if o.error != "skipped_not_candidate"],
            "skipped_not_candidate": [o.node_id for o in outcomes if o.error == "skipped_not_candidate"],
        }

    async def delete_all_blobs(self, tenant_id: str | None = None) -> int:
        """Delete the audio of every speaker of a tenant (or of all, on uninstall, before the
        module's tables are dropped) and forget their warm embeddings here; returns how many."""
        ids = await self.speakers.ids(tenant_id)
        for speaker_id in ids:
            await self.platform.blobs.delete_prefix(_blob_prefix(speaker_id))
            self.warm.pop(speaker_id, None)
        return len(ids)
