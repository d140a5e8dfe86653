"""A tiny Litestar app serving the blob routes, with ``platform`` provided as the real app provides it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from litestar import Litestar, Request, Response
from litestar.di import Provide
from scaigrid.blobs import BlobStore
from scaigrid.blobs.routes import blob_routes
from scaigrid.errors import ScaigridError

SECRET = "blob-test-secret"
PUBLIC_BASE_URL = "http://blobs.test"


def _render(request: Request[Any, Any, Any], exc: ScaigridError) -> Response[Any]:
    body = {"error": {"code": exc.code, "message": exc.message}}
    return Response(body, status_code=exc.status_code, headers=exc.headers or None)


def blob_app(store: BlobStore) -> Litestar:
    platform = SimpleNamespace(blobs=store)
    return Litestar(
        route_handlers=blob_routes,
        dependencies={"platform": Provide(lambda: platform, sync_to_thread=False)},
        exception_handlers={ScaigridError: _render},
    )
