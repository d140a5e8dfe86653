"""The module's HTTP routes: the pipeline (reference API) and project administration."""

from __future__ import annotations

from audio_engine.routes.admin import admin_routes
from audio_engine.routes.pipeline import pipeline_route

__all__ = ["admin_routes", "pipeline_route"]
