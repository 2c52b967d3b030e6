"""RT Structure Sets: ROI contours as polygons in the pixel coordinates of the images they lie on.

An RT Structure Set (PS3.3 A.19) names its ROIs in the Structure Set ROI
Sequence (3006,0020) (number, name, Frame of Reference) and draws them in the
ROI Contour Sequence (3006,0039): per ROI a display colour and contours, each
a list of patient points (LPS mm) of one geometric type: ``CLOSED_PLANAR``
(a polygon, last point joined to the first), ``OPEN_PLANAR`` (a polyline),
``POINT`` (one point) or ``OPEN_NONPLANAR``.

A contour is drawn on an image frame when it **matches** it:

1. by reference: when the contour lists images in its Contour Image Sequence
   (3006,0016) and the frame's SOP Instance UID is known, the contour lies on
   exactly the listed images (and frames, for a multi-frame image);
2. else by plane: the frame's Frame of Reference UID is the ROI's, and every
   point of the contour lies within half the frame's Slice Thickness of its
   plane (0.5 mm when the thickness is not given).

Polygons are given in the frame's ``(row, column)`` pixel coordinates, integers
at pixel centres, as everywhere in :mod:`dcmview.sdk.geometry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import numpy as np

from dcmview.sdk._derived import dataset_of
from dcmview.sdk._types import ArrayF64, StrPath
from dcmview.sdk.errors import (
    ContourImageError as ContourImageError,
    ImageGeometryError as ImageGeometryError,
    StructureSetError as StructureSetError,
)
from dcmview.sdk.geometry import Plane, frame_plane

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk.instance import Instance

__all__ = [
    "Contour",
    "ContourImageError",
    "ImageContour",
    "ImageGeometryError",
    "Structure",
    "StructureSet",
    "StructureSetError",
    "read_structure_set",
]

GEOMETRIC_TYPES = ("CLOSED_PLANAR", "OPEN_PLANAR", "POINT", "OPEN_NONPLANAR")
#: Half the slab a contour may lie in when the image gives no Slice Thickness (mm).
DEFAULT_HALF_THICKNESS_MM = 0.5


@dataclass(frozen=True, slots=True, eq=False)
class Contour:
    """One contour of an ROI, in patient coordinates.

    Attributes
    ----------
    geometric_type : str
        ``CLOSED_PLANAR``, ``OPEN_PLANAR``, ``POINT`` or ``OPEN_NONPLANAR``.
    points : numpy.ndarray
        float64 (N, 3), LPS mm.
    images : tuple of (str, int or None)
        Contour Image Sequence: (Referenced SOP Instance UID, 0-based frame
        index or None for every frame); empty when not given.
    """

    geometric_type: str
    points: ArrayF64 = field(repr=False)
    images: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Structure:
    """One ROI of a structure set: its number, name, colour and contours.

    Attributes
    ----------
    number : int
        ROI Number (3006,0022).
    name : str
        ROI Name (3006,0026).
    color : tuple[int, int, int] or None
        ROI Display Color (3006,002A), RGB 0-255.
    interpreted_type : str
        RT ROI Interpreted Type (3006,00A4): ``ORGAN``, ``PTV``, ``EXTERNAL``, ...; ``""``.
    frame_of_reference_uid : str or None
        Referenced Frame of Reference UID (3006,0024).
    contours : tuple of Contour
    """

    number: int
    name: str
    color: tuple[int, int, int] | None
    interpreted_type: str
    frame_of_reference_uid: str | None
    contours: tuple[Contour, ...]


class ImageContourJson(TypedDict):
    """JSON-ready :class:`ImageContour`."""

    roi_number: int
    roi_name: str
    color: str | None
    geometric_type: str
    matched_by: str
    points: list[list[float]]


@dataclass(frozen=True, slots=True, eq=False)
class ImageContour:
    """A contour placed on one image frame.

    Attributes
    ----------
    roi_number, roi_name, color
        Of its :class:`Structure`.
    geometric_type : str
        As :attr:`Contour.geometric_type`; a ``CLOSED_PLANAR`` polygon is closed
        implicitly (its last point is not repeated).
    points : numpy.ndarray
        float64 (N, 2) ``(row, column)`` in the frame's pixels.
    matched_by : {"reference", "plane"}
        How the contour was found to lie on the frame.
    """

    roi_number: int
    roi_name: str
    color: tuple[int, int, int] | None
    geometric_type: str
    points: ArrayF64 = field(repr=False)
    matched_by: Literal["reference", "plane"]

    def to_json(self) -> ImageContourJson:
        """JSON-ready: colour as ``#rrggbb``, points as lists of [row, column]."""
        color = "#{:02x}{:02x}{:02x}".format(*self.color) if self.color else None
        return ImageContourJson(
            roi_number=self.roi_number,
            roi_name=self.roi_name,
            color=color,
            geometric_type=self.geometric_type,
            matched_by=self.matched_by,
            points=np.round(self.points, 3).tolist(),
        )


