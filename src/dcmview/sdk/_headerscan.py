"""Lean header reader: the scan-time :class:`Header` of one file, straight from its bytes.

:func:`read_header` is what :func:`dcmview.sdk.catalog.scan` runs for every file.
It reads the first chunk of a Part 10 file in one system call and walks the
data elements with :mod:`struct`, keeping only the few attributes a
:class:`Header` holds (plus the keywords a filter asks for). Values it does not
need are stepped over without being read: a defined-length value or sequence in
one step, an undefined-length sequence item by item. It stops at Pixel Data.

Anything unusual goes to pydicom instead (:func:`record_from_pydicom`): Explicit
VR Big Endian, Deflated, files without a preamble or File Meta Information, a
character set other than the default, Latin-1 or UTF-8, and any doubt about the
encoding (a VR that is not the dictionary's, a value that does not parse). So
the lean path only ever answers where it agrees with pydicom, and
:func:`header_from_dataset` is both the fallback and the reference the tests
compare it with.

Scan worker processes run this file as a script (``python _headerscan.py``,
see :func:`_worker_main`), so it imports nothing from dcmview at module level
and neither pydicom nor numpy: a worker starts in tens of milliseconds and pays
for pydicom only when a file needs it. Results cross the process boundary as
plain tuples: a :data:`Record` is the positional arguments of :class:`Header`,
a :data:`SkipRecord` is ``(path, reason, detail)``.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, TypeAlias

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from dcmview.sdk.header import Header

__all__ = [
    "HEADER_FIELDS",
    "ExtraTag",
    "Record",
    "SkipRecord",
    "header_from_dataset",
    "read_record",
    "scan_records",
]

Record: TypeAlias = tuple[Any, ...]
"""The positional arguments of :class:`Header` (``Header(*record)``)."""
SkipRecord: TypeAlias = tuple[str, str, str]
"""``(path, reason, detail)`` of a file that is not listed."""
ExtraTag: TypeAlias = tuple[int, str, str]
"""``(tag, keyword, dictionary VR)`` of a further attribute read for a filter."""

# Header's fields in order, with their defaults (a test pins this against Header).
HEADER_FIELDS: Final[tuple[tuple[str, Any], ...]] = (
    ("path", ""),
    ("transfer_syntax_uid", ""),
    ("sop_class_uid", ""),
    ("sop_instance_uid", ""),
    ("patient_id", ""),
    ("patient_name", ""),
    ("study_instance_uid", ""),
    ("study_date", ""),
    ("study_description", ""),
    ("series_instance_uid", ""),
    ("series_description", ""),
    ("series_number", None),
    ("modality", ""),
    ("instance_number", None),
    ("rows", 0),
    ("columns", 0),
    ("number_of_frames", 0),
    ("samples_per_pixel", 1),
    ("photometric_interpretation", ""),
    ("bits_allocated", 0),
    ("has_pixels", False),
    ("image_position_patient", None),
    ("image_orientation_patient", None),
    ("window_center", None),
    ("window_width", None),
    ("burned_in_annotation", ""),
    ("pixel_spacing", None),
    ("imager_pixel_spacing", None),
    ("pixel_aspect_ratio", None),
    ("has_modality_lut", False),
    ("has_voi_lut", False),
    ("extra", None),
)


def _dicomdir_skip(path: str) -> SkipRecord:
    return (
        path,
        "dicomdir",
        "a DICOMDIR (media directory); the files it lists are scanned as files",
    )


# O_BINARY: Windows would otherwise translate line ends in the bytes read.
# O_NONBLOCK: a FIFO put in a file's place opens at once (and reads as empty)
# instead of waiting for a writer forever; no effect on regular files.
_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


def _pread(fd: int, n: int, offset: int) -> bytes:
    """os.pread where it exists (POSIX); seek and read elsewhere (the fd is ours alone)."""
    if _HAS_PREAD:
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, n)


_HAS_PREAD: Final = hasattr(os, "pread")

#: A Deflated Explicit VR Little Endian data set (PS3.5 A.5) cannot be seeked
#: into: pydicom inflates it whole, and the SDK keeps its Pixel Data in memory.
#: One larger than this once inflated is refused before it is inflated (a 255 KiB
#: file of blank frames made pydicom use 1.4 GiB; issue 7).
MAX_INFLATED_BYTES: Final = 256 << 20
_DEFLATED_UID: Final = b"1.2.840.10008.1.2.1.99"


def deflate_bomb(fd: int, limit: int = MAX_INFLATED_BYTES) -> str | None:
    """Say why a deflated file must not be inflated, or None (also for other files).

    The deflate stream after the File Meta Information is inflated in 1 MiB
    steps and thrown away, so at most `limit` bytes are produced and none kept.
    """
    head = _pread(fd, 144, 0)
    # PS3.10 7.1: preamble, "DICM", then (0002,0000) File Meta Information Group Length (UL).
    if len(head) < 144 or head[128:136] != b"DICM\x02\x00\x00\x00" or head[136:138] != b"UL":
        return None
    (group_length,) = struct.unpack("<L", head[140:144])
    meta_end = 144 + group_length
    if _DEFLATED_UID not in _pread(fd, min(group_length, 1 << 16), 144):
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total, offset = 0, meta_end
    while not inflater.eof:
        data = _pread(fd, 1 << 20, offset)
        if not data:
            break
        offset += len(data)
        while data and not inflater.eof:
            try:
                total += len(inflater.decompress(data, 1 << 20))
            except zlib.error:
                return None  # corrupt: pydicom says so in its own words
            if total > limit:
                return (
                    f"the deflated data set inflates to more than {limit >> 20} MiB, "
                    f"the limit for a data set that must be inflated whole (PS3.5 A.5)"
                )
            data = inflater.unconsumed_tail
    return None


class _Doubt(Exception):
    """The lean walk met something it does not handle: let pydicom read the file."""


class _Truncated(Exception):
    """The file ends inside a data element before Pixel Data (pydicom would not say)."""


# -- encoding facts (PS3.5) ---------------------------------------------------

_CHUNK: Final = 16384
_PIXEL_TAGS: Final = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
_ITEM: Final = 0xFFFEE000
_ITEM_END: Final = 0xFFFEE00D
_SEQ_END: Final = 0xFFFEE0DD
_UNDEFINED: Final = 0xFFFFFFFF
_MAX_DEPTH: Final = 64
# PS3.5 7.1.2: these VRs have a 2-byte reserved field and a 4-byte length.
_LONG_VRS: Final = frozenset(
    {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
)
_ALL_VRS: Final = _LONG_VRS | frozenset(
    {
        b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT",
        b"PN", b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US",
    }
)  # fmt: skip
# PS3.5 6.1.2.3: only these VRs are decoded with the Specific Character Set.
_TEXT_VRS: Final = frozenset({"SH", "LO", "ST", "LT", "UC", "UT", "PN"})
_STRING_VRS: Final = _TEXT_VRS | frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI", "UR"}
)
_NUMBER_FORMATS: Final = {
    "US": "H", "SS": "h", "UL": "I", "SL": "i", "FL": "f", "FD": "d", "SV": "q", "UV": "Q",
}  # fmt: skip
# Character sets the lean path decodes itself (PS3.3 C.12.1.1.2); others go to pydicom.
# pydicom decodes an absent or default character set as ISO 8859-1, and so does this.
_CODECS: Final = {
    "": "latin_1",
    "ISO_IR 6": "latin_1",
    "ISO_IR 100": "latin_1",
    "ISO_IR 192": "utf_8",
}
# PS3.5 A.4 and the "Explicit VR Little Endian" family: every transfer syntax
# whose data set is Explicit VR Little Endian, without deflate. The encapsulated
# ones (JPEG, JPEG-LS, JPEG 2000, RLE, HTJ2K, MPEG, ...) differ only in Pixel Data.
_EXPLICIT_LE_PREFIXES: Final = ("1.2.840.10008.1.2.4.", "1.2.840.10008.1.2.5")
_IMPLICIT_LE: Final = "1.2.840.10008.1.2"
_EXPLICIT_LE: Final = "1.2.840.10008.1.2.1"
_EXPLICIT_BE: Final = "1.2.840.10008.1.2.2"
_DICOMDIR_CLASS: Final = "1.2.840.10008.1.3.10"
# The group a data set without preamble may start with, in either byte order:
# the meta group, or the first groups of a data set (identification, patient, ...).
_FIRST_GROUPS: Final = frozenset(
    g.to_bytes(2, order)
    for g in (0x02, 0x08, 0x10, 0x18, 0x20, 0x28)
    for order in ("little", "big")
)

# What a Header keeps: tag -> (attribute, dictionary VR, how to convert).
_FIELDS: Final[dict[int, tuple[str, str, str]]] = {
    0x00080016: ("sop_class_uid", "UI", "str"),
    0x00080018: ("sop_instance_uid", "UI", "str"),
    0x00080020: ("study_date", "DA", "str"),
    0x00080060: ("modality", "CS", "str"),
    0x00081030: ("study_description", "LO", "str"),
    0x0008103E: ("series_description", "LO", "str"),
    0x00100010: ("patient_name", "PN", "str"),
    0x00100020: ("patient_id", "LO", "str"),
    0x00181164: ("imager_pixel_spacing", "DS", "floats"),
    0x0020000D: ("study_instance_uid", "UI", "str"),
    0x0020000E: ("series_instance_uid", "UI", "str"),
    0x00200011: ("series_number", "IS", "int"),
    0x00200013: ("instance_number", "IS", "int"),
    0x00200032: ("image_position_patient", "DS", "floats"),
    0x00200037: ("image_orientation_patient", "DS", "floats"),
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
_PRESENCE: Final[dict[int, str]] = {
    0x00283000: "has_modality_lut",
    0x00283010: "has_voi_lut",
}
# PS3.3 C.7.6.16.2.1: in multi-frame functional-group IODs (Enhanced CT/MR, breast
# tomosynthesis, ...) Pixel Spacing lives in the Pixel Measures Sequence, usually in
# the Shared Functional Groups Sequence, instead of at the top level. Only files of
# these SOP Classes (PS3.4 B.5) are walked that far: for the others the scan still
# jumps from group 0028 to Pixel Data.
_FUNCTIONAL_GROUP_CLASSES: Final = frozenset(
    "1.2.840.10008.5.1.4.1.1." + suffix
    for suffix in (
        "2.1", "2.2", "4.1", "4.3", "4.4", "6.2", "6.3", "12.1.1", "12.2.1", "13.1.1",
        "13.1.2", "13.1.3", "13.1.4", "13.1.5", "14.1", "14.2", "30", "66.4", "66.7",
        "77.1.5.4", "77.1.6", "128.1", "130", "481.23", "481.24",
    )
)  # fmt: skip
_SHARED_GROUPS_TAG: Final = 0x52009229
_PIXEL_MEASURES_TAG: Final = 0x00289110
_PIXEL_SPACING_TAG: Final = 0x00280030
_CHARSET_TAG: Final = 0x00080005
_TS_TAG: Final = 0x00020010
_MEDIA_CLASS_TAG: Final = 0x00020002

_TAG_VR_LEN16 = struct.Struct("<HH2sH")
_TAG_LEN32 = struct.Struct("<HHI")
_U32 = struct.Struct("<I")


# -- text rules shared by both paths -----------------------------------------

_STRIP: Final = " \x00\t\r\n"


def _join(values: Iterable[str]) -> str:
    return "\\".join(v.strip(_STRIP) for v in values)


def _floats(text: str) -> tuple[float, ...] | None:
    parts = [p.strip(_STRIP) for p in text.split("\\")]
    if not text.strip(_STRIP):
        return None
    return tuple(float(p) for p in parts)


def _record(path: str, fields: dict[str, Any], has_pixels: bool, extra: dict[str, str]) -> Record:
    """Apply the rules both paths share and return Header's positional arguments."""
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
    out = []
    for name, default in HEADER_FIELDS:
        value = fields.get(name)
        out.append(default if value is None else value)
    return tuple(out)


