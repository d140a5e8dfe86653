"""Client audio to 16 kHz mono: raw PCM of any rate/channels, live containers, decoded frames."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import av
import numpy as np
import pytest
from scaiecho.streaming.decoder import container_format, open_input
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import chirp, piper_speech, resample_poly


def collect(chunks: list[bytes], **kwargs: object) -> np.ndarray:
    async def go() -> np.ndarray:
        out: list[np.ndarray] = []

        async def sink(pcm: np.ndarray) -> None:
            assert pcm.dtype == np.float32 and pcm.ndim == 1
            out.append(pcm)

        source = open_input(sink, **kwargs)  # type: ignore[arg-type]
        try:
            for chunk in chunks:
                await source.write(chunk)
            await source.end()
        finally:
            await source.aclose()
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    return asyncio.run(go())


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def best_correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.mark.parametrize(
    ("rate", "channels", "encoding"),
    [(16000, 1, "pcm_s16le"), (48000, 2, "pcm_s16le"), (44100, 1, "pcm_f32le"), (8000, 1, "pcm_s16le")],
)
def test_pcm_any_rate_and_layout_becomes_16k_mono(rate: int, channels: int, encoding: str) -> None:
    signal = chirp(100, min(3000, rate // 2 - 500), 1.0, sr=rate)
    interleaved = np.repeat(signal, channels)
    data = (
        (interleaved * 32767).astype("<i2").tobytes()
        if encoding == "pcm_s16le"
        else interleaved.astype("<f4").tobytes()
    )
    # odd chunk sizes split samples and channel frames: the remainder must carry over
    pcm = collect(split(data, 333), encoding=encoding, sample_rate=rate, channels=channels, media_type=None)
    reference = resample_poly(signal, rate, 16000)
    assert abs(len(pcm) - len(reference)) <= 2
    assert best_correlation(pcm, reference) > 0.999


def test_f32_with_nan_is_undecodable() -> None:
    data = np.array([0.0, np.nan, 0.1], dtype="<f4").tobytes()
    with pytest.raises(ScaigridError) as info:
        collect([data], encoding="pcm_f32le", sample_rate=16000, channels=1, media_type=None)
    assert info.value.code == "SCAIECHO_UNDECODABLE_AUDIO"


def encode_container(pcm: np.ndarray, rate: int, fmt: str, codec: str) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            (pcm * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = rate
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "codec", "open_kwargs"),
    [
        ("webm", "libopus", {"encoding": "container", "media_type": "audio/webm;codecs=opus"}),
        ("webm", "libopus", {"encoding": "webm", "media_type": None}),
        ("ogg", "libopus", {"encoding": "ogg", "media_type": None}),
        ("mp3", "libmp3lame", {"encoding": "container", "media_type": "audio/mpeg"}),
    ],
)
def test_live_container_stream_in_small_chunks(fmt: str, codec: str, open_kwargs: dict[str, object]) -> None:
    speech, rate = piper_speech("Containers arrive a few hundred bytes at a time.", sr=48000)
    data = encode_container(speech, rate, fmt, codec)
    pcm = collect(split(data, 700), sample_rate=16000, channels=1, **open_kwargs)
    assert abs(len(pcm) / 16000 - len(speech) / rate) < 0.1
    reference = resample_poly(speech, rate, 16000)
    envelope = lambda x: np.convolve(np.abs(x), np.ones(800) / 800, "valid")[::160]  # noqa: E731
    assert best_correlation(envelope(pcm), envelope(reference)) > 0.9


@pytest.mark.parametrize(
    ("payload", "code"),
    [(b"this is not audio at all " * 200, "SCAIECHO_UNSUPPORTED_AUDIO")],
)
def test_garbage_container_is_a_coded_error(payload: bytes, code: str) -> None:
    with pytest.raises(ScaigridError) as info:
        collect(split(payload, 1000), encoding="webm", sample_rate=16000, channels=1, media_type=None)
    assert info.value.code == code and 400 <= info.value.status_code < 500


def test_unknown_media_type_is_a_bad_open_frame() -> None:
    with pytest.raises(ScaigridError) as info:
        container_format("video/mp4")
    assert info.value.code == "SCAIECHO_BAD_OPEN_FRAME"
    assert container_format("audio/ogg; codecs=opus") == "ogg"
    assert container_format(None) is None


def test_decoded_frames_feed_through_frame_input() -> None:
    from scaiecho.streaming.decoder import FrameInput

    speech, rate = piper_speech("Frames from a peer connection.", sr=48000)
    stereo = np.stack([speech, speech]).T.reshape(1, -1)

    async def go() -> np.ndarray:
        out: list[np.ndarray] = []

        async def sink(pcm: np.ndarray) -> None:
            out.append(pcm)

        frames = FrameInput(sink)
        step = 960  # 20 ms at 48 kHz, the size aiortc delivers
        for i, start in enumerate(range(0, len(speech) - step, step)):
            chunk = (stereo[:, 2 * start : 2 * (start + step)] * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate = rate
            frame.pts = i * step
            await frames.push(frame)
        await frames.end()
        assert frames.bytes_received == (len(speech) // step - (len(speech) % step == 0)) * step * 4
        return np.concatenate(out)

    pcm = asyncio.run(go())
    reference = resample_poly(speech, rate, 16000)
    assert abs(len(pcm) - len(reference)) < 400
    assert best_correlation(pcm, reference) > 0.99


SinkFactory = Callable[[], object]
