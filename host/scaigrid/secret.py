"""The host's HMAC secret (signed URLs, WebSocket tickets, confirmation tokens)."""

from __future__ import annotations

import os
import secrets

from scaigrid.settings import Settings

__all__ = ["host_secret"]


def host_secret(settings: Settings) -> str:
    """``SCAIGRID_SECRET_KEY``, or the secret generated once into ``<data_dir>/secret.key`` (mode 0600).

    Every process of one deployment reads the same file, so all agree whoever creates it first.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_path / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
