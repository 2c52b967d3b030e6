"""The client's surface: one method per route, sync/async twins alike, a cheap import."""

from __future__ import annotations

import doctest
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dcmview.client
from dcmview.client import AsyncClient, Client
from dcmview.server.app import API_ROUTES

ROUTES = list(API_ROUTES)
DOC = Path(__file__).resolve().parents[2] / "docs" / "http-api.md"


def _public(cls: type) -> dict[str, object]:
    return {n: m for n, m in vars(cls).items() if not n.startswith("_") and callable(m)}


def test_every_route_has_a_client_method() -> None:
    # The routes table: | route | SDK call | Client method | errors |
    documented = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith(("`GET /api/", "`PUT /api/")):
            route = cells[0].strip("`").split("`")[0].split("?")[0]
            documented[route] = cells[2].strip("`").split("(")[0]
    served = {f"{m} {r.path}" for r in ROUTES for m in getattr(r, "methods", ()) if m != "HEAD"}
    # docs write ":i" and ":f" where Starlette's paths have "{index}" and "{frame}"
    spelled = {
        re.sub(r":i\b", "{index}", route).replace(":f", "{frame}"): method
        for route, method in documented.items()
    }
    assert set(spelled) == served
    missing = [f"Client.{m} ({r})" for r, m in spelled.items() if not hasattr(Client, m)]
    assert not missing


def test_async_twin_has_the_same_methods_and_signatures() -> None:
    sync, asyn = _public(Client), _public(AsyncClient)
    assert set(sync) - {"close"} == set(asyn) - {"aclose"}
    for name, method in sync.items():
        if name == "close":
            continue
        twin = asyn[name]
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(method) == inspect.signature(twin), name


def test_docstring_examples_run() -> None:
    result = doctest.testmod(dcmview.client, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4
    assert result.failed == 0


def test_import_does_not_load_pandas_or_starlette() -> None:
    code = "import sys, dcmview.client; print(sorted({'pandas', 'starlette'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", dcmview.client.__all__)
def test_public_names_are_documented(name: str) -> None:
    obj = getattr(dcmview.client, name)
    if inspect.isclass(obj):
        assert obj.__doc__, name
        for method, fn in _public(obj).items():
            assert fn.__doc__, f"{name}.{method}"  # type: ignore[attr-defined]
