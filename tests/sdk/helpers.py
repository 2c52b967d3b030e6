"""Shared steps of the SDK tests (fixtures stay in conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

from dcmview.sdk import _headerpydicom, _headerscan as hs
from dcmview.sdk._headerpydicom import record_from_pydicom
from dcmview.sdk.header import Header
from dcmview.sdk.sources._json import record_from_json


def save(ds: Dataset, path: str, syntax: str) -> str:
    """Write `ds` to `path` in transfer syntax `syntax` (with a file meta header)."""
    ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, enforce_file_format=True, implicit_vr=syntax == ImplicitVRLittleEndian)
    return path


def every_reader(path: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The header of `path` as each reader makes it, after checking the two local ones agree.

    The lean reader (which must answer by itself, without falling back to pydicom), the
    pydicom reader (equal to it field by field), ``Header.from_dataset`` and DICOM JSON
    metadata (``record_from_json``, as a DICOMweb archive sends it).
    """

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fell back to pydicom")

    with monkeypatch.context() as m:
        m.setattr(_headerpydicom, "record_from_pydicom", refuse)
        lean = Header(*hs.read_record(path))
    assert Header(*record_from_pydicom(path)) == lean
    ds = dcmread(path)
    as_json = ds.to_json_dict(bulk_data_threshold=64, bulk_data_element_handler=lambda e: "uri")
    return [
        lean,
        Header.from_dataset(ds, path),
        record_from_json(as_json, path, has_pixels="PixelData" in ds),
    ]
