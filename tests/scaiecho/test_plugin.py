"""scaiecho/plugin.py: the module's identity, its contributions, readiness and uninstall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import scaiecho.plugin as plugin
import sqlalchemy as sa

from tests.harness import Host


def test_module_info_and_permissions() -> None:
    info = plugin.scaigrid_module()
    assert (info.id, info.prefix, info.envelope) == ("scaiecho", "/v1/modules/scaiecho", "scaigrid")
    assert set(info.permissions) == {
        "scaiecho:transcribe",
        "scaiecho:diarize",
        "scaiecho:enroll",
        "scaiecho:admin",
    }
    assert set(info.member_permissions) == {"scaiecho:transcribe", "scaiecho:diarize", "scaiecho:enroll"}
    assert Path(plugin.scaigrid_migrations().version_location, "scaiecho_0001_speakers.py").is_file()


def test_contributions_readiness_and_uninstall(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[plugin]) as host:
        p = host.platform
        assert set(p.backends.names("stt")) == {
            "scaiecho-whisper-tiny.en",
            "scaiecho-whisper-base",
            "scaiecho-hf-whisper",
        }
        assert p.backends.names("diarization") == ["scaiecho-clustering"]
        # VAD and speaker embedding are the host's: scaiecho registers no second copy of either
        assert p.backends.names("vad") == ["silero"] and p.backends.provider("vad", "silero") == "scaigrid"
        assert p.backends.names("speaker_embedding") == ["resemblyzer"]
        assert "scaiecho.transcribe" in p.mcp.names()
        assert "scaiecho.transcribe" in p.job_handlers
        ready = host.client.get("/v1/modules/scaiecho/readyz").json()
        assert ready["status"] == "ready" and ready["checks"] == {"models": "ok", "tables": "ok"}
        health = host.client.get("/v1/modules/scaiecho/healthz").json()
        assert health == {"status": "ok", "module": "scaiecho"}

        async def seed(platform: Any) -> None:
            await platform.blobs.put("scaiecho/speakers/x/reference.wav", b"RIFF....")

        host.call(seed, p)
        host.call(p.lifecycle.uninstall, "scaiecho")

        async def leftovers(platform: Any) -> tuple[list[str], bool]:
            keys = [i.key async for i in platform.blobs.list("scaiecho/")]
            async with platform.db.connect() as conn:
                tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
            return keys, "scaiecho_speakers" in tables

        keys, has_table = host.call(leftovers, p)
        assert keys == [] and has_table is False
        assert host.client.get("/v1/modules/scaiecho/readyz").status_code == 503


def test_bad_module_setting_stops_startup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaigrid.errors import StartupError

    monkeypatch.setenv("SCAIECHO_DEFAULT_MODEL", "large-v9")
    with pytest.raises(StartupError, match="SCAIECHO_DEFAULT_MODEL"):
        Host(tmp_path, plugins=[plugin])
