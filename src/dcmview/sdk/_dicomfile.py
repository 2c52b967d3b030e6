"""Read one DICOM file's header (pydicom) and locate its Pixel Data element.

:func:`read_file` is what :class:`~dcmview.sdk.instance.Instance` runs once, on
first use (the :mod:`dcmview.sdk.instance` docstring tells how): it returns the
header without Pixel Data, the transfer syntax the data set is in, and a
:class:`PixelIndex` made from the Pixel Data element's own header, parsed where
dcmread stopped. Where each frame's bytes are is found later, by
:mod:`dcmview.sdk._frameindex`. Every file is opened with :func:`open_regular`.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from pydicom import config as pydicom_config, dcmread
from pydicom.dataelem import DataElement
from pydicom.errors import InvalidDicomError
from pydicom.pixels.utils import as_pixel_options
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from dcmview.sdk._headerpydicom import (
    MAX_INFLATED_BYTES,
    deflate_bomb_stream,
    is_deflated_stream,
)
from dcmview.sdk.errors import (
    DecodeError,
    FileReadError,
    ImageTooLargeError,
    InvalidPathError,
    NotDicomError,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["PIXEL_KEYWORDS", "PixelIndex", "open_regular", "read_file", "read_stream"]

# (7FE0,0010) Pixel Data, (7FE0,0008) Float Pixel Data, (7FE0,0009) Double Float Pixel Data.
PIXEL_KEYWORDS = {
    0x7FE00010: "PixelData",
    0x7FE00008: "FloatPixelData",
    0x7FE00009: "DoubleFloatPixelData",
}
_UNDEFINED = 0xFFFFFFFF
# The VRs Pixel Data, Float and Double Float Pixel Data can have (PS3.5 8.1, A.1 c).
_PIXEL_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"})


@dataclass(slots=True)
class PixelIndex:
    """Where the pixel data of one file is, and how each frame is found."""

    keyword: str
    vr: str | None
    # File offset of the first byte of the value (-1 for kept, inflated bytes).
    value_offset: int
    # Bytes of the value present in the file (clipped at end of file), or None
    # for encapsulated data of undefined length.
    value_length: int | None
    file_size: int
    options: dict[str, Any]
    encapsulated: bool
    buffer: bytes | None = None
    # Encapsulated: per frame, the (file offset, length) of its fragments' values.
    frames: list[tuple[tuple[int, int], ...]] | None = None
    # Why frames past len(frames) cannot be found, when fewer than declared.
    shortfall: str = ""
    built: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def read_file(path: str, *, scanned: bool) -> tuple[Dataset, UID, PixelIndex | None]:
    """Read the header of `path` and locate its Pixel Data element.

    `scanned` says a scan already read the header, so a file missing now is a
    read error rather than a bad path. Returns the header without Pixel Data,
    the transfer syntax it is in, and where the Pixel Data is (None without).
    """
    try:
        # Opened outside the `with` below (which closes it) so that only a failure
        # to open is reported as one.
        fh = open(open_regular(path), "rb")  # noqa: SIM115
    except FileNotFoundError as exc:
        cls = FileReadError if scanned else InvalidPathError
        raise cls(f"{path} does not exist", path=path) from exc
    except IsADirectoryError as exc:
        raise InvalidPathError(f"{path} is a directory, not a file", path=path) from exc
    except OSError as exc:
        raise FileReadError(f"{path}: cannot open: {exc.strerror or exc}", path=path) from exc
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise NotDicomError(f"{path} is empty (0 bytes), not a DICOM file", path=path)
        return read_stream(fh, size, path)


def read_stream(fh: BinaryIO, size: int, path: str) -> tuple[Dataset, UID, PixelIndex | None]:
    """:func:`read_file` on an open, seekable binary file of `size` bytes (a remote file).

    Reads the header and the Pixel Data element's own header; a deflated data
    set is read whole (it cannot be seeked into), once its inflated size is known
    to be within ``_headerpydicom.MAX_INFLATED_BYTES`` (pydicom inflates it in memory even
    to read the header).
    """
    if size == 0:
        raise NotDicomError(f"{path} is empty (0 bytes), not a DICOM file", path=path)
    if is_deflated_stream(fh):
        if size > MAX_INFLATED_BYTES:
            raise ImageTooLargeError(
                f"{path}: the deflated data set is {size >> 20} MiB, more than the "
                f"{MAX_INFLATED_BYTES >> 20} MiB limit for a data set that must be "
                "inflated whole (PS3.5 A.5)",
                path=path,
            )
        if not _is_local(fh):
            # A remote file: fetch its compressed bytes once (pydicom inflates them
            # whole anyway), rather than once for the check and again for pydicom.
            fh = io.BytesIO(fh.read())
        bomb = deflate_bomb_stream(fh)
        if bomb is not None:
            raise ImageTooLargeError(f"{path}: {bomb}", path=path)
    ds = _read_header(fh, size, path)
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if not ts:
        # PS3.5 A.1: without File Meta Information, name the encoding the data
        # set was found in (pydicom assumes Implicit VR Little Endian first).
        implicit, little = ds.original_encoding[:2]
        ts = (
            ImplicitVRLittleEndian
            if implicit
            else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
        )
    tsyntax = UID(str(ts).strip())
    if tsyntax == DeflatedExplicitVRLittleEndian:
        ds, pixels = _read_deflated(fh, ds, size, tsyntax, path)
    else:
        pixels = _locate_pixels(fh, ds, size, tsyntax)
    _keep_raw_when_unreadable(ds)
    if getattr(ds, "file_meta", None) is not None:
        _keep_raw_when_unreadable(ds.file_meta)
    return ds, tsyntax, pixels


def _is_local(fh: BinaryIO) -> bool:
    try:
        fh.fileno()
    except (OSError, AttributeError):  # io.UnsupportedOperation is an OSError
        return False
    return True


def _read_header(fh: BinaryIO, size: int, path: str) -> Dataset:
    try:
        return dcmread(fh, stop_before_pixels=True)
    except InvalidDicomError:
        pass  # no preamble / DICM: try again with force
    except Exception as exc:  # pydicom raises many types on a corrupt header
        raise NotDicomError(f"{path}: DICOM header cannot be parsed: {exc}", path=path) from exc
    fh.seek(0)
    try:
        ds = dcmread(fh, stop_before_pixels=True, force=True)
    except Exception as exc:
        raise NotDicomError(
            f"{path} is not DICOM: no DICM prefix and not a readable data set ({exc})",
            path=path,
        ) from exc
    # With force, pydicom parses anything; the same rule as the scan's
    # (catalog) decides: a data set names its SOP class/instance or has pixels.
    at_pixels = fh.tell() < size
    if not ("SOPClassUID" in ds or "SOPInstanceUID" in ds or at_pixels):
        raise NotDicomError(
            f"{path} is not DICOM: no DICM prefix and no SOP Class/Instance UID or Pixel Data",
            path=path,
        )
    return ds


def _locate_pixels(fh: BinaryIO, ds: Dataset, size: int, tsyntax: UID) -> PixelIndex | None:
    """Parse the Pixel Data element header at the file position dcmread stopped at."""
    start = fh.tell()
    implicit, little = ds.original_encoding[:2]
    head = fh.read(12)
    if len(head) < 8:
        return None
    endian = "<" if little else ">"
    group, elem = struct.unpack(f"{endian}HH", head[:4])
    keyword = PIXEL_KEYWORDS.get(group << 16 | elem)
    if keyword is None:
        return None
    vr: str | None = None
    # Some writers declare explicit VR but write implicit elements; pydicom
    # reads such a data set as implicit (with a warning), so read the Pixel
    # Data element the same way when no binary VR stands where it should.
    if not implicit and head[4:6] not in _PIXEL_VRS:
        implicit = True
    if implicit:
        (length,) = struct.unpack(f"{endian}L", head[4:8])
        value_offset = start + 8
    else:
        # PS3.5 7.1.2: OB/OW/OF/OD have a 2-byte reserved field and a 4-byte length.
        vr = head[4:6].decode("ascii", "replace")
        (length,) = struct.unpack(f"{endian}L", head[8:12])
        value_offset = start + 12
    # An unknown Transfer Syntax UID (not a transfer syntax pydicom knows) is
    # located as native data; decoding it then answers UnsupportedError.
    encapsulated = tsyntax.is_transfer_syntax and tsyntax.is_encapsulated and keyword == "PixelData"
    value_length = None if length == _UNDEFINED else max(0, min(length, size - value_offset))
    return PixelIndex(
        keyword=keyword,
        vr=vr,
        value_offset=value_offset,
        value_length=value_length,
        file_size=size,
        options=_options(ds, tsyntax, keyword, vr),
        encapsulated=encapsulated,
    )


def _read_deflated(
    fh: BinaryIO, header: Dataset, size: int, tsyntax: UID, path: str
) -> tuple[Dataset, PixelIndex | None]:
    # PS3.5 A.5: the data set is one deflate stream, so frames cannot be
    # reached by seeking: inflate once and keep the Pixel Data bytes.
    fh.seek(0)
    try:
        full = dcmread(fh, force=True)
    except Exception as exc:
        raise DecodeError(f"{path}: cannot inflate the data set: {exc}", path=path) from exc
    keyword = next((k for k in PIXEL_KEYWORDS.values() if k in full), None)
    if keyword is None:
        return header, None
    elem = full[keyword]
    data = bytes(elem.value)
    vr = str(elem.VR)
    del full[keyword]
    index = PixelIndex(
        keyword=keyword,
        vr=vr,
        value_offset=-1,
        value_length=len(data),
        file_size=size,
        options=_options(full, tsyntax, keyword, vr),
        encapsulated=False,
        buffer=data,
    )
    return full, index


def _options(ds: Dataset, tsyntax: UID, keyword: str, vr: str | None) -> dict[str, Any]:
    """pydicom decoding options from the header, checked once."""
    try:
        opts = as_pixel_options(ds)
    except Exception:
        opts = {}
    opts["transfer_syntax_uid"] = tsyntax
    opts["pixel_keyword"] = keyword
    if vr is not None:
        opts["pixel_vr"] = vr
    # Checked on the first decode, so a file with odd pixel attributes still
    # opens and shows its tags.
    return opts


def open_regular(path: str) -> int:
    """Open `path` for reading; never wait on a FIFO, refuse what is not a regular file.

    A file replaced after the scan by a FIFO made ``open()`` wait for a writer
    forever, holding a server thread (issue 7); O_NONBLOCK makes that open
    return at once and has no effect on regular files.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _keep_raw_when_unreadable(ds: Dataset) -> None:
    """Replace every element pydicom cannot convert by its bytes as UN, in all items.

    pydicom converts values on first access, so a corrupt value (a 1-byte US, an
    unknown VR such as "TI" from a flipped bit) raises BytesLengthException,
    NotImplementedError, ... wherever it is read: in windowing, in rescale, in
    the header. Converting once here, at the one seam with pydicom, makes every
    later access safe; the element stays visible in the tag tree as UN bytes
    (PS3.5 6.2.2: UN is the VR of a value of unknown representation). Found by
    the fuzz tests of issue 7.
    """
    for tag in list(ds.keys()):
        try:
            elem = ds[tag]
        except Exception:
            raw = ds.get_item(tag, keep_deferred=True)
            value = getattr(raw, "value", None)
            elem = DataElement(
                tag,
                "UN",
                bytes(value) if isinstance(value, bytes | bytearray) else b"",
                already_converted=True,
                validation_mode=pydicom_config.IGNORE,
            )
            elem.VR = "UN"  # DataElement() puts back the dictionary VR of a known tag
            ds[tag] = elem
            continue
        if elem.VR == "SQ":
            for item in elem.value:
                _keep_raw_when_unreadable(item)
