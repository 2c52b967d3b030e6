"""The header reader through pydicom: the scan's fallback, and Header.from_dataset's rules.

The lean reader of :mod:`dcmview.sdk._headerscan` hands a file to
:func:`record_from_pydicom` when it meets something it does not handle (Explicit VR
Big Endian, Deflated, no preamble or File Meta Information, another character set,
any doubt about the encoding). :func:`record_from_dataset` applies the rules of
:mod:`dcmview.sdk._headerrecord` to a pydicom Dataset; it is what
:meth:`Header.from_dataset <dcmview.sdk.header.Header.from_dataset>` runs, and the
reference the lean reader is tested against. :func:`deflate_bomb` refuses a deflated
file that would inflate past a limit, before pydicom inflates it.

pydicom is imported on first use, not with this module: a scan worker imports
this module but pays for pydicom only when a file needs it.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from dcmview.sdk._headerrecord import (
    DICOMDIR_CLASS,
    EXPLICIT_BE,
    EXPLICIT_LE,
    FIELDS,
    IMPLICIT_LE,
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
    pread,
    wants_shared_spacing,
)

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = [
    "MAX_INFLATED_BYTES",
    "deflate_bomb",
    "deflate_bomb_stream",
    "is_deflated_stream",
    "record_from_dataset",
    "record_from_pydicom",
]

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
    return _deflate_bomb(lambda offset, n: pread(fd, n, offset), limit)


def deflate_bomb_stream(fh: BinaryIO, limit: int = MAX_INFLATED_BYTES) -> str | None:
    """:func:`deflate_bomb` for a seekable file object (a remote file read in ranges).

    The stream is left at its start.
    """
    try:
        return _deflate_bomb(_reader(fh), limit)
    finally:
        fh.seek(0)


def is_deflated_stream(fh: BinaryIO) -> bool:
    """Whether the File Meta Information says Deflated Explicit VR Little Endian.

    Reads the meta group only; the stream is left at its start.
    """
    try:
        return _deflated_from(_reader(fh)) is not None
    finally:
        fh.seek(0)


def _reader(fh: BinaryIO) -> Callable[[int, int], bytes]:
    def read_at(offset: int, n: int) -> bytes:
        fh.seek(offset)
        return fh.read(n)

    return read_at


def _deflated_from(read_at: Callable[[int, int], bytes]) -> int | None:
    """Where the deflate stream starts, when the file says it is deflated; else None."""
    head = read_at(0, 144)
    # PS3.10 7.1: preamble, "DICM", then (0002,0000) File Meta Information Group Length (UL).
    if len(head) < 144 or head[128:136] != b"DICM\x02\x00\x00\x00" or head[136:138] != b"UL":
        return None
    group_length = int.from_bytes(head[140:144], "little")
    if _DEFLATED_UID not in read_at(144, min(group_length, 1 << 16)):
        return None
    return 144 + group_length


def _deflate_bomb(read_at: Callable[[int, int], bytes], limit: int) -> str | None:
    meta_end = _deflated_from(read_at)
    if meta_end is None:
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total, offset = 0, meta_end
    while not inflater.eof:
        data = read_at(offset, 1 << 20)
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


def record_from_pydicom(
    path: str, extra: tuple[ExtraTag, ...] = (), *, no_preamble: bool = False
) -> HeaderRecord | SkipRecord:
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
    HeaderRecord or SkipRecord
    """
    import pydicom.filereader  # deferred: only unusual files pay for importing pydicom

    found_pixels = False
    value_at, value_length = -1, 0  # where the Pixel Data value starts in the file, its length

    def at_pixel_data(tag: int, vr: str | None, length: int) -> bool:
        nonlocal found_pixels, value_at, value_length
        if tag in PIXEL_TAGS:
            found_pixels = True
            # pydicom asks with the file at the start of the value.
            value_at, value_length = fh.tell(), length
            return True
        return False

    try:
        with open(path, "rb") as fh:
            bomb = deflate_bomb(fh.fileno())
            if bomb is not None:
                return SkipRecord(path, "parse_failed", bomb)
            ds = pydicom.filereader.read_partial(fh, stop_when=at_pixel_data, force=True)
            # pydicom converts values lazily: convert them here, inside the try.
            rec = record_from_dataset(ds, path, has_pixels=found_pixels, extra=extra)
            # A deflated data set is read from an inflated copy: positions are not the file's.
            if value_at >= 0 and rec.transfer_syntax_uid != _DEFLATED_UID.decode():
                size = os.fstat(fh.fileno()).st_size
                if value_length == 0xFFFFFFFF:
                    truncated = encapsulated_truncated(fh.fileno(), value_at, size)
                else:
                    truncated = value_at + value_length > size
                rec = rec._replace(pixel_data_truncated=truncated)
            media_class = str(ds.file_meta.get("MediaStorageSOPClassUID", ""))
    except OSError as exc:
        return SkipRecord(path, "unreadable", f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # pydicom raises many types on garbage; all mean "cannot parse"
        if no_preamble:
            detail = f"no DICM prefix and not a readable data set ({exc})"
            return SkipRecord(path, "not_dicom", detail)
        return SkipRecord(path, "parse_failed", f"DICOM header cannot be parsed: {exc}")
    if no_preamble and not (rec.sop_class_uid or rec.sop_instance_uid or found_pixels):
        detail = "no DICM prefix and no SOP Class/Instance UID or Pixel Data"
        return SkipRecord(path, "not_dicom", detail)
    if DICOMDIR_CLASS in (rec.sop_class_uid, media_class.strip(STRIP)):
        return dicomdir_skip(path)
    return rec


def _value_text(value: Any) -> str:
    from pydicom.multival import MultiValue

    if value is None or isinstance(value, bytes):
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return join_values(str(v) for v in value)
    return join_values([str(value)])  # str, number, PersonName, ...


def record_from_dataset(
    ds: Dataset, path: str, *, has_pixels: bool | None = None, extra: tuple[ExtraTag, ...] = ()
) -> HeaderRecord:
    """Build the record of a pydicom Dataset with the rules of the lean reader.

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
    HeaderRecord
    """
    if has_pixels is None:
        has_pixels = any(t in ds for t in PIXEL_TAGS)
    fields: dict[str, Any] = {}
    for tag, (attr, _vr, kind) in FIELDS.items():
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
    for tag, attr in PRESENCE.items():
        elem = _element(ds, tag)
        value = None if elem is None else elem.value
        fields[attr] = value is not None and len(value) > 0
    if wants_shared_spacing(fields):
        fields["pixel_spacing"] = _dataset_shared_spacing(ds)
    fields["has_overlay_planes"] = _dataset_overlay_planes(ds)
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")).strip(STRIP) if meta is not None else ""
    if not ts and hasattr(ds, "original_encoding"):
        # No File Meta Information: name the syntax pydicom found the data set in.
        implicit, little = ds.original_encoding[:2]
        if implicit is not None:
            ts = IMPLICIT_LE if implicit else (EXPLICIT_LE if little else EXPLICIT_BE)
    fields["transfer_syntax_uid"] = ts
    extra_values: dict[str, str] = {}
    for tag, keyword, _vr in extra:
        source = meta if tag >> 16 == 0x0002 and meta is not None else ds
        elem = _element(source, tag)
        if elem is not None:
            extra_values[keyword] = "" if elem.VR == "SQ" else _value_text(elem.value)
    return make_record(path, fields, has_pixels, extra_values)


def _element(ds: Dataset, tag: int) -> Any:
    """``ds.get(tag)``, or None when pydicom cannot convert the raw value."""
    try:
        return ds.get(tag)
    except Exception:  # a corrupt value (a 1-byte US, say) counts as absent, as in the lean reader
        return None


def _dataset_overlay_planes(ds: Dataset) -> bool:
    """:func:`has_overlay_planes` of a data set's overlay groups, as the lean reader notes them."""
    facts: dict[int, int] = {}
    for tag, fact in OVERLAY_TAGS.items():
        if tag not in ds:
            continue
        elem = _element(ds, tag)
        value = None if elem is None else elem.value
        if value is None or (isinstance(value, bytes | str | list) and not value):
            continue  # empty: absent, as in the lean reader
        if fact == OVERLAY_EMBEDDED:
            try:
                if int(value) <= 1:
                    continue
            except (TypeError, ValueError):
                continue
        facts[tag >> 16] = facts.get(tag >> 16, 0) | fact
    return has_overlay_planes(facts.values())


def _dataset_shared_spacing(ds: Dataset) -> tuple[float, ...] | None:
    """Pixel Spacing in the Shared Functional Groups, as the lean reader finds it, or None."""
    try:
        value: Any = ds
        for tag in (SHARED_GROUPS_TAG, PIXEL_MEASURES_TAG):
            if tag not in value or not value[tag].value:
                return None
            value = value[tag].value[0]  # the first (Shared: the only) item
        if PIXEL_SPACING_TAG not in value or value[PIXEL_SPACING_TAG].value in (None, ""):
            return None
        values = value[PIXEL_SPACING_TAG].value
        values = [values] if isinstance(values, str | int | float) else list(values)
        return tuple(float(v) for v in values) if values else None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None  # not a sequence of data sets, or a value that is not a number
