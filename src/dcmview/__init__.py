"""dcmview: a fast, temporary DICOM viewer and toolkit.

``import dcmview`` is cheap: it imports neither numpy, pandas nor starlette.
The SDK lives in :mod:`dcmview.sdk`, the HTTP client in :mod:`dcmview.client`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
