"""What the OpenAPI schema says about the pipeline route: the multipart body, every component's
params, and the response shape (the route reads its body as a stream, so Litestar cannot infer them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

__all__ = [
    "PIPELINE_DESCRIPTION",
    "ComponentOutput",
    "PipelineOperation",
    "PipelineResponse",
    "PipelineResult",
]


class ComponentOutput(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One pipeline entry's result: ``output_url`` for audio-producing steps, ``output_urls`` for
    several outputs (slices, channels), ``metrics`` for measuring steps."""

    component_id: str
    output_url: str | None = None
    output_urls: list[str] | None = None
    metrics: dict[str, Any] | None = None


class PipelineResult(msgspec.Struct, kw_only=True):
    component_ids: list[str]
    components: list[ComponentOutput]
    final_output_url: str
    """Signed URL of the working audio after the last step (the input's when no step made audio)."""


class PipelineResponse(msgspec.Struct, kw_only=True):
    status: str
    task_id: str
    dataset_ids: list[str]
    """INPUT dataset id, then the OUTPUT dataset id when the pipeline produced audio."""
    result: PipelineResult


def _params_table() -> str:
    from audio_engine.components import builtin_components

    lines = ["| component_id | params (defaults) | output |", "|---|---|---|"]
    for comp in builtin_components():
        defaults = msgspec.structs.asdict(comp.params())
        params = ", ".join(f"`{k}`={v!r}" for k, v in defaults.items()) or "none (only `{}`)"
        output = " + ".join(
            x for x, on in (("audio", comp.produces_audio), ("metrics", comp.produces_metrics)) if on
        )
        lines.append(f"| `{comp.id}` | {params} | {output} |")
    return "\n".join(lines)


PIPELINE_DESCRIPTION = (
    "Multipart form: `components` (JSON array of `{component_id, params}`), `files` (1..N audio "
    "files; the first is the working input), `user_email`, `project_name`, optional `provider` "
    "(default `GOOGLE`, recorded on the task). Authenticate with `X-API-Key`; the key must be "
    'allowed for the project. Errors use `{"detail": message, "code": code}`.\n\n'
    "Every `params` object rejects unknown keys; ranges are in the JSON schema of each component "
    "(`x-audio-engine-params`).\n\n" + _params_table()
)


def _params_schemas() -> dict[str, Any]:
    """Each component's params as a self-contained JSON schema (params structs do not nest)."""
    from audio_engine.components import builtin_components

    out: dict[str, Any] = {}
    for comp in builtin_components():
        schema = msgspec.json.schema(comp.params)
        out[comp.id] = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return {"components": out}


@dataclass
class PipelineOperation(Operation):
    """Adds the multipart request body Litestar cannot see (the route streams it itself), and the
    JSON schema of every component's params as ``x-audio-engine-params``."""

    x_audio_engine_params: dict[str, Any] | None = field(
        default=None, metadata={"alias": "x-audio-engine-params"}
    )

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["components", "files", "user_email", "project_name"],
                        properties={
                            "components": Schema(
                                type=OpenAPIType.STRING,
                                description="JSON string: a non-empty array of {component_id, params}",
                            ),
                            "files": Schema(
                                type=OpenAPIType.ARRAY,
                                items=Schema(type=OpenAPIType.STRING, format="binary"),  # type: ignore[arg-type]
                            ),
                            "user_email": Schema(type=OpenAPIType.STRING, format="email"),  # type: ignore[arg-type]
                            "project_name": Schema(type=OpenAPIType.STRING),
                            "provider": Schema(type=OpenAPIType.STRING, default="GOOGLE"),
                        },
                    )
                )
            },
        )
        self.x_audio_engine_params = _params_schemas()
