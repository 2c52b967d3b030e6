"""The layers of docs/development.md: who may import what, module sizes (checked with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dcmview"

# package (relative to src/dcmview) -> dcmview modules it may not import
FORBIDDEN = {
    "sdk": (
        "dcmview.server",
        "dcmview.client",
        "dcmview.cli",
        "dcmview._runner",
        "dcmview.launcher",
        "dcmview._console",
        "dcmview._sockets",
    ),
    "server": ("dcmview.client", "dcmview.cli", "dcmview._runner", "dcmview.launcher"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(["dcmview", *path.relative_to(SRC).parent.parts])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from pkg import sub` may name a submodule: record pkg.sub.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _files(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    files = _files(package)
    assert files, f"no modules under src/dcmview/{package}"
    bad = [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[package])
    ]
    assert not bad, "\n".join(bad)


# What only the SDK imports (DESIGN.md, Layers): pydicom, highdicom and the pixel codecs.
SDK_ONLY = (
    "pydicom",
    "highdicom",
    "imagecodecs",
    "pylibjpeg",
    "openjpeg",
    "libjpeg",
    "rle",
    "jpeg_ls",
)
# The one exception, by design: the raw-frame wire format compresses bodies with
# imagecodecs' zstd (a transport coding, not a DICOM codec), at both ends.
SDK_ONLY_EXCEPTIONS = {("wire.py", "imagecodecs")}


def _outside_sdk() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] != "sdk"]


def _private(module: str) -> bool:
    # dcmview.sdk._x, dcmview.sdk.roi._y ...; dunders such as __version__ are public.
    parts = module.split(".")[2:]
    return any(p.startswith("_") and not p.startswith("__") for p in parts)


@pytest.mark.parametrize("path", _outside_sdk(), ids=lambda p: str(p.relative_to(SRC)))
def test_outside_the_sdk_only_its_public_modules_and_no_dicom_library(path: Path) -> None:
    # The server, the client, the wire format, the CLI and the launcher reach DICOM
    # only through the SDK's public modules.
    rel = str(path.relative_to(SRC))
    bad = [
        f"{rel}:{line} imports {module}"
        for line, module in _imports(path)
        if (module.startswith("dcmview.sdk.") and _private(module))
        or (
            module.split(".")[0] in SDK_ONLY
            and (rel, module.split(".")[0]) not in SDK_ONLY_EXCEPTIONS
        )
    ]
    assert not bad, "\n".join(bad)


def test_client_imports_only_the_light_public_modules() -> None:
    # A script that only talks to a running viewer imports no decoder, server or pandas.
    client = SRC / "client.py"
    allowed = (
        "dcmview.sdk.errors",
        "dcmview.sdk.roi",
        "dcmview.sdk.window",
        "dcmview.server.schemas",
        "dcmview.wire",
    )
    bad = [
        f"client.py:{line} imports {module}"
        for line, module in _imports(client)
        if module.startswith("dcmview")
        and module != "dcmview.__version__"
        and not any(module == a or module.startswith(a + ".") for a in allowed)
    ]
    assert not bad, "\n".join(bad)


MAX_LINES = 600


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_stay_small_or_say_why(path: Path) -> None:
    # One concept per module (docs/development.md): a longer module says why in its docstring.
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines <= MAX_LINES:
        return
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert f"Over {MAX_LINES} lines on purpose" in doc, (
        f"{path.relative_to(SRC)} has {lines} lines: split it, or say in its docstring "
        f"'Over {MAX_LINES} lines on purpose: <why>'"
    )
