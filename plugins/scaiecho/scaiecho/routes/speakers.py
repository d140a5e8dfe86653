"""``/speakers``: list, get, enroll (multipart with consent), patch, erase, and warm fan-out."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.params import Parameter
from scaigrid.auth import Principal, requires
from scaigrid.uploads import read_multipart

from scaiecho import errors
from scaiecho.routes.forms import parse_int, parse_language
from scaiecho.speakers.manager import EnrollRequest
from scaiecho.speakers.store import SCOPES, STATUSES, Speaker, to_speaker
from scaiecho.state import Module

__all__ = ["speaker_routes"]

ENROLL = requires("scaiecho:enroll")
_MAX_AUDIO = 50 * 1024 * 1024


class SpeakerBody(msgspec.Struct, kw_only=True):
    data: Speaker


class SpeakerListBody(msgspec.Struct, kw_only=True):
    data: list[Speaker]


class SpeakerPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Mutable fields only; scope and ownership are locked at create."""

    display_name: str | None = None
    description: str | None = None


class WarmRequest(msgspec.Struct, kw_only=True):
    node_ids: list[str] = msgspec.field(default_factory=list)
    """Empty = every candidate node."""


def _text(value: str | None, field: str, *, required: bool, max_len: int) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise errors.bad_request(f"{field} is required", details={"field": field})
        return None
    if len(text) > max_len:
        raise errors.bad_request(f"{field} is longer than {max_len} characters", details={"field": field})
    return text


@get("/speakers", guards=[ENROLL], summary="List speakers visible to the caller")
async def list_speakers(
    module: Module,
    principal: Principal,
    language: str | None = None,
    scope_filter: Annotated[str | None, Parameter(query="scope")] = None,
    enrollment_status: str | None = None,
    limit: str | None = None,
) -> SpeakerListBody:
    scope = scope_filter  # "scope" itself is Litestar's name for the ASGI scope
    lang = parse_language(language, "language")
    count = parse_int(limit, "limit", low=1, high=200) or 50
    if scope is not None and scope not in SCOPES:
        raise errors.bad_request(f"scope must be one of {', '.join(SCOPES)}", details={"field": "scope"})
    if enrollment_status is not None and enrollment_status not in STATUSES:
        raise errors.bad_request(
            f"enrollment_status must be one of {', '.join(STATUSES)}", details={"field": "enrollment_status"}
        )
    rows = await module.state.speakers.list_visible(
        principal, language=lang, scope=scope, status=enrollment_status, limit=count
    )
    return SpeakerListBody(data=[to_speaker(r) for r in rows])


@get("/speakers/{speaker_id:str}", guards=[ENROLL], summary="Fetch one speaker")
async def get_speaker(speaker_id: str, module: Module, principal: Principal) -> SpeakerBody:
    return SpeakerBody(data=to_speaker(await module.state.speakers.get_visible(principal, speaker_id)))


@post(
    "/speakers",
    guards=[ENROLL],
    status_code=201,
    summary="Enroll a speaker (multipart, with consent recording)",
    description=(
        "Fields: display_name, language_primary, description?, scope? (user | tenant | global; "
        "default user), "
        "consent_user_full_name, consent_stated_purpose, consent_text; files: reference, consent. "
        "The reference must pass the preflight (SCAIECHO_SPEAKER_PREFLIGHT_FAILED with error.preflight); "
        "the consent recording must be present, large enough and say consent_text (SCAIECHO_CONSENT_INVALID)."
    ),
)
async def create_speaker(
    request: Request[Any, Any, Any], principal: Principal, module: Module
) -> Response[Any]:
    async with await read_multipart(
        request, max_file_bytes=_MAX_AUDIO, max_files=2, file_fields={"reference", "consent"}
    ) as form:
        scope = (form.get("scope") or "user").strip()
        if scope not in SCOPES:
            raise errors.bad_request(f"scope must be one of {', '.join(SCOPES)}", details={"field": "scope"})
        language = parse_language(form.get("language_primary"), "language_primary")
        if language is None:
            raise errors.bad_request("language_primary is required", details={"field": "language_primary"})
        consent_fields = {
            name: (form.get(name) or "").strip()
            for name in ("consent_user_full_name", "consent_stated_purpose", "consent_text")
        }
        missing = [name for name, value in consent_fields.items() if not value]
        if missing:
            raise errors.consent_invalid(
                f"missing consent fields: {', '.join(missing)}", details={"missing": missing}
            )
        req = EnrollRequest(
            display_name=_text(form.get("display_name"), "display_name", required=True, max_len=200) or "",
            language_primary=language,
            description=_text(form.get("description"), "description", required=False, max_len=2000),
            scope=scope,
            **consent_fields,
        )
        reference = form.file("reference")
        if reference is None:
            raise errors.bad_request("the form needs a reference audio file", details={"field": "reference"})
        data = await module.state.manager.enroll(principal, req, reference, form.file("consent"))
    return Response({"data": data}, status_code=201)


@patch("/speakers/{speaker_id:str}", guards=[ENROLL], summary="Update display_name / description")
async def patch_speaker(
    speaker_id: str, data: SpeakerPatch, module: Module, principal: Principal
) -> SpeakerBody:
    changes: dict[str, Any] = {}
    if data.display_name is not None:
        changes["display_name"] = _text(data.display_name, "display_name", required=True, max_len=200)
    if data.description is not None:
        changes["description"] = _text(data.description, "description", required=False, max_len=2000)
    return SpeakerBody(data=await module.state.manager.patch(principal, speaker_id, changes))


@delete("/speakers/{speaker_id:str}", guards=[ENROLL], status_code=200, summary="Erase a speaker (Art. 17)")
async def delete_speaker(speaker_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    return {"data": await module.state.manager.erase(principal, speaker_id)}


@get("/speakers/{speaker_id:str}/warm", guards=[ENROLL], summary="Where the speaker's embedding is warm")
async def get_warm(speaker_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    return {"data": await module.state.manager.warm_status(principal, speaker_id)}


@post("/speakers/{speaker_id:str}/warm", guards=[ENROLL], status_code=200, summary="Re-warm on nodes")
async def post_warm(
    speaker_id: str, module: Module, principal: Principal, data: WarmRequest | None = None
) -> dict[str, Any]:
    node_ids = data.node_ids if data is not None else []
    return {"data": await module.state.manager.warm_nodes(principal, speaker_id, node_ids)}


speaker_routes = [
    list_speakers,
    get_speaker,
    create_speaker,
    patch_speaker,
    delete_speaker,
    get_warm,
    post_warm,
]
