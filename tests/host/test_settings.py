"""Settings: env and TOML, validated at start with the variable's name and what is allowed."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from scaigrid.errors import StartupError
from scaigrid.settings import Settings, load_settings, load_struct


def test_defaults_are_the_embedded_mode(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path))
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'scaigrid.db'}"
    assert settings.blob_backend == "local"
    assert not settings.scaled
    assert settings.modules is None


def test_env_values_are_converted() -> None:
    settings = load_settings(
        environ={
            "SCAIGRID_PORT": "9000",
            "SCAIGRID_MODULES": "scaiecho, scryon",
            "SCAIGRID_SAFE_MODE": "true",
        }
    )
    assert settings.port == 9000
    assert settings.modules == ["scaiecho", "scryon"]
    assert settings.safe_mode is True


def test_empty_allow_list_means_no_modules() -> None:
    assert load_settings(environ={"SCAIGRID_MODULES": ""}).modules == []


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("SCAIGRID_PORT", "70000", "SCAIGRID_PORT"),
        ("SCAIGRID_PORT", "abc", "SCAIGRID_PORT"),
        ("SCAIGRID_BLOB_BACKEND", "ftp", "allowed: local, s3"),
        ("SCAIGRID_JOB_CONCURRENCY", "0", "SCAIGRID_JOB_CONCURRENCY"),
        ("SCAIGRID_SAFE_MODE", "maybe", "SCAIGRID_SAFE_MODE"),
    ],
)
def test_invalid_values_name_the_variable(var: str, value: str, expected: str) -> None:
    with pytest.raises(StartupError) as info:
        load_settings(environ={var: value})
    assert var in str(info.value)
    assert expected in str(info.value)


def test_toml_file_then_env_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "scaigrid.toml"
    config.write_text('[scaigrid]\nport = 7000\nlog_level = "DEBUG"\n')
    env = {"SCAIGRID_CONFIG": str(config), "SCAIGRID_LOG_LEVEL": "WARNING"}
    settings = load_settings(environ=env)
    assert (settings.port, settings.log_level) == (7000, "WARNING")
    assert load_settings(environ=env, port=7100).port == 7100


def test_missing_or_bad_toml_is_a_startup_error(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="does not exist"):
        load_settings(environ={"SCAIGRID_CONFIG": str(tmp_path / "nope.toml")})
    bad = tmp_path / "bad.toml"
    bad.write_text("[scaigrid\n")
    with pytest.raises(StartupError, match="not valid TOML"):
        load_settings(environ={"SCAIGRID_CONFIG": str(bad)})


class ModuleConf(msgspec.Struct):
    max_files: int = msgspec.field(default=10)
    enabled: bool = True


def test_module_settings_use_their_own_prefix() -> None:
    conf = load_struct(ModuleConf, "AUDIO_ENGINE_", environ={"AUDIO_ENGINE_MAX_FILES": "3"})
    assert conf.max_files == 3
    with pytest.raises(StartupError, match="AUDIO_ENGINE_ENABLED"):
        load_struct(ModuleConf, "AUDIO_ENGINE_", environ={"AUDIO_ENGINE_ENABLED": "perhaps"})


def test_settings_struct_rejects_unknown_file_keys() -> None:
    with pytest.raises(StartupError):
        load_settings(environ={}, not_a_setting=1)
    assert isinstance(load_settings(environ={}), Settings)
