"""ScaiSpeak against the bare engine, on piper's bundled voice (joe), in the same process and run.

    .venv/bin/python bench/bench_scaispeak.py [--repeat 5] [--streams 1,4,8,16]

1. ``POST /speak`` of a 200-character text (wav) versus ``PiperVoice.synthesize`` + ``encode`` on
   the same text: median ratio (goal <= 1.10).
2. ``WS /stream/speak``: time from sending a complete phrase to its first audio byte, p50/p95
   (goal <= 250 ms with piper on this CPU).
3. Concurrent real-time WebSocket streams: each sends one phrase every time the previous one's
   audio would have finished playing; a stream "holds" while every phrase's audio arrives before
   the previous phrase has played out (no gap). Prints the largest count that held (goal >= 16).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import scaispeak.plugin
import websockets
from scaigrid.audio import encode

from tests.audio_fixtures import piper_voice
from tests.harness import Host

TEXT = (
    "Thank you for calling. Your appointment is confirmed for Thursday at ten in the morning. "
    "Please bring your insurance card and arrive fifteen minutes early so that we can check you in "
    "on time today."
)[:200]
PHRASES = (
    "Good morning, this is your assistant.",
    "Your order has shipped and will arrive on Friday.",
    "Would you like me to read the tracking number?",
    "Thank you, and have a wonderful day.",
)


def bare(text: str) -> bytes:
    from piper import SynthesisConfig

    voice = piper_voice()
    chunks = list(voice.synthesize(text, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)))
    import numpy as np

    pcm = np.concatenate([c.audio_float_array for c in chunks])
    return encode(pcm, chunks[0].sample_rate, "wav")


async def first_audio(url: str, key: str, repeat: int) -> list[float]:
    out: list[float] = []
    async with websockets.connect(f"{url}?token={key}", max_size=None) as ws:
        await ws.send(json.dumps({"type": "open", "voice_id": "preset-piper-joe"}))
        await ws.recv()
        for i in range(repeat):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "text", "delta": PHRASES[i % len(PHRASES)] + " "}))
            message = await ws.recv()
            assert isinstance(message, bytes)
            out.append(time.perf_counter() - started)
        await ws.send(json.dumps({"type": "close"}))
        async for message in ws:
            if isinstance(message, str) and json.loads(message)["type"] == "closed":
                break
    return out


async def one_stream(url: str, key: str, phrases: int) -> bool:
    """Real time: the next phrase is sent when the audio so far would have played out; a gap is an
    audio chunk that arrives after the previous audio finished playing."""
    held = True
    async with websockets.connect(f"{url}?token={key}", max_size=None) as ws:
        await ws.send(json.dumps({"type": "open", "voice_id": "preset-piper-joe"}))
        await ws.recv()
        play_until = None
        for i in range(phrases):
            await ws.send(json.dumps({"type": "text", "delta": PHRASES[i % len(PHRASES)] + " "}))
            message = await ws.recv()
            now = time.perf_counter()
            assert isinstance(message, bytes)
            if play_until is not None and now > play_until:
                held = False
            seconds = len(message) / 2 / 22050
            play_until = max(now, play_until or now) + seconds
            await asyncio.sleep(max(0.0, play_until - time.perf_counter() - seconds * 0.5))
        await ws.send(json.dumps({"type": "close"}))
        async for message in ws:
            if isinstance(message, str) and json.loads(message)["type"] == "closed":
                break
    return held


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--streams", default="1,4,8,16")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-scaispeak-") as tmp,
        Host(Path(tmp), plugins=[scaispeak.plugin]) as host,
    ):
        key = host.key(host.tenant("bench"), "bench")
        body = {"voice_id": "preset-piper-joe", "text": TEXT, "response_format": "wav"}
        host.client.post(
            "/v1/modules/scaispeak/speak", json=body, headers=host.headers(key)
        )  # load the model
        bare(TEXT)
        api, direct = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            assert (
                host.client.post(
                    "/v1/modules/scaispeak/speak", json=body, headers=host.headers(key)
                ).status_code
                == 200
            )
            api.append(time.perf_counter() - t)
            t = time.perf_counter()
            bare(TEXT)
            direct.append(time.perf_counter() - t)
        ratio = statistics.median(api) / statistics.median(direct)
        print(
            f"POST /speak ({len(TEXT)} chars, wav): api median {statistics.median(api):.3f} s, "
            f"bare piper+encode {statistics.median(direct):.3f} s, ratio {ratio:.2f}"
        )
        with host.live() as base:
            url = base.replace("http", "ws") + "/v1/modules/scaispeak/stream/speak"
            latencies = asyncio.run(first_audio(url, key, max(8, args.repeat * 2)))
            latencies.sort()
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            print(
                f"WS first audio after a complete phrase: p50 {statistics.median(latencies) * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms (n={len(latencies)})"
            )
            best = 0
            for n in [int(x) for x in args.streams.split(",")]:

                async def run(count: int = n) -> list[bool]:
                    return list(await asyncio.gather(*(one_stream(url, key, 6) for _ in range(count))))

                results = asyncio.run(run())
                ok = all(results)
                verdict = "held" if ok else "gaps"
                print(f"{n:3d} concurrent real-time streams: {verdict} ({sum(results)}/{n} without a gap)")
                if ok:
                    best = n
            print(f"streams held without an audio gap: {best}")


if __name__ == "__main__":
    main()
