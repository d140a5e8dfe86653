"""Host settings: one typed record read from ``SCAIGRID_*`` variables or a TOML file.

:func:`load_struct` is the same loader modules use for their own settings (with
their own prefix, e.g. ``AUDIO_ENGINE_``), so every misconfiguration fails at
start-up with the variable's name and what is allowed.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from scaigrid.errors import StartupError

__all__ = ["Settings", "load_settings", "load_struct"]

T = TypeVar("T", bound=msgspec.Struct)

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Everything the host reads from its environment. Each field is ``SCAIGRID_<NAME>``."""

    data_dir: str = ".scaigrid"
    """Where the embedded defaults live: SQLite file, blob directory, secrets."""

    database_url: str = ""
    """SQLAlchemy async URL. Empty = ``sqlite+aiosqlite:///<data_dir>/scaigrid.db``."""

    redis_url: str = ""
    """Redis URL for the scaled mode (job queue, node registry). Empty = in-process."""

    redis_prefix: str = "scaigrid"
    """Prefix of every Redis key and queue name (lets several deployments or test runs share a Redis)."""

    blob_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = "scaigrid"
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""

    public_base_url: str = "http://127.0.0.1:8080"
    """Base URL clients reach the host at; used to build signed blob URLs."""

    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8080

    modules: list[str] | None = None
    """Allow-list of module ids (comma separated). Unset = every discovered module; empty = none."""

    safe_mode: bool = False
    """Load only the modules shipped in this repository (no third-party entry points)."""

    model_device: Literal["cpu", "cuda"] = "cpu"
    """Device of the host's own backends (resemblyzer); ``cuda`` needs a CUDA build of torch."""

    trace_modules: bool = False
    """Log every module hook call with its duration (logger ``scaigrid.trace``, level INFO)."""

    secret_key: str = ""
    """HMAC key for signed URLs and WS tickets. Empty = generated once into the data dir."""

    jwt_hs256_secret: str = ""
    jwt_rs256_public_key: str = ""
    """PEM text, or a path to a PEM file."""
    jwt_audience: str = ""
    jwt_issuer: str = ""

    max_upload_bytes: PositiveInt = 512 * 1024 * 1024
    """Host-wide ceiling for one uploaded file; modules may set lower limits."""

    jobs_in_process: bool = False
    """Scaled mode: also consume the Redis queue inside ``scaigrid serve`` (small deployments, tests)."""

    job_concurrency: PositiveInt = 2
    job_max_attempts: PositiveInt = 3
    cpu_workers: PositiveInt = 2
    """Threads for CPU-heavy work taken off the event loop."""

    backend_idle_ttl_seconds: NonNegativeInt = 900
    """Unload a model backend after this long unused (0 = never)."""

    relay_base_url: str = ""
    """OpenAI-compatible API used by relay (B) backends."""
    relay_api_key: str = ""

    bootstrap_superadmin: bool = True
    """On first start, create a SuperAdmin key and write it to ``<data_dir>/superadmin.key``."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_path / 'scaigrid.db'}"

    @property
    def scaled(self) -> bool:
        """True when a Redis URL is set: jobs and the node registry leave the process."""
        return bool(self.redis_url)


def _coerce_env(field_type: Any, raw: str) -> Any:
    """Pre-shape a raw environment string for msgspec's lax conversion."""
    text = str(field_type)
    if "list[" in text:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def load_struct(
    struct_type: type[T],
    prefix: str,
    *,
    environ: Mapping[str, str] | None = None,
    file_values: Mapping[str, Any] | None = None,
) -> T:
    """Build ``struct_type`` from ``<PREFIX><FIELD>`` variables, falling back to ``file_values``.

    Raises :class:`StartupError` naming the variable and the allowed values.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = dict(file_values or {})
    info = msgspec.inspect.type_info(struct_type)
    assert isinstance(info, msgspec.inspect.StructType)
    hints = {f.name: f.type for f in info.fields}
    for name in hints:
        var = f"{prefix}{name.upper()}"
        if var in env:
            values[name] = _coerce_env(struct_type.__annotations__.get(name, ""), env[var])
    try:
        return msgspec.convert(values, struct_type, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = ""
        if "`$." in message:
            field = message.split("`$.", 1)[1].split("`", 1)[0].split("[", 1)[0]
        var = f"{prefix}{field.upper()}" if field else prefix + "*"
        allowed = _describe(hints.get(field))
        raise StartupError(f"invalid setting {var}: {message}{allowed}") from exc


def _describe(info: Any) -> str:
    if info is None:
        return ""
    if isinstance(info, msgspec.inspect.LiteralType):
        return f" (allowed: {', '.join(map(str, info.values))})"
    if isinstance(info, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        bounds = []
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(info, attr, None)
            if value is not None:
                bounds.append(f"{sym} {value}")
        kind = "integer" if isinstance(info, msgspec.inspect.IntType) else "number"
        return f" (allowed: {kind}{' ' + ' and '.join(bounds) if bounds else ''})"
    if isinstance(info, msgspec.inspect.BoolType):
        return " (allowed: true, false, 1, 0)"
    return ""


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a settings file; a missing or malformed file is a start-up error."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise StartupError(f"SCAIGRID_CONFIG points at {path}, which does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"SCAIGRID_CONFIG file {path} is not valid TOML: {exc}") from exc


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read host settings: TOML file (``SCAIGRID_CONFIG``, table ``[scaigrid]``), then env, then overrides."""
    env = dict(os.environ if environ is None else environ)
    file_values: dict[str, Any] = {}
    if env.get("SCAIGRID_CONFIG"):
        file_values = dict(read_toml(env["SCAIGRID_CONFIG"]).get("scaigrid", {}))
    file_values.update(overrides)
    for name in overrides:  # explicit overrides (tests, CLI flags) beat the environment
        env.pop(f"SCAIGRID_{name.upper()}", None)
    return load_struct(Settings, "SCAIGRID_", environ=env, file_values=file_values)
