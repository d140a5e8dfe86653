"""The docs cannot drift: the hook reference is regenerated from the specs, the tutorial quotes real files."""

from __future__ import annotations

import re
from pathlib import Path

from scaigrid import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def test_hook_reference_is_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_hooks", ROOT / "docs" / "gen_hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "hooks.md").read_text() == module.render(), "run python docs/gen_hooks.py"
    for name in hookspecs.HOST_HOOKS:
        assert f"## `{name}(" in (ROOT / "docs" / "hooks.md").read_text()


def test_every_hook_spec_is_documented_with_a_docstring() -> None:
    for name in hookspecs.HOST_HOOKS:
        assert len((getattr(hookspecs, name).__doc__ or "").strip()) > 40, name


def test_tutorial_quotes_the_tested_plugin_files() -> None:
    text = (ROOT / "docs" / "tutorial.md").read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)\n```", text, flags=re.S)
    assert len(blocks) >= 3
    for path, body in blocks:
        assert (ROOT / path).read_text().rstrip() == body, f"docs/tutorial.md is stale for {path}"
