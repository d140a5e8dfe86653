"""Client for the relay (B) backends: an OpenAI-compatible HTTP API reached by base URL + key.

Three calls cover every relay backend the modules need: audio transcription,
chat completion constrained to a JSON schema, and speech synthesis. The client
is synchronous because backend methods are blocking and already run in a
thread (:meth:`~scaigrid.backends.BackendRegistry.run`); one client is safe to
share between threads. Every failure is a :class:`~scaigrid.errors.ScaigridError`
(502, ``BACKEND_UNAVAILABLE`` unless the caller names its own code) carrying the
upstream status.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from scaigrid.backends.base import SttResult, SttSegment, SttWord
from scaigrid.errors import ScaigridError
from scaigrid.settings import Settings

__all__ = ["RelayClient", "stt_result_from_verbose_json"]

_AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


def _api_root(base_url: str) -> str:
    """``https://h`` and ``https://h/v1`` both mean the API whose paths start with ``/v1``."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


class RelayClient:
    """One OpenAI-compatible endpoint. ``transport`` is for tests that bring their own."""

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        timeout: float = 120.0,
        error_code: str = "BACKEND_UNAVAILABLE",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.error_code = error_code
        self._root = _api_root(base_url) if base_url else ""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=timeout, transport=transport)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        **kwargs: Any,
    ) -> RelayClient:
        """The host's relay (``SCAIGRID_RELAY_BASE_URL`` / ``_API_KEY``), overridable per backend."""
        return cls(
            settings.relay_base_url if base_url is None else base_url,
            settings.relay_api_key if api_key is None else api_key,
            **kwargs,
        )

    @property
    def configured(self) -> bool:
        """False when no base URL is set: a relay backend is then unusable (policy skips it)."""
        return bool(self._root)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the three calls -----------------------------------------------------------------

    def transcribe(
        self,
        file: str | os.PathLike[str],
        *,
        model: str,
        language: str | None = None,
        temperature: float | None = None,
        response_format: str = "verbose_json",
        prompt: str | None = None,
        timestamp_granularities: Sequence[str] = (),
    ) -> Any:
        """POST ``/v1/audio/transcriptions``; a dict for the JSON formats, text for the others."""
        path = Path(file)
        fields: dict[str, str | list[str]] = {"model": model, "response_format": response_format}
        if language:
            fields["language"] = language
        if temperature is not None:
            fields["temperature"] = repr(float(temperature))
        if prompt:
            fields["prompt"] = prompt
        if timestamp_granularities:
            fields["timestamp_granularities[]"] = list(timestamp_granularities)
        content_type = _AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")
        with path.open("rb") as fh:
            response = self._post(
                "/v1/audio/transcriptions", data=fields, files={"file": (path.name, fh, content_type)}
            )
        if response_format in ("json", "verbose_json"):
            return self._json(response)
        return response.text

    def chat_json(
        self,
        messages: Sequence[Mapping[str, Any]],
        json_schema: Mapping[str, Any],
        *,
        model: str,
        schema_name: str = "result",
        strict: bool = True,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        """POST ``/v1/chat/completions`` with ``response_format: json_schema``; the parsed object."""
        body: dict[str, Any] = {
            "model": model,
            "messages": [dict(m) for m in messages],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": dict(json_schema), "strict": strict},
            },
        }
        if temperature is not None:
            body["temperature"] = temperature
        payload = self._json(self._post("/v1/chat/completions", json=body))
        try:
            message = payload["choices"][0]["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise self._error("the relay answered a chat completion without choices", None) from exc
        if message.get("refusal"):
            raise self._error(f"the relay model refused: {message['refusal']}", None)
        try:
            data = json.loads(message.get("content") or "")
        except json.JSONDecodeError as exc:
            raise self._error("the relay model did not return valid JSON", None) from exc
        if not isinstance(data, dict):
            raise self._error("the relay model returned JSON that is not an object", None)
        return data

    def speech(
        self,
        text: str,
        *,
        voice: str,
        model: str,
        format: str = "wav",
        speed: float | None = None,
    ) -> bytes:
        """POST ``/v1/audio/speech``; the encoded audio bytes (``format``: wav, flac, mp3, pcm...)."""
        body: dict[str, Any] = {"model": model, "input": text, "voice": voice, "response_format": format}
        if speed is not None:
            body["speed"] = speed
        return self._post("/v1/audio/speech", json=body).content

    # -- plumbing ------------------------------------------------------------------------

    def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        if not self._root:
            raise ScaigridError(
                503,
                self.error_code,
                "no relay is configured (set SCAIGRID_RELAY_BASE_URL)",
                details={"upstream_status": None},
            )
        try:
            response = self._http.post(self._root + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise self._error(f"the relay did not answer {path} in time", None, reason="timeout") from exc
        except httpx.HTTPError as exc:
            raise self._error(f"the relay is unreachable: {exc}", None, reason="unreachable") from exc
        if response.status_code >= 400:
            raise self._error(
                f"the relay answered {path} with HTTP {response.status_code}: {_upstream_message(response)}",
                response.status_code,
            )
        return response

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise self._error(
                "the relay answered with a body that is not JSON", response.status_code
            ) from exc

    def _error(self, message: str, upstream_status: int | None, *, reason: str = "upstream") -> ScaigridError:
        return ScaigridError(
            502,
            self.error_code,
            message,
            details={"upstream_status": upstream_status, "reason": reason},
        )


def _upstream_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    except ValueError:
        pass
    return response.text[:300] or response.reason_phrase


def stt_result_from_verbose_json(payload: Mapping[str, Any], *, model: str = "") -> SttResult:
    """Map an OpenAI ``verbose_json`` transcription onto :class:`SttResult`.

    Words (when requested) are attached to the segment that contains their midpoint.
    """
    segments: list[SttSegment] = []
    for seg in payload.get("segments") or []:
        logprob = seg.get("avg_logprob")
        confidence = None if logprob is None else float(min(1.0, max(0.0, math.exp(float(logprob)))))
        segments.append(
            SttSegment(
                start=float(seg.get("start", 0.0)),
                end=float(seg.get("end", 0.0)),
                text=str(seg.get("text", "")).strip(),
                confidence=confidence,
            )
        )
    words = [
        SttWord(start=float(w["start"]), end=float(w["end"]), word=str(w["word"]).strip())
        for w in payload.get("words") or []
    ]
    if words:
        if not segments:
            segments = [
                SttSegment(start=words[0].start, end=words[-1].end, text=str(payload.get("text", "")))
            ]
        for segment in segments:
            segment.words = [w for w in words if segment.start <= (w.start + w.end) / 2 <= segment.end]
    language = payload.get("language")
    return SttResult(
        text=str(payload.get("text", "")).strip(),
        language=_language_code(language) if isinstance(language, str) else None,
        duration_seconds=float(payload.get("duration") or (segments[-1].end if segments else 0.0)),
        segments=segments,
        model=model,
    )


_LANGUAGE_NAMES = {
    "english": "en",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "italian": "it",
    "dutch": "nl",
    "portuguese": "pt",
    "polish": "pl",
    "japanese": "ja",
    "chinese": "zh",
}


def _language_code(value: str) -> str:
    """OpenAI's verbose_json names the language (``"english"``); the platform uses ISO codes."""
    lowered = value.strip().lower()
    return _LANGUAGE_NAMES.get(lowered, lowered)
