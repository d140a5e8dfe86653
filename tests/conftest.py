"""Shared fixtures: every test builds the real app with exactly the plugins it names (tests/harness.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import Host, scaled_mode


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "embedded_only: meaningful only in the embedded mode")


_EXIT_STATUS: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the process with the session's status once pytest is done with it.

    Every result is reported by now. What remains is interpreter finalization, where the native
    runtimes the session loaded (ctranslate2, onnxruntime, torch) tear down their thread pools in an
    order CPython does not control; on CI that occasionally ended a fully green run with SIGSEGV
    (exit -11 after "1132 passed"). Skipping finalization keeps the exit status the tests earned.
    """
    if not _EXIT_STATUS:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS[-1])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if scaled_mode():
        skip = pytest.mark.skip(reason="embedded-mode-only test (scaled session)")
        for item in items:
            if "embedded_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def scaispeak_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``SCAISPEAK_MODELS_DIR`` for the session: the Kokoro model is reassembled once, not per host."""
    if os.environ.get("SCAISPEAK_MODELS_DIR"):
        return Path(os.environ["SCAISPEAK_MODELS_DIR"])
    path = tmp_path_factory.mktemp("scaispeak-models")
    os.environ["SCAISPEAK_MODELS_DIR"] = str(path)
    return path


@pytest.fixture
def make_host(tmp_path: Path) -> Iterator[Callable[..., Host]]:
    """``make_host(plugins=[...], **settings)`` → an entered :class:`Host`, closed after the test."""
    hosts: list[Host] = []

    def factory(plugins: list[Any] | None = [], **overrides: Any) -> Host:  # noqa: B006 (never mutated)
        """``plugins=None`` discovers modules through their entry points (filter with ``modules=[...]``)."""
        host = Host(tmp_path / f"h{len(hosts)}", plugins=plugins, **overrides)
        host.__enter__()
        hosts.append(host)
        return host

    yield factory
    for host in reversed(hosts):
        host.__exit__(None, None, None)
