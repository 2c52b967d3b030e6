"""The scan record of one file, and the rules both header readers share.

A scan reads every file with the lean byte-level reader of
:mod:`dcmview.sdk._headerscan`, which hands the files it has doubts about to the
pydicom reader of :mod:`dcmview.sdk._headerpydicom`. Both answer with a record
built here: a :class:`HeaderRecord` (the fields of
:class:`~dcmview.sdk.header.Header`, as a tuple) or a :class:`SkipRecord`. What
they keep, and how a value becomes a field, is decided here once: the tags a
Header holds, the text rules, the frame count, the default of an absent attribute.

Scan worker processes import this module, so it imports nothing but the standard
library (no pydicom, no numpy).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Final, Literal, NamedTuple, TypeAlias

__all__ = [
    "ExtraTag",
    "HeaderRecord",
    "SkipReason",
    "SkipRecord",
]

SkipReason = Literal["not_dicom", "parse_failed", "unreadable", "dicomdir", "not_a_file"]
"""Why a file is not listed (see :class:`dcmview.sdk.catalog.SkippedFile`)."""

ExtraTag: TypeAlias = tuple[int, str, str]
"""``(tag, keyword, dictionary VR)`` of a further attribute read for a filter."""


class HeaderRecord(NamedTuple):
    """The fields of a :class:`~dcmview.sdk.header.Header`, in order: ``Header(*record)``.

    A tuple is cheap to build in the reader's loop; a scan turns it into a Header
    when it lists the file. A test pins the fields against Header's.
    """

    path: str
    transfer_syntax_uid: str
    sop_class_uid: str
    sop_instance_uid: str
    patient_id: str
    patient_name: str
    study_instance_uid: str
    study_date: str
    study_description: str
    series_instance_uid: str
    series_description: str
    series_number: int | None
    modality: str
    instance_number: int | None
    rows: int
    columns: int
    number_of_frames: int
    samples_per_pixel: int
    photometric_interpretation: str
    bits_allocated: int
    has_pixels: bool
    image_position_patient: tuple[float, ...] | None
    image_orientation_patient: tuple[float, ...] | None
    window_center: float | None
    window_width: float | None
    burned_in_annotation: str
    pixel_spacing: tuple[float, ...] | None
    imager_pixel_spacing: tuple[float, ...] | None
    pixel_aspect_ratio: tuple[float, ...] | None
    has_modality_lut: bool
    has_voi_lut: bool
    cine_rate: float | None
    frame_time: float | None
    recommended_display_frame_rate: float | None
    image_laterality: str
    laterality: str
    view_position: str
    pixel_data_truncated: bool
    has_overlay_planes: bool
    extra: dict[str, str]


class SkipRecord(NamedTuple):
    """A file the readers do not list: ``SkippedFile(*record)``."""

    path: str
    reason: SkipReason
    detail: str


# What a field is when the file lacks the attribute: Header's defaults (a test pins them).
ABSENT: Final = HeaderRecord(
    path="",
    transfer_syntax_uid="",
    sop_class_uid="",
    sop_instance_uid="",
    patient_id="",
    patient_name="",
    study_instance_uid="",
    study_date="",
    study_description="",
    series_instance_uid="",
    series_description="",
    series_number=None,
    modality="",
    instance_number=None,
    rows=0,
    columns=0,
    number_of_frames=0,
    samples_per_pixel=1,
    photometric_interpretation="",
    bits_allocated=0,
    has_pixels=False,
    image_position_patient=None,
    image_orientation_patient=None,
    window_center=None,
    window_width=None,
    burned_in_annotation="",
    pixel_spacing=None,
    imager_pixel_spacing=None,
    pixel_aspect_ratio=None,
    has_modality_lut=False,
    has_voi_lut=False,
    cine_rate=None,
    frame_time=None,
    recommended_display_frame_rate=None,
    image_laterality="",
    laterality="",
    view_position="",
    pixel_data_truncated=False,
    has_overlay_planes=False,
    extra={},  # never used: every record is given its own
)
_FIELD_DEFAULTS: Final = tuple(zip(HeaderRecord._fields, ABSENT, strict=True))
_tuple_new: Final = tuple.__new__


def make_record(
    path: str, fields: dict[str, Any], has_pixels: bool, extra: dict[str, str]
) -> HeaderRecord:
    """Apply the rules both readers share to the fields a reader found.

    Parameters
    ----------
    path : str
        Absolute path of the file.
    fields : dict
        Field name -> value; an absent or None value takes the default.
    has_pixels : bool
        Whether the file has Pixel Data.
    extra : dict of str to str
        The filter keywords read (:attr:`Header.extra`).
    """
    frames = fields.get("number_of_frames")
    if not has_pixels:
        frames = 0
    elif frames is None or frames < 1:
        # PS3.3 C.7.6.6: absent Number of Frames means one frame.
        frames = 1
    fields["number_of_frames"] = frames
    fields["has_pixels"] = has_pixels
    fields["path"] = path
    fields["extra"] = extra
    out = []  # a loop: in Python 3.11 a comprehension costs a function call per file
    for name, default in _FIELD_DEFAULTS:
        value = fields.get(name)
        out.append(default if value is None else value)
    # HeaderRecord._make(out) without its call and length check: this runs once a file.
    return _tuple_new(HeaderRecord, out)


def dicomdir_skip(path: str) -> SkipRecord:
    """The skip record of a DICOMDIR."""
    return SkipRecord(
        path,
        "dicomdir",
        "a DICOMDIR (media directory); the files it lists are scanned as files",
    )


# -- what a Header keeps (PS3.3, PS3.5) ----------------------------------------------

# Tag -> (field, dictionary VR, how to convert: "str", "int", "float" or "floats").
FIELDS: Final[dict[int, tuple[str, str, str]]] = {
    0x00080016: ("sop_class_uid", "UI", "str"),
    0x00080018: ("sop_instance_uid", "UI", "str"),
    0x00080020: ("study_date", "DA", "str"),
    0x00080060: ("modality", "CS", "str"),
    0x00082144: ("recommended_display_frame_rate", "IS", "float"),
    0x00081030: ("study_description", "LO", "str"),
    0x0008103E: ("series_description", "LO", "str"),
    0x00100010: ("patient_name", "PN", "str"),
    0x00100020: ("patient_id", "LO", "str"),
    0x00180040: ("cine_rate", "IS", "float"),
    0x00181063: ("frame_time", "DS", "float"),
    0x00181164: ("imager_pixel_spacing", "DS", "floats"),
    0x00185101: ("view_position", "CS", "str"),
    0x0020000D: ("study_instance_uid", "UI", "str"),
    0x0020000E: ("series_instance_uid", "UI", "str"),
    0x00200011: ("series_number", "IS", "int"),
    0x00200013: ("instance_number", "IS", "int"),
    0x00200032: ("image_position_patient", "DS", "floats"),
    0x00200037: ("image_orientation_patient", "DS", "floats"),
    0x00200060: ("laterality", "CS", "str"),
    0x00200062: ("image_laterality", "CS", "str"),
    0x00280002: ("samples_per_pixel", "US", "int"),
    0x00280004: ("photometric_interpretation", "CS", "str"),
    0x00280008: ("number_of_frames", "IS", "int"),
    0x00280010: ("rows", "US", "int"),
    0x00280011: ("columns", "US", "int"),
    0x00280030: ("pixel_spacing", "DS", "floats"),
    0x00280034: ("pixel_aspect_ratio", "IS", "floats"),
    0x00280100: ("bits_allocated", "US", "int"),
    0x00280301: ("burned_in_annotation", "CS", "str"),
    0x00281050: ("window_center", "DS", "float"),
    0x00281051: ("window_width", "DS", "float"),
}
# Sequences a Header only notes the presence of (non-empty): they change how a frame
# is displayed (PS3.3 C.11.1 Modality LUT, C.11.2 VOI LUT) but are never read at scan time.
PRESENCE: Final[dict[int, str]] = {
    0x00283000: "has_modality_lut",
    0x00283010: "has_voi_lut",
}
PIXEL_TAGS: Final = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})

# Overlay Planes (PS3.3 C.9.2): one per even group 6000-601E. A scan notes three
# facts per group, without reading a bitmap: Overlay Rows is there (every overlay has
# it), Overlay Data (60xx,3000) is not empty, and Overlay Bits Allocated (60xx,0100)
# is over 1 (the retired encoding: the bits are in Pixel Data; PS3.5 2004 8.1.2).
OVERLAY_GROUPS: Final = tuple(range(0x6000, 0x6020, 2))
OVERLAY_ROWS: Final = 1
OVERLAY_DATA: Final = 2
OVERLAY_EMBEDDED: Final = 4
#: Tag -> the fact its presence (rows, data) or value (bits allocated) gives.
OVERLAY_TAGS: Final[dict[int, int]] = {
    group << 16 | element: fact
    for group in OVERLAY_GROUPS
    for element, fact in (
        (0x0010, OVERLAY_ROWS),
        (0x0100, OVERLAY_EMBEDDED),
        (0x3000, OVERLAY_DATA),
    )
}


def has_overlay_planes(facts: Iterable[int]) -> bool:
    """Whether an overlay group's facts (OR-ed ``OVERLAY_*`` bits) make a drawable overlay.

    The group needs Overlay Rows and a bitmap: non-empty Overlay Data, or bits
    embedded in Pixel Data. :func:`dcmview.sdk.overlay.read_overlays` reads the same
    groups (a group with rows and neither is an error there, and no overlay here).
    """
    return any(f & OVERLAY_ROWS and f & (OVERLAY_DATA | OVERLAY_EMBEDDED) for f in facts)


# PS3.3 C.7.6.16.2.1: in multi-frame functional-group IODs (Enhanced CT/MR, breast
# tomosynthesis, ...) Pixel Spacing lives in the Pixel Measures Sequence, usually in
# the Shared Functional Groups Sequence, instead of at the top level. Only files of
# these SOP Classes (PS3.4 B.5) are looked into that far: for the others the lean
# scan still jumps from group 0028 to Pixel Data.
FUNCTIONAL_GROUP_CLASSES: Final = frozenset(
    "1.2.840.10008.5.1.4.1.1." + suffix
    for suffix in (
        "2.1", "2.2", "4.1", "4.3", "4.4", "6.2", "6.3", "12.1.1", "12.2.1", "13.1.1",
        "13.1.2", "13.1.3", "13.1.4", "13.1.5", "14.1", "14.2", "30", "66.4", "66.7",
        "77.1.5.4", "77.1.6", "128.1", "130", "481.23", "481.24",
    )
)  # fmt: skip
SHARED_GROUPS_TAG: Final = 0x52009229
PIXEL_MEASURES_TAG: Final = 0x00289110
PIXEL_SPACING_TAG: Final = 0x00280030

IMPLICIT_LE: Final = "1.2.840.10008.1.2"
EXPLICIT_LE: Final = "1.2.840.10008.1.2.1"
EXPLICIT_BE: Final = "1.2.840.10008.1.2.2"
DICOMDIR_CLASS: Final = "1.2.840.10008.1.3.10"


def wants_shared_spacing(fields: dict[str, Any]) -> bool:
    """Whether to look for Pixel Spacing in the Shared Functional Groups."""
    return (
        fields.get("pixel_spacing") is None
        and fields.get("sop_class_uid") in FUNCTIONAL_GROUP_CLASSES
    )


# -- text rules ---------------------------------------------------------------------

STRIP: Final = " \x00\t\r\n"


def join_values(values: Iterable[str]) -> str:
    """Stripped values joined with a backslash, the multi-value separator (PS3.5 6.4)."""
    return "\\".join(v.strip(STRIP) for v in values)


def parse_floats(text: str) -> tuple[float, ...] | None:
    """The numbers of a backslash-separated DS or IS value, None when it is empty."""
    parts = [p.strip(STRIP) for p in text.split("\\")]
    if not text.strip(STRIP):
        return None
    return tuple(float(p) for p in parts)


# -- reading bytes at an offset -------------------------------------------------------

_HAS_PREAD: Final = hasattr(os, "pread")


def pread(fd: int, n: int, offset: int) -> bytes:
    """os.pread where it exists (POSIX); seek and read elsewhere (the fd is ours alone)."""
    if _HAS_PREAD:
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, n)


# PS3.5 A.4: encapsulated Pixel Data is a sequence of items (FFFE,E000), each with an
# explicit length, closed by a Sequence Delimitation Item (FFFE,E0DD) of length 0.
_ITEM: Final = b"\xfe\xff\x00\xe0"
_SEQUENCE_END: Final = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
# Item headers read at most: a scan must not walk a file of a million tiny fragments.
MAX_ITEMS_WALKED: Final = 4096


def encapsulated_truncated(fd: int, start: int, size: int) -> bool:
    """Whether encapsulated Pixel Data whose first item starts at `start` is cut short.

    A file whose last 8 bytes are the Sequence Delimitation Item is whole (one read,
    the usual case). Otherwise the item headers are walked, at most
    :data:`MAX_ITEMS_WALKED`: True when an item runs past the end of the file, or the
    file ends before the delimiter; False when the delimiter is found, or on anything
    unexpected (decoding will say what is wrong).
    """
    if size - start >= 8 and pread(fd, 8, size - 8) == _SEQUENCE_END:
        return False
    pos = start
    for _ in range(MAX_ITEMS_WALKED):
        head = pread(fd, 8, pos)
        if len(head) < 8:
            return True  # the file ends where an item or the delimiter should be
        if head == _SEQUENCE_END:
            return False
        if head[:4] != _ITEM:
            return False
        pos += 8 + int.from_bytes(head[4:], "little")
        if pos > size:
            return True
    return False
