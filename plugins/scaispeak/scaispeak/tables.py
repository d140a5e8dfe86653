"""ScaiSpeak's tables: the voice library and the licence of each licensed (global) voice."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["blocklist", "consents", "erasure_audit", "licenses", "metadata", "outputs", "voices"]

metadata = sa.MetaData()


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


voices = sa.Table(
    "scaispeak_voices",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("scope", sa.String(16), nullable=False),  # global, tenant or user
    sa.Column("tenant_id", sa.String(64), nullable=True, index=True),
    sa.Column("owner_user_id", sa.String(64), nullable=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("language_primary", sa.String(8), nullable=False),
    sa.Column("languages_supported", sa.JSON, nullable=False),
    sa.Column("gender_hint", sa.String(16), nullable=False, server_default="unspecified"),
    sa.Column("age_hint", sa.String(32), nullable=True),
    sa.Column("style_tags", sa.JSON, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # preset: a bundled engine speaker
    sa.Column("engine", sa.String(100), nullable=False),  # the tts backend that speaks it
    sa.Column("engine_voice", sa.String(100), nullable=False),  # that backend's voice id
    sa.Column("embedding_status", sa.String(16), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("deleted_at", nullable=True),
    # voices made from a reference recording (kind "matched")
    sa.Column("reference_blob_key", sa.String(500), nullable=True),
    sa.Column("consent_blob_key", sa.String(500), nullable=True),
    sa.Column("matched_base_voice", sa.String(64), nullable=True),
    sa.Column("similarity", sa.Float, nullable=True),
    sa.Column("intake_error", sa.Text, nullable=True),
    sa.Column("preflight", sa.JSON, nullable=True),
)

licenses = sa.Table(
    "scaispeak_licenses",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "voice_id", sa.String(64), sa.ForeignKey("scaispeak_voices.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("license_type", sa.String(16), nullable=False),
    sa.Column("licensor_name", sa.String(200), nullable=False),
    sa.Column("terms_summary", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    _ts("created_at"),
    sa.Column("licensor_reference", sa.String(300), nullable=True),
    _ts("valid_from", nullable=True),
    _ts("valid_until", nullable=True),
    sa.Column("usage_limit_chars", sa.BigInteger, nullable=True),
    sa.Column("usage_chars", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("document_blob_key", sa.String(500), nullable=True),
)

blocklist = sa.Table(
    "scaispeak_blocklist",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),  # the tenant the entry protects
    sa.Column("scope", sa.String(16), nullable=False),  # tenant, user or voice
    sa.Column("target_id", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    _ts("created_at"),
    _ts("expires_at", nullable=True),
)

consents = sa.Table(
    "scaispeak_consents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "voice_id", sa.String(64), sa.ForeignKey("scaispeak_voices.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("full_name", sa.String(300), nullable=True),
    sa.Column("stated_purpose", sa.Text, nullable=True),
    sa.Column("consent_text", sa.Text, nullable=True),
    sa.Column("transcript", sa.Text, nullable=True),
    sa.Column("word_error_rate", sa.Float, nullable=False),
    sa.Column("speaker_similarity", sa.Float, nullable=False),
    _ts("recorded_at"),
)

erasure_audit = sa.Table(
    "scaispeak_erasure_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("voice_id", sa.String(64), nullable=False, index=True),
    sa.Column("tenant_id", sa.String(64), nullable=True, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("trigger", sa.String(32), nullable=False),
    sa.Column("blobs_deleted", sa.Integer, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    _ts("erased_at"),
)

outputs = sa.Table(
    "scaispeak_outputs",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("params_sha256", sa.String(64), nullable=False),
    sa.Column("voice_id", sa.String(64), nullable=False, index=True),
    sa.Column("blob_key", sa.String(500), nullable=True),
    sa.Column("speech", sa.JSON, nullable=True),
    sa.Column("job_id", sa.String(64), nullable=True),
    _ts("created_at"),
)
