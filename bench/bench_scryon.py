"""Scryon end to end vs its steps called directly, on a synthetic multi-minute two-voice call.

    .venv/bin/python bench/bench_scryon.py [--minutes 5] [--repeat 1]

Builds the real app (scaiecho + scryon), warms every model on a short call, then
times (a) ``POST /api/calls/analyze`` until the call is COMPLETED and (b) the
same steps called directly on the same platform: decode, VAD, scaiecho's
transcription / diarization / speaker-embedding services and the local
analysis backend. Prints both and their ratio (the module's overhead: upload,
blob store, job queue, database writes, polling).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from tests.audio_fixtures import concat, espeak_speech, piper_speech, silence
from tests.harness import Host
from tests.scryon.scryon_client import upload, wait_done, wav_bytes

LINES = [
    ("piper", "Good morning, thanks for making time for the quarterly planning call."),
    ("en-us+f3", "Of course. I have the numbers from the regional teams ready to go through."),
    ("piper", "Great. I will send you the updated forecast spreadsheet by Friday."),
    ("en-us+f3", "Can you also check the hiring plan with finance tomorrow?"),
    ("piper", "Sure. We agreed to postpone the office move until the autumn."),
    ("en-us+f3", "Let's schedule a review with the leadership team next Tuesday."),
    ("piper", "The marketing budget looks tight, but I think we can make it work."),
    ("en-us+f3", "I am worried about the supplier delays in the second quarter."),
]


def synth_call(seconds: float) -> np.ndarray:
    parts: list[np.ndarray] = []
    total = 0.0
    while total < seconds:
        for voice, text in LINES:
            pcm = (
                piper_speech(text, sr=16000)[0]
                if voice == "piper"
                else espeak_speech(text, voice, 16000, speed=150)[0]
            )
            parts += [pcm, silence(0.5)]
            total += len(pcm) / 16000 + 0.5
            if total >= seconds:
                break
    return concat(*parts)


async def direct_steps(platform: Any, path: Path, profile: list[float]) -> dict[str, float]:
    """Each step of the pipeline called directly, timed one by one."""
    from scaigrid import audio
    from scryon.analysis.records import CallInput
    from scryon.analysis.schema import build_request
    from scryon.speakers import assign_roles, build_utterances, identify_user, voice_sample

    services = platform.services
    times: dict[str, float] = {}
    t = time.perf_counter()
    pcm = await platform.run_cpu(audio.decode, path, sample_rate=16000)
    times["decode"] = time.perf_counter() - t
    vad = platform.backends.names("vad")
    if vad:
        t = time.perf_counter()
        await platform.backends.run("vad", vad[0], "speech_segments", pcm)
        times["vad"] = time.perf_counter() - t
    t = time.perf_counter()
    transcript = await services.get("scaiecho.transcription").transcribe_pcm(
        pcm, tenant_id="bench", user_id="bench", word_timestamps=True
    )
    times["transcribe"] = time.perf_counter() - t
    t = time.perf_counter()
    turns = await services.get("scaiecho.diarization").diarize(pcm, num_speakers=2)
    times["diarize"] = time.perf_counter() - t
    t = time.perf_counter()
    embeddings = await services.get("scaiecho.speaker_embedding").embed_turns(pcm, voice_sample(turns))
    who = identify_user(profile, embeddings, 0.75)
    times["identify"] = time.perf_counter() - t
    t = time.perf_counter()
    utterances = assign_roles(build_utterances(transcript.segments, turns), who.speaker if who else None)
    call = CallInput(utterances=utterances, duration_seconds=len(pcm) / 16000, call_date=dt.date.today())
    await platform.backends.run("analysis", "scryon.local", "analyze", build_request(call))
    times["analyze"] = time.perf_counter() - t
    return times


async def stored_profile(platform: Any) -> list[float]:
    from scryon.store.users import voice_embedding

    async with platform.db.connect() as conn:
        found = await voice_embedding(conn, "bench", "bench")
    assert found is not None
    return found


def end_to_end(client: Any, headers: dict[str, str], call_wav: bytes) -> float:
    t = time.perf_counter()
    call_id = upload(client, headers, call_wav, {"numSpeakers": 2}).json()["id"]
    done = wait_done(client, headers, call_id, timeout=3600)
    assert done["status"] == "COMPLETED", done
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    import scaiecho.plugin
    import scryon.plugin

    print(f"synthesising a {args.minutes:g}-minute two-voice call ...", flush=True)
    pcm = synth_call(args.minutes * 60)
    call_wav = wav_bytes(pcm)
    warm_wav = wav_bytes(synth_call(20))
    profile_wav = wav_bytes(
        piper_speech("This is my voice, recorded so the assistant can recognise me.", sr=16000)[0]
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        Host(Path(tmp), plugins=[scaiecho.plugin, scryon.plugin]) as host,
    ):
        headers = host.headers(host.key(host.tenant("bench"), "bench"))
        client = host.client
        client.post(
            "/api/users/me/voice-profile",
            headers=headers,
            files={"audio": ("p.wav", profile_wav, "audio/wav")},
        )
        wait_done(client, headers, upload(client, headers, warm_wav).json()["id"])  # load every model
        profile = host.call(stored_profile, host.platform)
        path = Path(tmp) / "call.wav"
        path.write_bytes(call_wav)
        ratios = []
        for run in range(args.repeat):
            # Alternate which goes first: other load on the machine then biases neither side.
            if run % 2:
                steps = host.call(direct_steps, host.platform, path, profile)
                e2e = end_to_end(client, headers, call_wav)
            else:
                e2e = end_to_end(client, headers, call_wav)
                steps = host.call(direct_steps, host.platform, path, profile)
            total = sum(steps.values())
            ratios.append(e2e / total)
            detail = ", ".join(f"{k} {v:.2f}s" for k, v in steps.items())
            print(f"run {run + 1}: audio {len(pcm) / 16000:.1f}s")
            print(f"  end to end (HTTP upload -> COMPLETED): {e2e:.2f}s")
            print(f"  sum of steps called directly:          {total:.2f}s ({detail})")
            print(f"  ratio end-to-end / direct steps:       {e2e / total:.3f}")
            print(f"  real-time factor end to end:           {e2e / (len(pcm) / 16000):.3f}")
        print(f"mean ratio over {len(ratios)} run(s): {sum(ratios) / len(ratios):.3f}")


if __name__ == "__main__":
    main()
