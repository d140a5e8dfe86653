"""Licences of global voices: validated at creation, enforced on every synthesis.

``check_and_count`` runs in the one dispatcher every synthesis path uses: a licence that is
revoked, not yet valid or expired refuses the synthesis, and a usage-bound licence counts the
characters with one conditional ``UPDATE`` (``usage_chars + n <= usage_limit_chars``), so
concurrent requests and replicas on one database can never overrun the cap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from scaigrid.db import Database, utcnow
from scaigrid.errors import BadRequest, Forbidden

from scaispeak.tables import licenses

__all__ = ["LicenseTerms", "LicenseType", "Licensing", "validate_terms"]

LicenseType = Literal["perpetual", "time_bound", "usage_bound"]


class LicenseTerms(msgspec.Struct, kw_only=True):
    license_type: LicenseType
    licensor_name: str
    licensor_reference: str | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    usage_limit_chars: int | None = None
    terms_summary: str | None = None


def _invalid(message: str, field: str) -> BadRequest:
    return BadRequest(message, code="SCAISPEAK_LICENSE_FIELD_INVALID", details={"field": field})


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def validate_terms(terms: LicenseTerms) -> LicenseTerms:
    """The fields each licence type needs, and only those (``SCAISPEAK_LICENSE_FIELD_INVALID``)."""
    if not terms.licensor_name.strip():
        raise _invalid("licensor_name is required", "licensor_name")
    start, end = _aware(terms.valid_from), _aware(terms.valid_until)
    if terms.license_type == "time_bound":
        if end is None:
            raise _invalid("a time_bound licence needs valid_until", "valid_until")
        if end <= (start or utcnow()):
            raise _invalid("valid_until must be after valid_from (and in the future)", "valid_until")
    elif end is not None:
        raise _invalid(f"valid_until belongs to time_bound licences, not {terms.license_type}", "valid_until")
    if terms.license_type == "usage_bound":
        if terms.usage_limit_chars is None or terms.usage_limit_chars < 1:
            raise _invalid("a usage_bound licence needs usage_limit_chars >= 1", "usage_limit_chars")
    elif terms.usage_limit_chars is not None:
        raise _invalid(
            f"usage_limit_chars belongs to usage_bound licences, not {terms.license_type}",
            "usage_limit_chars",
        )
    return msgspec.structs.replace(terms, valid_from=start, valid_until=end)


class Licensing:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def check_and_count(self, voice_row: Any, characters: int) -> None:
        """Refuse a synthesis the voice's licence does not cover; count usage-bound characters."""
        m = voice_row._mapping
        license_id = m.get(licenses.c.id)
        if license_id is None:
            return  # a voice without a licence (made from a consented recording)
        if m[licenses.c.status] != "active":
            raise Forbidden(
                f"the licence of this voice is {m[licenses.c.status]}", code="SCAISPEAK_LICENSE_REVOKED"
            )
        now = utcnow()
        start, end = _aware(m[licenses.c.valid_from]), _aware(m[licenses.c.valid_until])
        if start is not None and now < start:
            raise Forbidden(
                "the licence of this voice is not valid yet", code="SCAISPEAK_LICENSE_NOT_YET_VALID"
            )
        if end is not None and now >= end:
            raise Forbidden("the licence of this voice has expired", code="SCAISPEAK_LICENSE_EXPIRED")
        if m[licenses.c.usage_limit_chars] is None:
            return
        t = licenses.c
        stmt = (
            sa.update(licenses)
            .where(t.id == license_id, t.usage_chars + characters <= t.usage_limit_chars)
            .values(usage_chars=t.usage_chars + characters)
        )
        async with self._db.begin() as conn:
            counted = (await conn.execute(stmt)).rowcount
        if not counted:
            raise Forbidden(
                "the licence's character allowance for this voice is used up",
                code="SCAISPEAK_LICENSE_USAGE_EXCEEDED",
                details={"usage_limit_chars": m[t.usage_limit_chars], "requested": characters},
            )
