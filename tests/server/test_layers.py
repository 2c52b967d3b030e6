"""The server, the client and the wire format use the SDK's public modules only, never pydicom."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_layering import SRC, _imports

FILES = sorted((SRC / "server").rglob("*.py")) + [SRC / "client.py", SRC / "wire.py"]
# DICOM reading and the codecs belong to the SDK (DESIGN.md, "Layers").
DICOM_PACKAGES = ("pydicom", "highdicom", "pylibjpeg")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_sdk_module_and_no_pydicom(path: Path) -> None:
    bad = [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for line, module in _imports(path)
        if module.startswith("dcmview.sdk._")
        or any(module == p or module.startswith(p + ".") for p in DICOM_PACKAGES)
    ]
    assert not bad, "\n".join(bad)
