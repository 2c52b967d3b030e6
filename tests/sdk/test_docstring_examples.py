"""Every example in the SDK's docstrings runs and prints what it says (numpydoc Examples)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dcmview.sdk

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(dcmview.sdk.__path__, prefix="dcmview.sdk.")
)


@pytest.mark.parametrize("name", ["dcmview.sdk", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_sdk_has_examples() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(n), optionflags=doctest.ELLIPSIS).attempted
        for n in MODULES
    )
    assert attempted >= 50
