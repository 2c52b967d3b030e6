"""Overlay Planes (60xx): bitmaps placed on the frames' pixel grid, per frame, from either store.

pydicom's bundled examples_overlay.dcm (a Siemens graphics overlay) reads back
pydicom's own unpacking; synthetic files check the origin (1-based, clipped at
the image's edges), multi-frame overlays, overlays embedded in the high bits
of Pixel Data, and the typed errors for broken or unsupported overlays.
"""

from __future__ import annotations

import json

import numpy as np
import pydicom
import pytest
from pydicom.pixels.utils import pack_bits
from pydicom.uid import RLELossless

import dcmview.sdk as sdk
from dcmview.sdk.overlay import OverlayDataError, UnsupportedOverlayError, read_overlays
from tests.bundled import TEST_FILES
from tests.dicom_factory import make_dataset, write


def add_overlay(ds, bits, *, group=0x6000, origin=(1, 1), frames=None, frame_origin=None):
    """Add an Overlay Plane module holding `bits` (rows, columns) or (frames, rows, columns)."""
    bits = np.asarray(bits, np.uint8)
    rows, columns = bits.shape[-2:]
    ds.add_new(group << 16 | 0x0010, "US", rows)
    ds.add_new(group << 16 | 0x0011, "US", columns)
    ds.add_new(group << 16 | 0x0040, "CS", "G")
    ds.add_new(group << 16 | 0x0050, "SS", list(origin))
    ds.add_new(group << 16 | 0x0100, "US", 1)
    ds.add_new(group << 16 | 0x0102, "US", 0)
    ds.add_new(group << 16 | 0x1500, "LO", f"overlay {group:04X}")
    if frames is not None:
        ds.add_new(group << 16 | 0x0015, "IS", frames)
    if frame_origin is not None:
        ds.add_new(group << 16 | 0x0051, "US", frame_origin)
    ds.add_new(group << 16 | 0x3000, "OW", pack_bits(bits.ravel()))


def test_bundled_overlay_is_pydicoms_unpacking_on_the_image_grid():
    path = TEST_FILES / "examples_overlay.dcm"
    ds = pydicom.dcmread(path)
    [plane] = sdk.read_overlays(path)
    assert plane.group == 0x6000
    assert (plane.rows, plane.columns, plane.type) == (300, 484, "G")
    assert plane.description == "Siemens MedCom Object Graphics"
    assert plane.source == "OverlayData"
    mask = plane.mask(0, shape=(ds.Rows, ds.Columns))
    np.testing.assert_array_equal(mask, ds.overlay_array(0x6000).astype(bool))
    assert mask.any()
    summary = plane.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["pixels_set"] == int(mask.sum())
    assert summary["group"] == "6000"


def test_the_origin_is_one_based_and_the_overlay_is_clipped_at_the_edges(tmp_path):
    ds = make_dataset(rows=6, columns=8)
    bits = np.zeros((3, 4), np.uint8)
    bits[0, 0] = bits[2, 3] = bits[1, 2] = 1
    add_overlay(ds, bits, group=0x6000, origin=(2, 3))  # top-left at row 1, column 2
    add_overlay(ds, bits, group=0x6002, origin=(0, 6))  # starts above and runs off the right
    planes = read_overlays(write(ds, tmp_path / "o.dcm"))
    assert [p.group for p in planes] == [0x6000, 0x6002]
    inside, clipped = (p.mask(0, shape=(6, 8)) for p in planes)
    assert np.argwhere(inside).tolist() == [[1, 2], [2, 4], [3, 5]]
    # Overlay (r, c) lies on image (r - 1, c + 5): (0, 0) falls above the image and
    # (2, 3) right of it; only (1, 2) is left, on (0, 7).
    assert np.argwhere(clipped).tolist() == [[0, 7]]
    assert planes[1].label == "overlay 6002"


