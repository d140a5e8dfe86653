"""One host with scaispeak (and scaiecho, to hear what it says) for the module's tests."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
import pytest
import scaiecho.plugin
import scaispeak.plugin

from tests.fakes import openai_fake, openai_fake_server  # noqa: F401 (fixtures for the relay tests)
from tests.harness import Host
from tests.scaiecho.conftest import scaiecho_models_dir  # noqa: F401 (session fixture)

PREFIX = "/v1/modules/scaispeak"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("scaispeak"), plugins=[scaispeak.plugin, scaiecho.plugin]) as h:
        yield h


@pytest.fixture(scope="module")
def key(host: Host) -> str:
    return host.key(host.tenant("acme"), "alice")


def decode_any(data: bytes, fmt: str, sample_rate: int) -> tuple[np.ndarray, int]:
    """Decode returned audio (pcm = headerless s16le at ``sample_rate``) to mono float32."""
    if fmt == "pcm":
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0, sample_rate
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().astype(np.float32) for frame in container.decode(stream)]
        rate = int(stream.codec_context.sample_rate)
    pcm = np.concatenate([c.mean(axis=0) if c.ndim == 2 else c for c in chunks])
    if np.abs(pcm).max() > 2.0:  # integer sample formats
        pcm = pcm / 32768.0
    return pcm, rate


def audio_of(body: dict[str, Any]) -> bytes:
    return base64.b64decode(body["audio_base64"])
