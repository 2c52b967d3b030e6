"""Header.has_overlay_planes: every reader notes Overlay Planes (60xx) alike, without the bitmap.

The lean reader, the pydicom reader, ``Header.from_dataset`` and the DICOM JSON reader
of DICOMweb metadata are compared on images with overlays stored each way the standard
allows (and a few ways it does not); ``classify`` turns the flag into
``Support.presentation_layer``; the corpus files with overlays say so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.pixels import pack_bits
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from dcmview.sdk import _headerscan as hs
from dcmview.sdk.header import Header
from dcmview.sdk.overlay import read_overlays
from dcmview.sdk.sources._json import record_from_json
from dcmview.sdk.support import classify
from tests.corpus import manifest
from tests.corpus.overlays import OVERLAY_FILES
from tests.sdk.helpers import every_reader, save

OVERLAY_EXAMPLE = get_testdata_file("examples_overlay.dcm")
CT_SMALL = get_testdata_file("CT_small.dcm")


def _ct() -> Dataset:
    ds = dcmread(CT_SMALL)
    ds.SOPInstanceUID = generate_uid()
    return ds


def _overlay(ds: Dataset, group: int = 0x6000, *, data: bool = True, bits: int = 1) -> Dataset:
    """Add an overlay group of the image's size: a block, in Overlay Data or embedded."""
    rows, columns = int(ds.Rows), int(ds.Columns)
    ds.add_new(group << 16 | 0x0010, "US", rows)
    ds.add_new(group << 16 | 0x0011, "US", columns)
    ds.add_new(group << 16 | 0x0040, "CS", "G")
    ds.add_new(group << 16 | 0x0050, "SS", [1, 1])
    ds.add_new(group << 16 | 0x0100, "US", bits)
    ds.add_new(group << 16 | 0x0102, "US", 0 if bits == 1 else 15)
    if data:
        block = np.zeros((rows, columns), np.uint8)
        block[10:20, 30:40] = 1
        ds.add_new(group << 16 | 0x3000, "OW", pack_bits(block.ravel()))
    return ds


def _without(ds: Dataset, *elements: int) -> Dataset:
    for tag in [e.tag for e in ds if e.tag.group == 0x6000 and e.tag.element in elements]:
        del ds[tag]
    return ds


def _moved(ds: Dataset, to: int) -> Dataset:
    """The 6000 group moved to group `to`."""
    for elem in [e for e in ds if e.tag.group == 0x6000]:
        ds.add_new(to << 16 | elem.tag.element, elem.VR, elem.value)
        del ds[elem.tag]
    return ds


def _private_before(ds: Dataset) -> Dataset:
    # Private elements between group 0028 and the overlay: the lean reader's jump to
    # Pixel Data (past what it has read) must not step over the overlay.
    block = ds.private_block(0x0029, "TEST OVERLAY", create=True)
    for k in range(20):
        block.add_new(0x10 + k, "LO", f"private value {k}")
    block.add_new(0x40, "OB", bytes(range(256)) * 8)
    return ds


def _example() -> Dataset:
    ds = dcmread(OVERLAY_EXAMPLE)
    ds.SOPInstanceUID = generate_uid()
    return ds


def _no_pixels(ds: Dataset) -> Dataset:
    del ds.PixelData
    return ds


