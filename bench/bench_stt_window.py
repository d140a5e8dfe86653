"""Live chunks on a fitted encoder window versus the bare faster-whisper call on the same clips.

    .venv/bin/python bench/bench_stt_window.py [--beam-size 1] [--repeat 2]

Clips: 21 English sentences (one word to 8 s) from piper and two espeak-ng voices, each with
120 ms of silence on both sides, as the streaming segmenter cuts them. Per clip the bare call
(``WhisperModel.transcribe`` on the standard 30 s window, VAD filter off, same beam) and
``transcribe_fitted`` (falling back to the bare call when its guard rejects, as the backend
does) are timed on the same loaded tiny.en, one CPU thread. Prints the WER of each, the
fallback count and the time ratio fitted / bare (lower is better), without and with a
context prompt (streams pass the previous text as the prompt).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.audio_fixtures import espeak_speech, piper_speech, silence  # noqa: E402

SENTENCES = [
    "The weather today is sunny with a light breeze from the west.",
    "Please remember to bring your umbrella tomorrow afternoon.",
    "Our quarterly revenue grew by twelve percent compared to last year.",
    "The train to the airport leaves every fifteen minutes.",
    "Could you send me the report before the meeting starts?",
    "We will review the budget and the hiring plan on Friday.",
    "Hello.",
    "Yes.",
    "No.",
    "Okay, thanks.",
    "Right, right.",
    "Good morning everyone.",
    "I think so.",
    "Sounds good to me.",
    "Let me check my calendar and get back to you.",
    "Thank you very much.",
    "What time is it?",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "My phone number is five five five, one two three four.",
    "Sorry, could you repeat that please?",
    "The train to the airport leaves every fifteen minutes, so please do not worry about missing it, "
    "there will be another one soon and we can all meet at the gate.",
]
VOICES = ("piper", "en-us+m1", "en-us+f3")
PROMPT = "We met this morning to talk about the plan."


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def clips() -> list[tuple[str, np.ndarray]]:
    out = []
    for sentence in SENTENCES:
        for voice in VOICES:
            pcm = (
                piper_speech(sentence, sr=16000)[0] if voice == "piper" else espeak_speech(sentence, voice)[0]
            )
            out.append((sentence, np.concatenate([silence(0.12), pcm, silence(0.12)]).astype(np.float32)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per clip (the minimum counts)")
    args = parser.parse_args()

    import jiwer
    from faster_whisper import WhisperModel

    sys.path.insert(0, str(ROOT / "plugins" / "scaiecho"))
    from scaiecho.stt.bundled import tiny_en_dir
    from scaiecho.stt.fitted_window import transcribe_fitted

    model = WhisperModel(str(tiny_en_dir()), compute_type="int8", cpu_threads=1, local_files_only=True)
    data = clips()

    def bare(pcm: np.ndarray, prompt: str | None) -> str:
        segments, _ = model.transcribe(
            pcm, beam_size=args.beam_size, vad_filter=False, temperature=0.0, initial_prompt=prompt
        )
        return " ".join(s.text.strip() for s in segments)

    def fitted(pcm: np.ndarray, prompt: str | None) -> tuple[str, bool]:
        result = transcribe_fitted(model, pcm, prompt=prompt, beam_size=args.beam_size)
        if result is None:
            return bare(pcm, prompt), True
        return " ".join(s.text for s in result.segments), False

    bare(data[0][1], None)  # warm-up
    print(f"{len(data)} clips, tiny.en int8, 1 thread, beam {args.beam_size}")
    print(
        f"{'prompt':>6} {'bare WER':>8} {'fitted WER':>10} {'fallbacks':>9} "
        f"{'bare s':>7} {'fitted s':>8} {'ratio':>6}"
    )
    for prompt in (None, PROMPT):
        refs, bare_hyp, fit_hyp, bare_t, fit_t, fallbacks = [], [], [], [], [], 0
        for sentence, pcm in data:
            times_b, times_f = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                text_b = bare(pcm, prompt)
                times_b.append(time.perf_counter() - start)
                start = time.perf_counter()
                text_f, fell_back = fitted(pcm, prompt)
                times_f.append(time.perf_counter() - start)
            refs.append(words(sentence))
            bare_hyp.append(words(text_b))
            fit_hyp.append(words(text_f))
            bare_t.append(min(times_b))
            fit_t.append(min(times_f))
            fallbacks += fell_back
        ratio = sum(fit_t) / sum(bare_t)
        print(
            f"{'yes' if prompt else 'no':>6} {jiwer.wer(refs, bare_hyp):>8.3f} "
            f"{jiwer.wer(refs, fit_hyp):>10.3f} {fallbacks:>5}/{len(data):<3} "
            f"{statistics.mean(bare_t):>7.3f} {statistics.mean(fit_t):>8.3f} {ratio:>6.2f}"
        )


if __name__ == "__main__":
    main()
