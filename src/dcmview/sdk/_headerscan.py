"""Lean header reader: the scan-time record of one file, straight from its bytes.

:func:`read_record` is what :func:`dcmview.sdk.catalog.scan` runs for every file.
It reads the first chunk of a Part 10 file in one system call and walks the
data elements with :mod:`struct`, keeping only the few attributes a
:class:`~dcmview.sdk.header.Header` holds (plus the keywords a filter asks for).
Values it does not need are stepped over without being read: a defined-length
value or sequence in one step, an undefined-length sequence item by item. It
stops at Pixel Data.

Anything unusual goes to pydicom instead
(:func:`dcmview.sdk._headerpydicom.record_from_pydicom`): Explicit VR Big Endian,
Deflated, files without a preamble or File Meta Information, a character set
other than the default, Latin-1 or UTF-8, and any doubt about the encoding (a VR
that is not the dictionary's, a value that does not parse). So the lean path only
ever answers where it agrees with pydicom; what a record holds and how a value
becomes a field is in :mod:`dcmview.sdk._headerrecord`, shared by both.

Scan worker processes (:mod:`dcmview.sdk._scanworker`) import this module, so it
imports neither pydicom nor numpy: a worker starts in tens of milliseconds and
pays for pydicom only when a file needs it.

Over 600 lines on purpose: one walk over a file's bytes, with the helpers that
share its buffer, its exceptions and its encoding tables.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, Any, Final

from dcmview.sdk._headerrecord import (
    DICOMDIR_CLASS,
    EXPLICIT_LE,
    FIELDS,
    IMPLICIT_LE,
    OVERLAY_DATA,
    OVERLAY_EMBEDDED,
    OVERLAY_TAGS,
    PIXEL_MEASURES_TAG,
    PIXEL_SPACING_TAG,
    PIXEL_TAGS,
    PRESENCE,
    SHARED_GROUPS_TAG,
    STRIP,
    ExtraTag,
    HeaderRecord,
    SkipRecord,
    dicomdir_skip,
    encapsulated_truncated,
    has_overlay_planes,
    join_values,
    make_record,
    parse_floats,
    pread,
    wants_shared_spacing,
)

if TYPE_CHECKING:
    from dcmview.sdk.header import Header

__all__ = ["read_header", "read_record", "scan_records"]

# O_BINARY: Windows would otherwise translate line ends in the bytes read.
# O_NONBLOCK: a FIFO put in a file's place opens at once (and reads as empty)
# instead of waiting for a writer forever; no effect on regular files.
_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


class _Doubt(Exception):
    """The lean walk met something it does not handle: let pydicom read the file."""


class _Truncated(Exception):
    """The file ends inside a data element before Pixel Data (pydicom would not say)."""


# -- encoding facts (PS3.5) ---------------------------------------------------

_CHUNK: Final = 16384
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
# The group a data set without preamble may start with, in either byte order:
# the meta group, or the first groups of a data set (identification, patient, ...).
_FIRST_GROUPS: Final = frozenset(
    g.to_bytes(2, order)
    for g in (0x02, 0x08, 0x10, 0x18, 0x20, 0x28)
    for order in ("little", "big")
)

_CHARSET_TAG: Final = 0x00080005
_TS_TAG: Final = 0x00020010
_MEDIA_CLASS_TAG: Final = 0x00020002

_TAG_VR_LEN16 = struct.Struct("<HH2sH")
_TAG_LEN32 = struct.Struct("<HHI")
_U32 = struct.Struct("<I")


# -- the lean path ------------------------------------------------------------


def read_record(path: str, extra: tuple[ExtraTag, ...] = ()) -> HeaderRecord | SkipRecord:
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
    HeaderRecord or SkipRecord
        ``Header(*record)``, or ``SkippedFile(*record)`` with reason
        ``not_dicom``, ``parse_failed``, ``unreadable`` or ``dicomdir``.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return SkipRecord(path, "unreadable", f"cannot open: {exc.strerror or exc}")
    try:
        try:
            buf = os.read(fd, _CHUNK)
        except OSError as exc:
            return SkipRecord(path, "unreadable", f"cannot read: {exc.strerror or exc}")
        if not buf:
            return SkipRecord(path, "not_dicom", "empty file (0 bytes)")
        if len(buf) < 132 or buf[128:132] != b"DICM":
            return _read_without_preamble(path, buf, extra)
        try:
            return _lean(fd, buf, path, extra)
        except _Truncated:
            # pydicom reads what is there without a word; a viewer should say so.
            size = os.fstat(fd).st_size
            return SkipRecord(
                path,
                "parse_failed",
                f"header truncated: the file ends at byte {size}, inside a data element "
                "before Pixel Data",
            )
        except (_Doubt, struct.error, UnicodeDecodeError, ValueError, OSError):
            pass  # pydicom decides below
    finally:
        os.close(fd)
    return _with_pydicom(path, extra)


def read_header(path: str, extra: tuple[ExtraTag, ...] = ()) -> Header | SkipRecord:
    """:func:`read_record` as a :class:`Header` (a skip record stays a SkipRecord)."""
    from dcmview.sdk.header import Header  # deferred: a scan worker needs no Header

    rec = read_record(path, extra)
    return rec if isinstance(rec, SkipRecord) else Header(*rec)


def scan_records(
    paths: list[str], extra: tuple[ExtraTag, ...] = ()
) -> tuple[list[HeaderRecord], list[SkipRecord]]:
    """:func:`read_record` for each path (the unit of work of a worker).

    Returns
    -------
    tuple of (list of HeaderRecord, list of SkipRecord)
        The files read and the files skipped, each in the order of `paths`.
    """
    records = [read_record(p, extra) for p in paths]
    # Split by type in two cheap passes (an if/append loop costs more per file).
    headers = [r for r in records if type(r) is HeaderRecord]
    skipped = [r for r in records if type(r) is SkipRecord] if len(headers) < len(records) else []
    return headers, skipped


def _read_without_preamble(
    path: str, buf: bytes, extra: tuple[ExtraTag, ...]
) -> HeaderRecord | SkipRecord:
    # PS3.10 7.1 requires the preamble and "DICM", but files written without them
    # (raw data sets, with or without group 0002) are common. pydicom reads them
    # with force=True; first make sure the bytes look like a data set at all, so
    # that a log, CSV or HTML page is rejected without parsing it.
    if len(buf) < 8:
        detail = f"no DICM prefix and too short for DICOM ({len(buf)} bytes)"
        return SkipRecord(path, "not_dicom", detail)
    if buf[:2] not in _FIRST_GROUPS:
        return SkipRecord(path, "not_dicom", "no DICM prefix and no DICOM data set at the start")
    return _with_pydicom(path, extra, no_preamble=True)


def _with_pydicom(
    path: str, extra: tuple[ExtraTag, ...], *, no_preamble: bool = False
) -> HeaderRecord | SkipRecord:
    # Deferred: a worker loads the pydicom reader, and pydicom, only for a file that needs them.
    from dcmview.sdk._headerpydicom import record_from_pydicom

    return record_from_pydicom(path, extra, no_preamble=no_preamble)


class _ByteSpan:
    """A run of a file's bytes read so far: ``buf`` holds the file from offset ``base`` on."""

    __slots__ = ("base", "buf", "fd", "size")

    def __init__(self, fd: int, buf: bytes) -> None:
        self.fd = fd
        self.buf = buf
        self.base = 0
        self.size = os.fstat(fd).st_size

    def ensure(self, pos: int, n: int) -> int:
        """Make buf hold file bytes pos..pos+n; return pos's offset in buf (or raise _Truncated)."""
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
            buf = buf[pos - base :] + pread(self.fd, max(pos + n - end, _CHUNK), end)
        else:
            buf = pread(self.fd, max(n, _CHUNK), pos)
        self.buf, self.base = buf, pos
        if len(buf) < n:
            raise _Truncated()
        return 0

    def at_end(self, pos: int) -> bool:
        return pos == os.fstat(self.fd).st_size


