"""``POST /speak`` idempotency: the same key with the same parameters answers the same audio (or the
same job) without synthesizing again; the same key with other parameters is 409
``SCAISPEAK_IDEMPOTENCY_CONFLICT``. Keys are scoped to the caller's tenant and user.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import msgspec
import sqlalchemy as sa
from scaigrid.blobs import BlobStore
from scaigrid.db import Database, utcnow
from scaigrid.errors import Conflict
from sqlalchemy.exc import IntegrityError

from scaispeak.records import SpeakRequest, Speech
from scaispeak.tables import outputs

__all__ = ["Cached", "OutputCache", "params_hash"]

_IGNORED = ("idempotency_key", "force_async", "inline_response")


def params_hash(body: SpeakRequest) -> str:
    """What makes two requests the same synthesis (the key and delivery options aside)."""
    values = {k: v for k, v in msgspec.to_builtins(body).items() if k not in _IGNORED}
    return hashlib.sha256(msgspec.json.encode(values, order="sorted")).hexdigest()


class Cached(msgspec.Struct, kw_only=True):
    speech: Speech | None = None
    job_id: str | None = None


class OutputCache:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self._db = db
        self._blobs = blobs

    async def lookup(self, tenant_id: str, user_id: str, body: SpeakRequest) -> Cached | None:
        if body.idempotency_key is None:
            return None
        o = outputs.c
        stmt = sa.select(outputs).where(
            o.tenant_id == tenant_id, o.user_id == user_id, o.idempotency_key == body.idempotency_key
        )
        async with self._db.connect() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        if row.params_sha256 != params_hash(body):
            raise Conflict(
                "this idempotency_key was used with other parameters",
                code="SCAISPEAK_IDEMPOTENCY_CONFLICT",
                details={"idempotency_key": body.idempotency_key},
            )
        if row.job_id is not None:
            return Cached(job_id=row.job_id)
        speech = msgspec.convert(row.speech, Speech)
        if body.inline_response and row.blob_key:
            audio = await self._blobs.read(row.blob_key)
            speech = msgspec.structs.replace(speech, audio_base64=base64.b64encode(audio).decode("ascii"))
        return Cached(speech=speech)

    async def store(
        self,
        tenant_id: str,
        user_id: str,
        body: SpeakRequest,
        *,
        audio: bytes | None = None,
        speech: Speech | None = None,
        job_id: str | None = None,
    ) -> None:
        if body.idempotency_key is None:
            return
        key_hash = hashlib.sha256(body.idempotency_key.encode()).hexdigest()[:32]
        blob_key = None
        if audio is not None:
            blob_key = f"scaispeak/outputs/{tenant_id}/idem-{key_hash}.{body.response_format}"
            await self._blobs.put(blob_key, audio)
        stored: Any = (
            msgspec.to_builtins(msgspec.structs.replace(speech, audio_base64=None)) if speech else None
        )
        try:
            async with self._db.begin() as conn:
                await conn.execute(
                    outputs.insert().values(
                        tenant_id=tenant_id,
                        user_id=user_id,
                        idempotency_key=body.idempotency_key,
                        params_sha256=params_hash(body),
                        voice_id=body.voice_id,
                        blob_key=blob_key,
                        speech=stored,
                        job_id=job_id,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # a concurrent first request with the same key stored it: the same audio either way

    async def forget_voice(self, voice_id: str) -> int:
        """Erasure: drop every cached output of a voice (rows and audio)."""
        async with self._db.begin() as conn:
            rows = (
                await conn.execute(sa.select(outputs.c.blob_key).where(outputs.c.voice_id == voice_id))
            ).all()
            await conn.execute(outputs.delete().where(outputs.c.voice_id == voice_id))
        for (key,) in rows:
            if key:
                await self._blobs.delete(key)
        return len(rows)

    async def forget_tenant(self, tenant_id: str | None) -> None:
        stmt = (
            outputs.delete()
            if tenant_id is None
            else outputs.delete().where(outputs.c.tenant_id == tenant_id)
        )
        async with self._db.begin() as conn:
            await conn.execute(stmt)
