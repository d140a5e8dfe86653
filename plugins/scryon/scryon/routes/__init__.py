"""Every Scryon route, mounted by the host under ``/api``."""

from __future__ import annotations

from typing import Any

from scryon.routes.actions import action_routes
from scryon.routes.calls import call_routes
from scryon.routes.health import health
from scryon.routes.users import user_routes

__all__ = ["all_routes"]


def all_routes() -> list[Any]:
    return [health, *call_routes, *action_routes, *user_routes]
