"""Regenerate docs/hooks.md from the hook specifications (the single source of truth)."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from scaigrid import hookspecs

TARGET = Path(__file__).with_name("hooks.md")


def render() -> str:
    lines = [
        "# Hook reference",
        "",
        "Every hook a ScaiGrid module may implement, generated from `host/scaigrid/hookspecs.py`",
        "(run `python docs/gen_hooks.py` after changing a spec; a test fails when this page is stale).",
        "",
        inspect.cleandoc(hookspecs.__doc__ or ""),
        "",
    ]
    for name in hookspecs.HOST_HOOKS:
        fn = getattr(hookspecs, name)
        signature = str(inspect.signature(fn)).replace("'", "")
        lines += [f"## `{name}{signature}`", "", inspect.cleandoc(fn.__doc__ or ""), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
