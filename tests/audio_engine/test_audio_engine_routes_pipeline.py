"""The pipeline route end to end: the reference's examples, chains, multi-file and multi-output steps,
bookkeeping (Task, datasets, file records, blobs) and signed URLs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
import soundfile as sf

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_fixtures import chirp, concat, noise, piper_speech, silence, stereo, tone, write_wav

SR = 16000


@pytest.fixture(scope="module")
def ae(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineClient]:
    with engine_host(tmp_path_factory.mktemp("host"), process_pool_workers=1) as host:
        yield EngineClient(host)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("audio")
    a, _ = piper_speech("The pipeline takes one request and runs every step in order.", sr=SR)
    b, _ = piper_speech("A second recording of the same speaker for similarity.", sr=SR)
    clean = concat(silence(1.2), a, silence(0.8))
    noisy = clean + noise(len(clean) / SR, amp=0.02, seed=11)
    voiced = np.flatnonzero(np.abs(a) > 0.01)
    return {
        "noisy": write_wav(d / "input.wav", noisy, SR),
        "clean_speech_seconds": (voiced[-1] - voiced[0]) / SR,
        "lead_seconds": 1.2 + voiced[0] / SR,
        "same": write_wav(d / "same.wav", b, SR),
        "stereo": write_wav(d / "stereo.wav", stereo(tone(440, 2.0), chirp(200, 2000, 2.0)), SR),
        "sweep": write_wav(d / "sweep.wav", chirp(100, 3000, 3.0), SR),
    }


def _wav(content: bytes) -> tuple[np.ndarray, int]:
    data, sr = sf.read(io.BytesIO(content), dtype="float32", always_2d=True)
    return data.T, sr


def test_reference_curl_noise_reduce(ae: EngineClient, files) -> None:
    resp = ae.run(
        [{"component_id": "noise_reduce", "params": {"noise_estimation_duration_sec": 0.5}}], files["noisy"]
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "COMPLETED" and len(body["dataset_ids"]) == 2
    result = body["result"]
    assert result["component_ids"] == ["noise_reduce"]
    step = result["components"][0]
    assert step["component_id"] == "noise_reduce" and step["output_url"] == result["final_output_url"]
    url = urlparse(step["output_url"])
    # a signed link to the blob store (host-signed or S3-presigned), never a server path
    assert url.scheme in ("http", "https") and url.query and "/tmp" not in url.path
    assert f"/audio_engine/{ae.tenant}/{body['task_id']}/output/" in url.path
    out, sr = _wav(ae.download(step["output_url"]))
    src, _ = _wav(files["noisy"].read_bytes())
    assert sr == SR and out.shape == (1, src.shape[1])
    quiet = slice(int(0.1 * SR), int(1.0 * SR))
    assert np.sqrt(np.mean(out[0, quiet] ** 2)) < 0.3 * np.sqrt(np.mean(src[0, quiet] ** 2))


def test_reference_speech_duration_metrics_only(ae: EngineClient, files) -> None:
    resp = ae.run(
        [{"component_id": "speech_duration_measurement", "params": {"threshold": 0.5}}], files["noisy"]
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert len(body["dataset_ids"]) == 1  # no audio was produced: INPUT only
    step = body["result"]["components"][0]
    assert set(step) == {"component_id", "metrics"}
    assert step["metrics"]["speech_duration_seconds"] == pytest.approx(
        files["clean_speech_seconds"], rel=0.10
    )
    # no audio-producing step: the final URL is the signed input, byte for byte
    assert ae.download(body["result"]["final_output_url"]) == files["noisy"].read_bytes()


def test_reference_chain_denoise_trim_speech_duration(ae: EngineClient, files) -> None:
    components = [
        {"component_id": "noise_reduce", "params": {"noise_estimation_duration_sec": 0.5}},
        {"component_id": "beg_silence_trimmer", "params": {"manual_segments": [[0.5, 2.0], [3.0, 5.0]]}},
        {"component_id": "end_silence_trimmer", "params": {}},
        {
            "component_id": "speech_duration_measurement",
            "params": {
                "threshold": 0.5,
                "min_speech_duration_ms": 250,
                "min_silence_duration_ms": 100,
                "speech_pad_ms": 30,
            },
        },
    ]
    resp = ae.run(components, files["noisy"])
    assert resp.status_code == 200, resp.text
    result = resp.json()["result"]
    assert result["component_ids"] == [c["component_id"] for c in components]
    denoise, beg, end, vad = result["components"]
    cut = beg["metrics"]["trimmed_seconds"]
    assert cut == pytest.approx(files["lead_seconds"], abs=0.15)
    assert beg["metrics"]["manual_segments"] == [
        [pytest.approx(max(0.0, 0.5 - cut), abs=1e-6), pytest.approx(2.0 - cut, abs=1e-6)],
        [pytest.approx(3.0 - cut, abs=1e-6), pytest.approx(5.0 - cut, abs=1e-6)],
    ]
    final, _ = _wav(ae.download(result["final_output_url"]))
    assert result["final_output_url"] == end["output_url"]
    assert final.shape[1] / SR == pytest.approx(end["metrics"]["duration_seconds"], abs=1e-3)
    assert final.shape[1] / SR < beg["metrics"]["duration_seconds"]
    assert vad["metrics"]["speech_duration_seconds"] == pytest.approx(files["clean_speech_seconds"], rel=0.10)
    assert len({denoise["output_url"], beg["output_url"], end["output_url"]}) == 3


def test_similarity_over_several_files(ae: EngineClient, files, tmp_path: Path) -> None:
    from tests.audio_fixtures import espeak_speech

    other, _ = espeak_speech("A second recording of a different speaker.", "en-us+f3", SR)
    different = write_wav(tmp_path / "different.wav", other, SR)
    resp = ae.run(
        [{"component_id": "speech_similarity", "params": {"threshold": 0.75}}],
        files["noisy"],
        files["same"],
        different,
    )
    assert resp.status_code == 200, resp.text
    metrics = resp.json()["result"]["components"][0]["metrics"]
    same, diff = metrics["comparisons"]
    assert (same["filename"], diff["filename"]) == ("same.wav", "different.wav")
    assert same["similarity"] > diff["similarity"]
    assert same["same_speaker"] is True and diff["same_speaker"] is False


def test_slice_ranges_and_bookkeeping(ae: EngineClient, files) -> None:
    resp = ae.run(
        [{"component_id": "slice_audio", "params": {"ranges": [[0.0, 1.0], [1.5, 2.5]]}}], files["sweep"]
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    step = body["result"]["components"][0]
    assert "output_url" not in step and len(step["output_urls"]) == 2
    assert body["result"]["final_output_url"] == step["output_urls"][0]
    src, _ = _wav(files["sweep"].read_bytes())
    second, _ = _wav(ae.download(step["output_urls"][1]))
    np.testing.assert_allclose(second[0], src[0, int(1.5 * SR) : int(2.5 * SR)], atol=2 / 32768)

    task = ae.task(body["task_id"])
    assert task["status"] == "COMPLETED" and task["user_email"] == "user@example.com"
    assert task["project_name"] == "my-project" and task["provider"] == "GOOGLE"
    assert [d["id"] for d in task["datasets"]] == body["dataset_ids"]
    inputs, outputs = task["datasets"]
    assert (inputs["kind"], outputs["kind"]) == ("INPUT", "OUTPUT")
    assert (
        inputs["files"][0]["filename"] == "sweep.wav"
        and inputs["files"][0]["size_bytes"] == files["sweep"].stat().st_size
    )
    assert [f["step_index"] for f in outputs["files"]] == [0, 0]
    keys = [f["blob_key"] for f in inputs["files"] + outputs["files"]]
    assert all(k.startswith(f"audio_engine/{ae.tenant}/{body['task_id']}/") for k in keys)
    assert task["result"]["final_output_key"] == outputs["files"][0]["blob_key"]


def test_slice_passthrough_and_split(ae: EngineClient, files) -> None:
    resp = ae.run(
        [
            {"component_id": "slice_audio", "params": {"ranges": []}},
            {"component_id": "split_audio_channel", "params": {}},
        ],
        files["stereo"],
    )
    assert resp.status_code == 200, resp.text
    passthrough, split = resp.json()["result"]["components"]
    assert passthrough["output_urls"] == [passthrough["output_url"]]
    assert ae.download(passthrough["output_url"]) == files["stereo"].read_bytes()
    src, _ = _wav(files["stereo"].read_bytes())
    left, _ = _wav(ae.download(split["output_urls"][0]))
    right, _ = _wav(ae.download(split["output_urls"][1]))
    np.testing.assert_allclose(left[0], src[0], atol=2 / 32768)
    np.testing.assert_allclose(right[0], src[1], atol=2 / 32768)


def test_every_component_answers(ae: EngineClient, files) -> None:
    components = [
        {"component_id": "audio_duration_check", "params": {"min_duration_minutes": 0.05}},
        {"component_id": "check_segments", "params": {"segments": [[1.3, 3.0], [0.1, 0.9]]}},
        {"component_id": "fix_manual_segments", "params": {"segments": [[1.0, 3.0]]}},
        {"component_id": "speech_fluency_check", "params": {}},
        {"component_id": "slice_audio", "params": {"ranges": [[1.0, 4.0]]}},
        {"component_id": "speech_duration_measurement"},
        {"component_id": "speech_similarity", "params": None},
    ]
    resp = ae.run(components, files["noisy"], files["same"])
    assert resp.status_code == 200, resp.text
    duration, check, fix, fluency, sliced, vad, similarity = resp.json()["result"]["components"]
    assert duration["metrics"]["meets_duration_requirement"] is True
    assert [v["valid"] for v in check["metrics"]["segments"]] == [True, False]
    assert fix["metrics"]["segments"][0][0] == pytest.approx(files["lead_seconds"], abs=0.15)
    assert fluency["metrics"]["speech_segment_count"] >= 1 and fluency["metrics"]["syllables_per_second"] > 2
    assert vad["metrics"]["speech_duration_seconds"] <= 3.0 + 1e-6  # measured on the 3 s slice
    assert sliced["output_url"] and similarity["metrics"]["comparisons"][0]["similarity"] > 0.75


def test_compressed_upload_is_decoded(ae: EngineClient, files, tmp_path: Path) -> None:
    from scaigrid.audio import encode

    pcm, _ = sf.read(files["noisy"], dtype="float32")
    m4a = tmp_path / "input.m4a"
    encode(pcm, SR, "m4a", m4a)
    resp = ae.run([{"component_id": "audio_duration_check", "params": {"min_duration_minutes": 0.0}}], m4a)
    assert resp.status_code == 200, resp.text
    seconds = resp.json()["result"]["components"][0]["metrics"]["duration_seconds"]
    assert seconds == pytest.approx(len(pcm) / SR, abs=0.05)
    assert ae.download(resp.json()["result"]["final_output_url"]) == m4a.read_bytes()
