"""Admission control (429), the request timeout (504), the feature flag and component conflicts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from scaigrid.errors import StartupError

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_engine.ext_components import STARTED, ConflictPlugin, ExtPlugin
from tests.audio_fixtures import tone, write_wav


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "t.wav", tone(300, 1.0), 16000)


def test_beyond_the_in_flight_limit_is_429(tmp_path: Path, wav: Path) -> None:
    with engine_host(
        tmp_path, plugins=[ExtPlugin()], max_in_flight=1, semaphore_wait_timeout=0, process_pool_workers=0
    ) as host:
        ae = EngineClient(host)
        STARTED.clear()
        first: dict[str, int] = {}
        slow = threading.Thread(
            target=lambda: first.update(
                status=ae.run([{"component_id": "test_sleep", "params": {"seconds": 2.0}}], wav).status_code
            )
        )
        slow.start()
        assert STARTED.wait(30), "the slow pipeline never started"
        resp = ae.run([{"component_id": "audio_duration_check"}], wav)
        assert resp.status_code == 429, resp.text
        assert resp.json()["code"] == "AUDIO_ENGINE_BUSY" and resp.headers["retry-after"] == "1"
        slow.join(30)
        assert first["status"] == 200
        # the slot is free again
        assert ae.run([{"component_id": "audio_duration_check"}], wav).status_code == 200


def test_waiting_for_a_slot_within_the_timeout_succeeds(tmp_path: Path, wav: Path) -> None:
    with engine_host(
        tmp_path, plugins=[ExtPlugin()], max_in_flight=1, semaphore_wait_timeout=20, process_pool_workers=0
    ) as host:
        ae = EngineClient(host)
        STARTED.clear()
        statuses: list[int] = []
        slow = threading.Thread(
            target=lambda: statuses.append(
                ae.run([{"component_id": "test_sleep", "params": {"seconds": 1.0}}], wav).status_code
            )
        )
        slow.start()
        assert STARTED.wait(30)
        assert ae.run([{"component_id": "audio_duration_check"}], wav).status_code == 200
        slow.join(30)
        assert statuses == [200]


def test_a_slow_step_past_the_timeout_is_504(tmp_path: Path, wav: Path) -> None:
    with engine_host(tmp_path, plugins=[ExtPlugin()], request_timeout=1.0, process_pool_workers=0) as host:
        ae = EngineClient(host)
        resp = ae.run([{"component_id": "test_sleep", "params": {"seconds": 4.0}}], wav)
        assert resp.status_code == 504, resp.text
        body = resp.json()
        assert body["code"] == "AUDIO_ENGINE_TIMEOUT"
        task = ae.task(body["errors"]["task_id"])
        assert task["status"] == "FAILED" and task["error_code"] == "AUDIO_ENGINE_TIMEOUT"


def test_disabled_module_mounts_no_route(tmp_path: Path, wav: Path) -> None:
    with engine_host(tmp_path, enabled=False) as host:
        resp = host.client.post("/v1/audio_engine/pipeline", headers={"X-API-Key": "sgk_x"})
        assert resp.status_code == 404
        assert (
            host.client.get("/v1/audio_engine/admin/projects/", headers=host.superadmin_headers).status_code
            == 404
        )


def test_bad_setting_stops_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(StartupError, match="AUDIO_ENGINE_MAX_IN_FLIGHT"),
        engine_host(tmp_path, max_in_flight=0),
    ):
        pass


def test_a_second_provider_of_a_component_stops_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(
            StartupError, match=r"'noise_reduce' is registered by both audio_engine and ae_conflict"
        ),
        engine_host(tmp_path, plugins=[ConflictPlugin()]),
    ):
        pass
