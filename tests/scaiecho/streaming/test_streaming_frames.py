"""Wire frames: what the client may send and the exact JSON the server emits."""

from __future__ import annotations

import json

import msgspec
import pytest
from scaiecho.streaming.frames import (
    ClosedFrame,
    CloseFrame,
    Delta,
    ErrorFrame,
    OpenFrame,
    ReadyFrame,
    decode_client_frame,
    encode_frame,
)


def test_open_frame_defaults_and_fields() -> None:
    frame = decode_client_frame('{"type": "open"}')
    assert isinstance(frame, OpenFrame)
    assert (frame.encoding, frame.sample_rate, frame.channels) == ("pcm_s16le", 16000, 1)
    assert frame.backend_preference == "any" and frame.interim_results and not frame.diarize
    full = decode_client_frame(
        json.dumps(
            {
                "type": "open",
                "language_hint": "en",
                "encoding": "container",
                "media_type": "audio/webm;codecs=opus",
                "sample_rate": 48000,
                "backend_preference": "prefer_relay",
                "diarize": True,
                "interim_results": False,
                "client": "ignored-for-forward-compatibility",
            }
        )
    )
    assert isinstance(full, OpenFrame)
    assert full.media_type == "audio/webm;codecs=opus" and full.diarize and not full.interim_results


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "open", "sample_rate": 100}',
        '{"type": "open", "language_hint": "english"}',
        '{"type": "open", "encoding": "mp4"}',
        '{"type": "hello"}',
        '{"no": "type"}',
        "not json",
    ],
)
def test_bad_client_frames_are_rejected(text: str) -> None:
    with pytest.raises((msgspec.ValidationError, msgspec.DecodeError)):
        decode_client_frame(text)


def test_close_frame() -> None:
    assert isinstance(decode_client_frame('{"type": "close"}'), CloseFrame)


def test_server_frames_are_flat_and_tagged() -> None:
    delta = json.loads(encode_frame(Delta(text="hi", is_final=False, start=0.0, end=1.5, confidence=0.8)))
    assert delta == {
        "type": "delta",
        "text": "hi",
        "is_final": False,
        "start": 0.0,
        "end": 1.5,
        "confidence": 0.8,
    }
    labelled = json.loads(
        encode_frame(Delta(text="a", is_final=True, start=1, end=2, confidence=1, speaker_label="SPEAKER_01"))
    )
    assert labelled["speaker_label"] == "SPEAKER_01" and labelled["is_final"] is True
    assert (
        json.loads(encode_frame(ReadyFrame(backend_used="A", backend="faster-whisper")))["backend_used"]
        == "A"
    )
    assert json.loads(encode_frame(ClosedFrame(audio_bytes=80000, audio_seconds=2.5))) == {
        "type": "closed",
        "audio_bytes": 80000,
        "audio_seconds": 2.5,
    }
    assert json.loads(encode_frame(ErrorFrame(code="X", message="m"))) == {
        "type": "error",
        "code": "X",
        "message": "m",
    }
