"""``POST /voices`` (a voice from a reference + consent recording), ``PATCH``/``DELETE /voices/{id}``,
``/share``, ``/repromote`` and ``GET /admin/erasure/audit``."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, delete, get, patch, post
from litestar.params import Parameter
from scaigrid.auth import Principal, requires
from scaigrid.db import utcnow
from scaigrid.errors import BadRequest, Forbidden, NotFound
from scaigrid.uploads import read_multipart

from scaispeak.errors import bad_request
from scaispeak.intake.service import NewVoice
from scaispeak.state import Module
from scaispeak.tables import erasure_audit, voices

__all__ = ["voice_write_routes"]

WRITE = requires("scaispeak:voice.write")
_LANG = re.compile(r"^[a-z]{2}$")
_GENDERS = ("female", "male", "neutral", "unspecified")


def _text(value: str | None, field: str, *, required: bool, limit: int = 200) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise bad_request(f"{field} is required", field=field)
        return None
    if len(text) > limit:
        raise bad_request(f"{field} is longer than {limit} characters", field=field)
    return text


def _json_list(value: str | None, field: str) -> list[str]:
    if not value:
        return []
    try:
        items = json.loads(value)
    except ValueError as exc:
        raise bad_request(f"{field} must be a JSON array of strings", field=field) from exc
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise bad_request(f"{field} must be a JSON array of strings", field=field)
    return [i.strip() for i in items if i.strip()]


def _language(value: str | None, field: str) -> str:
    code = (value or "").strip().lower()
    if not _LANG.match(code):
        raise bad_request(f"{field} must be a two-letter ISO 639-1 code", field=field)
    return code


@post(
    "/voices",
    guards=[WRITE],
    status_code=201,
    request_max_body_size=None,
    summary="Create a voice from a reference and a consent recording (voice matching)",
    description=(
        "Multipart: reference (file), consent (file), display_name, language_primary, "
        "consent_user_full_name, consent_stated_purpose, consent_text; optional "
        "language_supported_json, gender_hint, age_hint, style_tags_json, description. "
        "An intake job matches the voice onto the closest preset voice (embedding_status "
        "pending → ready); the voice reports matched_base_voice and similarity."
    ),
)
async def create_voice(
    request: Request[Any, Any, Any], module: Module, principal: Principal
) -> Response[Any]:
    limit = module.settings.max_upload_bytes
    async with await read_multipart(
        request, max_file_bytes=limit, max_files=2, file_fields={"reference", "consent"}
    ) as form:
        for name in ("reference", "consent"):
            inline, drive = form.file(name), form.get(f"{name}_scaidrive_json")
            if inline is not None and drive:
                raise BadRequest(
                    f"{name} came as a file and as {name}_scaidrive_json: send one",
                    code="SCAISPEAK_AMBIGUOUS_SOURCE",
                    details={"field": name},
                )
            if drive:
                raise NotFound(
                    "ScaiDrive is not configured in this deployment", code="SCAISPEAK_SCAIDRIVE_NOT_AVAILABLE"
                )
        reference = form.file("reference")
        if reference is None or reference.size == 0:
            raise bad_request("the form needs a reference recording in field 'reference'", field="reference")
        gender = (form.get("gender_hint") or "unspecified").strip()
        if gender not in _GENDERS:
            raise bad_request(f"gender_hint must be one of {', '.join(_GENDERS)}", field="gender_hint")
        consent_fields = {
            name: (form.get(name) or "").strip()
            for name in ("consent_user_full_name", "consent_stated_purpose", "consent_text")
        }
        missing = [name for name, value in consent_fields.items() if not value]
        if missing:
            raise BadRequest(
                f"missing consent fields: {', '.join(missing)}",
                code="SCAISPEAK_CONSENT_INVALID",
                details={"missing": missing},
            )
        fields = NewVoice(
            display_name=_text(form.get("display_name"), "display_name", required=True) or "",
            language_primary=_language(form.get("language_primary"), "language_primary"),
            language_supported=[
                _language(c, "language_supported_json")
                for c in _json_list(form.get("language_supported_json"), "language_supported_json")
            ],
            gender_hint=gender,
            age_hint=_text(form.get("age_hint"), "age_hint", required=False, limit=32),
            style_tags=_json_list(form.get("style_tags_json"), "style_tags_json"),
            description=_text(form.get("description"), "description", required=False, limit=2000),
            **consent_fields,
        )
        row, preflight = await module.state.intake.create(principal, fields, reference, form.file("consent"))
    _, voice = await module.state.voices.get_visible(principal, row["id"])
    body = {**msgspec.to_builtins(voice), "preflight": msgspec.to_builtins(preflight)}
    return Response({"data": body}, status_code=201)


class VoicePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    language_supported: list[Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")]] | None = None
    gender_hint: str | None = None
    age_hint: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    style_tags: list[Annotated[str, msgspec.Meta(max_length=50)]] | None = None
    scope: str | None = None
    """Not settable here: a value answers 400 (use ``/share``)."""


@patch("/voices/{voice_id:str}", guards=[WRITE], summary="Change a voice's library fields")
async def patch_voice(
    voice_id: str, data: VoicePatch, module: Module, principal: Principal
) -> dict[str, Any]:
    state = module.state
    row, _ = await state.voices.get_visible(principal, voice_id)
    if data.scope is not None:
        raise bad_request("scope cannot be changed here; use POST /voices/{voice_id}/share", field="scope")
    state.intake.require_change(principal, row)
    if data.gender_hint is not None and data.gender_hint not in _GENDERS:
        raise bad_request(f"gender_hint must be one of {', '.join(_GENDERS)}", field="gender_hint")
    changes: dict[str, Any] = {
        k: v for k, v in msgspec.structs.asdict(data).items() if v is not None and k != "scope"
    }
    if "language_supported" in changes:
        changes["languages_supported"] = changes.pop("language_supported")
    if changes:
        async with module.platform.db.begin() as conn:
            await conn.execute(
                voices.update().where(voices.c.id == voice_id).values(updated_at=utcnow(), **changes)
            )
    _, voice = await state.voices.get_visible(principal, voice_id)
    return {"data": voice}


@delete("/voices/{voice_id:str}", guards=[WRITE], status_code=200, summary="Erase a voice (GDPR Art. 17)")
async def delete_voice(voice_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    state = module.state
    row, _ = await state.voices.get_visible(principal, voice_id)
    if row.scope == "global":
        raise Forbidden("global voices are revoked by a SuperAdmin", code="SCAISPEAK_VOICE_ACCESS_DENIED")
    state.intake.require_change(principal, row)
    return {"data": await state.intake.erase(principal, row)}


@post(
    "/voices/{voice_id:str}/share",
    guards=[requires("scaispeak:voice.share")],
    status_code=200,
    summary="Promote a user-scope voice to tenant scope",
)
async def share_voice(voice_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    row, _ = await module.state.voices.get_visible(principal, voice_id)
    if row.scope != "user" or row.owner_user_id != principal.user_id:
        raise Forbidden(
            "only the owner can share their own user-scope voice", code="SCAISPEAK_VOICE_SHARE_FORBIDDEN"
        )
    async with module.platform.db.begin() as conn:
        await conn.execute(
            voices.update().where(voices.c.id == voice_id).values(scope="tenant", updated_at=utcnow())
        )
    _, voice = await module.state.voices.get_visible(principal, voice_id)
    return {"data": voice}


@post("/voices/{voice_id:str}/repromote", guards=[WRITE], status_code=202, summary="Re-run intake")
async def repromote_voice(voice_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    row, voice = await module.state.voices.get_visible(principal, voice_id)
    module.state.intake.require_change(principal, row)
    started = row.kind == "matched" and row.embedding_status not in ("ready", "processing")
    if started:
        await module.state.intake.start(principal.tenant_id, principal.user_id, voice_id)
    return {"data": {"voice_id": voice_id, "embedding_status": voice.embedding_status, "started": started}}


class ErasureRow(msgspec.Struct, kw_only=True):
    voice_id: str
    tenant_id: str | None
    actor: str
    trigger: str
    blobs_deleted: int
    details: dict[str, Any]
    erased_at: str


@get("/admin/erasure/audit", guards=[requires("scaispeak:admin")], summary="Erasure audit, newest first")
async def erasure_log(
    module: Module,
    principal: Principal,
    tenant_id: Annotated[str | None, Parameter(query="tenant_id", max_length=64)] = None,
    voice_id: Annotated[str | None, Parameter(query="voice_id", max_length=64)] = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    tenant = tenant_id if tenant_id and principal.is_superadmin else principal.tenant_id
    stmt = sa.select(erasure_audit).where(erasure_audit.c.tenant_id == tenant)
    if voice_id:
        stmt = stmt.where(erasure_audit.c.voice_id == voice_id)
    stmt = stmt.order_by(erasure_audit.c.id.desc()).limit(limit)
    async with module.platform.db.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return {
        "data": [
            ErasureRow(
                voice_id=r.voice_id,
                tenant_id=r.tenant_id,
                actor=r.actor,
                trigger=r.trigger,
                blobs_deleted=r.blobs_deleted,
                details=dict(r.details),
                erased_at=r.erased_at.isoformat(),
            )
            for r in rows
        ]
    }


voice_write_routes: list[Any] = [
    create_voice,
    patch_voice,
    delete_voice,
    share_voice,
    repromote_voice,
    erasure_log,
]
