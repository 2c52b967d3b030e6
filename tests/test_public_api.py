"""The public surface: `dcmview.sdk.__all__` is sorted, complete and documented."""

from __future__ import annotations

import subprocess
import sys
import types

import dcmview
import dcmview.sdk as sdk


def test_sdk_all_is_sorted_and_resolves() -> None:
    assert sorted(sdk.__all__) == sdk.__all__
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name


def test_all_lists_every_public_name() -> None:
    for name in sdk.__all__:
        getattr(sdk, name)  # import the lazy names
    public = {
        name
        for name, value in vars(sdk).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public - {"annotations", "TYPE_CHECKING", "Any", "importlib"} == set(sdk.__all__)


def test_every_public_name_has_a_docstring() -> None:
    for name in sdk.__all__:
        if name in {"WindowLike", "PRESETS"}:
            continue  # a type alias and a mapping: documented in their modules
        assert getattr(sdk, name).__doc__, name


def test_imports_are_cheap() -> None:
    # `import dcmview` and `import dcmview.sdk` pull neither numpy, pandas nor
    # starlette: the CLI and the scan's worker processes start faster.
    code = (
        "import sys, dcmview, dcmview.sdk; "
        "print(sorted(m for m in ('numpy','pandas','starlette','pydicom') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert dcmview.__version__
