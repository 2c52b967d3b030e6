"""The HTTP server: a thin Starlette adapter over the SDK (see docs/http-api.md).

:func:`create_app` is loaded on first use, so ``dcmview.server.schemas`` (the
TypedDicts the client reuses) can be imported without Starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app"]

if TYPE_CHECKING:
    from dcmview.server.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from dcmview.server.app import create_app

        return create_app
    raise AttributeError(f"module 'dcmview.server' has no attribute {name!r}")
