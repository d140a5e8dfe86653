"""Decode a 10-minute MP3 to 16 kHz mono with ``scaigrid.audio.decode`` and with PyAV directly
(the same demux → decode → libswresample path, no checks), and print both times and the ratio.

    .venv/bin/python bench/bench_audio_decode.py [--minutes 10] [--repeat 3] [--mp3 PATH]

The MP3 (44.1 kHz stereo, 128 kb/s: what phones and browsers upload) is made here from piper
speech, tones and noise, so the run needs nothing but the dev venv.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaigrid.audio import decode, encode

from tests.audio_fixtures import concat, noise, piper_speech, silence, tone

SOURCE_RATE = 44100
TARGET_RATE = 16000


def make_program(minutes: float) -> np.ndarray:
    """Stereo 44.1 kHz: speech on the left, speech with tones and noise on the right."""
    sentences = [
        "Welcome to the weekly planning meeting.",
        "Let us review the action items from last week before we start.",
        "The deployment finished on Tuesday and the error rate is back to normal.",
    ]
    speech = concat(
        *(concat(piper_speech(s, sr=SOURCE_RATE)[0], silence(0.4, SOURCE_RATE)) for s in sentences)
    )
    block = concat(speech, tone(440, 1.0, SOURCE_RATE), noise(1.0, SOURCE_RATE, 0.05))
    reps = int(np.ceil(minutes * 60 * SOURCE_RATE / len(block)))
    left = np.tile(block, reps)[: int(minutes * 60 * SOURCE_RATE)]
    right = 0.5 * left + np.tile(tone(1000, 1.0, SOURCE_RATE, 0.1), len(left) // SOURCE_RATE + 1)[: len(left)]
    return np.stack([left, right]).astype(np.float32)


def pyav_direct(path: Path) -> np.ndarray:
    """The bare library call: what a caller would write with PyAV alone."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=TARGET_RATE)
        parts = []
        for frame in container.decode(stream):
            parts.extend(f.to_ndarray() for f in resampler.resample(frame))
        parts.extend(f.to_ndarray() for f in resampler.resample(None))
    return np.concatenate(parts, axis=1)[0]


def best_of(repeat: int, fn: object, *args: object) -> tuple[float, np.ndarray]:
    best, out = float("inf"), np.zeros(0, np.float32)
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mp3", type=Path, help="reuse (or keep) the generated MP3 at this path")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.mp3 or Path(tmp) / "program.mp3"
        if not path.exists():
            started = time.perf_counter()
            encode(make_program(args.minutes), SOURCE_RATE, "mp3", path, bitrate=128_000)
            print(f"made {args.minutes:g} min mp3 in {time.perf_counter() - started:.1f} s")
        print(f"input: {path} ({path.stat().st_size / 1e6:.1f} MB)")

        bare_s, bare = best_of(args.repeat, pyav_direct, path)
        ours_s, ours = best_of(args.repeat, decode, path)

    seconds = len(bare) / TARGET_RATE
    n = min(len(bare), len(ours))
    agree = float(np.corrcoef(bare[: n - 100], ours[: n - 100])[0, 1])
    print(f"PyAV direct      : {bare_s:6.2f} s  ({seconds / bare_s:6.0f}x real time)  {len(bare)} samples")
    print(f"scaigrid.decode  : {ours_s:6.2f} s  ({seconds / ours_s:6.0f}x real time)  {len(ours)} samples")
    print(f"ratio scaigrid/PyAV: {ours_s / bare_s:.2f}   (output correlation {agree:.5f})")


if __name__ == "__main__":
    main()
