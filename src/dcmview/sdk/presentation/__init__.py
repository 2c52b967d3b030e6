"""Grayscale Softcopy Presentation States (GSPS): annotations, VOI, shutters, rotation.

A GSPS (PS3.3 A.33.1) says how to show one or more images: which VOI (window
or VOI LUT) and Modality LUT to use, whether to invert (Presentation LUT Shape),
how to rotate and flip, which area to display, which parts to hide behind
display shutters, and which graphics and text to draw, on which graphic layers.
:class:`PresentationState` reads one, with pydicom (highdicom's ``hd.pr``
writes presentation states but, as of 0.28, does not read them), and answers
for one referenced image and frame:

- :meth:`PresentationState.annotations`: the Graphic Annotation Sequence
  (0070,0001) items that apply to the image and frame, their graphic objects
  (POINT, POLYLINE, INTERPOLATED, CIRCLE, ELLIPSE) and text objects, in the
  image's pixel coordinates (``(row, column)``, integers at pixel centres, see
  :mod:`dcmview.sdk.geometry`). PIXEL units count from the top-left corner of
  the image (:func:`~dcmview.sdk.geometry.corner_to_centre`); DISPLAY units are
  fractions of the displayed area *after* rotation and flip (PS3.3 C.10.5.1.1,
  C.10.6 Note), converted back through the displayed area and the spatial
  transformation;
- :meth:`PresentationState.window`: the Softcopy VOI LUT Sequence (0028,3110)
  item for the image, as a :class:`~dcmview.sdk.window.Window`;
- :meth:`PresentationState.displayed_area`, :attr:`PresentationState.spatial`;
- :meth:`PresentationState.shutter_mask`: the display shutters (rectangular,
  circular, polygonal) as a boolean mask, True where the image shows;
- :meth:`PresentationState.apply`: the frame rendered as the state says,
  through :func:`dcmview.sdk.display.render` (the same pipeline as
  :meth:`Frame.render <dcmview.sdk.frame.Frame.render>`), with shutters and,
  on request, rotation and flip;
- :meth:`PresentationState.display_settings`: the same settings for a viewer
  that draws the image itself, JSON-ready: the window in the *image's* modality
  values (a state's own rescale is carried over exactly for each VOI function;
  with a Modality or VOI LUT table involved ``lut`` is true and the viewer keeps
  its window), ``invert`` as :meth:`apply` decides it, ``rotation`` and
  ``flip``, the displayed area and the shutter shapes as ``[x, y]`` from the
  image's top-left corner, with the shutter's fill colour.

Grey levels follow the GSPS pipeline of PS3.4 N.2: the presentation state's
Modality LUT (when it has one, and the image keeps none in functional groups)
replaces the image's, its VOI replaces the image's window, and its
Presentation LUT Shape decides the inversion (the image's MONOCHROME1 is then
not used: INVERSE is what a GSPS of a MONOCHROME1 image says). A GSPS without
a VOI for the image falls back to the image's own window (or the percentile
window), as :meth:`Frame.render <dcmview.sdk.frame.Frame.render>` does.

:func:`read_display_shutter` reads an image's own Display Shutter (PS3.3
C.7.6.11: the same attributes, in DX, MG, CR and XA images) into the same
:class:`Shutter`; :func:`dcmview.sdk.image_layers.presentation_layer` draws it.

Not read: bitmap shutters and overlays (Overlay Planes), Presentation LUT
tables (a Presentation LUT Sequence is reported, and shown as IDENTITY),
compound graphics, MATRIX units (whole-slide images).
"""

from __future__ import annotations

from dcmview.sdk.presentation._read import read_display_shutter
from dcmview.sdk.presentation._state import (
    GSPS_CLASS,
    PresentationState,
    read_presentation_state,
)
from dcmview.sdk.presentation._values import (
    Annotations,
    DisplayedArea,
    GraphicLayer,
    GraphicObject,
    GraphicType as GraphicType,
    ImageReference,
    Shutter,
    SpatialTransform,
    TextObject,
    polygon_mask as polygon_mask,
)

__all__ = [
    "GSPS_CLASS",
    "Annotations",
    "DisplayedArea",
    "GraphicLayer",
    "GraphicObject",
    "ImageReference",
    "PresentationState",
    "Shutter",
    "SpatialTransform",
    "TextObject",
    "read_display_shutter",
    "read_presentation_state",
]
