"""Every rule a pipeline request must pass before a Task exists: the reference's 400s and 501.

Pure functions over the already-read form fields, so each rule is testable without HTTP.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from scaigrid.errors import ScaigridError

from audio_engine.errors import Code, error
from audio_engine.registry import Component, ComponentRegistry

__all__ = [
    "PlannedStep",
    "check_file_count",
    "check_pipeline_rules",
    "parse_components",
    "validate_email",
    "validate_project_name",
]

_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_ENTRY_KEYS = frozenset({"component_id", "params"})
MAX_PROJECT_NAME = 200


class PlannedStep(msgspec.Struct, frozen=True):
    """One validated pipeline entry: its component and typed params."""

    index: int
    component: Component
    params: Any
    raw_params: dict[str, Any]

    @property
    def component_id(self) -> str:
        return self.component.id


def _bad(code: str, message: str, **details: Any) -> ScaigridError:
    return error(400, code, message, details=details or None)


def parse_components(raw: str, registry: ComponentRegistry, *, max_steps: int) -> list[PlannedStep]:
    """Parse the ``components`` form field into validated steps (400/501 on the first problem)."""
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _bad(Code.INVALID_COMPONENTS, f"components is not valid JSON: {exc}") from exc
    if not isinstance(value, list):
        raise _bad(Code.INVALID_COMPONENTS, "components must be a JSON array of objects")
    if not value:
        raise _bad(Code.INVALID_COMPONENTS, "components must not be empty")
    if len(value) > max_steps:
        raise error(
            400,
            Code.TOO_MANY_STEPS,
            f"components has {len(value)} entries; the maximum is {max_steps}"
            " (AUDIO_ENGINE_MAX_PIPELINE_STEPS)",
            details={"max_pipeline_steps": max_steps, "count": len(value)},
        )
    return [_parse_entry(i, entry, registry) for i, entry in enumerate(value)]


def _parse_entry(index: int, entry: Any, registry: ComponentRegistry) -> PlannedStep:
    if not isinstance(entry, dict):
        raise _bad(Code.INVALID_COMPONENT_ENTRY, f"components[{index}] must be an object", index=index)
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise _bad(
            Code.INVALID_COMPONENT_ENTRY,
            f"components[{index}] has unknown keys {unknown}; allowed: component_id, params",
            index=index,
        )
    component_id = entry.get("component_id")
    if not isinstance(component_id, str) or not component_id:
        raise _bad(
            Code.INVALID_COMPONENT_ENTRY,
            f"components[{index}].component_id must be a non-empty string",
            index=index,
        )
    component = registry.get(component_id)
    if component is None:
        if registry.is_known(component_id):
            raise error(
                501,
                Code.NOT_IMPLEMENTED,
                f"component {component_id!r} has no handler in this deployment",
                details={"index": index, "component_id": component_id},
            )
        raise _bad(
            Code.UNKNOWN_COMPONENT,
            f"components[{index}].component_id {component_id!r} is not a known component",
            index=index,
            component_id=component_id,
            known=registry.ids,
        )
    raw_params = entry.get("params")
    if raw_params is None:
        raw_params = {}
    if not isinstance(raw_params, dict):
        raise _bad(
            Code.INVALID_PARAMS,
            f"components[{index}].params must be an object, got {type(raw_params).__name__}",
            index=index,
            component_id=component_id,
        )
    try:
        params = msgspec.convert(raw_params, component.params, strict=True)
    except msgspec.ValidationError as exc:
        raise _bad(
            Code.INVALID_PARAMS,
            f"components[{index}].params invalid for {component_id}: {exc}",
            index=index,
            component_id=component_id,
        ) from exc
    return PlannedStep(index=index, component=component, params=params, raw_params=raw_params)


def check_pipeline_rules(steps: list[PlannedStep], file_count: int) -> None:
    """Cross-entry rules: last-only entries, and how many uploads a component needs."""
    last = len(steps) - 1
    for step in steps:
        if step.index != last and step.component.requires_last(step.params):
            what = (
                "slice_audio with more than one range"
                if step.component_id == "slice_audio"
                else step.component_id
            )
            raise _bad(
                Code.INVALID_PIPELINE,
                f"{what} must be the last entry in components (it is entry {step.index} of {last + 1})",
                index=step.index,
                component_id=step.component_id,
            )
        if file_count < step.component.min_files:
            raise _bad(
                Code.NOT_ENOUGH_FILES,
                f"{step.component_id} needs at least {step.component.min_files} uploaded files,"
                f" got {file_count}",
                index=step.index,
                component_id=step.component_id,
            )


def check_file_count(count: int, max_count: int) -> None:
    if count < 1:
        raise error(
            422, Code.MISSING_FIELD, "files: at least one audio file is required", details={"field": "files"}
        )
    if count > max_count:
        raise error(
            400,
            Code.TOO_MANY_FILES,
            f"{count} files uploaded; the maximum is {max_count} (AUDIO_ENGINE_MAX_FILE_COUNT)",
            details={"max_file_count": max_count, "count": count},
        )


def validate_email(value: str) -> str:
    email = value.strip()
    match = _EMAIL.match(email)
    if len(email) > 320 or match is None or len(match["local"]) > 64:
        raise _bad(Code.INVALID_EMAIL, f"user_email is not a valid email address: {value!r}")
    return email


def validate_project_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise _bad(Code.INVALID_PROJECT_NAME, "project_name must not be empty")
    if len(name) > MAX_PROJECT_NAME:
        raise _bad(Code.INVALID_PROJECT_NAME, f"project_name is longer than {MAX_PROJECT_NAME} characters")
    return name