# -- the lean path ------------------------------------------------------------


def read_record(path: str, extra: tuple[ExtraTag, ...] = ()) -> Record | SkipRecord:
    """Read the scan-time attributes of one file, or say why it is skipped.

    Never raises for a file's content: what cannot be read is a skip record.

    Parameters
    ----------
    path : str
        Absolute path of the file.
    extra : tuple of ExtraTag
        Further top-level attributes to keep in :attr:`Header.extra` (for filters).

    Returns
    -------
    Record or SkipRecord
        ``Header(*record)``, or ``(path, reason, detail)`` with reason
        ``not_dicom``, ``parse_failed``, ``unreadable`` or ``dicomdir``.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return (path, "unreadable", f"cannot open: {exc.strerror or exc}")
    try:
        try:
            buf = os.read(fd, _CHUNK)
        except OSError as exc:
            return (path, "unreadable", f"cannot read: {exc.strerror or exc}")
        if not buf:
            return (path, "not_dicom", "empty file (0 bytes)")
        if len(buf) < 132 or buf[128:132] != b"DICM":
            return _read_without_preamble(path, buf, extra)
        try:
            return _lean(fd, buf, path, extra)
        except _Truncated:
            # pydicom reads what is there without a word; a viewer should say so.
            size = os.fstat(fd).st_size
            return (
                path,
                "parse_failed",
                f"header truncated: the file ends at byte {size}, inside a data element "
                "before Pixel Data",
            )
        except (_Doubt, struct.error, UnicodeDecodeError, ValueError, OSError):
            pass  # pydicom decides below
    finally:
        os.close(fd)
    return record_from_pydicom(path, extra)


def read_header(path: str, extra: tuple[ExtraTag, ...] = ()) -> Header | SkipRecord:
    """:func:`read_record` as a :class:`Header` (a skip record stays a tuple)."""
    from dcmview.sdk.header import Header

    rec = read_record(path, extra)
    return rec if len(rec) == 3 else Header(*rec)


def scan_records(paths: list[str], extra: tuple[ExtraTag, ...] = ()) -> list[Record | SkipRecord]:
    """:func:`read_record` for each path, in order (the unit of work of a worker)."""
    return [read_record(p, extra) for p in paths]


def _read_without_preamble(
    path: str, buf: bytes, extra: tuple[ExtraTag, ...]
) -> Record | SkipRecord:
    # PS3.10 7.1 requires the preamble and "DICM", but files written without them
    # (raw data sets, with or without group 0002) are common. pydicom reads them
    # with force=True; first make sure the bytes look like a data set at all, so
    # that a log, CSV or HTML page is rejected without parsing it.
    if len(buf) < 8:
        return (path, "not_dicom", f"no DICM prefix and too short for DICOM ({len(buf)} bytes)")
    if buf[:2] not in _FIRST_GROUPS:
        return (path, "not_dicom", "no DICM prefix and no DICOM data set at the start")
    return record_from_pydicom(path, extra, no_preamble=True)


class _Window:
    """A window of file bytes: ``buf`` holds the file from offset ``base`` on."""

    __slots__ = ("base", "buf", "fd", "size")

    def __init__(self, fd: int, buf: bytes) -> None:
        self.fd = fd
        self.buf = buf
        self.base = 0
        self.size = os.fstat(fd).st_size

    def ensure(self, pos: int, n: int) -> int:
        """Make buf hold file bytes pos..pos+n; return pos's offset in buf (or raise _Doubt)."""
        base, buf = self.base, self.buf
        end = base + len(buf)
        if pos >= base and pos + n <= end:
            return pos - base
        if pos + n > self.size:
            # A length field past the end of the file (corrupt, or 0xFFFFFFFF): never
            # ask os.pread for gigabytes it would allocate before reading.
            raise _Truncated()
        if base <= pos <= end:
            # Keep the unread tail, append the next chunk in one read.
            buf = buf[pos - base :] + _pread(self.fd, max(pos + n - end, _CHUNK), end)
        else:
            buf = _pread(self.fd, max(n, _CHUNK), pos)
        self.buf, self.base = buf, pos
        if len(buf) < n:
            raise _Truncated()
        return 0

    def at_end(self, pos: int) -> bool:
        return pos == os.fstat(self.fd).st_size


