"""``POST /admin/voices/global`` and ``DELETE /admin/voices/global/{voice_id}`` (SuperAdmin only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, delete, post
from scaigrid.auth import Principal, superadmin
from scaigrid.errors import NotFound
from scaigrid.uploads import read_multipart

from scaispeak.errors import bad_request
from scaispeak.intake.service import NewVoice
from scaispeak.licensing import LicenseTerms, validate_terms
from scaispeak.routes.voice_write import _GENDERS, _json_list, _language, _text
from scaispeak.state import Module
from scaispeak.tables import licenses, voices

__all__ = ["global_voice_routes"]

_TRIGGERS = ("license_revoked", "license_expired", "platform_decision")


def _when(value: str | None, field: str) -> dt.datetime | None:
    if not value or not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"{field} must be an ISO-8601 timestamp", field=field) from exc


def _int(value: str | None, field: str) -> int | None:
    if not value or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise bad_request(f"{field} must be an integer", field=field) from exc


@post(
    "/admin/voices/global",
    guards=[superadmin],
    status_code=201,
    request_max_body_size=None,
    summary="Create a licensed platform voice (no consent; licence-based)",
)
async def create_global_voice(
    request: Request[Any, Any, Any], module: Module, principal: Principal
) -> Response[Any]:
    async with await read_multipart(
        request,
        max_file_bytes=module.settings.max_upload_bytes,
        max_files=2,
        file_fields={"reference", "license_document"},
    ) as form:
        reference = form.file("reference")
        if reference is None or reference.size == 0:
            raise bad_request(
                "a global voice needs a reference recording in field 'reference'", field="reference"
            )
        license_type = (form.get("license_type") or "").strip()
        if license_type not in ("perpetual", "time_bound", "usage_bound"):
            from scaigrid.errors import BadRequest

            raise BadRequest(
                "license_type must be perpetual, time_bound or usage_bound",
                code="SCAISPEAK_LICENSE_FIELD_INVALID",
                details={"field": "license_type"},
            )
        terms = validate_terms(
            LicenseTerms(
                license_type=license_type,  # type: ignore[arg-type]
                licensor_name=(form.get("licensor_name") or "").strip(),
                licensor_reference=_text(
                    form.get("licensor_reference"), "licensor_reference", required=False
                ),
                valid_from=_when(form.get("valid_from"), "valid_from"),
                valid_until=_when(form.get("valid_until"), "valid_until"),
                usage_limit_chars=_int(form.get("usage_limit_chars"), "usage_limit_chars"),
                terms_summary=_text(form.get("terms_summary"), "terms_summary", required=False, limit=4000),
            )
        )
        gender = (form.get("gender_hint") or "unspecified").strip()
        if gender not in _GENDERS:
            raise bad_request(f"gender_hint must be one of {', '.join(_GENDERS)}", field="gender_hint")
        fields = NewVoice(
            display_name=_text(form.get("display_name"), "display_name", required=True) or "",
            language_primary=_language(form.get("language_primary"), "language_primary"),
            language_supported=_json_list(form.get("language_supported_json"), "language_supported_json"),
            gender_hint=gender,
            age_hint=_text(form.get("age_hint"), "age_hint", required=False, limit=32),
            style_tags=_json_list(form.get("style_tags_json"), "style_tags_json"),
            description=_text(form.get("description"), "description", required=False, limit=2000),
            consent_user_full_name="",
            consent_stated_purpose="",
            consent_text="",
        )
        voice_id, license_id, preflight = await module.state.intake.create_global(
            principal, fields, reference, terms, form.file("license_document")
        )
    body = {
        "voice_id": voice_id,
        "license_id": license_id,
        "preflight": msgspec.to_builtins(preflight),
        "intake": "matching onto the closest preset voice has started (embedding_status pending → ready)",
    }
    return Response({"data": body}, status_code=201)


@delete(
    "/admin/voices/global/{voice_id:str}",
    guards=[superadmin],
    status_code=200,
    summary="Revoke a global voice",
)
async def delete_global_voice(
    request: Request[Any, Any, Any], voice_id: str, module: Module, principal: Principal
) -> dict[str, Any]:
    trigger = "platform_decision"
    if request.headers.get("content-type", "").startswith(
        ("multipart/", "application/x-www-form-urlencoded")
    ):
        async with await read_multipart(request, max_file_bytes=1024, max_files=0, file_fields=set()) as form:
            trigger = (form.get("trigger") or trigger).strip()
    elif request.query_params.get("trigger"):
        trigger = str(request.query_params["trigger"])
    if trigger not in _TRIGGERS:
        raise bad_request(f"trigger must be one of {', '.join(_TRIGGERS)}", field="trigger")
    stmt = (
        sa.select(voices, licenses)
        .outerjoin(licenses, licenses.c.voice_id == voices.c.id)
        .where(voices.c.id == voice_id, voices.c.scope == "global", voices.c.deleted_at.is_(None))
    )
    async with module.platform.db.connect() as conn:
        row = (await conn.execute(stmt)).first()
    if row is None:
        raise NotFound("global voice not found", code="SCAISPEAK_GLOBAL_VOICE_NOT_FOUND")
    return {"data": await module.state.intake.revoke_global(principal, row, trigger)}


global_voice_routes: list[Any] = [create_global_voice, delete_global_voice]