def _swap(tag: int) -> int:
    """(gggg,eeee) as the little-endian uint32 its 4 bytes read as: eeeegggg."""
    return (tag >> 16) | (tag & 0xFFFF) << 16


_SW_FIELDS: Final = {_swap(t): v for t, v in FIELDS.items()}
_SW_PIXEL: Final = frozenset(_swap(t) for t in PIXEL_TAGS)
_SW_CHARSET: Final = _swap(_CHARSET_TAG)
_SW_PRESENCE: Final = {_swap(t): attr for t, attr in PRESENCE.items()}
_SW_SHARED_GROUPS: Final = _swap(SHARED_GROUPS_TAG)
_SW_SEQUENCES: Final = frozenset(_SW_PRESENCE) | {_SW_SHARED_GROUPS}
# Overlay tag -> (group, fact): noted on the walk, the bitmap never read.
_SW_OVERLAY: Final = {_swap(t): (t >> 16, fact) for t, fact in OVERLAY_TAGS.items()}
_SW_INTERESTING: Final = (
    frozenset(_SW_FIELDS) | _SW_PIXEL | {_SW_CHARSET} | _SW_SEQUENCES | frozenset(_SW_OVERLAY)
)
# The last three bytes of the overlay tags a scan notes, (60xx,0010), (60xx,0100) and
# (60xx,3000), in either VR encoding (the first is xx: even, at most 1E). Where they occur
# between group 0028 and Pixel Data the walk does not jump (_pixel_data_ahead).
_OVERLAY_TAG_TAILS: Final = (b"\x60\x10\x00", b"\x60\x00\x01", b"\x60\x00\x30")
_SW_TVL = struct.Struct("<I2sH")
# Explicit VR element header size by VR (PS3.5 7.1.2); an unknown VR is 0.
_VR_HEADER: Final = {vr: 12 if vr in _LONG_VRS else 8 for vr in _ALL_VRS}
_SW_TL = struct.Struct("<II")