# id -> (builder, transfer syntax, expected has_overlay_planes, expected presentation_layer)
CASES: dict[str, tuple[Callable[[], Dataset], str, bool, bool]] = {
    "none": (_ct, ExplicitVRLittleEndian, False, False),
    "pydicom-example": (_example, ExplicitVRLittleEndian, True, True),
    "overlay-data": (lambda: _overlay(_ct()), ExplicitVRLittleEndian, True, True),
    "overlay-data-implicit": (lambda: _overlay(_ct()), ImplicitVRLittleEndian, True, True),
    "group-601e": (lambda: _overlay(_ct(), 0x601E), ExplicitVRLittleEndian, True, True),
    "after-private-tags": (
        lambda: _overlay(_private_before(_ct())),
        ExplicitVRLittleEndian,
        True,
        True,
    ),
    "after-private-tags-implicit": (
        lambda: _overlay(_private_before(_ct())),
        ImplicitVRLittleEndian,
        True,
        True,
    ),
    "embedded-in-pixel-data": (
        lambda: _overlay(_ct(), data=False, bits=16),
        ExplicitVRLittleEndian,
        True,
        True,
    ),
    # An overlay needs rows and a bitmap (read_overlays refuses it otherwise).
    "rows-without-bitmap": (
        lambda: _overlay(_ct(), data=False),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    "data-without-rows": (
        lambda: _without(_overlay(_ct()), 0x0010),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    "empty-data": (lambda: _empty_data(), ExplicitVRLittleEndian, False, False),
    # Odd groups are private, 6020 and beyond are not overlay groups (PS3.3 C.9.2).
    "odd-group-6001": (
        lambda: _moved(_overlay(_ct()), 0x6001),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    "group-6020": (lambda: _moved(_overlay(_ct()), 0x6020), ExplicitVRLittleEndian, False, False),
    # Overlay planes but nothing to draw them on: no presentation layer.
    "no-pixel-data": (lambda: _no_pixels(_example()), ExplicitVRLittleEndian, True, False),
}


def _empty_data() -> Dataset:
    ds = _overlay(_ct())
    ds[0x60003000].value = b""
    return ds


def _file(tmp_path: Path, case: str) -> str:
    build, syntax, _, _ = CASES[case]
    return save(build(), str(tmp_path / f"{case}.dcm"), syntax)


@pytest.mark.parametrize("case", list(CASES))
def test_every_reader_notes_overlay_planes_alike(tmp_path, monkeypatch, case):
    _, _, has, layer = CASES[case]
    headers = every_reader(_file(tmp_path, case), monkeypatch)
    assert [h.has_overlay_planes for h in headers] == [has] * len(headers)
    assert classify(headers[0]).presentation_layer is layer


def test_json_metadata_with_overlay_data_inline_or_as_bulk_data():
    ds = _overlay(_ct())
    inline = ds.to_json_dict(bulk_data_threshold=1 << 30)
    assert "InlineBinary" in inline["60003000"]
    bulk = ds.to_json_dict(bulk_data_threshold=16, bulk_data_element_handler=lambda e: "http://x")
    assert "BulkDataURI" in bulk["60003000"]
    for obj in (inline, bulk):
        assert record_from_json(obj, "x", has_pixels=True).has_overlay_planes
    # An archive that leaves the group out of its metadata: no overlays listed.
    bare = {k: v for k, v in inline.items() if not k.startswith("6000")}
    assert not record_from_json(bare, "x", has_pixels=True).has_overlay_planes


def test_the_lean_reader_reads_no_overlay_bitmap(tmp_path, monkeypatch):
    # A 4 MiB Overlay Data is stepped over: the reader reads what it read without it.
    ds = _ct()
    rows = columns = 2048
    ds.add_new(0x60000010, "US", rows)
    ds.add_new(0x60000011, "US", columns)
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60003000, "OW", bytes(rows * columns // 8))
    path = tmp_path / "big.dcm"
    ds.save_as(path, enforce_file_format=True)
    read: list[int] = []
    real = hs.pread

    def counting(fd, n, offset):
        read.append(n)
        return real(fd, n, offset)

    monkeypatch.setattr(hs, "pread", counting)
    h = hs.read_header(str(path))
    assert isinstance(h, Header)
    assert h.has_overlay_planes
    assert h.has_pixels
    assert sum(read) < 64 * 1024, read


@pytest.mark.corpus
@pytest.mark.parametrize("rel", OVERLAY_FILES)
def test_corpus_files_with_overlay_planes(rel):
    row = next(r for r in manifest() if r["path"] == rel)
    h = hs.read_header(row["abspath"])
    assert isinstance(h, Header)
    assert h.has_overlay_planes
    assert classify(h).presentation_layer
    assert read_overlays(row["abspath"])  # and the SDK reads them


@pytest.mark.corpus
def test_no_other_corpus_file_has_overlay_planes():
    flagged = {
        r["path"]
        for r in manifest()
        if r["expect"] != "not_dicom"
        and isinstance(h := hs.read_header(r["abspath"]), Header)
        and h.has_overlay_planes
    }
    assert flagged == set(OVERLAY_FILES)