def _swap(tag: int) -> int:
    """(gggg,eeee) as the little-endian uint32 its 4 bytes read as: eeeegggg."""
    return (tag >> 16) | (tag & 0xFFFF) << 16


_SW_FIELDS: Final = {_swap(t): v for t, v in _FIELDS.items()}
_SW_PIXEL: Final = frozenset(_swap(t) for t in _PIXEL_TAGS)
_SW_CHARSET: Final = _swap(_CHARSET_TAG)
_SW_PRESENCE: Final = {_swap(t): attr for t, attr in _PRESENCE.items()}
_SW_SHARED_GROUPS: Final = _swap(_SHARED_GROUPS_TAG)
_SW_SEQUENCES: Final = frozenset(_SW_PRESENCE) | {_SW_SHARED_GROUPS}
_SW_INTERESTING: Final = frozenset(_SW_FIELDS) | _SW_PIXEL | {_SW_CHARSET} | _SW_SEQUENCES
_SW_TVL = struct.Struct("<I2sH")
# Explicit VR element header size by VR (PS3.5 7.1.2); an unknown VR is 0.
_VR_HEADER: Final = {vr: 12 if vr in _LONG_VRS else 8 for vr in _ALL_VRS}
_SW_TL = struct.Struct("<II")


def _lean(fd: int, buf: bytes, path: str, extra: tuple[ExtraTag, ...]) -> Record | SkipRecord:
    """Walk a Part 10 file with preamble; raise _Doubt for anything unusual."""
    win = _Window(fd, buf)
    ensure = win.ensure

    # -- File Meta Information (PS3.10 7.1): always Explicit VR Little Endian.
    pos = 132
    ts = ""
    wanted_extra = {_swap(e[0]): e for e in extra}
    extra_values: dict[str, str] = {}
    while True:
        if win.base or pos + 12 > len(win.buf):  # rare: the meta group beyond the first read
            try:
                off = ensure(pos, 8)
            except _Truncated:
                if win.at_end(pos):
                    break  # nothing after the meta information
                raise
            if len(win.buf) - off < 12:
                off = ensure(pos, min(12, len(win.buf) - off))
        else:
            off = pos
        buf = win.buf
        group, elem, vr, length = _TAG_VR_LEN16.unpack_from(buf, off)
        if group != 0x0002:
            break
        hdr = _VR_HEADER.get(vr, 0)
        if hdr == 12:
            length = _U32.unpack_from(buf, off + 8)[0]
        elif not hdr:
            raise _Doubt("bad VR in file meta")
        if length == _UNDEFINED:
            raise _Doubt("undefined length in file meta")
        tag = 0x00020000 | elem
        sw = _swap(tag) if wanted_extra else 0
        if tag in (_TS_TAG, _MEDIA_CLASS_TAG) or sw in wanted_extra:
            off = ensure(pos + hdr, length)
            raw = win.buf[off : off + length]
            if tag == _TS_TAG:
                ts = raw.decode("latin_1").strip(_STRIP)
            elif tag == _MEDIA_CLASS_TAG and raw.decode("latin_1").strip(_STRIP) == _DICOMDIR_CLASS:
                return _dicomdir_skip(path)
            if sw in wanted_extra:
                extra_values[wanted_extra[sw][1]] = _extra_text(raw, vr.decode(), "latin_1")
        pos += hdr + length

    if ts == _IMPLICIT_LE:
        implicit = True
    elif ts == _EXPLICIT_LE or ts.startswith(_EXPLICIT_LE_PREFIXES):
        implicit = False
    else:
        # Big endian, deflated, private or absent syntax: pydicom's business.
        raise _Doubt(f"transfer syntax {ts!r}")

    # -- the data set, top level only. This loop is the cost of a scan: it runs
    # once per element, so it works on local names and buffer offsets, and
    # compares tags as the uint32 their bytes read as (no shifting per element).
    fields: dict[str, Any] = {"transfer_syntax_uid": ts}
    codec = "latin_1"
    has_pixels = False
    interesting = _SW_INTERESTING | frozenset(wanted_extra) if wanted_extra else _SW_INTERESTING
    unpack_tvl, unpack_tl, unpack_u32 = _SW_TVL.unpack_from, _SW_TL.unpack_from, _U32.unpack_from
    vr_header, undefined = _VR_HEADER, _UNDEFINED
    # Past this group only Pixel Data is left to find (see _pixel_data_ahead).
    last_group = max([0x0028, *(e[0] >> 16 for e in extra)])
    data, base = win.buf, win.base
    off = pos - base
    n = len(data)
    while True:
        if off + 12 > n:
            # Near the end of the window: move it (or meet the end of the file).
            pos = base + off
            try:
                off = ensure(pos, 8)
            except _Truncated:
                if win.at_end(pos):
                    break  # a data set without Pixel Data (an SR, say)
                raise
            if len(win.buf) - off < 12:
                off = ensure(pos, min(12, len(win.buf) - off))
            data, base = win.buf, win.base
            n = len(data)
        if implicit:
            tagsw, length = unpack_tl(data, off)
            hdr = 8
            vr = b""
        else:
            tagsw, vr, length = unpack_tvl(data, off)
            hdr = vr_header.get(vr, 0)
            if hdr == 12:
                length = unpack_u32(data, off + 8)[0]
            elif not hdr:
                raise _Doubt(f"bad VR {vr!r}")
        if tagsw in interesting:
            if tagsw in _SW_SEQUENCES:
                # Read what is needed inside, then step over the sequence like any other.
                if not implicit and vr not in (b"SQ", b"UN"):
                    raise _Doubt(f"a sequence with VR {vr!r}")
                pos = base + off
                inner_implicit = implicit or vr == b"UN"  # PS3.5 6.2.2
                if tagsw == _SW_SHARED_GROUPS:
                    if _wants_shared_spacing(fields):
                        fields["pixel_spacing"] = _shared_pixel_spacing(
                            win, pos + hdr, length, inner_implicit
                        )
                else:
                    fields[_SW_PRESENCE[tagsw]] = _has_items(win, pos + hdr, length)
                if tagsw in wanted_extra:
                    extra_values[wanted_extra[tagsw][1]] = ""  # a sequence has no filter text
                off = ensure(pos, hdr)
                data, base = win.buf, win.base
                n = len(data)
            else:
                if tagsw in _SW_PIXEL:
                    has_pixels = True
                    break
                if length == undefined:
                    raise _Doubt("undefined length where a value is expected")
                start = off + hdr
                if start + length > n:
                    start = ensure(base + start, length)
                    data, base = win.buf, win.base
                    n = len(data)
                raw = data[start : start + length]
                off = start + length
                if tagsw == _SW_CHARSET:
                    charset = _join(raw.decode("latin_1").split("\\"))
                    if charset not in _CODECS:
                        raise _Doubt(f"character set {charset!r}")
                    codec = _CODECS[charset]
                field = _SW_FIELDS.get(tagsw)
                if field is not None:
                    attr, dict_vr, kind = field
                    if vr and vr.decode() != dict_vr:
                        raise _Doubt(f"{attr} has VR {vr!r}")
                    fields[attr] = _convert(raw, dict_vr, kind, codec)
                if tagsw in wanted_extra:
                    _, keyword, dict_vr = wanted_extra[tagsw]
                    extra_values[keyword] = _extra_text(raw, vr.decode() if vr else dict_vr, codec)
                continue
        if tagsw & 0xFFFF > last_group:
            group = tagsw & 0xFFFF
            if group >= 0x7FE0 and (group > 0x7FE0 or tagsw >> 16 > 0x0010):
                if group == 0xFFFE:
                    raise _Doubt("an item tag at the top level")
                break  # past Pixel Data: trailing padding (FFFC,FFFC) and the like
            if last_group < 0x7FE0:
                if group < 0x5200 and last_group < 0x5200 and _wants_shared_spacing(fields):
                    last_group = 0x5200  # walk on to the Shared Functional Groups first
                elif _pixel_data_ahead(win, data, base, off, fields, implicit):
                    has_pixels = True
                    break
                else:
                    last_group = 0x7FE0  # not found: walk on, and do not look again
        if length == undefined:
            # A sequence (or, in explicit VR, UN holding an implicit VR sequence: PS3.5 6.2.2).
            if not implicit and vr not in (b"SQ", b"UN"):
                raise _Doubt("undefined length outside a sequence")
            pos = _skip_sequence(win, base + off + hdr, implicit or vr == b"UN", 0)
            data, base = win.buf, win.base
            n = len(data)
            off = pos - base
        else:
            off += hdr + length

    if fields.get("sop_class_uid") == _DICOMDIR_CLASS:
        return _dicomdir_skip(path)
    return _record(path, fields, has_pixels, extra_values)


