"""A GSPS that sets the display of a CT slice: window, rotation, displayed area, shutters.

The mammogram's GSPS (derived.gsps) draws findings; this one changes how its
slice is shown, so that a viewer that applies a presentation state has
something to show for each part of it: a soft-tissue window (W 400 / C 40 HU),
a 90° clockwise rotation, a displayed area inside the image, a rectangular and
a circular display shutter (PS3.3 C.7.6.11) with a mid-grey shutter value, and
one text label. highdicom has no arguments for rotation, displayed area or
shutters: those are set with pydicom on the state it builds.
"""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset

from tests.corpus.builder import Corpus
from tests.corpus.ct import CtSeries
from tests.corpus.derived import D, _check_references, _equipment, _pin, _save

#: The slice it applies to (0-based index in the 40-slice CT series): one no other
#: test names, so the panels and counts of the slices they use stay as they were.
SLICE = 24
WINDOW = (40.0, 400.0)  # center, width (HU)
ROTATION = 90
#: 1-based, inclusive (Displayed Area TLHC/BRHC: column\row).
AREA = ((33, 33), (224, 224))
#: Rectangular shutter edges, 1-based inclusive: left, right, upper, lower.
RECTANGLE = (40, 216, 30, 220)
#: Circular shutter: centre row\column (1-based) and radius, in pixels.
CIRCLE = ((129, 129), 100)
#: Shutter Presentation Value: a mid grey (P-value 0..65535), not the pane's black.
SHUTTER_VALUE = 32768


def gsps_display(c: Corpus, ct: CtSeries, study) -> None:
    """The display GSPS on slice SLICE + 1 of the CT series."""
    image = ct.datasets[SLICE]
    layer = hd.pr.GraphicLayer(layer_name="NOTES", order=1, description="Notes")
    annotation = hd.pr.GraphicAnnotation(
        referenced_images=[image],
        graphic_layer=layer,
        text_objects=[hd.pr.TextObject("soft tissue", "PIXEL", anchor_point=(64.0, 64.0))],
    )
    se = c.series(study, "gsps-display", 101, "PR", "GSPS CT DISPLAY")
    pr = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[image],
        content_label="DISPLAY",
        content_description="Soft-tissue window, rotated 90, displayed area and shutters",
        graphic_annotations=[annotation],
        graphic_layers=[layer],
        voi_lut_transformations=[
            hd.pr.SoftcopyVOILUTTransformation(window_center=WINDOW[0], window_width=WINDOW[1])
        ],
        **_equipment(c, se),
    )
    pr = _pin(c, pr, "gsps-display")
    pr.ImageRotation = ROTATION
    pr.ImageHorizontalFlip = "N"
    area = pr.DisplayedAreaSelectionSequence[0]
    area.DisplayedAreaTopLeftHandCorner = list(AREA[0])
    area.DisplayedAreaBottomRightHandCorner = list(AREA[1])
    area.PresentationSizeMode = "SCALE TO FIT"
    pr.ShutterShape = ["RECTANGULAR", "CIRCULAR"]
    left, right, upper, lower = RECTANGLE
    pr.ShutterLeftVerticalEdge, pr.ShutterRightVerticalEdge = left, right
    pr.ShutterUpperHorizontalEdge, pr.ShutterLowerHorizontalEdge = upper, lower
    pr.CenterOfCircularShutter = list(CIRCLE[0])
    pr.RadiusOfCircularShutter = CIRCLE[1]
    pr.ShutterPresentationValue = SHUTTER_VALUE
    uids = {str(image.SOPInstanceUID)}

    def check(path: Path) -> str:
        got: Dataset = pydicom.dcmread(path)
        _check_references(got, uids, None)
        if int(got.ImageRotation) != ROTATION or list(got.ShutterShape) != [
            "RECTANGULAR",
            "CIRCULAR",
        ]:
            raise AssertionError("rotation or shutters")
        voi = got.SoftcopyVOILUTSequence[0]
        if (float(voi.WindowCenter), float(voi.WindowWidth)) != WINDOW:
            raise AssertionError("window")
        if not np.isclose(float(got.RescaleIntercept), float(image.RescaleIntercept)):
            raise AssertionError("its Modality LUT is not the slice's")
        return "window, rotation, area, 2 shutters"

    _save(
        c,
        f"{D}/ct/GSPS_CT_display.dcm",
        pr,
        desc="GSPS on one CT slice: W 400/C 40, rotated 90, displayed area, "
        "rectangular + circular shutter",
        derived_from=f"{ct.root}/IM{SLICE + 1:05d}.dcm",
        content={
            "window": list(WINDOW),
            "rotation": ROTATION,
            "displayed_area": [list(AREA[0]), list(AREA[1])],
            "shutters": ["RECTANGULAR", "CIRCULAR"],
            "shutter_value": SHUTTER_VALUE,
            "texts": ["soft tissue"],
        },
        check=check,
    )
