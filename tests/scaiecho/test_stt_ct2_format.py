"""scaiecho/stt/ct2_format.py: parsing CTranslate2 model.bin files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from scaiecho.stt.bundled import tiny_en_dir
from scaiecho.stt.ct2_format import read_ct2_model


def _string(value: str) -> bytes:
    raw = value.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def _variable(name: str, array: np.ndarray, type_id: int) -> bytes:
    out = _string(name) + struct.pack("<B", array.ndim)
    out += b"".join(struct.pack("<I", d) for d in array.shape)
    raw = array.tobytes()
    return out + struct.pack("<B", type_id) + struct.pack("<I", len(raw)) + raw


def test_bundled_tiny_en_is_a_whisper_spec() -> None:
    model = read_ct2_model(tiny_en_dir() / "model.bin")
    assert model.spec == "WhisperSpec" and model.binary_version >= 5
    v = model.variables
    assert v["encoder/conv1/weight"].shape == (384, 80, 3)
    assert v["decoder/embeddings/weight"].shape == (51864, 384)
    assert v["decoder/embeddings/weight"].dtype == np.float32  # float16 widened
    # The alias resolves to the very same table.
    assert v["decoder/projection/weight"] is v["decoder/embeddings/weight"]
    assert int(v["encoder/num_heads"]) == 6


def test_int8_weights_are_dequantised_with_their_scale(tmp_path: Path) -> None:
    weight = np.array([[0.5, -1.0], [0.25, 0.125]], np.float32)
    scale = (127.0 / np.abs(weight).max(axis=1)).astype(np.float32)
    q = np.round(weight * scale[:, None]).astype(np.int8)
    half = np.array([1.5, 2.5], np.float16)
    body = struct.pack("<I", 6) + _string("TestSpec") + struct.pack("<I", 1) + struct.pack("<I", 3)
    body += _variable("layer/weight", q, 1) + _variable("layer/weight_scale", scale, 0)
    body += _variable("layer/bias", half, 4)
    body += struct.pack("<I", 1) + _string("alias/bias") + _string("layer/bias")
    path = tmp_path / "model.bin"
    path.write_bytes(body)
    model = read_ct2_model(path)
    assert model.spec == "TestSpec" and model.revision == 1
    assert "layer/weight_scale" not in model.variables
    np.testing.assert_allclose(model.variables["layer/weight"], weight, atol=0.01)
    np.testing.assert_array_equal(model.variables["alias/bias"], [1.5, 2.5])


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    data = (tiny_en_dir() / "model.bin").read_bytes()[:5000]
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="truncated"):
        read_ct2_model(path)


def test_old_binary_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(struct.pack("<I", 2) + _string("X"))
    with pytest.raises(ValueError, match="version"):
        read_ct2_model(path)
