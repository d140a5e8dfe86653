"""Self-hosted STT with ``transformers`` Whisper on any Hugging Face checkpoint directory.

GPU-ready: device and dtype come from settings. Long audio is cut into windows of
at most 30 s at speech boundaries (silero VAD), each decoded with timestamps;
segment confidence is the mean token log-probability from one teacher-forced pass
over what was generated, the same quantity faster-whisper reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from scaigrid.backends import SpeechToText, SttRequest, SttResult, SttSegment, SttWord, VoiceActivity

from scaiecho.errors import backend_unavailable
from scaiecho.stt.base import (
    OPT_TEMPERATURE_FALLBACK,
    OPT_VAD_FILTER,
    SAMPLE_RATE,
    confidence_from_logprob,
    join_text,
    option,
    request_pcm,
)
from scaiecho.vad import SpeechRegion, pack_chunks, speech_regions

__all__ = ["TransformersWhisperBackend"]

_WINDOW = 30.0
_TIME_PRECISION = 0.02


class TransformersWhisperBackend(SpeechToText):
    """One Whisper checkpoint loaded with transformers; ``transcribe`` is blocking."""

    def __init__(
        self,
        checkpoint_dir: str | Path,
        *,
        model: str,
        vad: VoiceActivity,
        device: str = "cpu",
        dtype: str = "float32",
    ) -> None:
        import torch
        from tokenizers import Tokenizer
        from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

        self.model = model
        self.vad = vad
        self.checkpoint_dir = Path(checkpoint_dir)
        self._torch = torch
        self._device = torch.device(device)
        self._dtype = getattr(torch, dtype)
        try:
            self._model = (
                WhisperForConditionalGeneration.from_pretrained(str(self.checkpoint_dir), dtype=self._dtype)
                .to(self._device)  # type: ignore[arg-type]
                .eval()
            )
            self._features = WhisperFeatureExtractor.from_pretrained(str(self.checkpoint_dir))
            self._tokenizer = Tokenizer.from_file(str(self.checkpoint_dir / "tokenizer.json"))
        except (OSError, ValueError, RuntimeError) as exc:
            raise backend_unavailable(f"cannot load Whisper checkpoint {self.checkpoint_dir}: {exc}") from exc
        gen = self._model.generation_config
        self.multilingual = bool(getattr(gen, "is_multilingual", self._model.config.vocab_size >= 51865))
        self._eos = int(gen.eos_token_id)
        self._sot = int(gen.decoder_start_token_id)
        self._ts_begin = int(gen.no_timestamps_token_id) + 1
        self._prev_sot = getattr(gen, "prev_sot_token_id", None)
        self._lang_to_id: dict[str, int] = dict(getattr(gen, "lang_to_id", {}) or {})
        self._id_to_lang = {i: tok.strip("<|>") for tok, i in self._lang_to_id.items()}
        self._transcribe_id = (getattr(gen, "task_to_id", {}) or {}).get("transcribe")
        self.supports_language_hint = self.multilingual  # type: ignore[misc]
        self.languages = None if self.multilingual else ("en",)  # type: ignore[misc]

    @classmethod
    def is_checkpoint(cls, path: Path) -> bool:
        try:
            config = json.loads((path / "config.json").read_text())
        except (OSError, ValueError):
            return False
        return bool(config.get("model_type") == "whisper")

    def transcribe(self, request: SttRequest) -> SttResult:
        audio = request_pcm(request)
        duration = len(audio) / SAMPLE_RATE
        if option(request, OPT_VAD_FILTER, True):
            chunks = pack_chunks(speech_regions(self.vad, audio), max_seconds=_WINDOW, duration=duration)
        else:
            chunks = [(s, min(duration, s + _WINDOW)) for s in np.arange(0.0, duration, _WINDOW)]
        language = request.language if self.multilingual else "en"
        segments: list[SttSegment] = []
        for chunk in chunks:
            piece, language = self._decode_chunk(audio, chunk, request, language)
            segments.extend(piece)
        return SttResult(
            text=join_text(segments),
            language=language or "en",
            duration_seconds=duration,
            segments=segments,
            model=self.model,
        )

    # -- one ≤30 s window ------------------------------------------------------

    def _decode_chunk(
        self, audio: np.ndarray, chunk: SpeechRegion, request: SttRequest, language: str | None
    ) -> tuple[list[SttSegment], str | None]:
        torch = self._torch
        offset = float(chunk[0])
        samples = audio[int(chunk[0] * SAMPLE_RATE) : int(chunk[1] * SAMPLE_RATE)]
        if len(samples) < SAMPLE_RATE // 10:
            return [], language
        inputs = self._features(
            samples, sampling_rate=SAMPLE_RATE, return_tensors="pt", return_attention_mask=True
        )
        feats = inputs.input_features.to(self._device, self._dtype)
        with torch.inference_mode():
            if self.multilingual and language is None:
                lang_token = int(self._model.detect_language(input_features=feats)[0])
                language = self._id_to_lang.get(lang_token, "en")
            kwargs: dict[str, Any] = {
                "attention_mask": inputs.attention_mask.to(self._device),
                "return_timestamps": True,
                "return_dict_in_generate": True,
                "return_segments": True,
                "return_token_timestamps": request.word_timestamps,
            }
            if self.multilingual:
                kwargs.update(language=language, task="transcribe")
            if option(request, OPT_TEMPERATURE_FALLBACK, False):
                # Whisper's schedule: retry hotter when the output is repetitive or improbable.
                kwargs.update(
                    temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
                    compression_ratio_threshold=2.4,
                    logprob_threshold=-1.0,
                )
            elif request.temperature > 0:
                kwargs.update(do_sample=True, temperature=float(request.temperature))
            prompt_ids = self._prompt_ids(request.prompt)
            if prompt_ids:
                kwargs["prompt_ids"] = torch.tensor(prompt_ids, device=self._device)
            out = self._model.generate(feats, **kwargs)
            tokens = [int(t) for t in out["sequences"][0].tolist()]
            stamps = out["token_timestamps"][0].tolist() if request.word_timestamps else None
            prefix = [*prompt_ids, self._sot, *self._task_ids(language)]
            tokens = self._strip_prefix(tokens, prefix)
            logprobs = self._token_logprobs(feats, prefix, tokens)
        if stamps is not None:
            stamps = stamps[len(stamps) - len(tokens) :]
        return self._segments(tokens, logprobs, stamps, offset, chunk[1]), language

    def _task_ids(self, language: str | None) -> list[int]:
        if not self.multilingual or self._transcribe_id is None:
            return []
        lang_id = self._lang_to_id.get(f"<|{language}|>")
        return [lang_id, int(self._transcribe_id)] if lang_id is not None else []

    def _prompt_ids(self, prompt: str | None) -> list[int]:
        if not prompt or self._prev_sot is None:
            return []
        ids = self._tokenizer.encode(" " + prompt.strip(), add_special_tokens=False).ids
        return [int(self._prev_sot), *ids[-223:]]  # Whisper keeps at most half its context for prompts

    @staticmethod
    def _strip_prefix(tokens: list[int], prefix: list[int]) -> list[int]:
        if tokens[: len(prefix)] == prefix:
            return tokens[len(prefix) :]
        return tokens

    def _token_logprobs(self, feats: Any, prefix: list[int], tokens: list[int]) -> list[float]:
        if not tokens:
            return []
        torch = self._torch
        ids = torch.tensor([prefix + tokens], device=self._device)
        logits = self._model(input_features=feats, decoder_input_ids=ids[:, :-1]).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)[len(prefix) - 1 :]
        chosen = logp.gather(1, torch.tensor(tokens, device=self._device).unsqueeze(1)).squeeze(1)
        return [float(x) for x in chosen.cpu().tolist()]

    def _segments(
        self,
        tokens: list[int],
        logprobs: list[float],
        stamps: list[float] | None,
        offset: float,
        limit: float,
    ) -> list[SttSegment]:
        segments: list[SttSegment] = []
        start: float | None = None
        text_idx: list[int] = []

        def flush(end: float) -> None:
            nonlocal text_idx
            ids = [tokens[i] for i in text_idx]
            text = self._tokenizer.decode(ids).strip()
            if text:
                lp = [logprobs[i] for i in text_idx]
                seg_start = offset + (start if start is not None else 0.0)
                segments.append(
                    SttSegment(
                        start=seg_start,
                        end=min(limit, max(seg_start, offset + end)),
                        text=text,
                        confidence=confidence_from_logprob(float(np.mean(lp))),
                        words=self._words(text_idx, tokens, logprobs, stamps, offset) if stamps else None,
                    )
                )
            text_idx = []

        for i, tok in enumerate(tokens):
            if tok >= self._ts_begin:
                t = (tok - self._ts_begin) * _TIME_PRECISION
                if text_idx:
                    flush(t)
                    start = None
                else:
                    start = t
            elif tok < self._eos:
                text_idx.append(i)
        if text_idx:  # unterminated last segment: runs to the end of the window
            flush(limit - offset)
        return segments

    def _words(
        self, idx: list[int], tokens: list[int], logprobs: list[float], stamps: list[float], offset: float
    ) -> list[SttWord]:
        words: list[SttWord] = []
        group: list[int] = []

        def close() -> None:
            if not group:
                return
            text = self._tokenizer.decode([tokens[i] for i in group]).strip()
            if text:
                # transformers stamps each token with the time at which it ends.
                start = stamps[group[0] - 1] if group[0] > 0 else 0.0
                words.append(
                    SttWord(
                        start=offset + start,
                        end=offset + max(stamps[group[-1]], start),
                        word=text,
                        probability=float(np.exp(np.mean([logprobs[i] for i in group]))),
                    )
                )

        for i in idx:
            piece = self._tokenizer.id_to_token(tokens[i]) or ""
            if group and piece.startswith("Ġ"):  # byte-level BPE marks a leading space with Ġ
                close()
                group = []
            group.append(i)
        close()
        return words
