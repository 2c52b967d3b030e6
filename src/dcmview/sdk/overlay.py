"""Overlay Planes (60xx): every overlay group of an image, as masks on its frames' pixel grid.

An image may carry up to 16 overlays (PS3.3 C.9.2), one per even group
``0x6000 .. 0x601E``: a bitmap of graphics (type ``"G"``) or of a region of
interest (``"R"``) drawn over the image. :func:`read_overlays` reads every
group into an :class:`OverlayPlane`; :meth:`OverlayPlane.mask` places it on
one frame's pixel grid, ready to draw.

- **Where:** Overlay Origin (60xx,0050) is the 1-based (row, column) of the
  image pixel under the overlay's first pixel, so overlay pixel ``(r, c)``
  covers image pixel ``(r + origin_row - 1, c + origin_col - 1)``; the parts
  outside the image are cut off.
- **Which frames:** with the Multi-frame Overlay module (PS3.3 C.9.3),
  overlay frame ``k`` lies on image frame ``image_frame_origin - 1 + k``
  (0-based). Without it (Number of Frames in Overlay absent) the one overlay
  frame is shown on every frame of the image, as DCMTK does.
- **Overlay Data** (60xx,3000) is bit-packed, little-endian bit order
  (PS3.5 8.2); it is unpacked with pydicom's ``Dataset.overlay_array``.
- **Embedded in Pixel Data** (retired, PS3.5 2004 8.1.2 and earlier files):
  when (60xx,3000) is absent and Overlay Bits Allocated is greater than 1,
  the overlay is bit Overlay Bit Position of each Pixel Data word. This is
  read from uncompressed (native) Pixel Data only, where the bit survives;
  in an encapsulated transfer syntax it is refused with
  :class:`UnsupportedOverlayError`, since the standard never allowed it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt

from dcmview.sdk._derived import dataset_of
from dcmview.sdk._headerrecord import OVERLAY_GROUPS as _SCAN_OVERLAY_GROUPS
from dcmview.sdk._types import StrPath
from dcmview.sdk.errors import (
    OverlayDataError as OverlayDataError,
    UnsupportedOverlayError as UnsupportedOverlayError,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk.instance import Instance

__all__ = [
    "OverlayDataError",
    "OverlayPlane",
    "OverlaySummary",
    "UnsupportedOverlayError",
    "read_overlays",
]

#: The 16 overlay groups (PS3.3 C.9.2: even groups 6000-601E), the ones a scan notes too.
OVERLAY_GROUPS = _SCAN_OVERLAY_GROUPS

BoolArray = npt.NDArray[np.bool_]


class OverlaySummary(TypedDict):
    """JSON-ready description of one overlay (see :meth:`OverlayPlane.summary`)."""

    group: str
    rows: int
    columns: int
    origin: list[int]
    type: str
    number_of_frames: int
    image_frame_origin: int
    multi_frame: bool
    description: str
    label: str
    subtype: str
    source: str
    pixels_set: int


@dataclass(frozen=True, slots=True, eq=False)
class OverlayPlane:
    """One overlay group of an image, its bitmap unpacked.

    Attributes
    ----------
    group : int
        The group, ``0x6000 .. 0x601E``.
    rows, columns : int
        (60xx,0010) Overlay Rows and (60xx,0011) Overlay Columns.
    origin : tuple[int, int]
        (60xx,0050) Overlay Origin, 1-based (row, column) of the image pixel
        under the overlay's first pixel (may be < 1 or past the image).
    type : str
        (60xx,0040) Overlay Type: ``"G"`` graphics, ``"R"`` region of interest.
    bits_allocated, bit_position : int
        (60xx,0100) and (60xx,0102): 1 and 0 for Overlay Data.
    image_frame_origin : int
        (60xx,0051), 1-based image frame of the first overlay frame (1 when absent).
    multi_frame : bool
        Whether the Multi-frame Overlay module is present; if not, the one
        overlay frame applies to every image frame.
    description, label, subtype : str
        (60xx,0022), (60xx,1500), (60xx,0045); ``""`` when absent.
    source : {"OverlayData", "PixelData"}
        Where the bits came from.
    bits : numpy.ndarray
        bool, shape (overlay frames, rows, columns).
    """

    group: int
    rows: int
    columns: int
    origin: tuple[int, int]
    type: str
    bits_allocated: int
    bit_position: int
    image_frame_origin: int
    multi_frame: bool
    description: str
    label: str
    subtype: str
    source: Literal["OverlayData", "PixelData"]
    bits: BoolArray = field(repr=False)

    @property
    def number_of_frames(self) -> int:
        """Overlay frames (60xx,0015): 1 without the Multi-frame Overlay module."""
        return int(self.bits.shape[0])

    def applies_to(self, index: int) -> bool:
        """Whether the overlay has a frame on image frame `index` (0-based)."""
        if not self.multi_frame:
            return True
        k = index - (self.image_frame_origin - 1)
        return 0 <= k < self.number_of_frames

    def mask(self, index: int = 0, *, shape: tuple[int, int] | None = None) -> BoolArray:
        """The overlay on image frame `index`, placed on the frame's pixel grid.

        Parameters
        ----------
        index : int
            The 0-based image frame.
        shape : tuple[int, int], optional
            The image's (rows, columns); the overlay's own size when omitted.

        Returns
        -------
        numpy.ndarray
            bool, shape `shape`: True where the overlay is set. All False on a
            frame the overlay does not cover.

        Examples
        --------
        >>> import pydicom, numpy as np
        >>> from pydicom.dataset import Dataset
        >>> ds = Dataset()
        >>> ds.add_new(0x60000010, "US", 2); ds.add_new(0x60000011, "US", 8)
        >>> ds.add_new(0x60000050, "SS", [2, 3]); ds.add_new(0x60000040, "CS", "G")
        >>> ds.add_new(0x60000100, "US", 1); ds.add_new(0x60000102, "US", 0)
        >>> ds.add_new(0x60003000, "OW", bytes([0b00000001, 0b10000000]))
        >>> [plane] = read_overlays(ds)
        >>> np.argwhere(plane.mask(shape=(4, 10))).tolist()
        [[1, 2], [2, 9]]
        """
        rows, columns = shape if shape is not None else (self.rows, self.columns)
        out = np.zeros((rows, columns), bool)
        if not self.applies_to(index):
            return out
        k = index - (self.image_frame_origin - 1) if self.multi_frame else 0
        bits = self.bits[k]
        top, left = self.origin[0] - 1, self.origin[1] - 1
        # The overlay's window onto the image, clipped on all four sides.
        r0, c0 = max(top, 0), max(left, 0)
        r1, c1 = min(top + self.rows, rows), min(left + self.columns, columns)
        if r0 < r1 and c0 < c1:
            out[r0:r1, c0:c1] = bits[r0 - top : r1 - top, c0 - left : c1 - left]
        return out

    def summary(self) -> OverlaySummary:
        """JSON-ready attributes (no bitmap): what a viewer lists beside the image."""
        return OverlaySummary(
            group=f"{self.group:04X}",
            rows=self.rows,
            columns=self.columns,
            origin=list(self.origin),
            type=self.type,
            number_of_frames=self.number_of_frames,
            image_frame_origin=self.image_frame_origin,
            multi_frame=self.multi_frame,
            description=self.description,
            label=self.label,
            subtype=self.subtype,
            source=self.source,
            pixels_set=int(self.bits.sum()),
        )


def read_overlays(source: Instance | Dataset | StrPath) -> list[OverlayPlane]:
    """Read every overlay group of an image, in group order.

    Parameters
    ----------
    source : Instance, pydicom.dataset.Dataset, str or os.PathLike
        The image. A data set read without pixels cannot give overlays
        embedded in Pixel Data; an :class:`Instance` or a path can (the file is
        read again, with its pixels, only when such an overlay is there).

    Returns
    -------
    list[OverlayPlane]
        One per overlay group; empty when the image has none.

    Raises
    ------
    OverlayDataError
        An overlay without rows or columns, or with fewer data bits than
        rows x columns x frames. The message names the group and the file.
    UnsupportedOverlayError
        An overlay embedded in compressed Pixel Data, or with Overlay Bits
        Allocated > 1 and no Pixel Data to take it from.
    """
    ds, path = dataset_of(source)
    name = path or "data set"
    planes = []
    for group in OVERLAY_GROUPS:
        if (group << 16 | 0x0010) not in ds:
            continue
        planes.append(_plane(ds, group, name, path))
    return planes


def _value(ds: Dataset, group: int, element: int, default: Any = None) -> Any:
    tag = group << 16 | element
    if tag not in ds:
        return default
    value = ds[tag].value
    return default if value is None or value == "" else value


def _text(ds: Dataset, group: int, element: int) -> str:
    return str(_value(ds, group, element, "")).strip()


def _plane(ds: Dataset, group: int, name: str, path: str | None) -> OverlayPlane:
    where = f"{name}: overlay group {group:04X}"
    try:
        rows = int(_value(ds, group, 0x0010, 0))
        columns = int(_value(ds, group, 0x0011, 0))
        frames_value = _value(ds, group, 0x0015)
        frames = int(frames_value) if frames_value is not None else 1
        origin_value = _value(ds, group, 0x0050, [1, 1])
        origin = (int(origin_value[0]), int(origin_value[1]))
        bits_allocated = int(_value(ds, group, 0x0100, 1))
        bit_position = int(_value(ds, group, 0x0102, 0))
        frame_origin = int(_value(ds, group, 0x0051, 1))
    except (TypeError, ValueError, IndexError) as exc:
        raise OverlayDataError(f"{where}: unreadable attribute ({exc})", path=path) from exc
    if rows < 1 or columns < 1 or frames < 1:
        raise OverlayDataError(
            f"{where}: {rows} rows x {columns} columns x {frames} frames is no bitmap", path=path
        )
    if (group << 16 | 0x3000) in ds:
        bits = _from_overlay_data(ds, group, rows, columns, frames, where, path)
        source: Literal["OverlayData", "PixelData"] = "OverlayData"
    else:
        bits = _from_pixel_data(
            ds, path, rows, columns, frames, bit_position, bits_allocated, where
        )
        source = "PixelData"
    return OverlayPlane(
        group=group,
        rows=rows,
        columns=columns,
        origin=origin,
        type=_text(ds, group, 0x0040) or "G",
        bits_allocated=bits_allocated,
        bit_position=bit_position,
        image_frame_origin=frame_origin,
        multi_frame=frames_value is not None,
        description=_text(ds, group, 0x0022),
        label=_text(ds, group, 0x1500),
        subtype=_text(ds, group, 0x0045),
        source=source,
        bits=bits,
    )


def _from_overlay_data(
    ds: Dataset, group: int, rows: int, columns: int, frames: int, where: str, path: str | None
) -> BoolArray:
    data = _value(ds, group, 0x3000, b"")
    need = rows * columns * frames
    if len(data) * 8 < need:
        raise OverlayDataError(
            f"{where}: Overlay Data holds {len(data) * 8} bits, "
            f"{rows} x {columns} x {frames} needs {need}",
            path=path,
        )
    # pydicom's unpacker also checks that the module's attributes fit together;
    # it warns (not fails) on surplus bytes, which padding to a word often adds.
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = ds.overlay_array(group)
    except (AttributeError, ValueError) as exc:
        raise OverlayDataError(f"{where}: {exc}", path=path) from exc
    return np.asarray(arr, bool).reshape(frames, rows, columns)


def _from_pixel_data(
    ds: Dataset,
    path: str | None,
    rows: int,
    columns: int,
    frames: int,
    bit_position: int,
    bits_allocated: int,
    where: str,
) -> BoolArray:
    """The overlay bit of each Pixel Data word (the retired embedded encoding)."""
    if bits_allocated <= 1:
        raise OverlayDataError(f"{where}: no Overlay Data (60xx,3000)", path=path)
    image_bits = int(ds.get("BitsAllocated") or 0)
    if image_bits not in (8, 16) or bit_position >= image_bits:
        raise UnsupportedOverlayError(
            f"{where}: embedded at bit {bit_position} of {image_bits}-bit pixels, not readable",
            path=path,
        )
    pixels = ds.get("PixelData")
    if pixels is None and path is not None:
        from pydicom import dcmread

        full = dcmread(path, force=True)
        ds, pixels = full, full.get("PixelData")
    if pixels is None:
        raise UnsupportedOverlayError(
            f"{where}: embedded in Pixel Data, which is not in this data set "
            "(pass the file or an Instance)",
            path=path,
        )
    tsyntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if tsyntax is not None and tsyntax.is_compressed:
        raise UnsupportedOverlayError(
            f"{where}: embedded in {tsyntax.name} Pixel Data; only uncompressed pixels "
            "keep the overlay bit",
            path=path,
        )
    image_rows, image_columns = int(ds.Rows), int(ds.Columns)
    image_frames = int(ds.get("NumberOfFrames") or 1)
    samples = int(ds.get("SamplesPerPixel") or 1)
    big = tsyntax is not None and not tsyntax.is_little_endian
    dtype = np.dtype(np.uint8) if image_bits == 8 else np.dtype(">u2" if big else "<u2")
    count = image_rows * image_columns * samples * image_frames
    if len(pixels) < count * dtype.itemsize or samples != 1:
        raise OverlayDataError(f"{where}: Pixel Data too short for the overlay", path=path)
    words = np.frombuffer(pixels, dtype, count).astype(np.uint16)
    words = words.reshape(image_frames, image_rows, image_columns)
    # An embedded overlay has the image's size (PS3.3 C.9.2.1.1, retired).
    if (rows, columns) != (image_rows, image_columns) or frames > image_frames:
        raise OverlayDataError(
            f"{where}: {rows} x {columns} overlay in a {image_rows} x {image_columns} image",
            path=path,
        )
    bits: BoolArray = ((words[:frames] >> bit_position) & 1).astype(bool)
    return bits
