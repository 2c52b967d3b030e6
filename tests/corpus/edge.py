"""Odd and broken files: no preamble or meta, deflated, truncated, not DICOM, SR, deep nesting,
UTF-8 names, a folder of files without extension; and images with Overlay Planes (overlays.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.filewriter import dcmwrite

from tests.corpus.builder import Corpus
from tests.corpus.ct import ct_dataset
from tests.corpus.manifest import Record, array_digest, manifest_row
from tests.corpus.mr import mr_dataset, mr_volume
from tests.corpus.overlays import overlay_images
from tests.corpus.phantoms import ct_body_slice, ct_stored

E = "edge"


def edge_cases(c: Corpus, mr_slice: np.ndarray, ffdm: Path | None, ffdm_ds: Dataset | None) -> None:
    """Write edge/; `ffdm` is the uncompressed FFDM to truncate, `ffdm_ds` the one the SR cites."""
    pe = c.patient("EDGE0001", "PHANTOM^EDGE CASES", "O", "19900909", "034Y")
    se_study = c.study(pe, "edge", "EDGE CASE COLLECTION", day=4, time_="120000")
    rng = c.rng("edge")
    small = ct_stored(ct_body_slice(128, 3.0, 0.5, rng)[0])

    # 1. no preamble, no File Meta (raw implicit VR LE data set, ACR-NEMA style)
    se = c.series(se_study, "nometa", 1, "CT", "NO FILE META (raw implicit LE)")
    ds = ct_dataset(c, se, 1, small, 128, 3.0, 3.0, -100.0)
    ds.PixelData = small.astype("<i2").tobytes()
    rel = f"{E}/no_preamble_no_meta_implicit_le.dcm"
    (c.out / E).mkdir(parents=True, exist_ok=True)
    dcmwrite(c.out / rel, ds, implicit_vr=True, little_endian=True, enforce_file_format=False)
    desc = "no 128-byte preamble, no DICM, no group 0002 (ACR-NEMA style)"
    row = manifest_row(rel, ds, U.ImplicitVRLittleEndian, desc, "pixels_force")
    c.add(Record(rel, row, "pixels_force", digest=array_digest(small)))

    # 2. File Meta present but preamble + DICM prefix missing
    se = c.series(se_study, "nopreamble", 2, "CT", "NO PREAMBLE (meta present)")
    ds = ct_dataset(c, se, 1, small, 128, 3.0, 3.0, -100.0)
    c.file_meta(ds, U.ExplicitVRLittleEndian)
    ds.PixelData = small.astype("<i2").tobytes()
    ds["PixelData"].VR = "OW"
    b = io.BytesIO()
    ds.save_as(b, enforce_file_format=True)
    rel = f"{E}/no_preamble_with_meta.dcm"
    (c.out / rel).write_bytes(b.getvalue()[132:])
    desc = "group 0002 present but no preamble/DICM (read with force)"
    row = manifest_row(rel, ds, U.ExplicitVRLittleEndian, desc, "pixels_force")
    c.add(Record(rel, row, "pixels_force", digest=array_digest(small)))

    # 3. deflated explicit VR LE
    se = c.series(se_study, "deflate", 3, "CT", "DEFLATED EXPLICIT VR LE")
    ds = ct_dataset(c, se, 1, small, 128, 3.0, 3.0, -100.0)
    c.write(
        f"{E}/deflated_explicit_le.dcm",
        ds,
        small,
        U.DeflatedExplicitVRLittleEndian,
        desc="Deflated Explicit VR Little Endian",
    )

    # 4. truncated pixel data
    if ffdm is not None:
        data = ffdm.read_bytes()
        ds = pydicom.dcmread(ffdm, stop_before_pixels=True)
        rec = c.write_raw(
            f"{E}/truncated_pixel_data.dcm",
            data[: int(len(data) * 0.6)],
            ds=ds,
            ts=ds.file_meta.TransferSyntaxUID,
            desc="FFDM cut at 60% of file size (inside Pixel Data)",
            expect="broken",
        )
        rec.row["pixel_data"] = "PixelData"  # announced, then cut

    # 5./6. non-DICOM with .dcm extension, zero-byte file
    html = (
        b"<html><head><title>404 Not Found</title></head><body>\n"
        b"<h1>Not Found</h1><p>The requested object was not found on this PACS gateway.</p>\n"
        b"</body></html>\n"
    )
    c.write_raw(
        f"{E}/not_dicom.dcm",
        html + bytes(range(256)),
        desc="HTML error page saved with a .dcm extension",
        expect="not_dicom",
    )
    c.write_raw(f"{E}/zero_bytes.dcm", b"", desc="empty file", expect="not_dicom")

    # 7. no pixel data: Basic Text SR referencing the FFDM image
    _basic_text_sr(c, se_study, ffdm_ds)

    # 8. deeply nested sequence + private tags
    _nested_private(c, se_study)

    # 9. non-ASCII PatientName (UTF-8)
    pu = c.patient("UTF80001", "Müller^Zoë=山田^太郎=やまだ^たろう", "F", "19751224", "048Y")
    su = c.study(pu, "utf8", "Kopf-MRT – Übersicht ✓", day=5)
    se = c.series(su, "utf8", 1, "MR", "T1 axial – Ærø Ñandú Ωμέγα")
    ds = mr_dataset(c, se, 1, mr_slice, 256, 0.9375, 5.0, -60.0, charset="ISO_IR 192")
    ds.InstitutionName = "Hôpital Saint-Éloi"
    ds.ReferringPhysicianName = "Ωμέγα^Αλφα"
    c.write(
        f"{E}/utf8_patient_name.dcm",
        ds,
        mr_slice,
        U.ExplicitVRLittleEndian,
        desc="SpecificCharacterSet ISO_IR 192, multi-script PatientName",
    )

    # 10. DICOMDIR-less folder, files without extension (+ a stray non-DICOM file)
    pn = c.patient("NOEXT001", "PHANTOM^NO EXTENSION", "M", "19880808", "036Y")
    sn = c.study(pn, "noext", "MR BRAIN (CD EXPORT)", day=6)
    se = c.series(sn, "t2", 4, "MR", "T2 TSE AX")
    for i, sl in enumerate(mr_volume(c, 128, 6, "noext-t2", t2=True)):
        ds = mr_dataset(c, se, i + 1, sl, 128, 1.875, 5.0, -30.0 + 12 * i, t2=True)
        c.write(
            f"{E}/no_extension_folder/IM{i + 1:06d}",
            ds,
            sl,
            U.ExplicitVRLittleEndian,
            desc="DICOM file without .dcm extension, no DICOMDIR",
        )
    c.write_raw(
        f"{E}/no_extension_folder/EXPORTLOG",
        b"Export finished: 6 images\r\n",
        desc="stray non-DICOM file without extension",
        expect="not_dicom",
    )

    # 11. Overlay Planes (60xx): one on a single frame, one on some frames of six
    overlay_images(c, se_study)


def _basic_text_sr(c: Corpus, study, image: Dataset | None) -> None:
    se = c.series(study, "sr", 4, "SR", "MAMMO REPORT (Basic Text SR)")
    ds = c.base_ds(se, U.BasicTextSRStorage, 1)
    del ds.StationName
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [c.code("18748-4", "LN", "Diagnostic imaging report")]
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.PerformedProcedureCodeSequence = []
    items = []
    for cv, meaning, text in (
        ("121060", "History", "Screening. No prior imaging available."),
        (
            "121071",
            "Finding",
            "Left breast: grouped fine pleomorphic calcifications and an "
            "irregular mass with spiculated margins (synthetic).",
        ),
        ("121073", "Impression", "BI-RADS 4 - suspicious. Synthetic test report, not a diagnosis."),
    ):
        it = Dataset()
        it.RelationshipType = "CONTAINS"
        it.ValueType = "TEXT"
        it.ConceptNameCodeSequence = [c.code(cv, "DCM", meaning)]
        it.TextValue = text
        items.append(it)
    if image is not None:
        img = Dataset()
        img.RelationshipType = "CONTAINS"
        img.ValueType = "IMAGE"
        img.ConceptNameCodeSequence = [c.code("121080", "DCM", "Best illustration of finding")]
        ref = Dataset()
        ref.ReferencedSOPClassUID = image.SOPClassUID
        ref.ReferencedSOPInstanceUID = image.SOPInstanceUID
        img.ReferencedSOPSequence = [ref]
        items.append(img)
    ds.ContentSequence = items
    c.write(
        f"{E}/sr_basic_text_no_pixels.dcm",
        ds,
        None,
        U.ExplicitVRLittleEndian,
        desc="Basic Text SR: no Pixel Data",
        expect="no_pixels",
    )


def _nested_private(c: Corpus, study) -> None:
    se = c.series(study, "nested", 5, "OT", "NESTED SEQUENCES + PRIVATE TAGS")
    ds = c.base_ds(se, U.SecondaryCaptureImageStorage, 1)
    ds.ConversionType = "WSD"
    ramp = (np.add.outer(np.arange(64), np.arange(64)) * 32).astype(np.uint16)
    c.set_pixel_module(ds, ramp, "MONOCHROME2", 12)
    blk = ds.private_block(0x0009, "CORPUS_GEN PRIVATE 1.0", create=True)
    blk.add_new(0x01, "LO", "private long string")
    blk.add_new(0x02, "DS", "3.14159")
    blk.add_new(0x03, "UL", 0xDEADBEEF)
    blk.add_new(0x04, "OB", bytes(range(64)))
    blk.add_new(0x05, "UN", b"\x01\x02\x03\x04opaque vendor blob\x00\x00")
    ds.add_new(0x00191001, "LO", "orphan private element without creator")

    def nest(level, max_level=10) -> Dataset:
        it = Dataset()
        it.RelationshipType = "CONTAINS"
        it.ValueType = "CONTAINER" if level < max_level else "TEXT"
        it.ConceptNameCodeSequence = [c.code(f"L{level:02d}", "99CORPUS", f"Nesting level {level}")]
        b = it.private_block(0x0029, "CORPUS_GEN NESTED", create=True)
        b.add_new(0x10, "SH", f"depth{level}")
        if level < max_level:
            it.ContentSequence = [nest(level + 1, max_level)]
        else:
            it.TextValue = "deepest item"
        return it

    ds.ContentSequence = [nest(1)]
    psq = Dataset()
    psq.private_block(0x0009, "CORPUS_GEN PRIVATE 1.0", create=True).add_new(
        0x20, "LO", "inside private SQ"
    )
    blk.add_new(0x10, "SQ", [psq, nest(1, 3)])
    c.write(
        f"{E}/nested_sequences_private_tags.dcm",
        ds,
        ramp,
        U.ExplicitVRLittleEndian,
        desc="10-level nested ContentSequence, private SQ/OB/UN tags, orphan private tag",
    )
