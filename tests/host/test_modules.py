"""Discovery: entry points, allow-list, safe mode, conflicts, broken modules isolated."""

from __future__ import annotations

import pytest
from scaigrid.errors import StartupError
from scaigrid.modules import discover
from scaigrid.platform import Platform
from scaigrid.settings import load_settings

from tests.host.plugin_kit import Plain, Typo, WithBackend


def settings(**kw: object):  # type: ignore[no-untyped-def]
    return load_settings(environ={}, **kw)


def test_entry_points_find_the_installed_modules() -> None:
    registry = discover(settings())
    assert {"scaiecho", "audio_engine", "scryon", "scaispeak", "hello"} <= set(registry.modules) | set(
        registry.failures
    )
    assert registry.modules["hello"].distribution == "scaigrid-hello"


def test_allow_list_and_empty_allow_list() -> None:
    assert set(discover(settings(modules=["hello"])).modules) == {"hello"}
    assert discover(settings(modules=[])).modules == {}


def test_safe_mode_loads_no_third_party_module() -> None:
    registry = discover(settings(safe_mode=True, modules=["hello", "scaispeak"]))
    assert set(registry.modules) == {"scaispeak"}


def test_duplicate_module_id_names_both_providers() -> None:
    with pytest.raises(StartupError) as info:
        discover(settings(), plugins=[Plain("dup"), Plain("dup", prefix="/other")])
    assert "'dup'" in str(info.value)
    assert str(info.value).count("plugin_dup") == 2


def test_duplicate_prefix_names_both_modules() -> None:
    with pytest.raises(StartupError, match="'one' and 'two' both claim the route prefix '/same'"):
        discover(settings(), plugins=[Plain("one", "/same"), Plain("two", "/same/")])


def test_duplicate_backend_names_both_modules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    registry = discover(settings(), plugins=[WithBackend("one", "whisper"), WithBackend("two", "whisper")])
    with pytest.raises(StartupError) as info:
        Platform(settings(data_dir=str(tmp_path)), registry)
    assert "one" in str(info.value) and "two" in str(info.value) and "whisper" in str(info.value)


def test_broken_module_is_failed_and_skipped() -> None:
    registry = discover(settings(), plugins=[Plain("good"), Plain("bad", fail_in="scaigrid_module")])
    assert set(registry.modules) == {"good"}
    assert "exploded" in registry.failures["plugin_bad"].error


def test_unknown_hook_is_rejected() -> None:
    registry = discover(settings(), plugins=[Plain("good"), Typo("typo")])
    assert set(registry.modules) == {"good"}
    assert "scaigrid_routez" in registry.failures["typo"].error


def test_module_that_fails_to_import_is_reported() -> None:
    class Broken:
        __name__ = "broken"

        @property
        def scaigrid_module(self):  # type: ignore[no-untyped-def]
            raise ImportError("no module named 'missing_dependency'")

    registry = discover(settings(), plugins=[Broken(), Plain("good")])
    assert "good" in registry.modules
    assert "missing_dependency" in registry.failures["broken"].error
