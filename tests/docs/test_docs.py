"""The docs cannot drift: the hook reference is regenerated from the specs, the tutorial quotes real files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("page", ["tutorial.md", "tutorial-module-with-state.md"])
def test_tutorial_quotes_the_tested_plugin_files(page: str) -> None:
    text = (ROOT / "docs" / page).read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)\n```", text, flags=re.S)
    assert len(blocks) >= 3
    for path, body in blocks:
        assert (ROOT / path).read_text().rstrip() == body, f"docs/{page} is stale for {path}"


def test_every_hook_has_an_example_and_the_reference_follows_the_call_order() -> None:
    specs = {name for name in dir(hookspecs) if name.startswith("scaigrid_")}
    assert set(hookspecs.HOST_HOOKS) == specs, "HOST_HOOKS must list every spec, in call order"
    for name in hookspecs.HOST_HOOKS:
        assert "Example::" in (getattr(hookspecs, name).__doc__ or ""), f"{name} has no example"
    text = (ROOT / "docs" / "hooks.md").read_text()
    positions = [text.index(f"## `{name}(") for name in hookspecs.HOST_HOOKS]
    assert positions == sorted(positions)


def test_the_second_tutorial_module_installs_with_pip_and_is_discovered(tmp_path: Path) -> None:
    """pip builds and installs the out-of-tree plugin from its directory; its entry point is found."""
    import subprocess
    import sys

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(ROOT / "tests" / "plugins" / "scaigrid-loudness")],
        check=True,
    )  # fmt: skip
    probe = (
        "import importlib.metadata as m, sys;"
        "eps = [e for e in m.entry_points(group='scaigrid.modules') if e.name == 'loudness'];"
        "print(eps[0].load().__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().startswith(str(target))


def test_the_second_tutorial_module_runs_through_entry_point_discovery(tmp_path: Path) -> None:
    from tests.harness import Host

    with Host(tmp_path, plugins=None, modules=["loudness"]) as host:
        assert host.module("loudness").distribution == "scaigrid-loudness"
        assert host.platform.services.names() == ["loudness.meter"]
