"""Payload validation as pure functions: each rule and its code (the HTTP tests check the wiring)."""

from __future__ import annotations

import json

import pytest
from audio_engine.components import builtin_components
from audio_engine.constants import ALL_COMPONENT_IDS
from audio_engine.registry import ComponentRegistry
from audio_engine.validation import (
    check_file_count,
    check_pipeline_rules,
    parse_components,
    validate_email,
    validate_project_name,
)
from scaigrid.errors import ScaigridError


@pytest.fixture(scope="module")
def registry() -> ComponentRegistry:
    reg = ComponentRegistry(known_ids=ALL_COMPONENT_IDS)
    for comp in builtin_components():
        reg.register(comp)
    return reg


def _fails(fn, *args, status: int = 400, code: str, **kw) -> ScaigridError:
    with pytest.raises(ScaigridError) as info:
        fn(*args, **kw)
    assert (info.value.status_code, info.value.code) == (status, code), info.value.message
    return info.value


def test_params_are_typed_and_null_means_defaults(registry) -> None:
    steps = parse_components(
        json.dumps(
            [
                {"component_id": "noise_reduce", "params": None},
                {"component_id": "slice_audio", "params": {"ranges": [[0, 1.5]]}},
            ]
        ),
        registry,
        max_steps=20,
    )
    assert steps[0].params.noise_estimation_duration_sec == 0.5 and steps[0].raw_params == {}
    assert steps[1].params.ranges == [(0.0, 1.5)] and steps[1].index == 1


def test_errors_name_the_entry(registry) -> None:
    err = _fails(
        parse_components,
        json.dumps(
            [
                {"component_id": "noise_reduce"},
                {"component_id": "speech_duration_measurement", "params": {"threshold": 2}},
            ]
        ),
        registry,
        max_steps=20,
        code="AUDIO_ENGINE_INVALID_PARAMS",
    )
    assert err.details == {"index": 1, "component_id": "speech_duration_measurement"}
    assert "components[1]" in err.message and "threshold" in err.message


def test_known_id_without_handler_is_501() -> None:
    partial = ComponentRegistry(known_ids=ALL_COMPONENT_IDS)
    partial.register(builtin_components()[0])
    _fails(
        parse_components,
        '[{"component_id": "check_segments"}]',
        partial,
        max_steps=20,
        status=501,
        code="AUDIO_ENGINE_COMPONENT_NOT_IMPLEMENTED",
    )
    _fails(
        parse_components,
        '[{"component_id": "nope"}]',
        partial,
        max_steps=20,
        code="AUDIO_ENGINE_UNKNOWN_COMPONENT",
    )


def test_max_steps(registry) -> None:
    raw = json.dumps([{"component_id": "audio_duration_check"}] * 3)
    assert len(parse_components(raw, registry, max_steps=3)) == 3
    _fails(parse_components, raw, registry, max_steps=2, code="AUDIO_ENGINE_TOO_MANY_STEPS")


def test_pipeline_rules(registry) -> None:
    def steps(*entries):
        return parse_components(json.dumps(list(entries)), registry, max_steps=20)

    multi = {"component_id": "slice_audio", "params": {"ranges": [[0, 1], [1, 2]]}}
    split = {"component_id": "split_audio_channel"}
    dur = {"component_id": "audio_duration_check"}
    check_pipeline_rules(steps(dur, multi), 1)
    check_pipeline_rules(steps(dur, split), 1)
    _fails(check_pipeline_rules, steps(multi, dur), 1, code="AUDIO_ENGINE_INVALID_PIPELINE")
    _fails(check_pipeline_rules, steps(split, dur), 1, code="AUDIO_ENGINE_INVALID_PIPELINE")
    _fails(
        check_pipeline_rules,
        steps(dur, {"component_id": "speech_similarity"}),
        1,
        code="AUDIO_ENGINE_NOT_ENOUGH_FILES",
    )
    check_pipeline_rules(steps(dur, {"component_id": "speech_similarity"}), 2)


def test_file_count() -> None:
    check_file_count(10, 10)
    _fails(check_file_count, 11, 10, code="AUDIO_ENGINE_TOO_MANY_FILES")
    _fails(check_file_count, 0, 10, status=422, code="AUDIO_ENGINE_MISSING_FIELD")


@pytest.mark.parametrize(
    "email", ["user@example.com", " first.last+tag@sub.example.co.uk ", "o'neil@example.org"]
)
def test_valid_emails(email: str) -> None:
    assert validate_email(email) == email.strip()


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plain",
        "a@b",
        "a@@b.com",
        "a..b@example.com",
        ".a@example.com",
        "a@b_c.com",
        "x" * 65 + "@example.com",
    ],
)
def test_invalid_emails(email: str) -> None:
    _fails(validate_email, email, code="AUDIO_ENGINE_INVALID_USER_EMAIL")


def test_project_names() -> None:
    assert validate_project_name("  my-project ") == "my-project"
    _fails(validate_project_name, " \t", code="AUDIO_ENGINE_INVALID_PROJECT_NAME")
    _fails(validate_project_name, "p" * 201, code="AUDIO_ENGINE_INVALID_PROJECT_NAME")
