"""Calibration: what it takes to measure on a frame and to say which way the patient faces.

A viewer's length ruler and scale bar need the physical size of a pixel, its
orientation markers need the directions of the rows and columns in the patient,
and a mammography reader looks for the side (laterality). :func:`calibration`
reads these of one frame from a pydicom header, looking in the frame's
functional groups first (PS3.3 C.7.6.16), as the rest of the SDK does.
Values that are absent or malformed are None, never an error: a viewer then
measures in pixels and shows no markers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from dcmview.sdk._framegroups import first_item, functional_groups

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["Calibration", "calibration"]

# PS3.3 C.7.6.1.1.1: Patient Orientation letters (anterior, posterior, right, left,
# head, foot); quadruped terms are not drawn by a viewer and are dropped.
_ORIENTATION_LETTERS: Final = frozenset("APRLHF")
# Image Laterality (0020,0062) and Frame Laterality (0020,9072): R, L, U (unpaired),
# B (both); Laterality (0020,0060) of the series: R or L.
_LATERALITIES: Final = frozenset({"R", "L", "U", "B"})


@dataclass(frozen=True, slots=True)
class Calibration:
    """The spacing, orientation and laterality of one frame.

    Parameters
    ----------
    pixel_spacing : tuple of float or None
        Pixel Spacing (0028,0030), ``(row spacing, column spacing)`` in mm: the
        distance between the centres of adjacent rows, then of adjacent columns,
        in the patient (PS3.3 10.7.1.3).
    imager_pixel_spacing : tuple of float or None
        Imager Pixel Spacing (0018,1164), the same pair at the detector of a
        projection image (not corrected for the geometric magnification).
    image_orientation_patient : tuple of float or None
        Image Orientation (Patient) (0020,0037): the direction cosines of the first
        row (the way the column index grows) and of the first column (the way the
        row index grows), in LPS patient coordinates; six numbers.
    patient_orientation : tuple of str or None
        Patient Orientation (0020,0020): the patient directions of the rows and of
        the columns as letters (``("A", "R")``, ``("P", "FL")``) for an image without
        Image Orientation (Patient), as mammograms and radiographs are.
    laterality : str or None
        ``"R"``, ``"L"``, ``"U"`` or ``"B"``: Image Laterality (0020,0062), else the
        frame's Frame Laterality (0020,9072), else the series' Laterality (0020,0060).
    """

    pixel_spacing: tuple[float, float] | None = None
    imager_pixel_spacing: tuple[float, float] | None = None
    image_orientation_patient: tuple[float, float, float, float, float, float] | None = None
    patient_orientation: tuple[str, str] | None = None
    laterality: str | None = None


def calibration(ds: Dataset, index: int = 0) -> Calibration:
    """Return the spacing, orientation and laterality of frame `index` of a header.

    A functional-group attribute of the frame overrides the shared one, which
    overrides the top level: Pixel Spacing from the Pixel Measures Sequence,
    Image Orientation (Patient) from the Plane Orientation Sequence, Frame
    Laterality from the Frame Anatomy Sequence.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The instance's header (pixel data need not be read).
    index : int, optional
        0-based frame index; 0 by default.

    Returns
    -------
    Calibration
        Whatever the header holds; absent or malformed values are None.

    Examples
    --------
    >>> from pydicom import Dataset
    >>> ds = Dataset()
    >>> ds.ImagerPixelSpacing = ["0.1", "0.1"]
    >>> ds.PatientOrientation = ["A", "R"]
    >>> ds.ImageLaterality = "L"
    >>> c = calibration(ds)
    >>> c.pixel_spacing, c.imager_pixel_spacing, c.patient_orientation, c.laterality
    (None, (0.1, 0.1), ('A', 'R'), 'L')
    """
    groups = list(functional_groups(ds, index))
    spacing = _pair(_grouped(ds, groups, "PixelMeasuresSequence", "PixelSpacing"))
    iop = _grouped(ds, groups, "PlaneOrientationSequence", "ImageOrientationPatient")
    laterality = _laterality(ds.get("ImageLaterality"))
    if laterality is None:
        for g in groups:
            anatomy = first_item(g, "FrameAnatomySequence")
            if anatomy is not None and (side := _laterality(anatomy.get("FrameLaterality"))):
                laterality = side
                break
    if laterality is None:
        laterality = _laterality(ds.get("Laterality"))
    return Calibration(
        pixel_spacing=spacing,
        imager_pixel_spacing=_pair(ds.get("ImagerPixelSpacing")),
        image_orientation_patient=_cosines(iop),
        patient_orientation=_patient_orientation(ds.get("PatientOrientation")),
        laterality=laterality,
    )


def _grouped(ds: Dataset, groups: list[Dataset], sequence: str, keyword: str) -> Any:
    """`keyword` in the first functional group item that has it, else at the top level."""
    for g in groups:
        item = first_item(g, sequence)
        if item is not None and keyword in item:
            return item.get(keyword)
    return ds.get(keyword)


def _numbers(value: Any, count: int) -> list[float] | None:
    """`count` finite numbers from a multi-valued DS, or None."""
    if value is None or isinstance(value, (str, bytes)):
        return None
    try:
        out = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(out) != count or not all(math.isfinite(v) for v in out):
        return None
    return out


def _pair(value: Any) -> tuple[float, float] | None:
    v = _numbers(value, 2)
    if v is None or v[0] <= 0 or v[1] <= 0:
        return None
    return (v[0], v[1])


def _cosines(value: Any) -> tuple[float, float, float, float, float, float] | None:
    v = _numbers(value, 6)
    if v is None:
        return None
    # Two direction cosines of (about) unit length; a zero vector gives no direction.
    if math.hypot(*v[:3]) < 0.5 or math.hypot(*v[3:]) < 0.5:
        return None
    return (v[0], v[1], v[2], v[3], v[4], v[5])


def _patient_orientation(value: Any) -> tuple[str, str] | None:
    if value is None or isinstance(value, bytes):
        return None
    parts = [value] if isinstance(value, str) else list(value)
    if len(parts) != 2:
        return None
    letters = [str(p).strip().upper() for p in parts]
    if not all(p and set(p) <= _ORIENTATION_LETTERS for p in letters):
        return None
    return (letters[0], letters[1])


def _laterality(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip().upper()
    return v if v in _LATERALITIES else None