def test_a_multi_frame_overlay_covers_its_frames_only(tmp_path):
    ds = make_dataset(rows=4, columns=4, frames=4)
    bits = np.zeros((2, 4, 4), np.uint8)
    bits[0, 0, 0] = 1
    bits[1, 3, 3] = 1
    add_overlay(ds, bits, frames=2, frame_origin=2)  # on image frames 1 and 2 (0-based)
    add_overlay(ds, bits[0], group=0x6002)  # no Multi-frame Overlay module: every frame
    multi, single = read_overlays(write(ds, tmp_path / "mf.dcm"))
    assert multi.number_of_frames == 2
    assert [multi.applies_to(i) for i in range(4)] == [False, True, True, False]
    assert not multi.mask(0).any()
    assert np.argwhere(multi.mask(1)).tolist() == [[0, 0]]
    assert np.argwhere(multi.mask(2)).tolist() == [[3, 3]]
    assert not multi.mask(3).any()
    assert not single.multi_frame
    assert all(np.argwhere(single.mask(i)).tolist() == [[0, 0]] for i in range(4))


def embedded(tmp_path, *, syntax=pydicom.uid.ExplicitVRLittleEndian):
    """A 12-bit image whose bit 12 carries an overlay (the retired encoding)."""
    rng = np.random.default_rng(0)
    values = rng.integers(0, 4096, size=(5, 7), dtype=np.uint16)
    bit = np.zeros((5, 7), bool)
    bit[1:3, 2:6] = True
    ds = make_dataset(rows=5, columns=7, bits_stored=12, arr=values | (bit.astype(np.uint16) << 12))
    ds.add_new(0x60000010, "US", 5)
    ds.add_new(0x60000011, "US", 7)
    ds.add_new(0x60000040, "CS", "R")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 16)
    ds.add_new(0x60000102, "US", 12)
    return write(ds, tmp_path / "embedded.dcm", transfer_syntax=syntax), bit, values


def test_an_overlay_embedded_in_pixel_data_is_read_from_its_bit(tmp_path):
    path, bit, values = embedded(tmp_path)
    [plane] = read_overlays(path)  # the header has no pixels: the file is read again
    assert plane.source == "PixelData"
    assert plane.type == "R"
    np.testing.assert_array_equal(plane.mask(0), bit)
    # The image itself keeps its 12 stored bits.
    np.testing.assert_array_equal(sdk.open(path).frame(0).array(), values)
    [again] = read_overlays(pydicom.dcmread(path))
    np.testing.assert_array_equal(again.mask(0), bit)


def test_an_overlay_embedded_in_compressed_pixel_data_is_refused(tmp_path):
    path, _, _ = embedded(tmp_path, syntax=RLELossless)
    with pytest.raises(UnsupportedOverlayError) as info:
        read_overlays(path)
    assert info.value.code == "unsupported_overlay"
    assert str(path) in str(info.value)
    assert isinstance(info.value, sdk.UnsupportedError)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda ds: setattr(ds[0x60003000], "value", b"\xff\xff"), "holds 16 bits"),
        (lambda ds: setattr(ds[0x60000010], "value", 0), "is no bitmap"),
        (lambda ds: ds.__delitem__(0x60003000), "no Overlay Data"),
    ],
)
def test_broken_overlays_raise_a_typed_error_naming_the_file_and_group(tmp_path, change, needle):
    ds = make_dataset(rows=6, columns=8)
    add_overlay(ds, np.ones((6, 8), np.uint8))
    change(ds)
    path = write(ds, tmp_path / "broken.dcm")
    with pytest.raises(OverlayDataError) as info:
        read_overlays(path)
    assert info.value.code == "invalid_overlay"
    assert needle in str(info.value)
    assert f"{path}: overlay group 6000" in str(info.value)
    assert isinstance(info.value, sdk.DecodeError)


def test_an_image_without_overlays_has_none(tmp_path):
    assert read_overlays(write(make_dataset(rows=2, columns=2), tmp_path / "plain.dcm")) == []
