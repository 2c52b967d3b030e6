"""Broken derived objects: SEGs a viewer must refuse with a clear message while the image shows.

Three binary SEGs of a disc on the UTF-8 MR slice of ``edge/`` (an image nothing else
derives from, so the good derived objects' answers do not change), each broken one
way (written under ``derived_broken/``, expect ``broken_derived``):

- ``SEG_missing_source.dcm``: every reference names an instance that is not in the
  corpus (a fresh UID): the SEG has no image to be drawn on;
- ``SEG_wrong_geometry.dcm``: names the MR slice, but its frame is 128 x 128 where the
  slice is 256 x 256 (Rows, Columns and the mask halved);
- ``SEG_broken_encoding.dcm``: names the MR slice, but its Pixel Data is cut to a
  quarter of a frame, so the mask cannot be decoded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from tests.corpus.builder import Corpus
from tests.corpus.derived import _pin, _segment, _segmentation
from tests.corpus.manifest import Record, manifest_row

B = "derived_broken"
SOURCE = "edge/utf8_patient_name.dcm"
EXPECT = "broken_derived"
SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"


def _disc(rows: int, columns: int) -> np.ndarray:
    r, c = np.mgrid[:rows, :columns]
    return ((r - rows / 2) ** 2 + (c - columns / 2) ** 2 < (rows / 5) ** 2)[None, :, :, None]


def _save(c: Corpus, name: str, ds: Dataset, desc: str, broken: str) -> None:
    rel = f"{B}/{name}"
    path = c.out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    row = manifest_row(rel, ds, ds.file_meta.TransferSyntaxUID, desc, EXPECT)
    row["derived_from"] = SOURCE
    row["content"] = json.dumps({"broken": broken}, separators=(",", ":"))

    def check(p: Path) -> str:
        read = pydicom.dcmread(p, stop_before_pixels=True)
        if read.SOPClassUID != SEG_CLASS:
            raise AssertionError(f"not a SEG: {read.SOPClassUID}")
        return f"broken SEG ({broken})"

    c.add(Record(rel, row, EXPECT, check=check))


def broken_derived_objects(c: Corpus) -> None:
    """Write the three broken SEGs of the module docstring over ``edge/`` 's UTF-8 MR slice."""
    source = pydicom.dcmread(c.out / SOURCE)
    patient = c.patient("UTF80001", str(source.PatientName), "F", "19751224", "048Y")
    study = c.study(patient, "utf8", str(source.StudyDescription), day=5)
    disc = _disc(int(source.Rows), int(source.Columns))
    segment = [_segment(1, "disc", codes.SCT.Tissue, codes.SCT.Tissue)]

    def seg(key: str, number: int, desc: str) -> Dataset:
        series = c.series(study, key, number, "SEG", desc)
        return _segmentation(
            c, series, [source], disc, "BINARY", segment,
            desc=desc, ts=U.ExplicitVRLittleEndian, key=key,
        )  # fmt: skip

    # 1. the source is not in the corpus: every reference to it renamed
    ds = seg("broken-seg-missing", 201, "SEG (source missing)")
    missing = c.uid("broken-derived", "missing-source")
    for elem in ds.iterall():
        if elem.keyword == "ReferencedSOPInstanceUID" and elem.value == source.SOPInstanceUID:
            elem.value = missing
    desc = "SEG whose source image is not in the corpus"
    _save(c, "SEG_missing_source.dcm", ds, desc, "source")

    # 2. the frame is 128 x 128 on a 256 x 256 slice
    ds = seg("broken-seg-geometry", 202, "SEG (wrong geometry)")
    half = np.packbits(disc[0, ::2, ::2, 0].ravel(), bitorder="little")
    ds.Rows, ds.Columns = int(source.Rows) // 2, int(source.Columns) // 2
    ds.PixelData = half.tobytes() + b"\0" * (len(half) % 2)
    desc = "SEG 128x128 on a 256x256 image"
    _save(c, "SEG_wrong_geometry.dcm", _pin(c, ds, "broken-seg-geometry"), desc, "geometry")

    # 3. Pixel Data cut short: a quarter of the frame's bits
    ds = seg("broken-seg-encoding", 203, "SEG (broken encoding)")
    ds.PixelData = bytes(ds.PixelData)[: len(ds.PixelData) // 4]
    _save(c, "SEG_broken_encoding.dcm", ds, "SEG whose Pixel Data is cut to a quarter", "encoding")