@dataclass(frozen=True, slots=True)
class ContourMatch:
    """Which contours lie on which images (:meth:`StructureSet.match`).

    Attributes
    ----------
    by_image : dict
        ``(SOP Instance UID, frame index)`` -> the :class:`ImageContour` on it.
    unmatched : tuple of (str, int)
        (ROI name, contour index in its ROI) of the contours on no image given.
    """

    by_image: dict[tuple[str, int], list[ImageContour]]
    unmatched: tuple[tuple[str, int], ...]


class StructureSet:
    """The ROIs of an RT Structure Set, read once.

    Build it with :func:`read_structure_set` or :meth:`from_dataset`.

    Attributes
    ----------
    structures : tuple of Structure
        In Structure Set ROI Sequence order.
    path : str or None
    sop_instance_uid, label, name : str
    frame_of_reference_uids : tuple of str
        The Referenced Frame of Reference Sequence's UIDs.
    """

    def __init__(
        self,
        structures: Sequence[Structure],
        *,
        sop_instance_uid: str = "",
        label: str = "",
        name: str = "",
        frame_of_reference_uids: Sequence[str] = (),
        path: str | None = None,
    ) -> None:
        self.structures = tuple(structures)
        self.sop_instance_uid = sop_instance_uid
        self.label = label
        self.name = name
        self.frame_of_reference_uids = tuple(frame_of_reference_uids)
        self.path = path

    def __repr__(self) -> str:
        return f"StructureSet({self.path or self.sop_instance_uid!r}, {len(self.structures)} ROIs)"

    def __getitem__(self, name: str) -> Structure:
        """The ROI called `name` (:class:`KeyError` if none is)."""
        for s in self.structures:
            if s.name == name:
                return s
        raise KeyError(name)

    @classmethod
    def from_dataset(cls, ds: Dataset, *, path: str | None = None) -> StructureSet:
        """Read the ROIs of a structure set's data set; see :func:`read_structure_set`."""
        where = path or "data set"
        modality = str(ds.get("Modality", "")).upper()
        if modality and modality != "RTSTRUCT":
            raise StructureSetError(f"{where}: Modality {modality}, not an RTSTRUCT", path=path)
        if "StructureSetROISequence" not in ds:
            raise StructureSetError(f"{where}: no Structure Set ROI Sequence", path=path)
        try:
            rois = {int(item.ROINumber): item for item in ds.StructureSetROISequence}
            kinds = {
                int(item.ReferencedROINumber): str(item.get("RTROIInterpretedType", "") or "")
                for item in ds.get("RTROIObservationsSequence", [])
            }
            drawn = {
                int(item.ReferencedROINumber): item for item in ds.get("ROIContourSequence", [])
            }
        except (AttributeError, TypeError, ValueError) as exc:
            raise StructureSetError(f"{where}: bad ROI number ({exc})", path=path) from exc
        unknown = sorted(set(drawn) - set(rois))
        if unknown:
            raise StructureSetError(
                f"{where}: ROI Contour Sequence draws ROI numbers {unknown} that the "
                "Structure Set ROI Sequence does not name",
                path=path,
            )
        structures = []
        for number, roi in rois.items():
            item = drawn.get(number)
            forward = roi.get("ReferencedFrameOfReferenceUID")
            structures.append(
                Structure(
                    number=number,
                    name=str(roi.get("ROIName", "") or ""),
                    color=_colour(item.get("ROIDisplayColor")) if item is not None else None,
                    interpreted_type=kinds.get(number, ""),
                    frame_of_reference_uid=str(forward) if forward else None,
                    contours=tuple(
                        _contour(c, f"{where}: ROI {number}, contour {i}", path)
                        for i, c in enumerate(item.get("ContourSequence", []) if item else [])
                    ),
                )
            )
        forwards = [
            str(item.FrameOfReferenceUID)
            for item in ds.get("ReferencedFrameOfReferenceSequence", [])
            if item.get("FrameOfReferenceUID")
        ]
        return cls(
            structures,
            sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
            label=str(ds.get("StructureSetLabel", "") or ""),
            name=str(ds.get("StructureSetName", "") or ""),
            frame_of_reference_uids=forwards,
            path=path,
        )

    def contours_on(
        self,
        plane: Plane,
        *,
        sop_instance_uid: str | None = None,
        index: int = 0,
    ) -> list[ImageContour]:
        """The contours that lie on one image frame, in its pixel coordinates.

        Parameters
        ----------
        plane : Plane
            The frame's plane (``geometry.frame_plane(dataset, index)``).
        sop_instance_uid : str, optional
            The image's SOP Instance UID; contours that list images match by it.
        index : int
            The frame's 0-based index (for references to frames of a multi-frame image).

        Returns
        -------
        list[ImageContour]
            In ROI order, then contour order.
        """
        out = []
        half = plane.thickness / 2 if plane.thickness else DEFAULT_HALF_THICKNESS_MM
        for s in self.structures:
            for contour in s.contours:
                how = _matches(s, contour, plane, sop_instance_uid, index, half)
                if how is not None:
                    out.append(
                        ImageContour(
                            roi_number=s.number,
                            roi_name=s.name,
                            color=s.color,
                            geometric_type=contour.geometric_type,
                            points=plane.to_pixel(contour.points),
                            matched_by=how,
                        )
                    )
        return out

    def contours_for(
        self, image: Instance | Dataset | StrPath, index: int = 0
    ) -> list[ImageContour]:
        """The contours on frame `index` of `image` (its plane read from its header).

        Raises
        ------
        ImageGeometryError
            The frame has no plane geometry.
        """
        ds, path = dataset_of(image)
        plane = frame_plane(ds, index)
        if plane is None:
            raise ImageGeometryError(
                f"{path or 'image'}: frame {index} has no Image Position, Orientation "
                "and Pixel Spacing to place contours on",
                path=path,
            )
        uid = str(ds.get("SOPInstanceUID", "")) or None
        return self.contours_on(plane, sop_instance_uid=uid, index=index)

    def match(
        self, images: Iterable[Instance | Dataset | StrPath], *, strict: bool = False
    ) -> ContourMatch:
        """Place every contour on the frames of `images` it lies on.

        Parameters
        ----------
        images : iterable of Instance, Dataset or path
            E.g. the instances of the series the structure set was drawn on.
            Frames without plane geometry are skipped.
        strict : bool
            Raise when a contour lies on none of the frames.

        Returns
        -------
        ContourMatch

        Raises
        ------
        ContourImageError
            With `strict`: the message names the structure set, the ROI and the contour.
        """
        by_image: dict[tuple[str, int], list[ImageContour]] = {}
        placed: set[tuple[int, int]] = set()
        for image in images:
            ds, _ = dataset_of(image)
            uid = str(ds.get("SOPInstanceUID", ""))
            frames = int(ds.get("NumberOfFrames") or 1)
            for index in range(frames):
                plane = frame_plane(ds, index)
                if plane is None:
                    continue
                half = plane.thickness / 2 if plane.thickness else DEFAULT_HALF_THICKNESS_MM
                found = []
                for s in self.structures:
                    for i, contour in enumerate(s.contours):
                        how = _matches(s, contour, plane, uid or None, index, half)
                        if how is None:
                            continue
                        placed.add((s.number, i))
                        found.append(
                            ImageContour(
                                s.number, s.name, s.color, contour.geometric_type,
                                plane.to_pixel(contour.points), how,
                            )
                        )  # fmt: skip
                if found:
                    by_image[(uid, index)] = found
        unmatched = tuple(
            (s.name, i)
            for s in self.structures
            for i in range(len(s.contours))
            if (s.number, i) not in placed
        )
        if strict and unmatched:
            name, i = unmatched[0]
            where = self.path or self.sop_instance_uid or "structure set"
            raise ContourImageError(
                f"{where}: contour {i} of ROI {name!r} lies on none of the images given "
                f"({len(unmatched)} contours unmatched)",
                path=self.path,
            )
        return ContourMatch(by_image, unmatched)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the structure set's label and its ROIs (no points)."""
        return {
            "sop_instance_uid": self.sop_instance_uid,
            "label": self.label,
            "name": self.name,
            "frame_of_reference_uids": list(self.frame_of_reference_uids),
            "rois": [
                {
                    "number": s.number,
                    "name": s.name,
                    "color": "#{:02x}{:02x}{:02x}".format(*s.color) if s.color else None,
                    "interpreted_type": s.interpreted_type,
                    "contours": len(s.contours),
                }
                for s in self.structures
            ],
        }


