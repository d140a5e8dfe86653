"""scaigrid.audio.StreamDecoder: container bytes pushed in small chunks give the same PCM as a
whole-file decode, and give it while the bytes arrive."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scaigrid.audio import AudioDecodeError, StreamDecoder, decode_bytes, encode

from tests.audio_fixtures import webm_opus

SR = 16000


def feed_all(decoder: StreamDecoder, data: bytes, chunk: int) -> list[np.ndarray]:
    outputs = [decoder.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    outputs.append(decoder.close())
    return outputs


@pytest.mark.parametrize(
    ("container", "fmt"), [("webm", "webm"), ("webm", None), ("ogg", "ogg"), ("flac", None)]
)
def test_chunks_decode_like_the_whole_file(container: str, fmt: str | None, speech: np.ndarray) -> None:
    data = webm_opus(speech, SR, live=True) if container == "webm" else encode(speech, SR, container)
    whole = decode_bytes(data)
    outputs = feed_all(StreamDecoder(sample_rate=SR, channels=1, format=fmt), data, 500)
    streamed = np.concatenate(outputs)
    assert streamed.dtype == np.float32
    assert np.array_equal(streamed, whole)


@pytest.mark.parametrize("container", ["webm", "ogg"])
def test_live_formats_give_pcm_while_bytes_arrive(container: str, speech: np.ndarray) -> None:
    """Most PCM comes out of ``feed`` as the bytes arrive, not out of ``close`` (FFmpeg's Ogg
    muxer puts a second of audio in a page, so Ogg output comes in such steps)."""
    data = webm_opus(speech, SR, live=True) if container == "webm" else encode(speech, SR, "opus")
    decoder = StreamDecoder(format=container)
    produced: list[int] = []
    for i in range(0, len(data), 500):
        produced.append(len(decoder.feed(data[i : i + 500])))
    tail = len(decoder.close())
    assert sum(produced) >= 0.6 * (sum(produced) + tail)
    assert sum(1 for n in produced if n) >= 2
    if container == "webm":  # 20 ms blocks: audio follows the bytes closely
        half = len(produced) // 2
        assert sum(produced[:half]) >= 0.35 * len(speech)


def test_mp3_stream_matches_up_to_the_encoder_padding(speech: np.ndarray) -> None:
    """A stream cannot know the end padding that the whole-file decode trims from the header."""
    data = encode(speech, SR, "mp3")
    whole = decode_bytes(data)
    streamed = np.concatenate(feed_all(StreamDecoder(), data, 777))
    assert np.array_equal(streamed[: len(whole)], whole)
    assert len(streamed) - len(whole) < 1152


def test_other_rates_and_stereo(speech: np.ndarray) -> None:
    data = encode(np.stack([speech, -speech]), SR, "opus")
    decoder = StreamDecoder(sample_rate=8000, channels=None, format="ogg")
    # Until the first frame, channels=None cannot know the layout: empty outputs are (0,).
    out = np.concatenate([o for o in feed_all(decoder, data, 1000) if o.size], axis=1)
    assert decoder.sample_rate == 8000
    assert out.shape[0] == 2
    assert np.array_equal(out, decode_bytes(data, sample_rate=8000, channels=None))
    assert decoder.samples_out == out.shape[1]


def test_not_audio_is_unsupported() -> None:
    decoder = StreamDecoder()
    with pytest.raises(AudioDecodeError) as err:
        feed_all(decoder, b"this is a chat message, not an audio stream\n" * 200, 256)
    assert err.value.code == "UNSUPPORTED_AUDIO"


def test_no_bytes_at_all_is_empty() -> None:
    with pytest.raises(AudioDecodeError) as err:
        StreamDecoder().close()
    assert err.value.code == "EMPTY_AUDIO"


def test_abort_mid_stream_stops_the_thread(speech: np.ndarray) -> None:
    data = webm_opus(speech, SR, live=True)
    before = threading.active_count()
    with StreamDecoder(format="webm") as decoder:
        decoder.feed(data[: len(data) // 2])
        assert threading.active_count() == before + 1
    assert threading.active_count() == before
    with pytest.raises(RuntimeError):
        decoder.feed(data[len(data) // 2 :])
