"""Audio Engine overhead: a long file through noise_reduce + speech_duration_measurement via the API
versus the same library calls made directly, plus the server's peak RSS.

    .venv/bin/python bench/bench_audio_engine.py [--minutes 10] [--repeats 3]

The server is a real uvicorn process on loopback with only the audio_engine plugin; the
request is the reference's multipart POST with ``X-API-Key``. "Direct" is what a script
would do with the same libraries on the same file: soundfile read, quietest-window
noisereduce, soundfile write, Silero VAD on the denoised audio (models already loaded).
Goal: ratio <= 1.10. The two alternate ``--repeats`` times; the script prints the median
wall-clock ratio of the pairs and the CPU-time ratio (server process and its pool children
versus this process), which other load on a shared machine disturbs far less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SR = 16000
COMPONENTS = [
    {"component_id": "noise_reduce", "params": {"noise_estimation_duration_sec": 0.5}},
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
SENTENCES = [
    "Thanks for calling, this is the support line, how can I help you today?",
    "I would like to check the status of my order from last week.",
    "Let me look that up for you, it should arrive on Thursday morning.",
    "Great, and could you also update the delivery address for me?",
]

SERVER = """
import os, uvicorn
import audio_engine.plugin
from scaigrid.app import create_app
from scaigrid.settings import load_settings
app = create_app(load_settings(), plugins=[audio_engine.plugin])
uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="warning")
"""


def make_audio(path: Path, minutes: float) -> float:
    """Piper speech with pauses under steady noise; returns the seconds of speech placed."""
    from tests.audio_fixtures import noise, piper_speech, silence

    rng = np.random.default_rng(1)
    clips = [piper_speech(s, sr=SR)[0] for s in SENTENCES]
    parts: list[np.ndarray] = [silence(1.0)]
    total = 1.0
    while total < minutes * 60:
        clip = clips[int(rng.integers(len(clips)))]
        gap = float(rng.uniform(0.3, 2.0))
        parts += [clip, silence(gap)]
        total += len(clip) / SR + gap
    signal = np.concatenate(parts)[: int(minutes * 60 * SR)]
    signal = signal + noise(len(signal) / SR, amp=0.01, seed=2)
    sf.write(path, signal, SR, subtype="PCM_16")
    return total


def direct(path: Path, out: Path, vad: Any) -> tuple[float, float, float]:
    import noisereduce
    import torch
    from scaigrid.backends.builtin.noisereduce import quietest_window
    from silero_vad import get_speech_timestamps

    started, cpu = time.perf_counter(), time.process_time()
    audio, sr = sf.read(path, dtype="float32")
    start, end = quietest_window(audio, sr, 0.5)
    reduced = noisereduce.reduce_noise(y=audio, sr=sr, y_noise=audio[start:end], stationary=True, n_fft=1024)
    sf.write(out, np.clip(reduced, -1, 1), sr, subtype="PCM_16")
    denoised, _ = sf.read(out, dtype="float32")
    with torch.inference_mode():
        stamps = get_speech_timestamps(torch.from_numpy(denoised), vad, threshold=0.5, sampling_rate=SR)
    speech = sum(s["end"] - s["start"] for s in stamps) / SR
    return time.perf_counter() - started, time.process_time() - cpu, speech


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        listing = task / "children"
        kids += [int(k) for k in (listing.read_text().split() if listing.exists() else [])]
    return kids + [g for k in kids for g in _children(k)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live descendants."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """VmHWM of the server process, and of it plus its children (the process pool)."""

    def hwm(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    own = hwm(pid)
    return own, own + sum(hwm(k) for k in _children(pid))


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BENCH_PORT": str(port),
        "SCAIGRID_DATA_DIR": str(data_dir),
        "SCAIGRID_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "AUDIO_ENGINE_PROCESS_POOL_WORKERS": os.environ.get("AUDIO_ENGINE_PROCESS_POOL_WORKERS", "1"),
        "AUDIO_ENGINE_REQUEST_TIMEOUT": "3600",
    }
    proc = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def setup_access(base: str, data_dir: Path) -> str:
    admin = {"Authorization": f"Bearer {(data_dir / 'superadmin.key').read_text().strip()}"}
    httpx.post(f"{base}/v1/tenants/", json={"name": "bench", "id": "bench"}, headers=admin).raise_for_status()
    created = httpx.post(
        f"{base}/v1/keys/", json={"tenant_id": "bench", "user_id": "bench-user"}, headers=admin
    )
    created.raise_for_status()
    key, key_id = created.json()["data"]["key"], created.json()["data"]["id"]
    q = {"tenant_id": "bench"}
    httpx.post(
        f"{base}/v1/audio_engine/admin/projects/", params=q, json={"name": "bench"}, headers=admin
    ).raise_for_status()
    httpx.post(
        f"{base}/v1/audio_engine/admin/projects/bench/keys",
        params=q,
        json={"api_key_id": key_id},
        headers=admin,
    ).raise_for_status()
    return str(key)


def via_api(base: str, key: str, path: Path, server_pid: int) -> tuple[float, float, float]:
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server_pid)
    with open(path, "rb") as fh:
        r = httpx.post(
            f"{base}/v1/audio_engine/pipeline",
            headers={"X-API-Key": key},
            data={
                "components": json.dumps(COMPONENTS),
                "user_email": "bench@example.com",
                "project_name": "bench",
            },
            files={"files": fh},
            timeout=3600,
        )
    elapsed = time.perf_counter() - started
    cpu_used = time.process_time() - cpu + cpu_seconds(server_pid) - server_cpu
    r.raise_for_status()
    return elapsed, cpu_used, float(r.json()["result"]["components"][1]["metrics"]["speech_duration_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    from silero_vad import load_silero_vad

    with tempfile.TemporaryDirectory(prefix="bench-ae-") as tmp:
        tmpdir = Path(tmp)
        audio = tmpdir / "long.wav"
        placed = make_audio(audio, args.minutes)
        short = tmpdir / "short.wav"
        sf.write(short, sf.read(audio, dtype="float32")[0][: 20 * SR], SR, subtype="PCM_16")
        size = audio.stat().st_size / 2**20
        print(f"input: {args.minutes:g} min, {size:.1f} MiB, ~{placed:.0f} s incl. pauses")

        vad = load_silero_vad()
        direct(short, tmpdir / "warm.wav", vad)  # warm caches and imports, as the server's warm-up does

        proc = start_server(tmpdir / "data", args.port)
        try:
            base = f"http://127.0.0.1:{args.port}"
            key = setup_access(base, tmpdir / "data")
            via_api(base, key, short, proc.pid)  # loads the VAD backend and starts the process pool
            wall_ratios, cpu_ratios = [], []
            for i in range(args.repeats):
                d, d_cpu, d_speech = direct(audio, tmpdir / "direct_out.wav", vad)
                a, a_cpu, a_speech = via_api(base, key, audio, proc.pid)
                wall_ratios.append(a / d)
                cpu_ratios.append(a_cpu / d_cpu)
                speech = f"speech {d_speech:.1f} / {a_speech:.1f} s"
                wall = f"wall direct {d:6.2f} s api {a:6.2f} s"
                print(f"run {i + 1}: {wall} | cpu direct {d_cpu:6.2f} s api {a_cpu:6.2f} s | {speech}")
            own, with_children = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    print(
        f"wall-clock ratio api/direct (median of {args.repeats} pairs): {statistics.median(wall_ratios):.3f}"
    )
    print(f"CPU-time ratio api/direct (median): {statistics.median(cpu_ratios):.3f} (goal <= 1.10)")
    print(f"server peak RSS: {own:.0f} MiB (with process-pool children: {with_children:.0f} MiB)")


if __name__ == "__main__":
    main()