def _lean(fd: int, buf: bytes, path: str, extra: tuple[ExtraTag, ...]) -> HeaderRecord | SkipRecord:
    """Walk a Part 10 file with preamble; raise _Doubt for anything unusual."""
    span = _ByteSpan(fd, buf)
    ensure = span.ensure

    # -- File Meta Information (PS3.10 7.1): always Explicit VR Little Endian.
    pos = 132
    ts = ""
    wanted_extra = {_swap(e[0]): e for e in extra}
    extra_values: dict[str, str] = {}
    while True:
        if span.base or pos + 12 > len(span.buf):  # rare: the meta group beyond the first read
            try:
                off = ensure(pos, 8)
            except _Truncated:
                if span.at_end(pos):
                    break  # nothing after the meta information
                raise
            if len(span.buf) - off < 12:
                off = ensure(pos, min(12, len(span.buf) - off))
        else:
            off = pos
        buf = span.buf
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
            raw = span.buf[off : off + length]
            if tag == _TS_TAG:
                ts = raw.decode("latin_1").strip(STRIP)
            elif tag == _MEDIA_CLASS_TAG and raw.decode("latin_1").strip(STRIP) == DICOMDIR_CLASS:
                return dicomdir_skip(path)
            if sw in wanted_extra:
                extra_values[wanted_extra[sw][1]] = _extra_text(raw, vr.decode(), "latin_1")
        pos += hdr + length

    if ts == IMPLICIT_LE:
        implicit = True
    elif ts == EXPLICIT_LE or ts.startswith(_EXPLICIT_LE_PREFIXES):
        implicit = False
    else:
        # Big endian, deflated, private or absent syntax: pydicom's business.
        raise _Doubt(f"transfer syntax {ts!r}")

    # -- the data set, top level only. This loop is the cost of a scan: it runs
    # once per element, so it works on local names and buffer offsets, and
    # compares tags as the uint32 their bytes read as (no shifting per element).
    fields: dict[str, Any] = {"transfer_syntax_uid": ts}
    overlay: dict[int, int] = {}  # overlay group -> OVERLAY_* facts seen
    codec = "latin_1"
    has_pixels = False
    interesting = _SW_INTERESTING | frozenset(wanted_extra) if wanted_extra else _SW_INTERESTING
    unpack_tvl, unpack_tl, unpack_u32 = _SW_TVL.unpack_from, _SW_TL.unpack_from, _U32.unpack_from
    vr_header, undefined = _VR_HEADER, _UNDEFINED
    # Past this group only Pixel Data is left to find (see _pixel_data_ahead).
    last_group = max([0x0028, *(e[0] >> 16 for e in extra)])
    data, base = span.buf, span.base
    off = pos - base
    n = len(data)
    while True:
        if off + 12 > n:
            # Near the end of the window: move it (or meet the end of the file).
            pos = base + off
            try:
                off = ensure(pos, 8)
            except _Truncated:
                if span.at_end(pos):
                    break  # a data set without Pixel Data (an SR, say)
                raise
            if len(span.buf) - off < 12:
                off = ensure(pos, min(12, len(span.buf) - off))
            data, base = span.buf, span.base
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
                    if wants_shared_spacing(fields):
                        fields["pixel_spacing"] = _shared_pixel_spacing(
                            span, pos + hdr, length, inner_implicit
                        )
                else:
                    fields[_SW_PRESENCE[tagsw]] = _has_items(span, pos + hdr, length)
                if tagsw in wanted_extra:
                    extra_values[wanted_extra[tagsw][1]] = ""  # a sequence has no filter text
                off = ensure(pos, hdr)
                data, base = span.buf, span.base
                n = len(data)
            else:
                if tagsw in _SW_PIXEL:
                    has_pixels = True
                    # A native value states its length: a file that ends first was cut
                    # short; encapsulated items are checked up to their delimiter.
                    start = base + off + hdr
                    if length == undefined:
                        cut = encapsulated_truncated(span.fd, start, span.size)
                    else:
                        cut = start + length > span.size
                    fields["pixel_data_truncated"] = cut
                    break
                if length == undefined:
                    raise _Doubt("undefined length where a value is expected")
                ov = _SW_OVERLAY.get(tagsw)
                if ov is not None and ov[1] == OVERLAY_DATA:
                    # Its length says whether there is a bitmap: step over it unread.
                    if length:
                        overlay[ov[0]] = overlay.get(ov[0], 0) | OVERLAY_DATA
                    if tagsw in wanted_extra:
                        extra_values[wanted_extra[tagsw][1]] = ""  # binary: no filter text
                    off += hdr + length
                    continue
                start = off + hdr
                if start + length > n:
                    start = ensure(base + start, length)
                    data, base = span.buf, span.base
                    n = len(data)
                raw = data[start : start + length]
                off = start + length
                if tagsw == _SW_CHARSET:
                    charset = join_values(raw.decode("latin_1").split("\\"))
                    if charset not in _CODECS:
                        raise _Doubt(f"character set {charset!r}")
                    codec = _CODECS[charset]
                field = _SW_FIELDS.get(tagsw)
                if field is not None:
                    attr, dict_vr, kind = field
                    if vr and vr.decode() != dict_vr:
                        raise _Doubt(f"{attr} has VR {vr!r}")
                    fields[attr] = _convert(raw, dict_vr, kind, codec)
                elif ov is not None and raw:
                    group, fact = ov
                    if (vr and vr != b"US") or len(raw) != 2:
                        raise _Doubt(f"overlay {group:04X} attribute is not one US value")
                    if fact == OVERLAY_EMBEDDED and raw[0] | raw[1] << 8 <= 1:
                        fact = 0  # 1 bit allocated: the bitmap is Overlay Data
                    overlay[group] = overlay.get(group, 0) | fact
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
                if group < 0x5200 and last_group < 0x5200 and wants_shared_spacing(fields):
                    last_group = 0x5200  # walk on to the Shared Functional Groups first
                elif _pixel_data_ahead(span, data, base, off, fields, implicit):
                    has_pixels = True
                    break
                else:
                    last_group = 0x7FE0  # not found: walk on, and do not look again
        if length == undefined:
            # A sequence (or, in explicit VR, UN holding an implicit VR sequence: PS3.5 6.2.2).
            if not implicit and vr not in (b"SQ", b"UN"):
                raise _Doubt("undefined length outside a sequence")
            pos = _skip_sequence(span, base + off + hdr, implicit or vr == b"UN", 0)
            data, base = span.buf, span.base
            n = len(data)
            off = pos - base
        else:
            off += hdr + length

    if fields.get("sop_class_uid") == DICOMDIR_CLASS:
        return dicomdir_skip(path)
    if overlay:
        fields["has_overlay_planes"] = has_overlay_planes(overlay.values())
    return make_record(path, fields, has_pixels, extra_values)


