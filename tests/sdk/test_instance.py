"""Instance: lazy header, attributes, bad input, and one frame read without the others."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate, generate_frames
from pydicom.pixels import pixel_array

from dcmview.sdk.errors import (
    DecodeError,
    FileReadError,
    ImageTooLargeError,
    InvalidPathError,
    NotDicomError,
    UnsupportedPixelLayoutError,
)
from dcmview.sdk.header import Header
from dcmview.sdk.instance import MAX_FRAME_BYTES, Instance, open
from tests.corpus import manifest, params
from tests.dicom_factory import make_dicom


def test_open_reads_attributes_like_pydicom() -> None:
    path = get_testdata_file("rtdose_rle.dcm", download=False)
    ds = pydicom.dcmread(path)
    inst = open(path)
    assert inst.path == os.path.abspath(path)
    assert (inst.rows, inst.columns) == (ds.Rows, ds.Columns)
    assert inst.number_of_frames == len(inst) == ds.NumberOfFrames == 15
    assert inst.samples_per_pixel == ds.SamplesPerPixel
    assert inst.bits_allocated == ds.BitsAllocated
    assert inst.bits_stored == ds.BitsStored
    assert inst.pixel_representation == ds.PixelRepresentation
    assert inst.photometric_interpretation == ds.PhotometricInterpretation
    assert inst.transfer_syntax_uid == uid.RLELossless
    assert inst.sop_class_uid == ds.SOPClassUID
    assert inst.sop_instance_uid == ds.SOPInstanceUID
    assert inst.has_pixels
    assert "PixelData" not in inst.dataset  # the header only
    assert repr(inst) == f"Instance({inst.path!r})"


def test_header_from_dataset() -> None:
    path = get_testdata_file("CT_small.dcm", download=False)
    header = open(path).header
    assert isinstance(header, Header)
    assert header.path == os.path.abspath(path)
    assert (header.rows, header.columns, header.number_of_frames) == (128, 128, 1)
    assert header.modality == "CT"
    assert header.has_pixels
    assert header.transfer_syntax_uid == uid.ExplicitVRLittleEndian
    full = Header.from_dataset(pydicom.dcmread(path), os.path.abspath(path))
    assert full == header


def test_given_header_answers_without_reading(tmp_path: Path) -> None:
    header = Header(
        path=str(tmp_path / "gone.dcm"),
        rows=7,
        columns=9,
        number_of_frames=4,
        has_pixels=True,
        photometric_interpretation="MONOCHROME2",
    )
    inst = Instance(header.path, header=header)
    assert (inst.rows, inst.columns, len(inst), inst.has_pixels) == (7, 9, 4, True)
    assert inst.header is header
    # The file vanished after the scan: reading it now is a FileReadError.
    with pytest.raises(FileReadError) as info:
        inst.frame(0).array()
    assert header.path in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "ts"),
    [
        ({"preamble": False}, uid.ExplicitVRLittleEndian),
        ({"file_meta": False}, uid.ImplicitVRLittleEndian),
    ],
    ids=["no-preamble", "no-preamble-no-meta"],
)
def test_files_without_preamble_are_opened(
    tmp_path: Path, kwargs: dict[str, bool], ts: str
) -> None:
    path = make_dicom(tmp_path, rows=8, columns=8, **kwargs)
    assert path.read_bytes()[128:132] != b"DICM"
    inst = open(path)
    assert inst.transfer_syntax_uid == ts
    assert inst.header.transfer_syntax_uid == ts
    expected = pixel_array(path, transfer_syntax_uid=ts)
    np.testing.assert_array_equal(inst.frame(0).array(), expected)


@pytest.mark.corpus
@pytest.mark.parametrize("row", params([r for r in manifest() if r["expect"] == "pixels_force"]))
def test_corpus_files_without_preamble(row: dict[str, str]) -> None:
    inst = open(row["abspath"])
    assert inst.transfer_syntax_uid == row["transfer_syntax_uid"]
    assert inst.header.sop_class_uid == row["sop_class"]
    assert inst.frame(0).array().shape == (int(row["rows"]), int(row["columns"]))


# -- bad input ---------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.dcm"
    with pytest.raises(InvalidPathError) as info:
        open(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidPathError, match="directory"):
        open(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n" * 4,
        b"DICM" * 10,
        bytes(range(256)) * 3,
    ],
    ids=["zero-bytes", "html", "dicm-words", "binary-noise"],
)
def test_not_dicom(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.dcm"
    path.write_bytes(content)
    with pytest.raises(NotDicomError) as info:
        open(path)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)


def test_truncated_native_frames(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, frames=4, rows=16, columns=16)
    reference = pixel_array(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 16 * 16 * 2 - 10])  # cut inside frame 2
    inst = open(path)
    np.testing.assert_array_equal(inst.frame(1).array(), reference[1])
    for index in (2, 3):
        with pytest.raises(DecodeError, match="truncated") as info:
            inst.frame(index).array()
        assert str(path) in str(info.value)


def test_truncated_encapsulated_frame(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, transfer_syntax=uid.RLELossless, frames=3, rows=16, columns=16)
    data = path.read_bytes()
    path.write_bytes(data[:-40])
    inst = open(path)
    assert inst.frame(0).array().shape == (16, 16)
    with pytest.raises(DecodeError, match="truncated") as info:
        inst.frame(2).array()
    assert str(path) in str(info.value)


def _j2k_file(tmp_path: Path, frames: int = 3) -> tuple[Path, pydicom.Dataset, list[bytes]]:
    path = make_dicom(tmp_path, transfer_syntax=uid.JPEG2000Lossless, frames=frames)
    ds = pydicom.dcmread(path)
    return path, ds, list(generate_frames(ds.PixelData, number_of_frames=frames))


def test_one_frame_is_decoded_without_the_others(tmp_path: Path) -> None:
    path, ds, frames = _j2k_file(tmp_path)
    expected = pixel_array(path, index=2)
    # Break frame 0 beyond repair: frame 2 must not care.
    ds.PixelData = encapsulate([frames[0][:60], frames[1], frames[2]])
    ds.save_as(path, enforce_file_format=True)
    inst = open(path)
    np.testing.assert_array_equal(inst.frame(2).array(), expected)
    with pytest.raises(DecodeError) as info:
        inst.frame(0).array()
    assert str(path) in str(info.value)


def test_j2k_size_must_match_rows_and_columns(tmp_path: Path) -> None:
    path, ds, _ = _j2k_file(tmp_path, frames=1)
    ds.Rows = 32  # the codestream is 64 x 48
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(DecodeError, match=r"codestream is 64x48 but .* is 32x48") as info:
        open(path).frame(0).array()
    assert str(path) in str(info.value)


def test_corrupt_j2k_codestream(tmp_path: Path) -> None:
    path, ds, frames = _j2k_file(tmp_path, frames=1)
    ds.PixelData = encapsulate([bytes(len(frames[0]))])
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(DecodeError, match="JPEG 2000") as info:
        open(path).frame(0).array()
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "ts", [uid.ExplicitVRLittleEndian, uid.RLELossless], ids=["native", "encapsulated"]
)
def test_absurd_dimensions_are_refused_before_allocating(tmp_path: Path, ts: str) -> None:
    path = make_dicom(tmp_path, transfer_syntax=ts, rows=8, columns=8)
    ds = pydicom.dcmread(path)
    ds.Rows = ds.Columns = 65535  # 8 GiB of 16-bit samples, in a file of a few bytes
    ds.save_as(path, enforce_file_format=True)
    assert MAX_FRAME_BYTES < 65535 * 65535 * 2
    with pytest.raises(ImageTooLargeError) as info:
        open(path).frame(0).array()
    assert str(path) in str(info.value)


def test_unusable_layout(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=8, columns=8)
    ds = pydicom.dcmread(path)
    ds.BitsAllocated = 12
    ds.save_as(path, enforce_file_format=True)
    inst = open(path)  # the header still opens, for the tag browser
    assert inst.bits_allocated == 12
    with pytest.raises(UnsupportedPixelLayoutError, match="Bits Allocated is 12"):
        inst.frame(0).array()


# -- frame index -----------------------------------------------------------------------


def test_frames_from_extended_offset_table(tmp_path: Path) -> None:
    path = make_dicom(
        tmp_path, transfer_syntax=uid.JPEG2000Lossless, frames=3, extended_offset_table=True
    )
    ds = pydicom.dcmread(path)
    assert "ExtendedOffsetTable" in ds
    inst = open(path)
    for index in (2, 0, 1):
        np.testing.assert_array_equal(inst.frame(index).array(), pixel_array(path, index=index))


def test_parallel_decoding_is_consistent(tmp_path: Path) -> None:
    path = make_dicom(
        tmp_path,
        transfer_syntax=uid.JPEG2000Lossless,
        frames=6,
        fragments_per_frame=2,
        basic_offset_table=False,
    )
    inst = Instance(path)  # not opened yet: the threads race to read the header
    order = [5, 0, 3, 1, 4, 2] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: inst.frame(i).array(), order))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = pixel_array(path)
    for index, arr in zip(order, results, strict=True):
        np.testing.assert_array_equal(arr, expected[index])


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm"])
def test_tags_report_pixel_data_length(name: str) -> None:
    tags = pytest.importorskip("dcmview.sdk.tags")
    path = get_testdata_file(name, download=False)
    full = pydicom.dcmread(path)
    nodes = open(path).tags()
    expected = tags.tag_tree(full)
    # Elements after Pixel Data (trailing padding) are not in a header read.
    assert nodes == expected[: len(nodes)]
    pixel = [n for n in nodes if n["keyword"] == "PixelData"]
    assert pixel[0]["value"]["length"] == len(full.PixelData)