def read_structure_set(source: Instance | Dataset | StrPath) -> StructureSet:
    """Read an RT Structure Set.

    Parameters
    ----------
    source : Instance, pydicom.dataset.Dataset, str or os.PathLike

    Returns
    -------
    StructureSet

    Raises
    ------
    StructureSetError
        Not an RTSTRUCT, no Structure Set ROI Sequence, a contour drawn for an
        unnamed ROI, Contour Data not in (x, y, z) triples or not matching
        Number of Contour Points, an unknown Contour Geometric Type. The
        message names the file, the ROI and the contour.
    """
    ds, path = dataset_of(source)
    return StructureSet.from_dataset(ds, path=path)


def _colour(value: Any) -> tuple[int, int, int] | None:
    try:
        r, g, b = (int(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (r, g, b)


def _contour(item: Dataset, where: str, path: str | None) -> Contour:
    kind = str(item.get("ContourGeometricType", "") or "").strip().upper()
    if kind not in GEOMETRIC_TYPES:
        raise StructureSetError(f"{where}: Contour Geometric Type {kind!r}", path=path)
    try:
        data = np.asarray([float(v) for v in item.get("ContourData") or []], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StructureSetError(f"{where}: Contour Data not numbers ({exc})", path=path) from exc
    if data.size == 0 or data.size % 3:
        raise StructureSetError(
            f"{where}: Contour Data has {data.size} values, not (x, y, z) triples", path=path
        )
    points = data.reshape(-1, 3)
    declared = item.get("NumberOfContourPoints")
    if declared not in (None, "") and int(declared) != len(points):
        raise StructureSetError(
            f"{where}: {len(points)} points, Number of Contour Points says {declared}", path=path
        )
    images: list[tuple[str, int | None]] = []
    for ref in item.get("ContourImageSequence", []):
        uid = str(ref.get("ReferencedSOPInstanceUID", "") or "")
        frames = ref.get("ReferencedFrameNumber")
        if not uid:
            continue
        if frames in (None, ""):
            images.append((uid, None))
        else:
            numbers = frames if isinstance(frames, list | tuple) else [frames]
            images.extend((uid, int(n) - 1) for n in numbers)  # 1-based in DICOM
    return Contour(kind, points, tuple(images))


def _matches(
    s: Structure,
    contour: Contour,
    plane: Plane,
    uid: str | None,
    index: int,
    half: float,
) -> Literal["reference", "plane"] | None:
    if contour.images and uid:
        hit = any(u == uid and (f is None or f == index) for u, f in contour.images)
        return "reference" if hit else None
    forward = plane.frame_of_reference_uid
    if not forward or forward != s.frame_of_reference_uid:
        return None
    if np.all(np.abs(plane.distance(contour.points)) <= half + 1e-6):
        return "plane"
    return None
