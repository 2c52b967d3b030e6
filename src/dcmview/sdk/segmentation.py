"""Segmentations (SEG): segments, their colours, and masks on each source frame.

A Segmentation object (PS3.3 A.51, C.8.20) stores one or more *segments* (a
label, a category and type code, a recommended display colour) and frames of
mask data, each frame belonging to one segment (BINARY: 1 bit per pixel;
FRACTIONAL: a probability or occupancy, 0 .. Maximum Fractional Value) or,
in a Label Map Segmentation, holding every segment at once (LABELMAP: each
pixel's value is its segment number).

:class:`Segmentation` maps frames onto the frames of the source images:

- by reference: the Derivation Image functional group of each SEG frame names
  its source instance and, for a multi-frame source (tomosynthesis, enhanced
  CT/MR), the Referenced Frame Number;
- by geometry, when a frame names no source: the SEG frame whose plane and
  pixel grid (:mod:`dcmview.sdk.geometry`) are those of the source frame, in
  the same Frame of Reference.

:meth:`Segmentation.mask` returns, for one source frame, an array of shape
``(rows, columns, segments)`` in that frame's pixel space, equal to what
highdicom's ``Segmentation.get_pixels_by_source_instance`` /
``get_pixels_by_source_frame`` return (tests/sdk/test_segmentation.py checks
it for every source frame of the corpus). The SEG's frames are decoded by the
SDK (:meth:`Instance.decode`), one at a time and only those asked for.
Colours come from the segments' CIELab values through
``highdicom.color.CIELabColor`` (imported on first use).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dcmview.sdk._derived import (
    Code as Code,
    lab_to_rgb as lab_to_rgb,
    palette_color,
    source_frames,
    text,
    uid_index,
)
from dcmview.sdk._framegroups import first_item, functional_groups, is_dataset
from dcmview.sdk._types import AnyArray, ArrayU8, StrPath
from dcmview.sdk.errors import (
    DerivedObjectError,
    FrameIndexError,
    GeometryMismatchError,
    MissingSourceError,
    WrongObjectKindError,
)
from dcmview.sdk.geometry import Plane, frame_plane

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance

__all__ = [
    "SEGMENTATION_CLASSES",
    "Code",
    "Segment",
    "Segmentation",
    "SourceFrame",
    "read_segmentation",
]

#: Segmentation Storage and Label Map Segmentation Storage.
SEGMENTATION_CLASSES = ("1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.66.7")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a SEG.

    Parameters
    ----------
    number : int
        Segment Number (1-based, as in the file).
    label : str
        Segment Label.
    description : str
        Segment Description ("" when absent).
    category, type : Code or None
        Segmented Property Category and Type.
    algorithm_type : str
        ``"AUTOMATIC"``, ``"SEMIAUTOMATIC"``, ``"MANUAL"`` (LABELMAP background: may be "").
    algorithm_name : str
        Segment Algorithm Name ("" when absent).
    color : tuple of 3 int
        sRGB to show it in: the Recommended Display CIELab Value converted, or a
        palette colour when the file recommends none (``recommended`` False).
    recommended : bool
        Whether `color` comes from the file.
    tracking_id, tracking_uid : str
        Tracking ID and UID ("" when absent).
    """

    number: int
    label: str
    description: str = ""
    category: Code | None = None
    type: Code | None = None
    algorithm_type: str = ""
    algorithm_name: str = ""
    color: tuple[int, int, int] = (255, 0, 0)
    recommended: bool = False
    tracking_id: str = ""
    tracking_uid: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (colour as ``[r, g, b]`` and ``#rrggbb``)."""
        return {
            "number": self.number,
            "label": self.label,
            "description": self.description,
            "category": self.category.to_json() if self.category else None,
            "type": self.type.to_json() if self.type else None,
            "algorithm_type": self.algorithm_type,
            "algorithm_name": self.algorithm_name,
            "color": list(self.color),
            "color_hex": "#{:02x}{:02x}{:02x}".format(*self.color),
            "recommended_color": self.recommended,
            "tracking_id": self.tracking_id,
            "tracking_uid": self.tracking_uid,
        }


@dataclass(frozen=True, slots=True)
class SourceFrame:
    """A frame of a source image that a SEG has mask frames for.

    Parameters
    ----------
    sop_instance_uid : str
        The source instance.
    frame : int
        0-based frame index in it (0 for a single-frame image).
    index : int or None
        Its file index in the catalog the SEG was read with, when listed.
    """

    sop_instance_uid: str
    frame: int
    index: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"sop_instance_uid": self.sop_instance_uid, "frame": self.frame, "index": self.index}


