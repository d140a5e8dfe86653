"""Creating, changing and erasing voices made from a reference recording.

``create`` checks everything a client can get wrong before anything is stored (preflight,
consent transcript and speaker, sources), stores the recordings and the consent row, and
starts the intake job, which matches the voice onto the closest preset (``embedding_status``
pending → processing → ready | failed). ``erase`` is the Art. 17 path: blobs deleted, row
tombstoned, consent PII cleared, an ``erasure_audit`` row written.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import sqlalchemy as sa
from scaiecho.contracts import TRANSCRIPTION, TranscribeOptions, TranscriptionService
from scaigrid.auth import Principal
from scaigrid.backends.builtin import VAD
from scaigrid.backends.vectors import cosine
from scaigrid.db import utcnow
from scaigrid.errors import BadRequest, Forbidden, ScaigridError
from scaigrid.platform import Platform
from scaigrid.uploads import UploadedFile

from scaispeak.intake.consent import word_error_rate
from scaispeak.intake.matching import PresetMatcher
from scaispeak.intake.preflight import Preflight, run_preflight
from scaispeak.licensing import LicenseTerms
from scaispeak.output_cache import OutputCache
from scaispeak.settings import ScaispeakSettings
from scaispeak.tables import consents, erasure_audit, licenses, voices
from scaispeak.warming import VoiceWarmer

__all__ = ["INTAKE_KIND", "NewVoice", "VoiceIntake", "blob_prefix"]

INTAKE_KIND = "intake"
_ERASED = "[erased]"


def blob_prefix(voice_id: str) -> str:
    return f"scaispeak/voices/{voice_id}/"


class NewVoice(msgspec.Struct, kw_only=True):
    """The validated text fields of ``POST /voices``."""

    display_name: str
    language_primary: str
    language_supported: list[str]
    gender_hint: str
    age_hint: str | None
    style_tags: list[str]
    description: str | None
    consent_user_full_name: str
    consent_stated_purpose: str
    consent_text: str


def _consent_invalid(message: str, **details: Any) -> ScaigridError:
    return BadRequest(message, code="SCAISPEAK_CONSENT_INVALID", details=details or None)


class VoiceIntake:
    def __init__(
        self,
        platform: Platform,
        settings: ScaispeakSettings,
        matcher: PresetMatcher,
        outputs: OutputCache,
        warmer: VoiceWarmer,
    ) -> None:
        self._platform = platform
        self._settings = settings
        self.matcher = matcher
        self._outputs = outputs
        self._warmer = warmer

    async def _pcm(self, path: Any) -> np.ndarray:
        from scaigrid.audio import decode

        return np.asarray(
            await self._platform.run_cpu(decode, str(path), sample_rate=16000, channels=1), np.float32
        )

    async def _speech(self, pcm: np.ndarray) -> list[tuple[float, float]]:
        if len(pcm) < 1600:
            return []
        spans = await self._platform.backends.call("vad", VAD, pcm)
        return [(s.start, s.end) for s in spans]

    async def create(
        self, principal: Principal, fields: NewVoice, reference: UploadedFile, consent: UploadedFile | None
    ) -> tuple[dict[str, Any], Preflight]:
        settings = self._settings
        if consent is None or consent.size == 0:
            raise _consent_invalid("the consent recording is missing")
        ref_pcm = await self._pcm(reference.path)
        preflight = await self._platform.run_cpu(
            run_preflight, ref_pcm, await self._speech(ref_pcm), settings
        )
        if not preflight.passed:
            failed = [c.name for c in preflight.checks if not c.passed]
            raise BadRequest(
                f"the reference recording failed quality checks: {', '.join(failed)}",
                code="SCAISPEAK_VOICE_PREFLIGHT_FAILED",
                extra={"preflight": msgspec.to_builtins(preflight)},
            )
        consent_pcm = await self._pcm(consent.path)
        if len(consent_pcm) / 16000 < settings.consent_min_seconds:
            raise _consent_invalid(
                f"the consent recording is shorter than {settings.consent_min_seconds:g} s",
                seconds=round(len(consent_pcm) / 16000, 3),
            )
        stt = self._platform.services.get(TRANSCRIPTION, TranscriptionService)
        heard = await stt.transcribe_pcm(
            consent_pcm,
            TranscribeOptions(language=fields.language_primary),
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
        )
        wer = word_error_rate(fields.consent_text, heard.text)
        if wer > settings.consent_max_word_error_rate:
            raise _consent_invalid(
                "the consent recording does not say the consent text",
                consent_transcript=heard.text,
                word_error_rate=round(wer, 3),
                max_word_error_rate=settings.consent_max_word_error_rate,
            )
        ref_vec = await self.matcher.embed(ref_pcm)
        same = cosine(ref_vec, await self.matcher.embed(consent_pcm))
        if same < settings.consent_min_speaker_similarity:
            raise _consent_invalid(
                "the consent was not read by the speaker of the reference recording",
                speaker_similarity=round(same, 3),
                min_speaker_similarity=settings.consent_min_speaker_similarity,
            )
        voice_id = str(uuid.uuid4())
        prefix = blob_prefix(voice_id)
        ref_key, consent_key = prefix + "reference", prefix + "consent"
        await self._platform.blobs.put_file(
            ref_key, reference.path, content_type=reference.content_type or "audio/wav"
        )
        await self._platform.blobs.put_file(
            consent_key, consent.path, content_type=consent.content_type or "audio/wav"
        )
        now = utcnow()
        row = {
            "id": voice_id,
            "scope": "user",
            "tenant_id": principal.tenant_id,
            "owner_user_id": principal.user_id,
            "display_name": fields.display_name,
            "description": fields.description,
            "language_primary": fields.language_primary,
            "languages_supported": fields.language_supported or [fields.language_primary],
            "gender_hint": fields.gender_hint,
            "age_hint": fields.age_hint,
            "style_tags": fields.style_tags,
            "kind": "matched",
            "engine": "",
            "engine_voice": "",
            "embedding_status": "pending",
            "reference_blob_key": ref_key,
            "consent_blob_key": consent_key,
            "preflight": msgspec.to_builtins(preflight),
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self._platform.db.begin() as conn:
                await conn.execute(voices.insert().values(**row))
                await conn.execute(
                    consents.insert().values(
                        id=str(uuid.uuid4()),
                        voice_id=voice_id,
                        full_name=fields.consent_user_full_name,
                        stated_purpose=fields.consent_stated_purpose,
                        consent_text=fields.consent_text,
                        transcript=heard.text,
                        word_error_rate=round(wer, 4),
                        speaker_similarity=round(same, 4),
                        recorded_at=now,
                    )
                )
                await self._platform.db.audit(
                    conn,
                    actor=principal.actor,
                    action="scaispeak.voice.create",
                    tenant_id=principal.tenant_id,
                    module_id="scaispeak",
                    target=voice_id,
                    details={"consent_word_error_rate": round(wer, 4)},
                )
            await self.start(principal.tenant_id, principal.user_id, voice_id)
        except BaseException:
            await self._platform.blobs.delete_prefix(prefix)  # no orphaned voice recordings
            raise
        return row, preflight

    async def create_global(
        self,
        principal: Principal,
        fields: NewVoice,
        reference: UploadedFile,
        terms: LicenseTerms,
        document: UploadedFile | None,
    ) -> tuple[str, str, Preflight]:
        """A platform voice licensed (not consented): preflight, recording, licence row, intake job."""
        ref_pcm = await self._pcm(reference.path)
        preflight = await self._platform.run_cpu(
            run_preflight, ref_pcm, await self._speech(ref_pcm), self._settings
        )
        if not preflight.passed:
            failed = [c.name for c in preflight.checks if not c.passed]
            raise BadRequest(
                f"the reference recording failed quality checks: {', '.join(failed)}",
                code="SCAISPEAK_VOICE_PREFLIGHT_FAILED",
                extra={"preflight": msgspec.to_builtins(preflight)},
            )
        voice_id, license_id = str(uuid.uuid4()), str(uuid.uuid4())
        prefix = blob_prefix(voice_id)
        await self._platform.blobs.put_file(prefix + "reference", reference.path, content_type="audio/wav")
        document_key = None
        if document is not None and document.size:
            document_key = prefix + "license.pdf"
            await self._platform.blobs.put_file(document_key, document.path, content_type="application/pdf")
        now = utcnow()
        try:
            async with self._platform.db.begin() as conn:
                await conn.execute(
                    voices.insert().values(
                        id=voice_id,
                        scope="global",
                        tenant_id=None,
                        owner_user_id=None,
                        display_name=fields.display_name,
                        description=fields.description,
                        language_primary=fields.language_primary,
                        languages_supported=fields.language_supported or [fields.language_primary],
                        gender_hint=fields.gender_hint,
                        age_hint=fields.age_hint,
                        style_tags=fields.style_tags,
                        kind="matched",
                        engine="",
                        engine_voice="",
                        embedding_status="pending",
                        reference_blob_key=prefix + "reference",
                        preflight=msgspec.to_builtins(preflight),
                        created_at=now,
                        updated_at=now,
                    )
                )
                await conn.execute(
                    licenses.insert().values(
                        id=license_id,
                        voice_id=voice_id,
                        license_type=terms.license_type,
                        licensor_name=terms.licensor_name,
                        licensor_reference=terms.licensor_reference,
                        terms_summary=terms.terms_summary,
                        valid_from=terms.valid_from,
                        valid_until=terms.valid_until,
                        usage_limit_chars=terms.usage_limit_chars,
                        usage_chars=0,
                        document_blob_key=document_key,
                        status="active",
                        created_at=now,
                    )
                )
                await self._platform.db.audit(
                    conn,
                    actor=principal.actor,
                    action="scaispeak.global_voice.create",
                    module_id="scaispeak",
                    target=voice_id,
                    details={"license_type": terms.license_type, "licensor": terms.licensor_name},
                )
            await self.start(principal.tenant_id, principal.user_id, voice_id)
        except BaseException:
            await self._platform.blobs.delete_prefix(prefix)
            raise
        return voice_id, license_id, preflight

    async def revoke_global(self, principal: Principal, row: Any, trigger: str) -> dict[str, Any]:
        """The licence takes the trigger's status, then the full erasure pipeline runs."""
        status = {"license_revoked": "revoked", "license_expired": "expired", "platform_decision": "revoked"}[
            trigger
        ]
        async with self._platform.db.begin() as conn:
            await conn.execute(licenses.update().where(licenses.c.voice_id == row.id).values(status=status))
        return await self.erase(principal, row, trigger=trigger)

    async def start(self, tenant_id: str, user_id: str | None, voice_id: str) -> None:
        from scaispeak.plugin import MODULE_ID

        await self._platform.jobs.enqueue(
            module=MODULE_ID,
            kind=INTAKE_KIND,
            payload={"voice_id": voice_id},
            tenant_id=tenant_id,
            user_id=user_id,
        )

    async def process(self, voice_id: str) -> dict[str, Any]:
        """The intake job: match the reference onto the closest preset; failures are recorded."""
        await self._set(voice_id, embedding_status="processing", intake_error=None)
        async with self._platform.db.connect() as conn:
            row = (await conn.execute(sa.select(voices).where(voices.c.id == voice_id))).first()
        if row is None or row.deleted_at is not None or not row.reference_blob_key:
            return {"voice_id": voice_id, "skipped": True}
        try:
            with tempfile.TemporaryDirectory(prefix="scaispeak-ref-") as tmp:
                path = await self._platform.blobs.download(row.reference_blob_key, Path(tmp) / "reference")
                pcm = await self._pcm(path)
            match = await self.matcher.match(await self.matcher.embed(pcm), row.language_primary)
        except ScaigridError as exc:
            await self._set(voice_id, embedding_status="failed", intake_error=f"{exc.code}: {exc.message}")
            raise
        await self._set(
            voice_id,
            embedding_status="ready",
            engine=match.preset.engine,
            engine_voice=match.preset.engine_voice,
            matched_base_voice=match.preset.id,
            similarity=match.similarity,
        )
        return {"voice_id": voice_id, "matched_base_voice": match.preset.id, "similarity": match.similarity}

    async def _set(self, voice_id: str, **values: Any) -> None:
        async with self._platform.db.begin() as conn:
            await conn.execute(
                voices.update().where(voices.c.id == voice_id).values(updated_at=utcnow(), **values)
            )

    @staticmethod
    def can_change(principal: Principal, row: Any) -> bool:
        if principal.is_superadmin:
            return True
        if row.scope == "user":
            return bool(row.owner_user_id == principal.user_id and row.tenant_id == principal.tenant_id)
        if row.scope == "tenant":  # its owner (who shared it) or a tenant admin
            owner = row.owner_user_id == principal.user_id
            return bool(row.tenant_id == principal.tenant_id and (owner or principal.has("scaispeak:admin")))
        return False

    def require_change(self, principal: Principal, row: Any) -> None:
        if not self.can_change(principal, row):
            raise Forbidden("you cannot change this voice", code="SCAISPEAK_VOICE_ACCESS_DENIED")

    async def erase(self, principal: Principal, row: Any, *, trigger: str = "user_request") -> dict[str, Any]:
        """Art. 17: recordings and cached outputs deleted, row tombstoned, consent PII cleared, an
        erasure_audit row."""
        deleted = await self._platform.blobs.delete_prefix(blob_prefix(row.id))
        cached = await self._outputs.forget_voice(row.id)
        now = utcnow()
        async with self._platform.db.begin() as conn:
            await conn.execute(
                voices.update()
                .where(voices.c.id == row.id)
                .values(
                    embedding_status="evicted",
                    display_name=_ERASED,
                    description=None,
                    reference_blob_key=None,
                    consent_blob_key=None,
                    preflight=None,
                    deleted_at=now,
                    updated_at=now,
                )
            )
            await conn.execute(
                consents.update()
                .where(consents.c.voice_id == row.id)
                .values(full_name=None, stated_purpose=None, consent_text=None, transcript=None)
            )
            await conn.execute(
                erasure_audit.insert().values(
                    voice_id=row.id,
                    tenant_id=row.tenant_id,
                    actor=principal.actor,
                    trigger=trigger,
                    blobs_deleted=deleted,
                    details={"scope": row.scope, "cached_outputs": cached, "legal_basis": "GDPR Art. 17"},
                    erased_at=now,
                )
            )
        outcomes = await self._warmer.fan_out(row.id, "evict")  # EvictVoice to every warm node
        return {
            "voice_id": row.id,
            "erased": True,
            "erased_at": now,
            "blobs_deleted": deleted,
            "audit_logged": True,
            "evicted_from": [o.node_id for o in outcomes if o.ok],
        }
