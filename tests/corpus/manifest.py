"""What was written: one Record per file, MANIFEST.csv, and the re-read check of every file."""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom import uid as U

MANIFEST_COLUMNS = [
    "path",
    "sop_class",
    "transfer_syntax_uid",
    "transfer_syntax_name",
    "photometric",
    "rows",
    "columns",
    "frames",
    "bits_allocated",
    "bits_stored",
    "pixel_representation",
    "size_bytes",
    "sha256",
    "sop_class_name",
    "modality",
    "expect",
    "description",
    # Identity and links, for the readers of derived objects.
    "sop_instance_uid",
    "series_instance_uid",
    "frame_of_reference_uid",
    "pixel_data",
    "derived_from",
    "content",
]

#: What a correct reader does with a file (the MANIFEST's ``expect`` column).
EXPECT = {
    "pixels": "readable, pixel data decodes",
    "pixels_force": "no File Meta header: read with force as Implicit VR LE, then pixels decode",
    "no_pixels": "readable, no Pixel Data (e.g. SR)",
    "broken": "header readable, pixel data truncated",
    "not_dicom": "must be rejected (empty, HTML, text ...)",
    "derived": "a derived object (SEG, RTSTRUCT, RTDOSE, parametric map, presentation state) "
    "that references source images of the corpus",
    "broken_derived": "a derived object broken on purpose (source missing, wrong geometry, "
    "broken encoding): readers refuse it with a typed error",
    "bomb": "declares far more pixels than it holds or inflates to: refuse without allocating",
}

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def array_digest(a: np.ndarray) -> str:
    """sha256 over shape, dtype kind/size and little-endian bytes of `a`."""
    a = np.asarray(a)
    dt = a.dtype if a.dtype.byteorder == "|" else a.dtype.newbyteorder("<")
    a = np.ascontiguousarray(a, dtype=dt)
    h = hashlib.sha256(f"{a.shape}|{a.dtype.kind}{a.dtype.itemsize}|".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def psnr(ref: np.ndarray, test: np.ndarray, peak: float) -> float:
    mse = np.mean((ref.astype(np.float64) - test.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * math.log10(peak * peak / mse)


@dataclass
class Record:
    """One written file: its MANIFEST row and how to check it after writing."""

    path: str
    row: dict
    expect: str
    digest: str | None = None  # expected pixel digest (lossless)
    lossy_ref: np.ndarray | None = None
    peak: float = 0.0
    # A derived object's own check (re-read with highdicom, references...); raises.
    check: Callable[[Path], str] | None = field(default=None, repr=False)


def manifest_row(rel: str, ds, ts: str, desc: str, expect: str) -> dict:
    """The MANIFEST columns known before the file is written (size and sha256 come after)."""

    def g(k, d=""):
        return ds.get(k, d) if ds is not None else d

    sop = g("SOPClassUID")
    has_image = ds is not None and "Rows" in ds
    return {
        "path": rel,
        "sop_class": str(sop),
        "transfer_syntax_uid": str(ts),
        "transfer_syntax_name": U.UID(ts).name if ts else "",
        "photometric": g("PhotometricInterpretation"),
        "rows": g("Rows"),
        "columns": g("Columns"),
        "frames": int(g("NumberOfFrames", 1)) if has_image else (0 if ds is not None else ""),
        "bits_allocated": g("BitsAllocated"),
        "bits_stored": g("BitsStored"),
        "pixel_representation": g("PixelRepresentation"),
        "sop_class_name": U.UID(str(sop)).name if sop else "",
        "modality": g("Modality"),
        "expect": expect,
        "description": desc,
        "sop_instance_uid": str(g("SOPInstanceUID")),
        "series_instance_uid": str(g("SeriesInstanceUID")),
        "frame_of_reference_uid": str(g("FrameOfReferenceUID")),
        "pixel_data": next((k for k in PIXEL_KEYWORDS if ds is not None and k in ds), ""),
        "derived_from": "",
        "content": "",
    }


def write_manifest(out: Path, records: list[Record]) -> None:
    with open(out / "MANIFEST.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS)
        w.writeheader()
        for r in sorted(records, key=lambda r: r.path):
            w.writerow(r.row)


def read_manifest(root: Path) -> list[dict[str, str]]:
    with open(root / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _check_pixels(rec: Record, path: Path) -> str:
    from pydicom.pixels import apply_color_lut

    ds = pydicom.dcmread(path, force=rec.expect == "pixels_force")
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = U.ImplicitVRLittleEndian
    if rec.expect == "no_pixels":
        if "PixelData" in ds:
            raise AssertionError("unexpected Pixel Data")
        return ""
    a = ds.pixel_array
    r = rec.row
    frames = int(r["frames"] or 1)
    shp: tuple[int, ...] = (frames,) if frames > 1 else ()
    shp += (int(r["rows"]), int(r["columns"]))
    if ds.SamplesPerPixel == 3:
        shp += (3,)
    if a.shape != shp:
        raise AssertionError(f"shape {a.shape} != {shp}")
    msg = ""
    if rec.digest and array_digest(a) != rec.digest:
        raise AssertionError("decoded pixels differ from source (lossless!)")
    if rec.lossy_ref is not None:
        q = psnr(rec.lossy_ref, a, rec.peak)
        msg = f"PSNR {q:.1f} dB"
        if q < 30:
            raise AssertionError(msg)
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(a, ds)
        if rgb.shape != a.shape + (3,):
            raise AssertionError("palette LUT application failed")
    return msg


def _must_fail(read: Callable[[], object], what: str) -> None:
    try:
        read()
    except Exception:
        return
    raise AssertionError(what)


def verify(out: Path, records: list[Record], quiet: bool) -> tuple[list, dict]:
    """Re-open every file from disk and check that it behaves as its ``expect`` says."""
    problems, counts = [], {}
    for rec in records:
        p = out / rec.path
        msg = ""
        try:
            if rec.check is not None:
                msg = rec.check(p)
            elif rec.expect == "not_dicom":
                _must_fail(lambda p=p: pydicom.dcmread(p), "read succeeded on a non-DICOM file")
            elif rec.expect == "broken":
                _must_fail(lambda p=p: pydicom.dcmread(p).pixel_array, "truncated file decoded")
            elif rec.expect != "bomb":  # a bomb is only read by the code it tests
                msg = _check_pixels(rec, p)
        except Exception as exc:
            problems.append((rec.path, f"{type(exc).__name__}: {exc}"))
            print(f"[FAIL] {rec.path}: {type(exc).__name__}: {exc}")
        else:
            if msg and not quiet:
                print(f"[ok]   {rec.path}: {msg}")
        counts[rec.expect] = counts.get(rec.expect, 0) + 1
    return problems, counts