def _segment(item: Dataset, path: str) -> Segment:
    try:
        number = int(item.SegmentNumber)
    except (AttributeError, TypeError, ValueError) as exc:
        raise DerivedObjectError(
            f"{path}: a Segment Sequence item has no usable Segment Number", path=path
        ) from exc
    lab = item.get("RecommendedDisplayCIELabValue")
    color: tuple[int, int, int] | None = None
    if lab is not None and len(lab) == 3:
        with contextlib.suppress(TypeError, ValueError):  # unreadable: the palette's colour
            color = lab_to_rgb(lab)
    return Segment(
        number=number,
        label=text(item, "SegmentLabel"),
        description=text(item, "SegmentDescription"),
        category=Code.from_item(first_item(item, "SegmentedPropertyCategoryCodeSequence")),
        type=Code.from_item(first_item(item, "SegmentedPropertyTypeCodeSequence")),
        algorithm_type=text(item, "SegmentAlgorithmType"),
        algorithm_name=text(item, "SegmentAlgorithmName"),
        color=color or palette_color(number),
        recommended=color is not None,
        tracking_id=text(item, "TrackingID"),
        tracking_uid=text(item, "TrackingUID"),
    )


class Segmentation:
    """A SEG read for display: its segments and a mask per source frame.

    Use :func:`read_segmentation` (or the constructor with an
    :class:`~dcmview.sdk.instance.Instance`).

    Parameters
    ----------
    instance : Instance
        The SEG file.
    catalog : Catalog, optional
        Where its source images are; needed to place frames that refer by
        geometry only, and to resolve :attr:`sources` to file indices.

    Attributes
    ----------
    type : str
        ``"BINARY"``, ``"FRACTIONAL"`` or ``"LABELMAP"``.
    segments : tuple of Segment
        The segments, by number; a label map's background is not one of them.
    background : Segment or None
        A label map's background segment (its number is the Pixel Padding Value).
    fractional_type : str
        ``"PROBABILITY"`` or ``"OCCUPANCY"`` for FRACTIONAL, else "".
    max_fractional_value : int
        The stored value meaning 1.0 (FRACTIONAL).
    frame_of_reference_uid : str
        Its Frame of Reference UID.
    rows, columns : int
        The size of its frames (and of its source frames).

    Raises
    ------
    WrongObjectKindError
        The file is not a Segmentation.
    DerivedObjectError
        Its Segment Sequence, Segmentation Type or frame data are unusable.
    """

    def __init__(self, instance: Instance, catalog: Catalog | None = None) -> None:
        ds = instance.dataset
        self._instance = instance
        self._catalog = catalog
        path = instance.path
        if text(ds, "SOPClassUID") not in SEGMENTATION_CLASSES:
            raise WrongObjectKindError(
                f"{path} is not a Segmentation (SOP Class {text(ds, 'SOPClassUID') or 'missing'})",
                path=path,
            )
        self.type: str = text(ds, "SegmentationType").upper()
        if self.type not in ("BINARY", "FRACTIONAL", "LABELMAP"):
            raise DerivedObjectError(
                f"{path}: Segmentation Type {self.type or 'missing'!r} is not BINARY, "
                "FRACTIONAL or LABELMAP",
                path=path,
            )
        items = [i for i in ds.get("SegmentSequence") or [] if is_dataset(i)]
        if not items:
            raise DerivedObjectError(f"{path}: the SEG has no Segment Sequence", path=path)
        every = sorted((_segment(i, path) for i in items), key=lambda s: s.number)
        # A label map's background is the segment numbered by Pixel Padding Value
        # (PS3.3 C.8.20.2.1): described, but not a segment to show.
        padding = ds.get("PixelPaddingValue") if self.type == "LABELMAP" else None
        self.background: Segment | None = next(
            (x for x in every if padding is not None and x.number == padding), None
        )
        self.segments: tuple[Segment, ...] = tuple(x for x in every if x is not self.background)
        self.fractional_type: str = text(ds, "SegmentationFractionalType")
        try:
            self.max_fractional_value = int(ds.get("MaximumFractionalValue", 255) or 255)
        except (TypeError, ValueError):
            self.max_fractional_value = 255
        self.frame_of_reference_uid: str = text(ds, "FrameOfReferenceUID")
        self.rows, self.columns = instance.rows, instance.columns
        numbers = {s.number for s in self.segments}
        # per SEG frame: its segment (None for LABELMAP), its sources, its plane
        self._frame_segment: list[int | None] = []
        self._by_source: dict[tuple[str, int | None], list[int]] = {}
        self._planes: list[Plane | None] = []
        for k in range(instance.number_of_frames):
            groups = list(functional_groups(ds, k))
            segment: int | None = None
            if self.type != "LABELMAP":
                ident = None
                for g in groups:
                    ident = first_item(g, "SegmentIdentificationSequence")
                    if ident is not None:
                        break
                try:
                    segment = int(ident.ReferencedSegmentNumber) if ident is not None else None
                except (AttributeError, TypeError, ValueError):
                    segment = None
                if segment not in numbers:
                    raise DerivedObjectError(
                        f"{path}: frame {k + 1} names segment {segment}, which the Segment "
                        f"Sequence does not define ({sorted(numbers)})",
                        path=path,
                    )
            self._frame_segment.append(segment)
            for key in source_frames(groups):
                self._by_source.setdefault(key, []).append(k)
            self._planes.append(frame_plane(ds, k))

    def __repr__(self) -> str:
        return f"<Segmentation {self.type} {len(self.segments)} segments {self.path!r}>"

    @property
    def path(self) -> str:
        """The SEG file."""
        return self._instance.path

    @property
    def instance(self) -> Instance:
        """The SEG file as an :class:`Instance`."""
        return self._instance

    @property
    def by_geometry(self) -> bool:
        """Whether frames name no source instance (placed by Frame of Reference and plane)."""
        return not self._by_source

    def segment(self, number: int) -> Segment:
        """The segment numbered `number` (KeyError-like :class:`DerivedObjectError` if none)."""
        for s in self.segments:
            if s.number == number:
                return s
        raise DerivedObjectError(f"{self.path} has no segment {number}", path=self.path)

    @property
    def sources(self) -> list[SourceFrame]:
        """The source frames that have mask frames, by reference, in a stable order."""
        by_uid = self._uids()
        out = []
        for uid, frame in sorted(self._by_source, key=lambda k: (k[0], k[1] or 0)):
            out.append(SourceFrame(uid, frame or 0, by_uid.get(uid)))
        return out

    def missing_sources(self) -> list[str]:
        """Source SOP Instance UIDs the catalog does not have (all, without a catalog)."""
        by_uid = self._uids()
        return sorted({uid for uid, _ in self._by_source if uid not in by_uid})

    def _uids(self) -> dict[str, int]:
        return uid_index(self._catalog)

    # -- masks ---------------------------------------------------------------

    def frames_for(self, source: Instance | str, frame: int = 0) -> list[int]:
        """The SEG frame indices (0-based) holding masks for a source frame.

        Parameters
        ----------
        source : Instance or str
            The source image, or its SOP Instance UID.
        frame : int
            0-based frame of the source.

        Raises
        ------
        MissingSourceError
            The SEG neither names `source` nor can be placed on it by geometry.
        GeometryMismatchError
            Sizes differ, or a frame lies on the source plane with another pixel grid.
        """
        uid = source if isinstance(source, str) else source.sop_instance_uid
        found = self._by_source.get((uid, frame))
        if found is None and frame == 0:
            found = self._by_source.get((uid, None))
        if found is not None:
            if not isinstance(source, str):
                self._check_size(source)
            return found
        if any(u == uid for u, _ in self._by_source):
            return []  # a named source, but no mask on this frame of it
        if isinstance(source, str):
            source = self._find(uid)
        return self._by_plane(source, frame)

    def _find(self, uid: str) -> Instance:
        index = self._uids().get(uid)
        if index is not None and self._catalog is not None:
            return self._catalog[index]
        raise MissingSourceError(
            f"{self.path} does not refer to {uid}, and that instance is not in the catalog "
            "to place the SEG by geometry",
            path=self.path,
        )

    def _check_size(self, source: Instance) -> None:
        if (source.rows, source.columns) != (self.rows, self.columns):
            raise GeometryMismatchError(
                f"{self.path} is {self.rows}x{self.columns} but its source "
                f"{source.path} is {source.rows}x{source.columns}",
                path=self.path,
            )

    def _by_plane(self, source: Instance, frame: int) -> list[int]:
        ds = source.dataset
        forward = text(ds, "FrameOfReferenceUID")
        if not self.frame_of_reference_uid or forward != self.frame_of_reference_uid:
            raise MissingSourceError(
                f"{self.path} does not refer to {source.path}, and they do not share a Frame "
                "of Reference",
                path=self.path,
            )
        plane = frame_plane(ds, frame)
        if plane is None:
            raise GeometryMismatchError(
                f"{source.path} frame {frame} has no plane geometry to place {self.path} on",
                path=self.path,
            )
        hits, near = [], False
        for k, p in enumerate(self._planes):
            if p is None:
                continue
            if p.same_grid(plane):
                hits.append(k)
            elif p.same_plane(plane):
                near = True
        if not hits and near:
            raise GeometryMismatchError(
                f"{self.path} has frames on the plane of {source.path} frame {frame}, "
                "but on another pixel grid (resampling is not supported)",
                path=self.path,
            )
        return hits

    def mask(
        self,
        source: Instance | str,
        frame: int = 0,
        segments: Sequence[int] | None = None,
    ) -> AnyArray:
        """The masks of one source frame, in its pixel space.

        Parameters
        ----------
        source : Instance or str
            The source image (or its SOP Instance UID; an Instance is needed to
            place a SEG that refers by geometry, unless the SEG has a catalog).
        frame : int
            0-based frame of the source.
        segments : sequence of int, optional
            Segment numbers, in the order wanted; all segments by default.

        Returns
        -------
        numpy.ndarray, shape (rows, columns, len(segments))
            uint8 0/1 for BINARY and LABELMAP, float32 in [0, 1] for FRACTIONAL
            (stored value / Maximum Fractional Value); zeros where the SEG has no
            frame for a segment.

        Raises
        ------
        MissingSourceError, GeometryMismatchError
            As :meth:`frames_for`.
        DerivedObjectError
            A segment number that the SEG does not define.
        """
        wanted = [s.number for s in self.segments] if segments is None else list(segments)
        for n in wanted:
            self.segment(n)
        fractional = self.type == "FRACTIONAL"
        dtype = np.float32 if fractional else np.uint8
        out = np.zeros((self.rows, self.columns, len(wanted)), dtype=dtype)
        position = {n: i for i, n in enumerate(wanted)}
        for k in self.frames_for(source, frame):
            stored = self._decode(k)
            if self.type == "LABELMAP":
                for n, at in position.items():
                    out[:, :, at] |= (stored == n).astype(np.uint8)
                continue
            seg = self._frame_segment[k]
            i = position.get(seg) if seg is not None else None
            if i is None:
                continue
            if fractional:
                values = stored.astype(np.float32) / np.float32(self.max_fractional_value)
                out[:, :, i] = np.maximum(out[:, :, i], values)
            else:
                out[:, :, i] |= (stored != 0).astype(np.uint8)
        return out

    def _decode(self, k: int) -> AnyArray:
        arr = self._instance.decode(k)
        if arr.shape[:2] != (self.rows, self.columns):  # pragma: no cover - decode guards it
            raise DerivedObjectError(
                f"{self.path}: frame {k + 1} has the wrong size", path=self.path
            )
        return arr

    def label_map(self, source: Instance | str, frame: int = 0) -> AnyArray:
        """One array of segment numbers for a source frame (0: no segment), uint16.

        Where segments overlap (BINARY or FRACTIONAL masks may), the highest
        segment number wins; a FRACTIONAL pixel counts as in a segment at >= 0.5.
        """
        masks = self.mask(source, frame)
        out = np.zeros((self.rows, self.columns), dtype=np.uint16)
        for i, s in enumerate(self.segments):
            inside = masks[:, :, i] >= 0.5 if self.type == "FRACTIONAL" else masks[:, :, i] > 0
            out[inside] = s.number
        return out

    def overlay(
        self,
        source: Instance | str,
        frame: int = 0,
        opacity: float = 0.5,
        segments: Any = None,
        colors: Mapping[int, tuple[int, int, int]] | None = None,
    ) -> ArrayU8:
        """An RGBA image (uint8, rows x columns x 4) of the segments in their colours.

        Fractional values scale the opacity; transparent where no segment is. Composite
        it over the source frame. `segments`: only these Segment Numbers (all: None);
        `colors`: sRGB by Segment Number, in place of :attr:`Segment.color`."""
        masks = self.mask(source, frame).astype(np.float32)
        if segments is not None:
            masks[:, :, [i for i, s in enumerate(self.segments) if s.number not in segments]] = 0
        return self._rgba(masks, opacity, colors)

    def frame_overlay(
        self, k: int, opacity: float = 0.5, colors: Mapping[int, Any] | None = None
    ) -> ArrayU8:
        """The RGBA image of the SEG's own frame `k` (0-based), as :meth:`overlay` draws it.

        The SEG's frames in its own numbering, whatever source they lie on (the
        predecessor's ``/segmentation-overlay`` addresses SEG frames this way).

        Raises
        ------
        FrameIndexError
            `k` outside the SEG's frames.
        """
        if not 0 <= k < len(self._frame_segment):
            raise FrameIndexError(
                f"{self.path} has {len(self._frame_segment)} frames; frame {k} does not exist",
                path=self.path,
            )
        stored = self._decode(k)
        masks = np.zeros((self.rows, self.columns, len(self.segments)), dtype=np.float32)
        for i, s in enumerate(self.segments):
            if self.type == "LABELMAP":
                masks[:, :, i] = stored == s.number
            elif self._frame_segment[k] == s.number:
                if self.type == "FRACTIONAL":
                    masks[:, :, i] = stored / np.float32(self.max_fractional_value)
                else:
                    masks[:, :, i] = stored != 0
        return self._rgba(masks, opacity, colors)

    def _rgba(
        self, masks: AnyArray, opacity: float, colors: Mapping[int, Any] | None = None
    ) -> ArrayU8:
        # One layer per segment, in its colour, composited "over" in segment order.
        rgb: AnyArray = np.zeros((self.rows, self.columns, 3), dtype=np.float32)
        alpha: AnyArray = np.zeros((self.rows, self.columns), dtype=np.float32)
        for i, s in enumerate(self.segments):
            a = masks[:, :, i] * float(opacity)
            color = np.asarray((colors or {}).get(s.number, s.color), np.float32)
            rgb = rgb * (1 - a[..., None]) + color * a[..., None]
            alpha = alpha + a * (1 - alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            # rgb above is premultiplied by alpha: undo it where alpha > 0
            straight = np.where(alpha[..., None] > 0, rgb / np.maximum(alpha, 1e-6)[..., None], 0)
        out = np.empty((self.rows, self.columns, 4), dtype=np.uint8)
        out[..., :3] = np.clip(np.rint(straight), 0, 255).astype(np.uint8)
        out[..., 3] = np.clip(np.rint(alpha * 255), 0, 255).astype(np.uint8)
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: type, segments, the source frames it covers."""
        return {
            "path": self.path,
            "sop_instance_uid": self._instance.sop_instance_uid,
            "type": self.type,
            "fractional_type": self.fractional_type,
            "max_fractional_value": self.max_fractional_value,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "rows": self.rows,
            "columns": self.columns,
            "by_geometry": self.by_geometry,
            "segments": [s.to_json() for s in self.segments],
            "sources": [s.to_json() for s in self.sources],
            "missing_sources": self.missing_sources() if self._catalog is not None else [],
        }


def read_segmentation(source: Instance | StrPath, catalog: Catalog | None = None) -> Segmentation:
    """Read a SEG file (or an opened Instance) for display.

    Parameters
    ----------
    source : Instance or str or os.PathLike
        The SEG.
    catalog : Catalog, optional
        Where its source images are (see :class:`Segmentation`).

    Returns
    -------
    Segmentation

    Raises
    ------
    WrongObjectKindError, DerivedObjectError
        Not a SEG, or a broken one; the message names the file.
    InvalidPathError, NotDicomError
        As :func:`dcmview.sdk.open`.
    """
    from dcmview.sdk.instance import Instance, open

    inst = source if isinstance(source, Instance) else open(source)
    return Segmentation(inst, catalog)
