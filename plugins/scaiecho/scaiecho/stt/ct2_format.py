"""Reader for CTranslate2's ``model.bin`` (binary version 6): variable names, shapes, dtypes, bytes.

The layout mirrors ``ctranslate2.specs.model_spec.ModelSpec._serialize``: a version,
the spec name and revision, then each variable as ``name, rank, dims, dtype id,
byte count, raw bytes``, then aliases (``decoder/projection/weight`` points at the
embedding table in Whisper). Weights come back as float32 numpy arrays; int8
weights are de-quantised with their ``weight_scale``.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import msgspec
import numpy as np

__all__ = ["Ct2Model", "read_ct2_model"]

_DTYPES: dict[int, str] = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}


class Ct2Model(msgspec.Struct, kw_only=True):
    """What a CTranslate2 ``model.bin`` holds, with aliases resolved into ``variables``."""

    binary_version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray]


def _read(fh: BinaryIO, fmt: str) -> int:
    size = struct.calcsize(fmt)
    data = fh.read(size)
    if len(data) != size:
        raise ValueError("truncated CTranslate2 model file")
    value: int = struct.unpack("<" + fmt, data)[0]
    return value


def _read_string(fh: BinaryIO) -> str:
    length = _read(fh, "H")
    raw = fh.read(length)
    if len(raw) != length:
        raise ValueError("truncated CTranslate2 model file")
    return raw[:-1].decode("utf-8")  # stored with a trailing NUL


def _to_array(raw: bytes, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    if dtype == "bfloat16":
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return halves.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def read_ct2_model(path: str | Path) -> Ct2Model:
    """Parse ``model.bin``; raises ``ValueError`` for an unknown version or a truncated file."""
    variables: dict[str, np.ndarray] = {}
    with open(path, "rb") as fh:
        version = _read(fh, "I")
        if version < 5:
            raise ValueError(f"unsupported CTranslate2 binary version {version} (need >= 5)")
        spec = _read_string(fh)
        revision = _read(fh, "I")
        for _ in range(_read(fh, "I")):
            name = _read_string(fh)
            rank = _read(fh, "B")
            shape = tuple(_read(fh, "I") for _ in range(rank))
            type_id = _read(fh, "B")
            if type_id not in _DTYPES:
                raise ValueError(f"variable {name}: unknown dtype id {type_id}")
            num_bytes = _read(fh, "I")
            raw = fh.read(num_bytes)
            if len(raw) != num_bytes:
                raise ValueError(f"variable {name}: truncated data")
            variables[name] = _to_array(raw, _DTYPES[type_id], shape)
        aliases = [(_read_string(fh), _read_string(fh)) for _ in range(_read(fh, "I"))]
    resolved = _dequantize(variables)
    for alias, target in aliases:
        resolved[alias] = resolved[target]  # the same array, not a copy
    return Ct2Model(binary_version=version, spec=spec, revision=revision, variables=resolved)


def _dequantize(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, value in variables.items():
        if name.endswith("_scale"):
            continue
        scale = variables.get(name + "_scale")
        if value.dtype == np.int8 and scale is not None and value.ndim == 2:
            # CTranslate2 quantises row-wise: int8 = round(w * scale), scale = 127 / max|row|.
            out[name] = value.astype(np.float32) / scale.astype(np.float32).reshape(-1, 1)
        elif value.dtype in (np.float16, np.float32) and value.ndim > 0:
            out[name] = value.astype(np.float32)
        else:
            out[name] = value
    return out