def _pixel_data_ahead(
    win: _Window, data: bytes, base: int, off: int, fields: dict[str, Any], implicit: bool
) -> bool:
    """Whether native Pixel Data surely follows, found without walking the elements between.

    Once every wanted attribute is read, the elements left before Pixel Data
    (private groups, often a fifth of a header) only need stepping over. If the
    buffer holds the header of a Pixel Data element whose length is exactly
    what Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames
    give (PS3.5 8.1.1) and whose value ends exactly at the end of the file (or
    at a Data Set Trailing Padding element that does), it is the top-level
    Pixel Data: two independent facts that a value inside another element
    does not meet. Otherwise the caller walks on.
    """
    rows, columns = fields.get("rows"), fields.get("columns")
    bits = fields.get("bits_allocated")
    if not rows or not columns or not bits or bits % 8:
        return False
    length = rows * columns * (fields.get("samples_per_pixel") or 1) * (bits // 8)
    length *= fields.get("number_of_frames") or 1
    length += length & 1  # PS3.5 7.1.1: values have an even length
    size = os.fstat(win.fd).st_size
    k = data.find(b"\xe0\x7f\x10\x00", off)
    while k != -1 and k + 12 <= len(data):
        if implicit:
            hdr, ok = 8, _U32.unpack_from(data, k + 4)[0] == length
        else:
            ok = data[k + 4 : k + 8] in (b"OW\x00\x00", b"OB\x00\x00")
            hdr, ok = 12, ok and _U32.unpack_from(data, k + 8)[0] == length
        end = base + k + hdr + length
        if ok and (end == size or _padding_to_end(win.fd, end, size, implicit=implicit)):
            return True
        k = data.find(b"\xe0\x7f\x10\x00", k + 1)
    return False


def _padding_to_end(fd: int, pos: int, size: int, *, implicit: bool) -> bool:
    """Whether a Data Set Trailing Padding element (FFFC,FFFC) runs from `pos` to `size`."""
    head = _pread(fd, 12, pos)
    if len(head) < 8 or head[:4] != b"\xfc\xff\xfc\xff":
        return False
    end: int = pos + 8 + _U32.unpack_from(head, 4)[0] if implicit else -1
    if not implicit and len(head) == 12:
        end = pos + 12 + _U32.unpack_from(head, 8)[0]
    return end == size


def _wants_shared_spacing(fields: dict[str, Any]) -> bool:
    """Whether to look for Pixel Spacing in the Shared Functional Groups."""
    return (
        fields.get("pixel_spacing") is None
        and fields.get("sop_class_uid") in _FUNCTIONAL_GROUP_CLASSES
    )


def _has_items(win: _Window, pos: int, length: int) -> bool:
    """Whether the sequence whose value starts at `pos` holds at least one item."""
    if length != _UNDEFINED:
        return length > 0
    off = win.ensure(pos, 4)
    return bool(win.buf[off : off + 4] != b"\xfe\xff\xdd\xe0")  # not at once a delimiter


def _first_item(win: _Window, pos: int, length: int) -> tuple[int, int | None] | None:
    """(start, end or None when undefined) of the first item of a sequence value at `pos`."""
    if length == 0:
        return None
    off = win.ensure(pos, 8)
    group, elem, item_length = _TAG_LEN32.unpack_from(win.buf, off)
    tag = group << 16 | elem
    if tag == _SEQ_END:
        return None
    if tag != _ITEM:
        raise _Doubt("no item in a sequence")
    return pos + 8, None if item_length == _UNDEFINED else pos + 8 + item_length


def _find_in_item(
    win: _Window, item: tuple[int, int | None], wanted: int, implicit: bool
) -> tuple[int, int, bytes] | None:
    """(value offset, length, VR) of element `wanted` among an item's elements, or None."""
    pos, end = item
    while end is None or pos < end:
        off = win.ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(win.buf, off)
        tag = group << 16 | elem
        if tag == _ITEM_END:
            return None
        hdr, vr = 8, b""
        if not implicit:
            _, _, vr, length = _TAG_VR_LEN16.unpack_from(win.buf, off)
            if vr in _LONG_VRS:
                off = win.ensure(pos, 12)
                length = _U32.unpack_from(win.buf, off + 8)[0]
                hdr = 12
            elif vr not in _ALL_VRS:
                raise _Doubt(f"bad VR {vr!r} in an item")
        if tag == wanted:
            return pos + hdr, length, vr
        pos += hdr
        if length == _UNDEFINED:
            pos = _skip_sequence(win, pos, implicit or vr == b"UN", 1)
        else:
            pos += length
    return None


def _shared_pixel_spacing(
    win: _Window, pos: int, length: int, implicit: bool
) -> tuple[float, ...] | None:
    """Pixel Spacing in the Pixel Measures Sequence of the Shared Functional Groups.

    `pos` and `length` are those of the Shared Functional Groups Sequence value.
    """
    item = _first_item(win, pos, length)
    if item is None:
        return None
    measures = _find_in_item(win, item, _PIXEL_MEASURES_TAG, implicit)
    if measures is None:
        return None
    if measures[2] not in (b"", b"SQ"):
        raise _Doubt(f"Pixel Measures Sequence with VR {measures[2]!r}")
    item = _first_item(win, measures[0], measures[1])
    if item is None:
        return None
    spacing = _find_in_item(win, item, _PIXEL_SPACING_TAG, implicit)
    if spacing is None:
        return None
    value_pos, value_length, vr = spacing
    if vr not in (b"", b"DS") or value_length == _UNDEFINED:
        raise _Doubt("Pixel Spacing in the functional groups is not DS")
    off = win.ensure(value_pos, value_length)
    return _floats(win.buf[off : off + value_length].decode("latin_1"))


def _skip_sequence(win: _Window, pos: int, implicit: bool, depth: int) -> int:
    """Step over an undefined-length sequence starting at `pos`; return the offset after it."""
    if depth > _MAX_DEPTH:
        raise _Doubt("sequences nested too deep")
    ensure = win.ensure
    while True:
        off = ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(win.buf, off)
        tag = group << 16 | elem
        pos += 8
        if tag == _SEQ_END:
            return pos
        if tag != _ITEM:
            raise _Doubt("no item in a sequence")
        if length != _UNDEFINED:
            pos += length
            continue
        # An undefined-length item: walk its elements to the Item Delimitation Item.
        while True:
            off = ensure(pos, 8)
            buf = win.buf
            hdr = 8
            vr = b""
            if implicit:
                group, elem, length = _TAG_LEN32.unpack_from(buf, off)
            else:
                group, elem, vr, length = _TAG_VR_LEN16.unpack_from(buf, off)
                if vr in _LONG_VRS:
                    off = ensure(pos, 12)
                    length = _U32.unpack_from(win.buf, off + 8)[0]
                    hdr = 12
                elif (group << 16 | elem) != _ITEM_END and vr not in _ALL_VRS:
                    raise _Doubt(f"bad VR {vr!r} in an item")
            tag = group << 16 | elem
            if tag == _ITEM_END:
                pos += 8
                break
            pos += hdr
            if length == _UNDEFINED:
                pos = _skip_sequence(win, pos, implicit or vr == b"UN", depth + 1)
            else:
                pos += length


def _convert(raw: bytes, vr: str, kind: str, codec: str) -> Any:
    """Convert one Header value from its bytes; raise ValueError/_Doubt when unsure."""
    if vr == "US":
        if len(raw) == 0:
            return None
        if len(raw) != 2:
            raise _Doubt("US with several values")
        return raw[0] | raw[1] << 8
    text = raw.decode(codec if vr in _TEXT_VRS else "latin_1")
    if kind == "str":
        return _join(text.split("\\")) if "\\" in text else text.strip(_STRIP)
    if kind == "floats":
        return _floats(text)
    # The first value: Window Center may hold several (PS3.3 C.11.2.1.2).
    stripped = text.split("\\", 1)[0].strip(_STRIP)
    if not stripped:
        return None
    if kind == "int":
        return int(stripped)
    return float(stripped)


def _extra_text(raw: bytes, vr: str, codec: str) -> str:
    """The filter text of a further attribute: values joined with a backslash."""
    if vr in _STRING_VRS:
        return _join(raw.decode(codec if vr in _TEXT_VRS else "latin_1").split("\\"))
    fmt = _NUMBER_FORMATS.get(vr)
    if fmt is None:
        return ""
    size = struct.calcsize(fmt)
    if len(raw) % size:
        raise _Doubt(f"{vr} value of {len(raw)} bytes")
    values = struct.unpack(f"<{len(raw) // size}{fmt}", raw)
    return "\\".join(str(v) for v in values)


# -- the pydicom path ---------------------------------------------------------


def record_from_pydicom(
    path: str, extra: tuple[ExtraTag, ...] = (), *, no_preamble: bool = False
) -> Record | SkipRecord:
    """Read a file's header with pydicom (force=True, stopping at Pixel Data).

    Parameters
    ----------
    path : str
        Absolute path of the file.
    extra : tuple of ExtraTag
        Further attributes to keep in :attr:`Header.extra`.
    no_preamble : bool
        The file has no preamble: unless pydicom finds a SOP Class/Instance UID
        or Pixel Data in it, it is ``not_dicom`` rather than ``parse_failed``.

    Returns
    -------
    Record or SkipRecord
    """
    import pydicom.filereader  # deferred: only unusual files pay for importing pydicom

    found_pixels = False

    def at_pixel_data(tag: int, vr: str | None, length: int) -> bool:
        nonlocal found_pixels
        if tag in _PIXEL_TAGS:
            found_pixels = True
            return True
        return False

    try:
        with open(path, "rb") as fh:
            bomb = deflate_bomb(fh.fileno())
            if bomb is not None:
                return (path, "parse_failed", bomb)
            ds = pydicom.filereader.read_partial(fh, stop_when=at_pixel_data, force=True)
            # pydicom converts values lazily: convert them here, inside the try.
            rec = _record_from_dataset(ds, path, found_pixels, extra)
            media_class = str(ds.file_meta.get("MediaStorageSOPClassUID", ""))
    except OSError as exc:
        return (path, "unreadable", f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # pydicom raises many types on garbage; all mean "cannot parse"
        if no_preamble:
            return (path, "not_dicom", f"no DICM prefix and not a readable data set ({exc})")
        return (path, "parse_failed", f"DICOM header cannot be parsed: {exc}")
    fields = dict(zip((name for name, _ in HEADER_FIELDS), rec, strict=True))
    if no_preamble and not (fields["sop_class_uid"] or fields["sop_instance_uid"] or found_pixels):
        return (path, "not_dicom", "no DICM prefix and no SOP Class/Instance UID or Pixel Data")
    if _DICOMDIR_CLASS in (fields["sop_class_uid"], media_class.strip(_STRIP)):
        return _dicomdir_skip(path)
    return rec


def _value_text(value: Any) -> str:
    from pydicom.multival import MultiValue

    if value is None or isinstance(value, bytes):
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return _join(str(v) for v in value)
    return _join([str(value)])  # str, number, PersonName, ...


def header_from_dataset(
    ds: Dataset, path: str, *, has_pixels: bool | None = None, extra: tuple[ExtraTag, ...] = ()
) -> Header:
    """Build the Header of a pydicom Dataset with the rules of the lean reader.

    This is what :meth:`Header.from_dataset` runs, and the reference the lean
    reader is tested against.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The data set (a FileDataset with ``file_meta`` when read from a file).
    path : str
        Absolute path of the file.
    has_pixels : bool, optional
        Whether the file has Pixel Data; by default, whether `ds` holds it.
    extra : tuple of ExtraTag
        Further attributes to keep in :attr:`Header.extra`.

    Returns
    -------
    Header
    """
    from dcmview.sdk.header import Header

    if has_pixels is None:
        has_pixels = any(t in ds for t in _PIXEL_TAGS)
    return Header(*_record_from_dataset(ds, path, has_pixels, extra))


def _element(ds: Dataset, tag: int) -> Any:
    """``ds.get(tag)``, or None when pydicom cannot convert the raw value."""
    try:
        return ds.get(tag)
    except Exception:  # a corrupt value (a 1-byte US, say) counts as absent, as in the lean reader
        return None


def _dataset_shared_spacing(ds: Dataset) -> tuple[float, ...] | None:
    """:func:`_shared_pixel_spacing` for a pydicom Dataset (None where it finds nothing)."""
    try:
        value: Any = ds
        for tag in (_SHARED_GROUPS_TAG, _PIXEL_MEASURES_TAG):
            if tag not in value or not value[tag].value:
                return None
            value = value[tag].value[0]  # the first (Shared: the only) item
        if _PIXEL_SPACING_TAG not in value or value[_PIXEL_SPACING_TAG].value in (None, ""):
            return None
        values = value[_PIXEL_SPACING_TAG].value
        values = [values] if isinstance(values, str | int | float) else list(values)
        return tuple(float(v) for v in values) if values else None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None  # not a sequence of data sets, or a value that is not a number


def _record_from_dataset(
    ds: Dataset, path: str, has_pixels: bool, extra: tuple[ExtraTag, ...]
) -> Record:
    fields: dict[str, Any] = {}
    for tag, (attr, _vr, kind) in _FIELDS.items():
        elem: Any = _element(ds, tag)
        value: Any = None if elem is None else elem.value
        if kind == "str":
            fields[attr] = _value_text(value)
        elif value is None or value == "":
            fields[attr] = None
        elif kind == "floats":
            values = [value] if isinstance(value, str | int | float) else list(value)
            try:
                fields[attr] = tuple(float(v) for v in values) if values else None
            except (TypeError, ValueError):
                fields[attr] = None
        else:
            if not isinstance(value, str | int | float):
                value = value[0] if len(value) else None
            try:
                if value is None or value == "":
                    fields[attr] = None
                else:
                    fields[attr] = int(value) if kind == "int" else float(value)
            except (TypeError, ValueError):
                fields[attr] = None
    for tag, attr in _PRESENCE.items():
        elem = _element(ds, tag)
        value = None if elem is None else elem.value
        fields[attr] = value is not None and len(value) > 0
    if _wants_shared_spacing(fields):
        fields["pixel_spacing"] = _dataset_shared_spacing(ds)
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")).strip(_STRIP) if meta is not None else ""
    if not ts and hasattr(ds, "original_encoding"):
        # No File Meta Information: name the syntax pydicom found the data set in.
        implicit, little = ds.original_encoding[:2]
        if implicit is not None:
            ts = _IMPLICIT_LE if implicit else (_EXPLICIT_LE if little else _EXPLICIT_BE)
    fields["transfer_syntax_uid"] = ts
    extra_values: dict[str, str] = {}
    for tag, keyword, _vr in extra:
        source = meta if tag >> 16 == 0x0002 and meta is not None else ds
        elem = _element(source, tag)
        if elem is not None:
            extra_values[keyword] = "" if elem.VR == "SQ" else _value_text(elem.value)
    return _record(path, fields, has_pixels, extra_values)


# -- worker process -----------------------------------------------------------


def _worker_main() -> None:
    """Serve scan requests on stdin/stdout until EOF: ``(paths, extra, sys.path)`` -> records.

    The parent (:mod:`dcmview.sdk._scanner`, behind :func:`dcmview.sdk.catalog.scan`)
    starts ``python _headerscan.py`` as a plain subprocess rather than a
    multiprocessing worker: a subprocess never re-imports the caller's
    ``__main__`` (a script that calls ``scan()`` at top level stays safe), is
    safe to start from a thread of a process that already has threads, and
    does not import the dcmview package at all.
    """
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            paths, extra, parent_path = pickle.load(stdin)
        except EOFError:
            return
        if parent_path:
            sys.path.extend(p for p in parent_path if p not in sys.path)
        pickle.dump(scan_records(paths, extra), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    _worker_main()