def _pixel_data_ahead(
    span: _ByteSpan, data: bytes, base: int, off: int, fields: dict[str, Any], implicit: bool
) -> bool:
    """Whether native Pixel Data surely follows, found without walking the elements between.

    Once every wanted attribute is read, the elements left before Pixel Data
    (private groups, often a fifth of a header) only need stepping over. If the
    buffer holds the header of a Pixel Data element whose length is exactly
    what Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames
    give (PS3.5 8.1.1) and whose value ends exactly at the end of the file (or
    at a Data Set Trailing Padding element that does), it is the top-level
    Pixel Data: two independent facts that a value inside another element
    does not meet. Otherwise the caller walks on; it does as well when the bytes
    in between hold what looks like an overlay tag (60xx,0010), (60xx,0100) or
    (60xx,3000), so that the walk notes the Overlay Planes (a false match only
    costs the walk).
    """
    rows, columns = fields.get("rows"), fields.get("columns")
    bits = fields.get("bits_allocated")
    if not rows or not columns or not bits or bits % 8:
        return False
    length = rows * columns * (fields.get("samples_per_pixel") or 1) * (bits // 8)
    length *= fields.get("number_of_frames") or 1
    length += length & 1  # PS3.5 7.1.1: values have an even length
    size = os.fstat(span.fd).st_size
    k = data.find(b"\xe0\x7f\x10\x00", off)
    while k != -1 and k + 12 <= len(data):
        if implicit:
            hdr, ok = 8, _U32.unpack_from(data, k + 4)[0] == length
        else:
            ok = data[k + 4 : k + 8] in (b"OW\x00\x00", b"OB\x00\x00")
            hdr, ok = 12, ok and _U32.unpack_from(data, k + 8)[0] == length
        end = base + k + hdr + length
        if ok and (end == size or _padding_to_end(span.fd, end, size, implicit=implicit)):
            # Overlay Planes lie between: walk over them instead (exact, and rare).
            return not _overlay_tag_between(data, off, k)
        k = data.find(b"\xe0\x7f\x10\x00", k + 1)
    return False


def _overlay_tag_between(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` holds the bytes of an overlay tag the scan notes.

    Three ``bytes.find`` (memchr speed) rather than a regular expression, which would
    test every byte: this runs for every file the scan jumps through.
    """
    for tail in _OVERLAY_TAG_TAILS:
        k = data.find(tail, start + 1, end)
        while k != -1:
            group_low = data[k - 1]
            if group_low <= 0x1E and not group_low & 1:
                return True
            k = data.find(tail, k + 1, end)
    return False


def _padding_to_end(fd: int, pos: int, size: int, *, implicit: bool) -> bool:
    """Whether a Data Set Trailing Padding element (FFFC,FFFC) runs from `pos` to `size`."""
    head = pread(fd, 12, pos)
    if len(head) < 8 or head[:4] != b"\xfc\xff\xfc\xff":
        return False
    end: int = pos + 8 + _U32.unpack_from(head, 4)[0] if implicit else -1
    if not implicit and len(head) == 12:
        end = pos + 12 + _U32.unpack_from(head, 8)[0]
    return end == size


def _has_items(span: _ByteSpan, pos: int, length: int) -> bool:
    """Whether the sequence whose value starts at `pos` holds at least one item."""
    if length != _UNDEFINED:
        return length > 0
    off = span.ensure(pos, 4)
    return bool(span.buf[off : off + 4] != b"\xfe\xff\xdd\xe0")  # not at once a delimiter


def _first_item(span: _ByteSpan, pos: int, length: int) -> tuple[int, int | None] | None:
    """(start, end or None when undefined) of the first item of a sequence value at `pos`."""
    if length == 0:
        return None
    off = span.ensure(pos, 8)
    group, elem, item_length = _TAG_LEN32.unpack_from(span.buf, off)
    tag = group << 16 | elem
    if tag == _SEQ_END:
        return None
    if tag != _ITEM:
        raise _Doubt("no item in a sequence")
    return pos + 8, None if item_length == _UNDEFINED else pos + 8 + item_length


def _find_in_item(
    span: _ByteSpan, item: tuple[int, int | None], wanted: int, implicit: bool
) -> tuple[int, int, bytes] | None:
    """(value offset, length, VR) of element `wanted` among an item's elements, or None."""
    pos, end = item
    while end is None or pos < end:
        off = span.ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(span.buf, off)
        tag = group << 16 | elem
        if tag == _ITEM_END:
            return None
        hdr, vr = 8, b""
        if not implicit:
            _, _, vr, length = _TAG_VR_LEN16.unpack_from(span.buf, off)
            if vr in _LONG_VRS:
                off = span.ensure(pos, 12)
                length = _U32.unpack_from(span.buf, off + 8)[0]
                hdr = 12
            elif vr not in _ALL_VRS:
                raise _Doubt(f"bad VR {vr!r} in an item")
        if tag == wanted:
            return pos + hdr, length, vr
        pos += hdr
        if length == _UNDEFINED:
            pos = _skip_sequence(span, pos, implicit or vr == b"UN", 1)
        else:
            pos += length
    return None


def _shared_pixel_spacing(
    span: _ByteSpan, pos: int, length: int, implicit: bool
) -> tuple[float, ...] | None:
    """Pixel Spacing in the Pixel Measures Sequence of the Shared Functional Groups.

    `pos` and `length` are those of the Shared Functional Groups Sequence value.
    """
    item = _first_item(span, pos, length)
    if item is None:
        return None
    measures = _find_in_item(span, item, PIXEL_MEASURES_TAG, implicit)
    if measures is None:
        return None
    if measures[2] not in (b"", b"SQ"):
        raise _Doubt(f"Pixel Measures Sequence with VR {measures[2]!r}")
    item = _first_item(span, measures[0], measures[1])
    if item is None:
        return None
    spacing = _find_in_item(span, item, PIXEL_SPACING_TAG, implicit)
    if spacing is None:
        return None
    value_pos, value_length, vr = spacing
    if vr not in (b"", b"DS") or value_length == _UNDEFINED:
        raise _Doubt("Pixel Spacing in the functional groups is not DS")
    off = span.ensure(value_pos, value_length)
    return parse_floats(span.buf[off : off + value_length].decode("latin_1"))


def _skip_sequence(span: _ByteSpan, pos: int, implicit: bool, depth: int) -> int:
    """Step over an undefined-length sequence starting at `pos`; return the offset after it."""
    if depth > _MAX_DEPTH:
        raise _Doubt("sequences nested too deep")
    ensure = span.ensure
    while True:
        off = ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(span.buf, off)
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
            buf = span.buf
            hdr = 8
            vr = b""
            if implicit:
                group, elem, length = _TAG_LEN32.unpack_from(buf, off)
            else:
                group, elem, vr, length = _TAG_VR_LEN16.unpack_from(buf, off)
                if vr in _LONG_VRS:
                    off = ensure(pos, 12)
                    length = _U32.unpack_from(span.buf, off + 8)[0]
                    hdr = 12
                elif (group << 16 | elem) != _ITEM_END and vr not in _ALL_VRS:
                    raise _Doubt(f"bad VR {vr!r} in an item")
            tag = group << 16 | elem
            if tag == _ITEM_END:
                pos += 8
                break
            pos += hdr
            if length == _UNDEFINED:
                pos = _skip_sequence(span, pos, implicit or vr == b"UN", depth + 1)
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
        return join_values(text.split("\\")) if "\\" in text else text.strip(STRIP)
    if kind == "floats":
        return parse_floats(text)
    # The first value: Window Center may hold several (PS3.3 C.11.2.1.2).
    stripped = text.split("\\", 1)[0].strip(STRIP)
    if not stripped:
        return None
    if kind == "int":
        return int(stripped)
    return float(stripped)


def _extra_text(raw: bytes, vr: str, codec: str) -> str:
    """The filter text of a further attribute: values joined with a backslash."""
    if vr in _STRING_VRS:
        return join_values(raw.decode(codec if vr in _TEXT_VRS else "latin_1").split("\\"))
    fmt = _NUMBER_FORMATS.get(vr)
    if fmt is None:
        return ""
    size = struct.calcsize(fmt)
    if len(raw) % size:
        raise _Doubt(f"{vr} value of {len(raw)} bytes")
    values = struct.unpack(f"<{len(raw) // size}{fmt}", raw)
    return "\\".join(str(v) for v in values)
