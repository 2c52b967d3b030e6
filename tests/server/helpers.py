"""What the server tests share: the token, the base URL, a file by name, identifying values."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from dcmview.sdk.catalog import Catalog

TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8000"


def index_of(catalog: Catalog, name: str) -> int:
    """The catalog index of the file called `name`."""
    for i, h in enumerate(catalog.headers):
        if Path(h.path).name == name:
            return i
    raise LookupError(name)


# What the issue names: patient name, ID, birth date, other IDs, accession number,
# institution, referring physician (and, below, the paths).
KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "OtherPatientIDs",
    "OtherPatientNames",
    "AccessionNumber",
    "InstitutionName",
    "InstitutionAddress",
    "ReferringPhysicianName",
)
# Shorter values ("M", "1") would be found in any text.
MIN_LENGTH = 4


def _walk(ds: pydicom.Dataset) -> Iterator[pydicom.DataElement]:
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _walk(item)
        else:
            yield elem


def identifying_values(root: Path) -> set[str]:
    """Every identifying value of the DICOM files under `root`, read with pydicom."""
    values: set[str] = set()
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath, name)
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
            except (InvalidDicomError, OSError, ValueError, EOFError):
                continue
            for elem in _walk(ds):
                private_pn = elem.tag.is_private and elem.VR == "PN"
                if elem.keyword not in KEYWORDS and not private_pn:
                    continue
                raw = elem.value if elem.VM != 1 else [elem.value]
                for v in raw or ():
                    text = str(v).strip()
                    values.add(text)
                    if elem.VR == "PN":
                        values.update(p for p in text.replace("=", "^").split("^"))
            # The path, and each of its folder and file names under the corpus.
            values.add(str(path))
            values.update(path.relative_to(root).parts)
    values.add(str(root))
    return {v for v in values if len(v) >= MIN_LENGTH}
