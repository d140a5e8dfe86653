"""Every error path of the pipeline route, with its status and ``{"detail", "code"}`` body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_engine.ext_components import ExtPlugin
from tests.audio_fixtures import noise, tone, write_wav

SR = 16000
MAX_FILE = 400_000
NR = [{"component_id": "noise_reduce", "params": {}}]


@pytest.fixture(scope="module")
def ae(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineClient]:
    with engine_host(
        tmp_path_factory.mktemp("host"),
        plugins=[ExtPlugin()],
        max_file_size_bytes=MAX_FILE,
        process_pool_workers=0,
    ) as host:
        yield EngineClient(host)


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("a") / "in.wav", tone(300, 1.0) + noise(1.0, amp=0.01), SR)


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]
    return body


def _tasks(ae: EngineClient) -> int:
    import sqlalchemy as sa
    from audio_engine.tables import tasks

    async def count() -> int:
        async with ae.host.platform.db.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(tasks))).scalar_one())

    return ae.host.call(count)


# -- 403 -----------------------------------------------------------------------------------------


def test_missing_and_invalid_keys_are_403(ae: EngineClient, wav: Path) -> None:
    _error(ae.run(NR, wav, key=None), 403, "AUDIO_ENGINE_FORBIDDEN")
    _error(ae.run(NR, wav, key="sgk_notarealkey_000000000000"), 403, "AUDIO_ENGINE_FORBIDDEN")
    resp = ae.host.client.post(ae.URL, headers={"Authorization": "Basic abc"}, data={"components": "[]"})
    _error(resp, 403, "AUDIO_ENGINE_FORBIDDEN")


def test_key_without_project_access_is_403(ae: EngineClient, wav: Path) -> None:
    before = _tasks(ae)
    other_key, _ = ae.new_key("bob")
    _error(ae.run(NR, wav, key=other_key), 403, "AUDIO_ENGINE_PROJECT_FORBIDDEN")
    _error(ae.run(NR, wav, fields={"project_name": "no-such-project"}), 403, "AUDIO_ENGINE_PROJECT_FORBIDDEN")
    no_run, no_run_id = ae.new_key("carol", permissions=["audio_engine:admin"])
    ae.grant(no_run_id)
    _error(ae.run(NR, wav, key=no_run), 403, "AUDIO_ENGINE_FORBIDDEN")
    assert _tasks(ae) == before  # refused before any Task exists


def test_access_is_per_tenant(ae: EngineClient, wav: Path) -> None:
    other = EngineClient(ae.host, tenant="globex", project="my-project")
    # same project name, other tenant: alice's key (acme) has no grant there, globex's key none in acme
    resp = other.run([{"component_id": "audio_duration_check"}], wav)
    assert resp.status_code == 200, resp.text
    ae_task = resp.json()["task_id"]
    _other_key, other_id = other.new_key("dave")
    resp = ae.host.client.post(
        f"/v1/audio_engine/admin/projects/{ae.project}/keys",
        json={"api_key_id": other_id},
        headers=ae.admin_headers,
    )
    _error(resp, 404, "AUDIO_ENGINE_API_KEY_NOT_FOUND")
    resp = ae.host.client.get(f"/v1/audio_engine/admin/tasks/{ae_task}", headers=ae.admin_headers)
    _error(resp, 404, "AUDIO_ENGINE_TASK_NOT_FOUND")


# -- 422 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["components", "user_email", "project_name"])
def test_missing_text_field_is_422(ae: EngineClient, wav: Path, field: str) -> None:
    body = _error(ae.run(NR, wav, omit=(field,)), 422, "AUDIO_ENGINE_MISSING_FIELD")
    assert body["errors"]["missing"] == [field]


def test_missing_files_and_non_multipart_are_422(ae: EngineClient) -> None:
    body = _error(ae.run(NR), 422, "AUDIO_ENGINE_MISSING_FIELD")
    assert body["errors"]["missing"] == ["files"]
    resp = ae.host.client.post(ae.URL, json={"components": NR}, headers={"X-API-Key": ae.key})
    _error(resp, 422, "AUDIO_ENGINE_MISSING_FIELD")


# -- 400: components ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("components", "code"),
    [
        ("[{'component_id': 'noise_reduce'}]", "AUDIO_ENGINE_INVALID_COMPONENTS"),
        ("not json", "AUDIO_ENGINE_INVALID_COMPONENTS"),
        ("[]", "AUDIO_ENGINE_INVALID_COMPONENTS"),
        ('{"component_id": "noise_reduce"}', "AUDIO_ENGINE_INVALID_COMPONENTS"),
        ('"noise_reduce"', "AUDIO_ENGINE_INVALID_COMPONENTS"),
        ('["noise_reduce"]', "AUDIO_ENGINE_INVALID_COMPONENT_ENTRY"),
        ('[{"params": {}}]', "AUDIO_ENGINE_INVALID_COMPONENT_ENTRY"),
        ('[{"component_id": 3}]', "AUDIO_ENGINE_INVALID_COMPONENT_ENTRY"),
        ('[{"component_id": "noise_reduce", "param": {}}]', "AUDIO_ENGINE_INVALID_COMPONENT_ENTRY"),
        ('[{"component_id": "reverb"}]', "AUDIO_ENGINE_UNKNOWN_COMPONENT"),
        ('[{"component_id": "noise_reduce", "params": "0.5"}]', "AUDIO_ENGINE_INVALID_PARAMS"),
        ('[{"component_id": "noise_reduce", "params": [0.5]}]', "AUDIO_ENGINE_INVALID_PARAMS"),
        ('[{"component_id": "noise_reduce", "params": {"prop_decrease": 1}}]', "AUDIO_ENGINE_INVALID_PARAMS"),
        (
            '[{"component_id": "end_silence_trimmer", "params": {"threshold": 1}}]',
            "AUDIO_ENGINE_INVALID_PARAMS",
        ),
        (
            '[{"component_id": "speech_duration_measurement", "params": {"threshold": 1.5}}]',
            "AUDIO_ENGINE_INVALID_PARAMS",
        ),
        (
            '[{"component_id": "speech_duration_measurement", "params": {"speech_pad_ms": -1}}]',
            "AUDIO_ENGINE_INVALID_PARAMS",
        ),
        (
            '[{"component_id": "noise_reduce", "params": {"noise_estimation_duration_sec": 0}}]',
            "AUDIO_ENGINE_INVALID_PARAMS",
        ),
        ('[{"component_id": "slice_audio", "params": {"ranges": [[2, 1]]}}]', "AUDIO_ENGINE_INVALID_PARAMS"),
        (
            '[{"component_id": "audio_duration_check", "params": {"min_duration_minutes": "8"}}]',
            "AUDIO_ENGINE_INVALID_PARAMS",
        ),
    ],
)
def test_invalid_components_are_400(ae: EngineClient, wav: Path, components: str, code: str) -> None:
    _error(ae.run(components, wav), 400, code)


def test_too_many_steps(ae: EngineClient, wav: Path) -> None:
    body = _error(
        ae.run([{"component_id": "audio_duration_check"}] * 21, wav), 400, "AUDIO_ENGINE_TOO_MANY_STEPS"
    )
    assert body["errors"]["max_pipeline_steps"] == 20
    assert ae.run([{"component_id": "audio_duration_check"}] * 20, wav).status_code == 200


def test_cross_component_rules(ae: EngineClient, wav: Path) -> None:
    _error(ae.run([{"component_id": "speech_similarity"}], wav), 400, "AUDIO_ENGINE_NOT_ENOUGH_FILES")
    multi = {"component_id": "slice_audio", "params": {"ranges": [[0, 0.5], [0.5, 1]]}}
    _error(
        ae.run([multi, {"component_id": "audio_duration_check"}], wav), 400, "AUDIO_ENGINE_INVALID_PIPELINE"
    )
    split = {"component_id": "split_audio_channel", "params": {}}
    _error(
        ae.run([split, {"component_id": "audio_duration_check"}], wav), 400, "AUDIO_ENGINE_INVALID_PIPELINE"
    )
    single = {"component_id": "slice_audio", "params": {"ranges": [[0, 0.5]]}}
    assert ae.run([single, {"component_id": "audio_duration_check"}], wav).status_code == 200
    assert ae.run([{"component_id": "audio_duration_check"}, multi], wav).status_code == 200
    assert ae.run([{"component_id": "audio_duration_check"}, split], wav).status_code == 200


@pytest.mark.parametrize(
    "email", ["", "user", "user@", "@example.com", "user@example", "a b@example.com", "x@-bad.com"]
)
def test_invalid_email_is_400(ae: EngineClient, wav: Path, email: str) -> None:
    _error(ae.run(NR, wav, fields={"user_email": email}), 400, "AUDIO_ENGINE_INVALID_USER_EMAIL")


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_project_name_is_400(ae: EngineClient, wav: Path, name: str) -> None:
    _error(ae.run(NR, wav, fields={"project_name": name}), 400, "AUDIO_ENGINE_INVALID_PROJECT_NAME")


# -- files: count, size, content -----------------------------------------------------------------


def test_too_many_files(ae: EngineClient, wav: Path) -> None:
    _error(
        ae.run([{"component_id": "audio_duration_check"}], *[wav] * 11), 400, "AUDIO_ENGINE_TOO_MANY_FILES"
    )
    assert ae.run([{"component_id": "audio_duration_check"}], *[wav] * 10).status_code == 200


def test_oversized_file_is_413(ae: EngineClient) -> None:
    body = _error(ae.run(NR, ("big.wav", b"\0" * (MAX_FILE + 1))), 413, "AUDIO_ENGINE_FILE_TOO_LARGE")
    assert body["errors"]["limit"] == MAX_FILE


def test_not_audio_is_rejected_before_the_task(ae: EngineClient) -> None:
    before = _tasks(ae)
    _error(ae.run(NR, ("notes.txt", b"this is not audio at all" * 50)), 415, "AUDIO_ENGINE_UNSUPPORTED_AUDIO")
    _error(ae.run(NR, ("empty.wav", b"")), 400, "AUDIO_ENGINE_EMPTY_AUDIO")
    assert _tasks(ae) == before


# -- failures after the Task exists ----------------------------------------------------------------


def test_component_failure_is_500_and_recorded(ae: EngineClient, wav: Path) -> None:
    body = _error(
        ae.run([{"component_id": "audio_duration_check"}, {"component_id": "test_fail"}], wav),
        500,
        "AUDIO_ENGINE_COMPONENT_FAILED",
    )
    assert "test_fail" in body["detail"] and "the test component broke" in body["detail"]
    task = ae.task(body["errors"]["task_id"])
    assert task["status"] == "FAILED" and task["error_code"] == "AUDIO_ENGINE_COMPONENT_FAILED"
    assert [d["kind"] for d in task["datasets"]] == ["INPUT"]


@pytest.mark.embedded_only
def test_storage_failure_is_500_and_recorded(ae: EngineClient, wav: Path) -> None:
    other = EngineClient(ae.host, tenant="brokenstore", project="p")
    # a plain file where the tenant's blob directory must go: every put under it fails for real
    objects = ae.host.settings.data_path / "blobs" / "objects" / "audio_engine.d"
    objects.mkdir(parents=True, exist_ok=True)
    (objects / "brokenstore.d").write_bytes(b"not a directory")
    body = _error(other.run(NR, wav), 500, "AUDIO_ENGINE_STORAGE_FAILED")
    assert "in.wav" in body["detail"]
    task = other.task(body["errors"]["task_id"])
    assert task["status"] == "FAILED" and task["error_code"] == "AUDIO_ENGINE_STORAGE_FAILED"
    assert task["datasets"] == []


def test_component_input_error_keeps_its_status(ae: EngineClient, wav: Path) -> None:
    body = _error(
        ae.run([{"component_id": "slice_audio", "params": {"ranges": [[5.0, 6.0]]}}], wav),
        400,
        "AUDIO_ENGINE_RANGE_OUT_OF_BOUNDS",
    )
    assert ae.task(body["errors"]["task_id"])["error_code"] == "AUDIO_ENGINE_RANGE_OUT_OF_BOUNDS"


def test_plugin_components_run_in_the_chain(ae: EngineClient, wav: Path) -> None:
    import io

    import numpy as np
    import soundfile as sf

    resp = ae.run(
        [{"component_id": "test_gain", "params": {"factor": 0.5}}, {"component_id": "test_sleep"}], wav
    )
    assert resp.status_code == 200, resp.text
    gain, sleep = resp.json()["result"]["components"]
    assert sleep == {"component_id": "test_sleep", "metrics": {"slept": 0.0}}
    out, _ = sf.read(io.BytesIO(ae.download(gain["output_url"])), dtype="float32")
    src, _ = sf.read(wav, dtype="float32")
    np.testing.assert_allclose(out, src * 0.5, atol=2 / 32768)
    _error(
        ae.run([{"component_id": "test_gain", "params": {"factor": 9}}], wav),
        400,
        "AUDIO_ENGINE_INVALID_PARAMS",
    )


def test_openapi_documents_the_route(ae: EngineClient) -> None:
    schema = ae.host.client.get("/docs/openapi.json").json()
    op = schema["paths"]["/v1/audio_engine/pipeline"]["post"]
    body = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(body["required"]) == {"components", "files", "user_email", "project_name"}
    params = op["x-audio-engine-params"]["components"]
    assert set(params) >= {
        "speech_similarity",
        "speech_fluency_check",
        "check_segments",
        "fix_manual_segments",
    }
    threshold = params["speech_duration_measurement"]["properties"]["threshold"]
    assert (threshold["minimum"], threshold["maximum"], threshold["default"]) == (0, 1, 0.5)
    assert params["end_silence_trimmer"]["additionalProperties"] is False
