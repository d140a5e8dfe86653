"""Analysis backend B: relay to an OpenAI-compatible chat-completions API with a JSON schema.

The model receives the instructions and the ``[mm:ss] SPEAKER: text`` transcript
and must answer with an object valid against
:data:`~scryon.analysis.schema.ANALYSIS_SCHEMA` (``response_format: json_schema``,
strict). Transport and provider failures surface as ``analysis_provider_failed``.
"""

from __future__ import annotations

from typing import Any

from scaigrid.backends import AnalysisRequest, AnalysisResult, Analyzer
from scaigrid.backends.relay import RelayClient

__all__ = ["PROVIDER_FAILED", "RELAY_BACKEND", "RelayAnalyzer"]

RELAY_BACKEND = "scryon.relay"
PROVIDER_FAILED = "analysis_provider_failed"


class RelayAnalyzer(Analyzer):
    """Capability ``analysis``, kind ``B``. Blocking; the registry runs it in a thread."""

    def __init__(self, client: RelayClient, model: str, *, temperature: float = 0.0) -> None:
        self.client = client
        self.model = model
        self.temperature = temperature

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": request.instructions},
            {"role": "user", "content": f"Transcript:\n{request.text}"},
        ]
        data = self.client.chat_json(
            messages,
            request.json_schema,
            model=self.model,
            schema_name=request.schema_name,
            temperature=self.temperature,
        )
        return AnalysisResult(data=data, model=self.model)

    def close(self) -> None:
        self.client.close()
