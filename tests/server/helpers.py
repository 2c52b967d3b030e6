"""Names the server tests share: the app's token, its base URL, finding a file by name."""

from __future__ import annotations

from pathlib import Path

from dcmview.sdk.catalog import Catalog

TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8000"


def index_of(catalog: Catalog, name: str) -> int:
    """The catalog index of the file called `name`."""
    for i, h in enumerate(catalog.headers):
        if Path(h.path).name == name:
            return i
    raise LookupError(name)
