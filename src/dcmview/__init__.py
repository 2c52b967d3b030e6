"""dcmview: a fast, temporary DICOM viewer and toolkit.

``import dcmview`` is cheap: it imports neither numpy, pandas nor starlette.
The SDK lives in :mod:`dcmview.sdk`, the HTTP client in :mod:`dcmview.client`;
:func:`dcmview.view` (loaded on first use) starts the viewer from Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "view"]

if TYPE_CHECKING:
    from dcmview.launcher import view


def __getattr__(name: str) -> Any:
    # PEP 562: `view` pulls in the launcher only when it is used.
    if name == "view":
        from dcmview.launcher import view

        return view
    raise AttributeError(f"module 'dcmview' has no attribute {name!r}")
